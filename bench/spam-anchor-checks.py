#!/usr/bin/env python3
"""Benchmark (not a test): the issue's anchor filters, SpamAssassin's Bayes classifier and
bogofilter, measured on the same checks as our filter in bench/spam-eval.ts, so the comparison
is not made on the test split alone.

Checks (all inside the train split of ../shared/corpus/spam-dev-split.txt except `test`):
  cv       10-fold cross-validation: train message i (in the split file's order) is in fold
           i mod 10; the scores of all folds are pooled (bench/spam-eval.ts --cv 10)
  shift    train on the older collections (easy_ham_2, hard_ham, spam_2), score the newer ones
           (easy_ham, spam) (bench/spam-eval.ts --shift)
  back     the other way (--shift-back)
  test     train on the train split, score the test split (the issue's figure)

Variants of SpamAssassin (--sa):
  stock    as ../shared/bench/spam/anchor.py: the issue's anchor
  norcvd   bayes_ignore_header for Received and the relay lists SpamAssassin derives from it
           (X-Spam-Relays-*)
  nopath   also every other field the collection path added (Return-Path, Delivered-To,
           Delivery-Date, X-Authentication-Warning, mail readers' status fields ...)

It uses the functions of ../shared/bench/spam/anchor.py (train with sa-learn / bogofilter -s -n,
classify with sa_bayes_classify.pl / bogofilter -T), so the figures are the anchor's own method.
Needs Debian's spamassassin and bogofilter (apt-get install spamassassin bogofilter). One check
of SpamAssassin takes 2 to 20 minutes on this machine (cv: 10 trainings); all of the example, about 50.

  python3 bench/spam-anchor-checks.py --checks cv,shift,back,test --sa stock,norcvd,nopath \\
      --bogofilter --work /tmp/anchor --json bench/results/spam-anchor-checks.json

Only aggregate figures are printed and written; per-message scores stay in --work
(<filter>-<variant>-<check>.jsonl, the format of bench/spam-eval.ts --dump, for
bench/spam-compare.py).
"""
import argparse
import bisect
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus")

spec = importlib.util.spec_from_file_location("anchor", os.path.join(SHARED, "bench", "spam", "anchor.py"))
anchor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(anchor)

RELAYS = ["Received", "X-Spam-Relays-Trusted", "X-Spam-Relays-Untrusted", "X-Spam-Relays-Internal",
          "X-Spam-Relays-External"]
PATH = RELAYS + ["Return-Path", "Delivered-To", "Delivery-Date", "Envelope-To", "X-Authentication-Warning",
                 "X-MIME-Autoconverted", "X-Keywords", "Status", "X-Status", "X-UID"]
SA_VARIANTS = {"stock": [], "norcvd": RELAYS, "nopath": PATH}
BASE_CF = anchor.SA_ANCHOR_CF
OLDER = re.compile(r"^(ham/easy_ham_2|ham/hard_ham|spam/spam_2)\.")


def splits(check):
    """(train, scored) lists of (label, absolute path) for one check, or for cv one pair per fold."""
    items = []
    with open(os.path.join(CORPUS, "spam-dev-split.txt"), encoding="ascii") as fh:
        for line in fh:
            if line.strip():
                part, rel = line.split()
                items.append((part, rel.split("/", 1)[0], rel, os.path.join(CORPUS, "spam-dev", rel)))
    train = [(lab, p, rel) for part, lab, rel, p in items if part == "train"]
    test = [(lab, p, rel) for part, lab, rel, p in items if part == "test"]
    strip = lambda xs: [(lab, p) for lab, p, _ in xs]
    if check == "test":
        return [(strip(train), strip(test))]
    if check == "cv":
        return [(strip([t for i, t in enumerate(train) if i % 10 != f]), strip([t for i, t in enumerate(train) if i % 10 == f])) for f in range(10)]
    older = [t for t in train if OLDER.match(t[2])]
    newer = [t for t in train if not OLDER.match(t[2])]
    return [(strip(older), strip(newer))] if check == "shift" else [(strip(newer), strip(older))]


def tradeoff_fn(ham, spam, k):
    """Spam at or below the cutoff that lets exactly k ham through (ham scores sorted descending)."""
    hs = sorted(ham, reverse=True)
    if k >= len(hs):
        return 0
    cut = hs[k]
    return sum(1 for s in spam if s <= cut)


def figures(scored, scores):
    ham = [scores[p][0] for lab, p in scored if lab == "ham"]
    spam = [scores[p][0] for lab, p in scored if lab == "spam"]
    return {
        "ham": len(ham), "spam": len(spam),
        "one_minus_roca_pct": anchor.one_minus_roca(scored, scores),
        "fp_fn_at_0.5": [sum(1 for s in ham if s > 0.5), sum(1 for s in spam if s <= 0.5)],
        "fn_at_3_fp": tradeoff_fn(ham, spam, 3),
    }


def run(filter_name, variant, check, work):
    pooled, scored_all = {}, []
    for n, (train, scored) in enumerate(splits(check)):
        w = os.path.join(work, f"{filter_name}-{variant}-{check}-{n}")
        os.makedirs(w, exist_ok=True)
        if filter_name == "spamassassin":
            anchor.SA_ANCHOR_CF = BASE_CF + "".join(f"bayes_ignore_header {h}\n" for h in SA_VARIANTS[variant])
            res = anchor.run_spamassassin(train, scored, w, 1)
        else:
            res = anchor.run_bogofilter(train, scored, w)
        pooled.update(res["scores"])
        scored_all += scored
        print(f"  {filter_name} {variant} {check} part {n + 1}", file=sys.stderr)
    # Per-message scores in bench/spam-eval.ts --dump's format, for bench/spam-compare.py.
    with open(os.path.join(work, f"{filter_name}-{variant}-{check}.jsonl"), "w") as fh:
        for lab, p in scored_all:
            fh.write(json.dumps({"name": os.path.relpath(p, os.path.join(CORPUS, "spam-dev")), "score": pooled[p][0], "label": lab}) + "\n")
    return figures(scored_all, pooled)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checks", default="cv,shift,back,test")
    ap.add_argument("--sa", default="stock,norcvd,nopath", help="SpamAssassin variants ('' for none)")
    ap.add_argument("--bogofilter", action="store_true")
    ap.add_argument("--work", required=True)
    ap.add_argument("--json")
    a = ap.parse_args()
    runs = [("spamassassin", v) for v in a.sa.split(",") if v] + ([("bogofilter", "stock")] if a.bogofilter else [])
    out = []
    for check in a.checks.split(","):
        for f, v in runs:
            r = {"filter": f, "variant": v, "check": check, **run(f, v, check, a.work)}
            out.append(r)
            print(f"{f:13} {v:7} {check:6} 1-ROCA {r['one_minus_roca_pct']:.4f}%  FP/FN at 0.5 {r['fp_fn_at_0.5'][0]}/{r['fp_fn_at_0.5'][1]}  FN at 3 FP {r['fn_at_3_fp']}  ({r['ham']} ham, {r['spam']} spam)", flush=True)
            if a.json:
                with open(a.json, "w") as fh:
                    json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
