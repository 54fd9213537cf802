#!/usr/bin/env python3
"""Builds the training-only lexicon files of this folder from the registry packages (see README.md).

    pip download --no-deps vaderSentiment==3.3.2 -d /tmp/lex && unzip -q /tmp/lex/*.whl -d /tmp/lex/vader
    (cd /tmp/lex && npm pack @nlpjs/lang-ko@4.26.1 && tar xzf nlpjs-lang-ko-4.26.1.tgz)
    PYTHONPATH=/tmp/lex/vader python3 build_lexicons.py /tmp/lex

Writes `vader_en.tsv` (VADER's words and emoticons with their mean valence, and VADER's emoji with the
compound score VADER gives them through their descriptions, scaled to its -4..4 range) and `afinn_ko.tsv`
(nlp.js's Korean AFINN entries, -5..5). Format: `text<TAB>valence`, a header line, sorted, UTF-8.
Entries with |valence| below the cut-offs are left out: they carry too little polarity to teach it.
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VADER_MIN = 1.0  # of 4
AFINN_MIN = 1  # of 5


def write(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        f.write("text\tvalence\n")
        for text, v in sorted(set(rows)):
            f.write(f"{text}\t{v:g}\n")


def vader(root):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    rows = []
    with open(os.path.join(root, "vader/vaderSentiment/vader_lexicon.txt"), encoding="utf-8") as f:
        for line in f:
            text, mean = line.split("\t")[:2]
            if abs(float(mean)) >= VADER_MIN and "\t" not in text and text.strip() == text and text:
                rows.append((text, round(float(mean), 2)))
    analyzer = SentimentIntensityAnalyzer()
    with open(os.path.join(root, "vader/vaderSentiment/emoji_utf8_lexicon.txt"), encoding="utf-8") as f:
        for line in f:
            emoji = line.split("\t")[0]
            compound = analyzer.polarity_scores(emoji)["compound"]
            if abs(4 * compound) >= VADER_MIN:
                rows.append((emoji, round(4 * compound, 2)))
    return rows


def afinn_ko(root):
    with open(os.path.join(root, "package/src/sentiment/afinn_ko.json"), encoding="utf-8") as f:
        entries = json.load(f)
    # Only Hangul entries: the file also has emoji and English leftovers, which VADER covers.
    return [(t, v) for t, v in entries.items() if re.search("[가-힣]", t) and abs(v) >= AFINN_MIN and "\t" not in t]


def main():
    root = sys.argv[1]
    write("vader_en.tsv", vader(root))
    write("afinn_ko.tsv", afinn_ko(root))


if __name__ == "__main__":
    main()
