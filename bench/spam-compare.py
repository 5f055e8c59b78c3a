#!/usr/bin/env python3
"""Benchmark helper (not a test): how sure a 1-ROCA comparison is.

1-ROCA on a few hundred messages hinges on a handful of them (one ham scored above 100 spam is
100 of the test split's 314,191 pairs, 0.032 points), so a difference between two filters on one
split may be chance. This reads per-message scores of filters scored on the SAME messages
(bench/spam-eval.ts --dump, bench/spam-anchor-checks.py's <filter>-<variant>-<check>.jsonl) and
prints each filter's 1-ROCA with a 95% bootstrap interval, and for each pair the difference with
its interval: a paired, stratified bootstrap (ham and spam resampled separately with
replacement, the same resample for both filters; Efron and Tibshirani, An Introduction to the
Bootstrap, 1993, percentile intervals). 1-ROCA as in the TREC spam track and
../shared/bench/spam/anchor.py (ties count one half).

  python3 bench/spam-compare.py ours=/tmp/test.default.jsonl sa=/tmp/anchor/spamassassin-stock-test.jsonl
  --resamples N (2000)  --seed S (1)  --json FILE
"""
import argparse
import bisect
import json
import random


def load(path):
    out = {}
    with open(path) as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                out[r["name"]] = (r["label"], float(r["score"]))
    return out


def one_minus_roca(spam, ham):
    """1 - AUC in percent for lists of scores; ties count one half."""
    hs = sorted(ham)
    wins = 0.0
    for s in spam:
        lo = bisect.bisect_left(hs, s)
        hi = bisect.bisect_right(hs, s)
        wins += lo + 0.5 * (hi - lo)
    return 100.0 * (1.0 - wins / (len(spam) * len(hs)))


def interval(xs):
    xs = sorted(xs)
    return xs[int(0.025 * (len(xs) - 1))], xs[int(0.975 * (len(xs) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="NAME=FILE.jsonl")
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    runs = [(r.split("=", 1)[0], load(r.split("=", 1)[1])) for r in a.runs]
    names = sorted(set.intersection(*(set(d) for _, d in runs)))
    for n, d in runs:
        if len(d) != len(names):
            raise SystemExit(f"{n}: scored {len(d)} messages, {len(names)} in common: the runs must score the same messages")
    ham = [m for m in names if runs[0][1][m][0] == "ham"]
    spam = [m for m in names if runs[0][1][m][0] == "spam"]
    rng = random.Random(a.seed)
    point = {n: one_minus_roca([d[m][1] for m in spam], [d[m][1] for m in ham]) for n, d in runs}
    boot = {n: [] for n, _ in runs}
    for _ in range(a.resamples):
        h = [rng.choice(ham) for _ in ham]
        s = [rng.choice(spam) for _ in spam]
        for n, d in runs:
            boot[n].append(one_minus_roca([d[m][1] for m in s], [d[m][1] for m in h]))
    out = {"ham": len(ham), "spam": len(spam), "resamples": a.resamples, "filters": {}, "differences": []}
    print(f"{len(ham)} ham, {len(spam)} spam, {a.resamples} paired stratified bootstrap resamples")
    for n, _ in runs:
        lo, hi = interval(boot[n])
        out["filters"][n] = {"one_minus_roca_pct": point[n], "ci95": [lo, hi]}
        print(f"  {n:24} 1-ROCA {point[n]:.4f}%   95% interval {lo:.4f} .. {hi:.4f}%")
    for i, (n1, _) in enumerate(runs):
        for n2, _ in runs[i + 1:]:
            diffs = [x - y for x, y in zip(boot[n1], boot[n2])]
            lo, hi = interval(diffs)
            share = sum(1 for x in diffs if x < 0) / len(diffs)
            out["differences"].append({"a": n1, "b": n2, "difference_pct": point[n1] - point[n2], "ci95": [lo, hi], "share_a_lower": share})
            print(f"  {n1} - {n2}: {point[n1] - point[n2]:+.4f} points, 95% interval {lo:+.4f} .. {hi:+.4f}; {n1} lower in {100 * share:.0f}% of resamples")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
