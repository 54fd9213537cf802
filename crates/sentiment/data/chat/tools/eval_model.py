#!/usr/bin/env python3
"""Scores a sentiment model on the chat splits through the crate's own `sentiment-predict` binary.

    python3 crates/sentiment/data/chat/tools/eval_model.py --splits train,dev [--by-category] [--weights FILE]
    python3 crates/sentiment/data/chat/tools/eval_model.py --splits test --frozen-test-once   # once per model

Prints three-way accuracy, a confusion table and per-class recall for each language. Line breaks inside a
message become spaces (`sentiment-predict` reads one message a line). Standard library only.
"""

import argparse
import subprocess
from collections import defaultdict

from chatdata import LABEL_NAMES, LANGS, REPO, all_split_rows, unescape


def evaluate(args):
    if "test" in args.splits.split(",") and not args.frozen_test_once:
        raise SystemExit("the test split is scored once per model, never to choose anything: pass "
                         "--frozen-test-once to confirm (README.md, 'The test split')")
    rows = [r for r in all_split_rows() if r[1] in args.splits.split(",")]
    texts = [unescape(r[2]).replace("\n", " ").replace("\t", " ") for r in rows]
    cmd = ["cargo", "run", "-q", "-p", "moodchat-sentiment", "--profile", "server", "--features", "train",
           "--bin", "sentiment-predict", "--"] + (["--weights", args.weights] if args.weights else [])
    out = subprocess.run(cmd, input="\n".join(texts) + "\n", capture_output=True, text=True, cwd=REPO, check=True)
    predicted = [LABEL_NAMES.index(line.split()[1]) for line in out.stdout.splitlines()]
    if len(predicted) != len(rows):
        raise SystemExit(f"sentiment-predict printed {len(predicted)} lines for {len(rows)} messages")
    for lang in LANGS:
        pairs = [(r[3], p, r[4]) for r, p in zip(rows, predicted) if r[0] == lang]
        if not pairs:
            continue
        right = sum(g == p for g, p, _ in pairs)
        print(f"\n{lang} ({args.splits}): accuracy {100 * right / len(pairs):.1f}% of {len(pairs)}")
        print("| gold \\ predicted | negative | neutral | positive | recall |\n|---|---|---|---|---|")
        for g in range(3):
            row = [sum(1 for x, p, _ in pairs if x == g and p == q) for q in range(3)]
            print(f"| {LABEL_NAMES[g]} | {row[0]} | {row[1]} | {row[2]} | {100 * row[g] / max(1, sum(row)):.1f}% |")
        if args.by_category:
            per = defaultdict(lambda: [0, 0])
            for g, p, cat in pairs:
                per[cat][0] += g == p
                per[cat][1] += 1
            print(" ".join(f"{cat} {100 * a / n:.0f}%/{n}" for cat, (a, n) in sorted(per.items())))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", default="train,dev", help="comma-separated: train, dev, test")
    parser.add_argument("--weights", help="a weights file (default: the committed one)")
    parser.add_argument("--by-category", action="store_true", help="accuracy per category too")
    parser.add_argument("--frozen-test-once", action="store_true",
                        help="confirm that the frozen test split is scored once, to report, not to choose")
    evaluate(parser.parse_args())


if __name__ == "__main__":
    main()
