#!/usr/bin/env python3
"""Writes a bot package's intents, FAQ and held-out set as the CSVs that
`kefu eval-intents` and `kefu eval-faq` read, to measure each part on its own.

Usage: python3 examples/shop/eval/export-csv.py OUT_DIR [PACKAGE_DIR]

OUT_DIR receives:
  intents.csv               text,label   every intent example (out_of_scope included)
  heldout-intents.csv       text,label   the held-out rows labelled with an intent or out_of_scope
  faq-LANG.csv              id,question,answer   every question variant of LANG with its answer
  heldout-faq-LANG.csv      query,faq_id the held-out rows of LANG labelled faq:<id>

Then, for example:
  kefu eval-intents --train OUT/intents.csv --test OUT/heldout-intents.csv --oos-label out_of_scope
  kefu eval-faq --faq OUT/faq-zh.csv --queries OUT/heldout-faq-zh.csv --language zh
A held-out row counts as Chinese when it has a Han character, else as English.
"""

import csv
import os
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("PyYAML is missing: apt-get install -y python3-yaml")


def yaml_items(folder):
    if not os.path.isdir(folder):
        return
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                yield from yaml.safe_load(f) or []


def text_in(value, lang):
    return value.get(lang, "") if isinstance(value, dict) else (value or "")


def language_of(text):
    return "zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en"


def write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    pkg = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(pkg, "bot.yaml"), encoding="utf-8") as f:
        languages = yaml.safe_load(f).get("languages", ["zh", "en"])

    intents = []
    for item in yaml_items(os.path.join(pkg, "intents")):
        for lang in languages:
            intents += [(t, item["intent"]) for t in (item["examples"].get(lang) or [])]
    write(os.path.join(out, "intents.csv"), ["text", "label"], intents)

    faq = {lang: [] for lang in languages}
    for item in yaml_items(os.path.join(pkg, "kb", "faq")):
        for lang in languages:
            answer = text_in(item["answer"], lang)
            faq[lang] += [(item["id"], q, answer) for q in (item["questions"].get(lang) or [])]

    with open(os.path.join(pkg, "eval", "heldout.csv"), encoding="utf-8", newline="") as f:
        heldout = [tuple(r) for r in list(csv.reader(f))[1:] if len(r) == 2]
    write(
        os.path.join(out, "heldout-intents.csv"),
        ["text", "label"],
        [r for r in heldout if not r[1].startswith("faq:")],
    )
    for lang in languages:
        write(os.path.join(out, f"faq-{lang}.csv"), ["id", "question", "answer"], faq[lang])
        write(
            os.path.join(out, f"heldout-faq-{lang}.csv"),
            ["query", "faq_id"],
            [(t, l[4:]) for t, l in heldout if l.startswith("faq:") and language_of(t) == lang],
        )


if __name__ == "__main__":
    main()
