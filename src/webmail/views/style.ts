/**
 * The webmail's one stylesheet, served at /mail/style.css (CSP style-src 'self': no inline
 * styles anywhere in our pages).
 */
export const STYLESHEET = `
:root { --fg: #1b1b1b; --muted: #666; --line: #ddd; --accent: #174ea6; --bad: #b3261e; --warn: #8a5300; --ok: #146c2e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: #fafafa; }
a { color: var(--accent); }
header.top { display: flex; align-items: center; gap: 1em; padding: .5em 1em; background: #fff; border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 600; }
header.top .who { margin-left: auto; color: var(--muted); }
header.top form { margin: 0; }
.wrap { display: flex; align-items: flex-start; }
nav.boxes { width: 14em; padding: 1em; }
nav.boxes ul { list-style: none; margin: 0; padding: 0; }
nav.boxes li { display: flex; justify-content: space-between; padding: .15em .3em; border-radius: 4px; }
nav.boxes li.current { background: #e8eefb; font-weight: 600; }
nav.boxes .n { color: var(--muted); font-size: .85em; }
main { flex: 1; padding: 1em; min-width: 0; }
main.narrow { max-width: 26em; margin: 3em auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .3em .5em; border-bottom: 1px solid var(--line); vertical-align: top; }
tr.unseen td { font-weight: 600; }
td.size, td.date { white-space: nowrap; color: var(--muted); }
.badge { display: inline-block; padding: 0 .4em; border-radius: 3px; font-size: .8em; font-weight: 600; border: 1px solid; white-space: nowrap; }
.badge.ham { color: var(--ok); } .badge.unsure { color: var(--warn); } .badge.spam, .badge.phishing { color: var(--bad); } .badge.untrained, .badge.error { color: var(--muted); }
.alert { border: 2px solid var(--bad); background: #fdecea; padding: .6em 1em; border-radius: 6px; margin: 0 0 1em; }
.alert h2 { margin: 0 0 .3em; font-size: 1.05em; color: var(--bad); }
.notice { border: 1px solid var(--line); background: #fff; padding: .5em 1em; border-radius: 6px; margin: 0 0 1em; }
.error { color: var(--bad); }
.headers th { width: 6em; color: var(--muted); font-weight: normal; }
.panel { margin: 1em 0; }
.panel h2 { font-size: 1em; margin: 0 0 .3em; }
pre.body { white-space: pre-wrap; word-wrap: break-word; background: #fff; border: 1px solid var(--line); padding: 1em; font: 14px/1.45 ui-monospace, monospace; }
iframe.html { width: 100%; height: 70vh; border: 1px solid var(--line); background: #fff; }
.actions { display: flex; flex-wrap: wrap; gap: .4em; margin: 0 0 1em; }
.actions form { margin: 0; }
button { font: inherit; padding: .25em .8em; }
button.danger { color: var(--bad); }
label { display: block; margin: .6em 0 .2em; }
input[type=text], input[type=password], input[type=email] { width: 100%; padding: .35em; font: inherit; }
.pager { margin: 1em 0; display: flex; gap: 1em; }
.muted { color: var(--muted); }
`;
