#!/usr/bin/env python3
"""Checks that eval/heldout.csv was written apart from the training text.

Usage: python3 examples/shop/eval/check-heldout.py [PACKAGE_DIR] [--threshold R] [--show N]

A held-out message must not equal a training example (intents/*.yaml) or an
FAQ question (kb/faq/*.yaml) once both are normalised: NFKC, case-folded,
繁體 folded to 简体 (OpenCC t2s, when the opencc command is installed), and
spaces, punctuation and symbols removed. It must not nearly equal one either:
a difflib similarity ratio of the normalised texts at or above --threshold
(default 0.9) fails too. --show N prints the N closest pairs, to review by eye.
Exits 1 when a held-out text fails.
"""

import argparse
import csv
import difflib
import os
import subprocess
import sys
import unicodedata

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("PyYAML is missing: apt-get install -y python3-yaml")


def to_simplified(texts):
    """Folds 繁體 to 简体 with OpenCC; returns the texts unchanged without it."""
    try:
        out = subprocess.run(
            ["opencc", "-c", "t2s.json"],
            input="\n".join(texts),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        print("warning: opencc not found, 繁體 is compared as written", file=sys.stderr)
        return list(texts)
    lines = out.split("\n")
    if len(lines) > len(texts) and lines[-1] == "":
        lines.pop()
    if len(lines) != len(texts):  # never expected: keep the texts rather than misalign them
        return list(texts)
    return lines


def strip(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")
    return kept or "".join(text.split())


def training_texts(pkg):
    """(text, where) for every intent example and FAQ question of the package."""
    found = []
    for folder, kind in (("intents", "intent"), (os.path.join("kb", "faq"), "faq")):
        path = os.path.join(pkg, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith((".yaml", ".yml")):
                continue
            with open(os.path.join(path, name), encoding="utf-8") as f:
                items = yaml.safe_load(f) or []
            for item in items:
                if kind == "intent":
                    label, texts = item.get("intent"), item.get("examples") or {}
                else:
                    label, texts = "faq:" + str(item.get("id")), item.get("questions") or {}
                for lang_texts in texts.values():
                    for t in lang_texts or []:
                        found.append((str(t), f"{folder}/{name} {label}"))
    return found


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("package", nargs="?", default=here)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()

    with open(os.path.join(args.package, "eval", "heldout.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    heldout = [(r[0], r[1]) for r in rows if len(r) == 2]
    train = training_texts(args.package)

    folded = to_simplified([t for t, _ in heldout] + [t for t, _ in train])
    held_keys = [strip(t) for t in folded[: len(heldout)]]
    train_keys = [strip(t) for t in folded[len(heldout) :]]
    exact = {}
    for key, (text, where) in zip(train_keys, train):
        exact.setdefault(key, (text, where))

    failures, closest = [], []
    for line, ((text, label), key) in enumerate(zip(heldout, held_keys), start=2):
        if key in exact:
            failures.append(f"heldout.csv:{line}: '{text}' equals '{exact[key][0]}' ({exact[key][1]})")
            continue
        best = (0.0, None)
        matcher = difflib.SequenceMatcher(a=key, autojunk=False)
        for tkey, (ttext, where) in zip(train_keys, train):
            matcher.set_seq2(tkey)
            if matcher.real_quick_ratio() <= best[0] or matcher.quick_ratio() <= best[0]:
                continue
            ratio = matcher.ratio()
            if ratio > best[0]:
                best = (ratio, (ttext, where))
        if best[1]:
            closest.append((best[0], line, text, label, best[1]))
            if best[0] >= args.threshold:
                failures.append(
                    f"heldout.csv:{line}: '{text}' nearly equals '{best[1][0]}' "
                    f"({best[1][1]}, similarity {best[0]:.2f})"
                )

    closest.sort(reverse=True)
    for ratio, line, text, label, (ttext, where) in closest[: args.show]:
        print(f"{ratio:.2f}  heldout.csv:{line} [{label}] {text}  ~  {ttext}  ({where})")
    print(
        f"{len(heldout)} held-out texts against {len(train)} training texts: "
        f"{len(failures)} equal or nearly equal (threshold {args.threshold})"
    )
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
