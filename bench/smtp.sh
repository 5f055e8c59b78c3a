#!/usr/bin/env bash
# MX ingest benchmark: starts mailwarden with a benchmark configuration (durable SQLite store,
# logging at info to a file, no reverse DNS, no greeting delay) on 127.0.0.1:2625, creates the
# domain bench.test with a catch-all user, and runs ../shared/bench/smtp_bench.py with mailwarden
# as a target next to Postfix, Haraka, the Node baseline and smtp-sink.
# Usage: bench/smtp.sh [smtp_bench.py options...]   (as root; run ../shared/bench/setup.sh first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$root/../shared/bench}
work=${BENCH_MW:-/tmp/mailwarden-bench}
rm -rf "$work" && mkdir -p "$work"
cat > "$work/mailwarden.toml" <<TOML
hostname = "mx.bench.test"
data_dir = "$work/data"
[listen]
mx = ["127.0.0.1:2625"]
submission = []
submissions = []
pop3 = []
pop3s = []
imap = []
imaps = []
https = []
[limits]
max_connections_per_ip = 1000
max_line_length = 2000
[log]
level = "info"
[dns]
zone_file = "$work/lab.zone"
TOML
printf '$TTL 300\n' > "$work/lab.zone"   # no network DNS: every sender domain is NXDOMAIN (SPF/DMARC none)
mw() { "$root/bin/mailwarden" --config "$work/mailwarden.toml" "$@"; }
mw domain add bench.test >/dev/null
echo 'bench password 1' | mw user add sink@bench.test --password-stdin >/dev/null
mw alias add @bench.test sink@bench.test >/dev/null
"$root/node_modules/.bin/node" "$root/src/cli/main.ts" --config "$work/mailwarden.toml" serve > "$work/mailwarden.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/2625) 2>/dev/null && break; sleep 0.2; done
python3 "$bench/smtp_bench.py" --target "mailwarden=127.0.0.1:2625" --target-pid "mailwarden=$pid" "$@"
echo "mailwarden stored: $(sqlite3 "$work/data/mailwarden.db" 'select count(*) from messages' 2>/dev/null || echo '?') messages; log: $work/mailwarden.log"
