#!/usr/bin/env python3
"""Checks moodchat's hand-written chat messages and builds the frozen splits.

    python3 crates/sentiment/data/chat/tools/chatdata.py check   # duplicates, near copies, labels
    python3 crates/sentiment/data/chat/tools/chatdata.py split   # writes {ko,en}_{train,dev,test}.tsv
    python3 crates/sentiment/data/chat/tools/chatdata.py stats   # count tables for README.md

Standard library only. `eval_model.py` beside it scores a model on the splits. The sources are
source/<lang>/<category>.txt, and source/<lang>/train_only/<category>.txt for messages written after the test
split was frozen (always dealt to train, never counted in the dev/test deal), one message a line:
`+ text` positive, `0 text` neutral, `- text` negative; a label written `=+` (`=0`, `=-`) marks a message
written as a variation of (or a contrast to) the message above it, and the two always land in the same split.
Lines starting with `#` and blank lines are ignored. Message text is stored escaped: `\\n` newline,
`\\t` tab, `\\\\` backslash (the same escaping as the TSV files).
"""

import argparse
import hashlib
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # crates/sentiment/data/chat
REPO = ROOT.parents[2]
LANGS = ("ko", "en")
LABELS = {"-": 0, "0": 1, "+": 2}
LABEL_NAMES = ("negative", "neutral", "positive")
SPLITS = ("train", "dev", "test")
HEADER = "text\tlabel\tcategory\tgroup"
# Messages written after the test split was frozen (issue 16, round 7) live in source/<lang>/train_only/: they
# go to train only, so the frozen test split and the dev split stay exactly as they were and figures on dev stay
# comparable across rounds.
TRAIN_ONLY = "train_only"

# The split procedure (README.md, "How the splits were made"). Changing any of these re-deals train and dev;
# the test split is frozen and never re-dealt (see `split`).
SEED = "moodchat-chat-16"
TEST_SHARE = 0.24
DEV_SHARE = 0.13
# The four messages quoted in issue 16, and the issue's English glosses of them, are known to the developers:
# training only.
ISSUE_EXAMPLES = {
    "도와줘서 진짜 고마워 덕분에 살았다",
    "어제 먹은 파스타 진짜 맛있었어 또 가자",
    "그렇게 말하니까 좀 섭섭하네",
    "내일 면접이라 너무 떨려서 잠이 안 와",
    "thanks so much for the help, you saved me",
    "the pasta yesterday was so good, let's go again",
    "that hurts a little, you saying that",
    "interview tomorrow, too nervous to sleep",
}

# Near-copy thresholds (see `near_pairs`).
DICE_THRESHOLD = 0.8
MIN_CORE_CHARS = 4


class Message:
    __slots__ = ("lang", "category", "label", "text", "line", "joins_previous", "norm", "core", "group",
                 "train_only")

    def __init__(self, lang, category, label, text, line, joins_previous, train_only=False):
        self.lang, self.category, self.label, self.text = lang, category, label, text
        self.line, self.joins_previous, self.train_only = line, joins_previous, train_only
        self.norm = normalise(unescape(text))
        self.core = core_of(unescape(text))
        self.group = None

    def where(self):
        folder = f"{self.lang}/train_only" if self.train_only else self.lang
        return f"{folder}/{self.category}.txt:{self.line}"


def unescape(text):
    out, chars = [], iter(text)
    for c in chars:
        if c != "\\":
            out.append(c)
            continue
        nxt = next(chars, "")
        out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(nxt, None) or fail_escape(text))
    return "".join(out)


def fail_escape(text):
    raise ValueError(f"bad escape in {text!r}: only \\n, \\t and \\\\ are allowed")


def is_symbol(c):
    cat = unicodedata.category(c)
    return cat.startswith("S") or c in "\u200d\ufe0f"


def normalise(text):
    """Lower case, no spaces or punctuation but "?" (a question is another message: "피곤해" / "피곤해?"),
    every run of one character cut to one (ㅋㅋㅋ = ㅋ, sooo = so)."""
    text = unicodedata.normalize("NFC", text).lower()
    kept = [c for c in text if not (c.isspace() or (unicodedata.category(c).startswith("P") and c != "?"))]
    if not kept:  # an ASCII emoticon alone (":)", ":(", ";;") is all punctuation: keep it whole
        kept = [c for c in text if not c.isspace()]
    return re.sub(r"(.)\1+", r"\1", "".join(kept))


def core_of(text):
    """The normalised text without emoji, symbols and laughing/crying jamo runs (ㅋㅋ, ㅎㅎ, ㅠㅠ, ㅜㅜ; not the ㅎ
    of ㅎㅇ or the ㅋ of ㅇㅋ): two messages with the same core differ only by a tone marker, i.e. one is a
    template-swapped copy of the other."""
    text = re.sub(r"(?<![ㄱ-ㅣ])[ㅋㅎㅠㅜ]+(?![ㄱ-ㅣ])", "", unicodedata.normalize("NFC", text))
    return "".join(c for c in normalise(text) if not is_symbol(c))


def read_sources():
    messages = []
    for lang in LANGS:
        # Train-only sources come after a language's other sources, so a group's first message (which names
        # the group) is never a train-only one when the group has older messages.
        regular = sorted((ROOT / "source" / lang).glob("*.txt"))
        train_only = sorted((ROOT / "source" / lang / TRAIN_ONLY).glob("*.txt"))
        for path in regular + train_only:
            for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not raw.strip() or raw.startswith("#"):
                    continue
                m = re.fullmatch(r"(=?)([-0+]) (\S.*)", raw)
                if not m:
                    raise SystemExit(f"{path}:{number}: expected '<label> <text>' with label +, 0 or -: {raw!r}")
                text = m.group(3).rstrip()
                if "\t" in text:
                    raise SystemExit(f"{path}:{number}: a raw tab; write \\t")
                messages.append(Message(lang, path.stem, LABELS[m.group(2)], text, number, m.group(1) == "=",
                                        path.parent.name == TRAIN_ONLY))
    return messages


def bigrams(s):
    return Counter(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else Counter([s])


def near_pairs(messages):
    """Pairs of one language that are near copies: the same core (differ only by emoji, ㅋㅋ/ㅠㅠ, spacing,
    punctuation, repeated letters), character-bigram Dice >= DICE_THRESHOLD, or four or more words that
    differ in exactly one word (a template with one slot swapped)."""
    pairs = set()
    by_lang = defaultdict(list)
    for i, m in enumerate(messages):
        by_lang[m.lang].append(i)
    for ids in by_lang.values():
        by_core = defaultdict(list)
        for i in ids:
            by_core[messages[i].core or messages[i].norm].append(i)
        for same in by_core.values():
            pairs.update((a, b) for k, a in enumerate(same) for b in same[k + 1:])
        grams = {i: bigrams(messages[i].core) for i in ids if len(messages[i].core) >= MIN_CORE_CHARS}
        index = defaultdict(list)
        for i, g in grams.items():
            for gram in g:
                index[gram].append(i)
        for i, g in grams.items():
            shared = Counter()
            for gram, n in g.items():
                for j in index[gram]:
                    if j > i:
                        shared[j] += min(n, grams[j][gram])
            size_i = sum(g.values())
            for j, common in shared.items():
                if 2 * common / (size_i + sum(grams[j].values())) >= DICE_THRESHOLD:
                    pairs.add((i, j))
        by_shape = defaultdict(list)
        for i in ids:
            words = unescape(messages[i].text).lower().split()
            if len(words) >= 4:
                for slot in range(len(words)):
                    by_shape[tuple(words[:slot] + ["*"] + words[slot + 1:])].append(i)
        for same in by_shape.values():
            pairs.update((min(a, b), max(a, b)) for k, a in enumerate(same) for b in same[k + 1:] if a != b)
    return sorted(pairs)


def group_messages(messages, pairs):
    """Union-find: explicit variations and different-label near copies share a group (one split)."""
    parent = list(range(len(messages)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, m in enumerate(messages):
        if m.joins_previous:
            above = messages[i - 1] if i else None
            if above is None or (above.category, above.train_only) != (m.category, m.train_only):
                raise SystemExit(f"{m.where()}: '=' needs a message above it in the same file")
            parent[find(i)] = find(i - 1)
    for a, b in pairs:
        parent[find(a)] = find(b)
    members = defaultdict(list)
    for i in range(len(messages)):
        members[find(i)].append(i)
    for ids in members.values():
        first = messages[ids[0]]
        key = hashlib.sha256(f"{first.lang}:{first.norm}".encode()).hexdigest()[:12]
        for i in ids:
            messages[i].group = key
    return [ids for ids in members.values()]


def check(messages, verbose=True):
    """Returns (pairs, problems): near-copy pairs, and the ones that are errors (same label)."""
    pairs = near_pairs(messages)
    problems = []
    for a, b in pairs:
        ma, mb = messages[a], messages[b]
        if ma.label == mb.label:
            problems.append(f"near copy, same label: {ma.where()} {ma.text!r} ~ {mb.where()} {mb.text!r}")
        elif verbose:
            print(f"contrast pair (same split): {ma.text!r} [{LABEL_NAMES[ma.label]}] ~ "
                  f"{mb.text!r} [{LABEL_NAMES[mb.label]}]")
    return pairs, problems


def escape_check(messages):
    for m in messages:
        try:
            unescape(m.text)
        except ValueError as e:
            raise SystemExit(f"{m.where()}: {e}")


def split_path(lang, split):
    return ROOT / f"{lang}_{split}.tsv"


def read_split(path):
    rows = []
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[0] != HEADER or lines[-1] != "":
        raise SystemExit(f"{path}: expected the header {HEADER!r} and a final newline")
    for line in lines[1:-1]:
        text, label, category, group = line.split("\t")
        rows.append((text, int(label), category, group))
    return rows


def assign(messages, groups, pairs):
    """Seeded, stratified, group-preserving split; the committed test files are frozen and kept as they are.
    Train-only groups are left out of the deal (the older messages are dealt exactly as before) and go to
    train."""
    frozen = {}
    for lang in LANGS:
        path = split_path(lang, "test")
        if path.exists():
            for text, label, _, _ in read_split(path):
                frozen[(lang, text)] = label
    by_key = {(m.lang, m.text): m for m in messages}
    for (lang, text), label in frozen.items():
        m = by_key.get((lang, text))
        if m is None or m.label != label:
            raise SystemExit(f"frozen test message missing or relabelled in the sources: {lang} {text!r}; "
                             "the test split is frozen (GUIDELINE.md, last section)")
    strata = defaultdict(list)
    for ids in groups:
        if messages[ids[0]].train_only:
            continue
        first = messages[ids[0]]
        strata[(first.lang, first.label)].append(ids)
    split_of = {}
    for (lang, label), stratum in sorted(strata.items()):
        stratum.sort(key=lambda ids: hashlib.sha256(f"{SEED}:{messages[ids[0]].group}".encode()).hexdigest())
        total = sum(len(ids) for ids in stratum)
        want = {"test": round(TEST_SHARE * total), "dev": round(DEV_SHARE * total)}
        have = Counter()
        for ids in stratum:
            texts = [messages[i].text for i in ids]
            if any(unescape(t) in ISSUE_EXAMPLES for t in texts):
                split = "train"
            elif frozen:
                # Frozen: a group is test exactly when its messages are in the committed test file.
                in_test = [(lang, t) in frozen for t in texts]
                if any(in_test) and not all(in_test):
                    raise SystemExit(f"a group straddles the frozen test split: {texts}")
                split = "test" if all(in_test) else ("dev" if have["dev"] < want["dev"] else "train")
            elif have["test"] < want["test"]:
                split = "test"
            elif have["dev"] < want["dev"]:
                split = "dev"
            else:
                split = "train"
            have[split] += len(ids)
            for i in ids:
                split_of[i] = split
    attach_train_only(messages, groups, pairs, split_of)
    return split_of, bool(frozen)


def attach_train_only(messages, groups, pairs, split_of):
    """Train-only groups go to train. One that is a contrast pair of an older message joins that message's group
    (same id, so cross-validation keeps them together), which must be in train: a train-only message may not
    resemble a dev or test message, and may not tie two older groups together."""
    group_of = {i: n for n, ids in enumerate(groups) for i in ids}
    linked = defaultdict(set)
    for a, b in pairs:
        if messages[a].train_only != messages[b].train_only:
            new, old = (a, b) if messages[a].train_only else (b, a)
            if split_of[old] != "train":
                raise SystemExit(f"train-only {messages[new].where()} {messages[new].text!r} is a near copy of "
                                 f"the {split_of[old]} message {messages[old].where()} {messages[old].text!r}: "
                                 "rewrite it")
            linked[group_of[new]].add(messages[old].group)
    for n, ids in enumerate(groups):
        if not messages[ids[0]].train_only:
            continue
        if len(linked[n]) > 1:
            raise SystemExit(f"train-only {messages[ids[0]].where()} is a near copy of messages in "
                             f"{len(linked[n])} older groups: rewrite it")
        for i in ids:
            split_of[i] = "train"
            if linked[n]:
                messages[i].group = next(iter(linked[n]))


def write_splits(messages, split_of, frozen):
    for lang in LANGS:
        for split in SPLITS:
            if split == "test" and frozen:
                continue
            rows = [m for i, m in enumerate(messages) if m.lang == lang and split_of[i] == split]
            rows.sort(key=lambda m: (m.group, m.text))
            body = "".join(f"{m.text}\t{m.label}\t{m.category}\t{m.group}\n" for m in rows)
            split_path(lang, split).write_text(HEADER + "\n" + body, encoding="utf-8")


def load_checked():
    messages = read_sources()
    escape_check(messages)
    seen, problems = {}, []
    for m in messages:
        key = (m.lang, m.norm)
        if key in seen:
            problems.append(f"duplicate after normalising: {seen[key].where()} {seen[key].text!r} = "
                            f"{m.where()} {m.text!r}")
        seen[key] = m
    if problems:
        print("\n".join(problems))
        raise SystemExit(f"{len(problems)} duplicates: rewrite or remove one of each")
    pairs, problems = check(messages, verbose=False)
    if problems:
        print("\n".join(problems))
        raise SystemExit(f"{len(problems)} near copies with the same label: rewrite one of each pair")
    # A near copy across the two kinds of source does not join groups: joining could merge or re-deal groups of
    # older messages. `assign` checks those pairs instead (`attach_train_only`).
    inner = [(a, b) for a, b in pairs if messages[a].train_only == messages[b].train_only]
    groups = group_messages(messages, inner)
    return messages, groups, pairs


def cmd_check(_args):
    messages, groups, pairs = load_checked()
    check(messages, verbose=True)
    assign(messages, groups, pairs)  # also checks the train-only messages against the split
    print(f"ok: {len(messages)} messages, {len(groups)} groups, {len(pairs)} contrast pairs")


def cmd_split(_args):
    messages, groups, pairs = load_checked()
    split_of, frozen = assign(messages, groups, pairs)
    write_splits(messages, split_of, frozen)
    counts = Counter((m.lang, split_of[i]) for i, m in enumerate(messages))
    print(" ".join(f"{lang}_{s}={counts[(lang, s)]}" for lang in LANGS for s in SPLITS),
          "(test frozen, kept)" if frozen else "(test dealt)")


def all_split_rows():
    rows = []
    for lang in LANGS:
        for split in SPLITS:
            rows += [(lang, split) + r for r in read_split(split_path(lang, split))]
    return rows


def cmd_stats(_args):
    rows = all_split_rows()
    print("| language | split | negative | neutral | positive | total |\n|---|---|---|---|---|---|")
    for lang in LANGS:
        for split in SPLITS + ("all",):
            c = Counter(r[3] for r in rows if r[0] == lang and split in (r[1], "all"))
            print(f"| {lang} | {split} | {c[0]} | {c[1]} | {c[2]} | {sum(c.values())} |")
    print("\n| category | ko neg | ko neu | ko pos | en neg | en neu | en pos |\n|---|---|---|---|---|---|---|")
    cats = sorted({r[4] for r in rows})
    c = Counter((r[0], r[4], r[3]) for r in rows)
    for cat in cats:
        cells = " | ".join(str(c[(lang, cat, label)]) for lang in LANGS for label in range(3))
        print(f"| {cat} | {cells} |")
    lengths = defaultdict(list)
    for r in rows:
        lengths[r[0]].append(len(unescape(r[2])))
    for lang, ls in lengths.items():
        ls.sort()
        print(f"\n{lang}: length in characters min {ls[0]}, median {ls[len(ls) // 2]}, max {ls[-1]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check").set_defaults(run=cmd_check)
    sub.add_parser("split").set_defaults(run=cmd_split)
    sub.add_parser("stats").set_defaults(run=cmd_stats)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
