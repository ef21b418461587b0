#!/usr/bin/env python3
"""Tests of check-package.py and eval/check-heldout.py: each finds the mistake
planted in a copy of the shop package (or in a tiny package), and passes the
shop as it is.

Usage: python3 examples/shop/check_package_test.py   (exits 1 when a case fails)
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK_PACKAGE = os.path.join(HERE, "check-package.py")
CHECK_HELDOUT = os.path.join(HERE, "eval", "check-heldout.py")
HAVE_OPENCC = shutil.which("opencc") is not None


def append(rel, text):
    def mutate(pkg):
        with open(os.path.join(pkg, rel), "a", encoding="utf-8") as f:
            f.write(text)

    return mutate


def replace(rel, old, new):
    def mutate(pkg):
        path = os.path.join(pkg, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert old in text, f"{rel} no longer contains {old!r}: update the test"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    return mutate


def write(rel, text):
    def mutate(pkg):
        path = os.path.join(pkg, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    return mutate


INTENT_15 = "".join(f"      - example {i}\n" for i in range(15))

# (what is planted, how, a piece of the message that must be printed)
PACKAGE_CASES = [
    ("misspelt bot.yaml field", append("bot.yaml", "fallbak: x\n"), "unknown fields ['fallbak']"),
    ("no languages", replace("bot.yaml", "languages: [zh, en]", "languages: []"),
     "languages: must be a non-empty list"),
    ("greeting without en", replace("bot.yaml", "  en: Hi, I'm Bee", "  fr: Hi, I'm Bee"),
     "greeting: no 'en' text"),
    ("tone out of the list", replace("bot.yaml", "tone: warm", "tone: grumpy"), "persona.tone"),
    ("human-only intent that does not exist",
     replace("bot.yaml", "human_only_intents: [human_agent]", "human_only_intents: [no_such]"),
     "no intent no_such"),
    ("unquoted no becomes a boolean", replace("intents/conversation.yaml", '      - "no"\n', "      - no\n"),
     "non-text items"),
    ("one example in two intents",
     replace("intents/conversation.yaml", "      - 拜拜\n", "      - 拜拜\n      - 你好\n"),
     "is also an example of greet"),
    ("too few examples",
     write("intents/zz.yaml", "- intent: lonely\n  description: d\n  examples:\n    zh: [一个]\n    en: [one]\n"),
     "1 zh examples, at least 15"),
    ("intent defined in two files",
     write("intents/zz.yaml", "- intent: greet\n  description: d\n  examples:\n    zh:\n" + INTENT_15
           + "    en:\n" + INTENT_15.replace("example", "sample")),
     "intent greet: defined twice"),
    ("pattern that does not compile", replace("entities/orders.yaml", "'SO\\d{11}'", "'SO(\\d{11}'"),
     "pattern does not compile"),
    ("synonym of two values", replace("entities/orders.yaml", "en: [ZTO, ZTO Express]", "en: [ZTO, SF]"),
     "synonym 'SF' of both sf and zto"),
    ("built-in entity name",
     write("entities/zz.yaml", "- entity: email\n  kind: pattern\n  pattern: 'x+'\n"),
     "the name of a built-in entity"),
    ("FAQ id used twice", replace("kb/faq/service.yaml", "- id: store_offline", "- id: shop_about"),
     "id used twice"),
    ("FAQ question that is an intent example",
     replace("kb/faq/service.yaml", "      - 有实体店吗\n", "      - 有实体店吗\n      - 我要退货\n"),
     "is an example of intent return_request"),
    ("locked as a string", replace("kb/faq/returns.yaml", "  locked: true", '  locked: "yes"'),
     "locked must be true or false"),
    ("FAQ answer without en",
     replace("kb/faq/service.yaml", "    en: >-\n      Human agents", "    fr: >-\n      Human agents"),
     "answer: no 'en' text"),
    ("article without sections", write("kb/articles/empty.md", "# Nothing\n\nJust text.\n"),
     "no '## ' heading"),
    ("article in a language the bot does not speak",
     write("kb/articles/guide.fr.md", "# Guide\n\n## Section\n\nText.\n"), "NAME.LANG.md"),
    ("heldout label that does not exist", append("eval/heldout.csv", "hello there,no_such_label\n"),
     "label 'no_such_label'"),
    ("heldout FAQ label that does not exist", append("eval/heldout.csv", "hello there,faq:no_such\n"),
     "no FAQ entry no_such"),
    ("heldout row with an unquoted comma", append("eval/heldout.csv", "hello, there,greet\n"),
     "3 fields, want 2"),
]
if HAVE_OPENCC:
    PACKAGE_CASES.append(
        ("lookup without its 繁體 forms",
         replace("entities/orders.yaml", "顺丰快递, 順豐, 順豐速運, 順豐快遞]", "顺丰快递]"),
         "add the 繁體 forms"))

TINY_INTENTS = """- intent: order_status
  description: Where an order is.
  examples:
    zh: [我的订单到哪了, 帮我查一下物流]
    en: [where is my order, track my parcel]
"""
TINY_FAQ = """- id: shipping_fee
  questions:
    zh: [运费多少钱]
    en: [how much is shipping]
  answer: {zh: 8 元, en: 8 yuan}
"""

# (what is planted, held-out rows, a piece of the message that must be printed or None to pass)
HELDOUT_CASES = [
    ("written apart", "请问我的包裹现在在哪里,order_status\nwhat does delivery cost,faq:shipping_fee\n", None),
    ("a copy with other punctuation and case", "Where is my order?!,order_status\n", "equals 'where is my order'"),
    ("an FAQ question copied", "运费多少钱？,faq:shipping_fee\n", "equals '运费多少钱'"),
    ("a near copy", "where is my orders,order_status\n", "nearly equals 'where is my order'"),
]
if HAVE_OPENCC:
    HELDOUT_CASES.append(("a 简体 example written in 繁體", "我的訂單到哪了,order_status\n", "equals '我的订单到哪了'"))


def run(script, pkg):
    return subprocess.run([sys.executable, script, pkg], capture_output=True, text=True)


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        shop = os.path.join(tmp, "shop")
        shutil.copytree(HERE, shop, ignore=shutil.ignore_patterns("__pycache__"))
        result = run(CHECK_PACKAGE, shop)
        if result.returncode != 0:
            failures.append(f"the shop as it is: exit {result.returncode}\n{result.stderr}")
        for name, mutate, expected in PACKAGE_CASES:
            pkg = os.path.join(tmp, "case")
            shutil.rmtree(pkg, ignore_errors=True)
            shutil.copytree(shop, pkg)
            mutate(pkg)
            result = run(CHECK_PACKAGE, pkg)
            if result.returncode != 1 or expected not in result.stderr:
                failures.append(f"{name}: exit {result.returncode}, want 1 and '{expected}' in\n"
                                f"{result.stderr or result.stdout}")

        for name, rows, expected in HELDOUT_CASES:
            pkg = os.path.join(tmp, "tiny")
            shutil.rmtree(pkg, ignore_errors=True)
            write("intents/orders.yaml", TINY_INTENTS)(pkg)
            write("kb/faq/shipping.yaml", TINY_FAQ)(pkg)
            write("eval/heldout.csv", "text,label\n" + rows)(pkg)
            result = run(CHECK_HELDOUT, pkg)
            want_exit = 0 if expected is None else 1
            if result.returncode != want_exit or (expected and expected not in result.stderr):
                failures.append(f"heldout, {name}: exit {result.returncode}, want {want_exit}"
                                f"{'' if expected is None else f' and {expected!r}'} in\n{result.stderr}")

    total = 1 + len(PACKAGE_CASES) + len(HELDOUT_CASES)
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    print(f"{total - len(failures)} of {total} cases pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
