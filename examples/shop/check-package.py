#!/usr/bin/env python3
"""Validates a kefu bot package against the formats in docs/bot-package.md.

Usage: python3 examples/shop/check-package.py [PACKAGE_DIR]   (default: this folder)

Checks bot.yaml, intents/*.yaml, entities/*.yaml, kb/faq/*.yaml, kb/articles/*.md
and eval/heldout.csv: required fields and their types, unique names and ids,
example and question counts per language, entity patterns that compile, FAQ
questions that repeat an intent example, and heldout labels that exist. Prints
the counts; exits 1 with `file: what is wrong` lines when something is wrong.
"""

import csv
import os
import re
import sys
import unicodedata

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("PyYAML is missing: apt-get install -y python3-yaml")

MIN_EXAMPLES = 15  # per intent and per language
MIN_QUESTIONS = 3  # per FAQ entry and per language
ID_RE = re.compile(r"^[a-z0-9_]+$")
TONES = {"warm", "formal", "brief"}
OOS_LABEL = "out_of_scope"  # reserved intent name and heldout label
# Built-in entity types; an entity of the package may not take their names,
# except order_number, whose pattern a package may replace.
BUILT_IN_ENTITIES = {"phone", "email", "amount", "number", "datetime", "pattern", "lookup"}
BOT_FIELDS = {
    "": {"name", "languages", "default_language", "time_zone", "persona", "greeting", "fallback",
         "handoff", "compliance"},
    "persona": {"name", "tone"},
    "handoff": {"fallback_streak", "anger_threshold", "human_only_intents", "vip_tiers"},
    "compliance": {"forbidden_topics"},
}

errors = []


def err(path, msg):
    errors.append(f"{path}: {msg}")


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        err(path, f"cannot be read as YAML: {e}")
        return None


def normalized(text):
    """Text compared for duplicates: NFKC, case-folded, without spaces and punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")
    return kept or "".join(text.split())  # emoji-only text stays itself


def check_text(path, where, value, languages, required=True):
    """A text field: a non-empty string, or a map language -> non-empty string."""
    if value is None:
        if required:
            err(path, f"{where}: missing")
        return
    if isinstance(value, str):
        if not value.strip():
            err(path, f"{where}: empty")
        return
    if isinstance(value, dict):
        for lang, text in value.items():
            if lang not in languages:
                err(path, f"{where}: language '{lang}' is not in bot.yaml languages")
            if not isinstance(text, str) or not text.strip():
                err(path, f"{where}.{lang}: must be a non-empty string")
        for lang in languages:
            if lang not in value:
                err(path, f"{where}: no '{lang}' text")
        return
    err(path, f"{where}: must be a string or a map of language to string")


def check_bot(pkg):
    path = os.path.join(pkg, "bot.yaml")
    bot = load_yaml(path)
    if not isinstance(bot, dict):
        err(path, "must be a map")
        return ["zh", "en"], {}
    for section, allowed in BOT_FIELDS.items():
        part = bot.get(section, {}) if section else bot
        if isinstance(part, dict) and set(part) - allowed:
            where = f"{section}: " if section else ""
            err(path, f"{where}unknown fields {sorted(set(part) - allowed)}")
    languages = bot.get("languages")
    if not isinstance(languages, list) or not languages or not all(
        isinstance(x, str) for x in languages
    ):
        err(path, "languages: must be a non-empty list of language codes")
        languages = ["zh", "en"]
    default = bot.get("default_language", languages[0])
    if default not in languages:
        err(path, f"default_language '{default}' is not in languages")
    check_text(path, "name", bot.get("name"), languages)
    if not isinstance(bot.get("time_zone", "UTC"), str):
        err(path, "time_zone: must be an IANA name such as Asia/Shanghai")
    persona = bot.get("persona", {})
    if not isinstance(persona, dict):
        err(path, "persona: must be a map")
    else:
        check_text(path, "persona.name", persona.get("name"), languages)
        if persona.get("tone", "warm") not in TONES:
            err(path, f"persona.tone: must be one of {sorted(TONES)}")
    check_text(path, "greeting", bot.get("greeting"), languages)
    check_text(path, "fallback", bot.get("fallback"), languages)
    handoff = bot.get("handoff", {})
    if not isinstance(handoff, dict):
        err(path, "handoff: must be a map")
        handoff = {}
    streak = handoff.get("fallback_streak", 2)
    if not isinstance(streak, int) or isinstance(streak, bool) or streak < 1:
        err(path, "handoff.fallback_streak: must be an integer >= 1")
    anger = handoff.get("anger_threshold", 0.8)
    if not isinstance(anger, (int, float)) or isinstance(anger, bool) or not 0 <= anger <= 1:
        err(path, "handoff.anger_threshold: must be a number in [0, 1]")
    human_only = handoff.get("human_only_intents", [])
    if not isinstance(human_only, list) or not all(isinstance(x, str) for x in human_only):
        err(path, "handoff.human_only_intents: must be a list of intent names")
        human_only = []
    compliance = bot.get("compliance", {})
    if not isinstance(compliance, dict) or not isinstance(
        compliance.get("forbidden_topics", []), list
    ):
        err(path, "compliance.forbidden_topics: must be a list")
    return languages, {"human_only": human_only}


def yaml_files(folder):
    if not os.path.isdir(folder):
        return []
    return sorted(
        os.path.join(folder, f) for f in os.listdir(folder) if f.endswith((".yaml", ".yml"))
    )


def check_intents(pkg, languages):
    intents = {}  # name -> {lang: [examples]}
    seen_examples = {}  # normalized text -> (intent, path)
    for path in yaml_files(os.path.join(pkg, "intents")):
        doc = load_yaml(path)
        if not isinstance(doc, list):
            err(path, "must be a list of intents")
            continue
        for i, item in enumerate(doc):
            where = f"item {i + 1}"
            if not isinstance(item, dict):
                err(path, f"{where}: must be a map")
                continue
            name = item.get("intent")
            if not isinstance(name, str) or not ID_RE.match(name):
                err(path, f"{where}: intent must be a name of [a-z0-9_]")
                continue
            where = f"intent {name}"
            if name in intents:
                err(path, f"{where}: defined twice")
            unknown = set(item) - {"intent", "description", "examples", "handoff"}
            if unknown:
                err(path, f"{where}: unknown fields {sorted(unknown)}")
            if not isinstance(item.get("description"), str) or not item["description"].strip():
                err(path, f"{where}: description missing")
            examples = item.get("examples")
            if not isinstance(examples, dict):
                err(path, f"{where}: examples must be a map of language to list")
                continue
            intents[name] = {}
            for lang in languages:
                texts = examples.get(lang) or []
                if not isinstance(texts, list):
                    err(path, f"{where}: examples.{lang} must be a list")
                    continue
                bad = [t for t in texts if not isinstance(t, str) or not t.strip()]
                if bad:
                    err(path, f"{where}: examples.{lang} has non-text items {bad!r} (quote them)")
                texts = [t for t in texts if isinstance(t, str) and t.strip()]
                if len(texts) < MIN_EXAMPLES and name != OOS_LABEL:
                    err(path, f"{where}: {len(texts)} {lang} examples, at least {MIN_EXAMPLES}")
                for t in texts:
                    key = normalized(t)
                    if key in seen_examples and seen_examples[key][0] != name:
                        err(
                            path,
                            f"{where}: example '{t}' is also an example of {seen_examples[key][0]}",
                        )
                    elif key in seen_examples:
                        err(path, f"{where}: example '{t}' repeated")
                    seen_examples[key] = (name, path)
                intents[name][lang] = texts
            for lang in examples:
                if lang not in languages:
                    err(path, f"{where}: language '{lang}' is not in bot.yaml languages")
    return intents, seen_examples


def zh_synonyms(pkg):
    """Every zh synonym of the package's lookups, to convert in one batch."""
    words = []
    for path in yaml_files(os.path.join(pkg, "entities")):
        try:
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        for item in doc if isinstance(doc, list) else []:
            for v in (item.get("values") or []) if isinstance(item, dict) else []:
                syn = v.get("synonyms") if isinstance(v, dict) else None
                if isinstance(syn, dict) and isinstance(syn.get("zh"), list):
                    words += [w for w in syn["zh"] if isinstance(w, str)]
    return words


def check_entities(pkg, languages):
    entities = {}
    words = zh_synonyms(pkg)
    for config in ("s2t.json", "s2hk.json", "s2tw.json"):
        opencc_batch(config, words)
    for path in yaml_files(os.path.join(pkg, "entities")):
        doc = load_yaml(path)
        if not isinstance(doc, list):
            err(path, "must be a list of entities")
            continue
        for i, item in enumerate(doc):
            if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
                err(path, f"item {i + 1}: must be a map with an entity name")
                continue
            name = item["entity"]
            where = f"entity {name}"
            if not ID_RE.match(name):
                err(path, f"{where}: name must be of [a-z0-9_]")
            if name in entities:
                err(path, f"{where}: defined twice")
            if name in BUILT_IN_ENTITIES:
                err(path, f"{where}: the name of a built-in entity")
            if name == "order_number" and item.get("kind") != "pattern":
                err(path, f"{where}: order_number replaces the built-in pattern, so its kind is pattern")
            unknown = set(item) - {"entity", "kind", "pattern", "values"}
            if unknown:
                err(path, f"{where}: unknown fields {sorted(unknown)}")
            kind = item.get("kind")
            if kind == "pattern":
                pattern = item.get("pattern")
                try:
                    compiled = re.compile(pattern)
                except (re.error, TypeError) as e:
                    err(path, f"{where}: pattern does not compile: {e}")
                    compiled = None
                if compiled and compiled.fullmatch(""):
                    err(path, f"{where}: pattern matches the empty text")
                entities[name] = ("pattern", 0)
            elif kind == "lookup":
                values = item.get("values")
                if not isinstance(values, list) or not values:
                    err(path, f"{where}: values must be a non-empty list")
                    continue
                seen_values, seen_synonyms = set(), {}
                for v in values:
                    if not isinstance(v, dict) or not isinstance(v.get("value"), str):
                        err(path, f"{where}: each value needs a 'value' name")
                        continue
                    if set(v) - {"value", "synonyms"}:
                        err(path, f"{where}.{v['value']}: unknown fields {sorted(set(v) - {'value', 'synonyms'})}")
                    if not ID_RE.match(v["value"]):
                        err(path, f"{where}: value {v['value']} must be of [a-z0-9_]")
                    if v["value"] in seen_values:
                        err(path, f"{where}: value {v['value']} twice")
                    seen_values.add(v["value"])
                    synonyms = v.get("synonyms", {})
                    if not isinstance(synonyms, dict):
                        err(path, f"{where}.{v['value']}: synonyms must be a map of language to list")
                        continue
                    for lang, words in synonyms.items():
                        if lang not in languages:
                            err(path, f"{where}.{v['value']}: language '{lang}' unknown")
                        if not isinstance(words, list) or not all(
                            isinstance(w, str) and w.strip() for w in words
                        ):
                            err(path, f"{where}.{v['value']}: synonyms.{lang} must be a list of text")
                            continue
                        for w in words:
                            key = normalized(w)
                            other = seen_synonyms.get(key)
                            if other and other != v["value"]:
                                err(path, f"{where}: synonym '{w}' of both {other} and {v['value']}")
                            seen_synonyms[key] = v["value"]
                        if lang == "zh":
                            # Lookups match the text as written: 繁體 forms must be listed too.
                            missing = [t for w in words for t in to_traditional(w) if t not in words]
                            if missing:
                                err(path, f"{where}.{v['value']}: add the 繁體 forms {missing}")
                entities[name] = ("lookup", len(seen_values))
            else:
                err(path, f"{where}: kind must be lookup or pattern")
    return entities


def check_faq(pkg, languages, intent_examples):
    faq = {}
    questions_seen = {}
    for path in yaml_files(os.path.join(pkg, "kb", "faq")):
        doc = load_yaml(path)
        if not isinstance(doc, list):
            err(path, "must be a list of FAQ entries")
            continue
        for i, item in enumerate(doc):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                err(path, f"item {i + 1}: must be a map with an id")
                continue
            fid = item["id"]
            where = f"faq {fid}"
            if not ID_RE.match(fid):
                err(path, f"{where}: id must be of [a-z0-9_]")
            if fid in faq:
                err(path, f"{where}: id used twice")
            unknown = set(item) - {"id", "tags", "locked", "questions", "answer"}
            if unknown:
                err(path, f"{where}: unknown fields {sorted(unknown)}")
            tags = item.get("tags", [])
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                err(path, f"{where}: tags must be a list of words")
            locked = item.get("locked", False)
            if not isinstance(locked, bool):
                err(path, f"{where}: locked must be true or false")
            questions = item.get("questions")
            if not isinstance(questions, dict):
                err(path, f"{where}: questions must be a map of language to list")
                questions = {}
            for lang in languages:
                qs = questions.get(lang) or []
                if not isinstance(qs, list) or not all(isinstance(q, str) and q.strip() for q in qs):
                    err(path, f"{where}: questions.{lang} must be a list of text (quote yes/no)")
                    continue
                if len(qs) < MIN_QUESTIONS:
                    err(path, f"{where}: {len(qs)} {lang} questions, at least {MIN_QUESTIONS}")
                for q in qs:
                    key = normalized(q)
                    if key in intent_examples:
                        err(path, f"{where}: question '{q}' is an example of intent "
                                  f"{intent_examples[key][0]}")
                    if key in questions_seen and questions_seen[key] != fid:
                        err(path, f"{where}: question '{q}' also belongs to {questions_seen[key]}")
                    questions_seen[key] = fid
            check_text(path, f"{where}.answer", item.get("answer"), languages)
            faq[fid] = {"locked": locked is True, "tags": tags}
    return faq


def check_articles(pkg, languages):
    folder = os.path.join(pkg, "kb", "articles")
    articles = {}
    if not os.path.isdir(folder):
        return articles
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".md"):
            continue
        path = os.path.join(folder, name)
        parts = name[: -len(".md")].split(".")
        if len(parts) > 2 or (len(parts) == 2 and parts[1] not in languages):
            err(path, f"name must be NAME.md or NAME.LANG.md with LANG one of {languages}")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        sections = re.findall(r"^## +\S", text, flags=re.M)
        if not sections:
            err(path, "no '## ' heading: the article cannot be chunked")
        for m in re.finditer(r"^(## +.*)\n+(?=## |\Z)", text, flags=re.M):
            err(path, f"section '{m.group(1).strip()}' is empty")
        articles[name] = len(sections)
    return articles


_opencc_cache = {}  # (config, text) -> converted text


def opencc_batch(config, texts):
    """Converts texts with one run of OpenCC's command; unchanged without it."""
    import subprocess

    todo = sorted({t for t in texts if (config, t) not in _opencc_cache and "\n" not in t})
    if todo:
        try:
            out = subprocess.run(
                ["opencc", "-c", config], input="\n".join(todo), capture_output=True, text=True,
                check=True,
            ).stdout.split("\n")
        except (OSError, subprocess.CalledProcessError):
            out = todo
        if len(out) < len(todo):
            out = todo
        for t, o in zip(todo, out):
            _opencc_cache[(config, t)] = o
    return [_opencc_cache.get((config, t), t) for t in texts]


def to_traditional(text):
    """The 繁體 forms of a 简体 text (OpenCC s2t, s2hk, s2tw) that differ from it."""
    forms = []
    for config in ("s2t.json", "s2hk.json", "s2tw.json"):
        out = opencc_batch(config, [text])[0]
        if out != text and out not in forms:
            forms.append(out)
    return forms


def script_of(text):
    """'en' without Han characters, else 'hant' when OpenCC's t2s changes it, else 'hans'."""
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        return "en"
    return "hant" if to_simplified(text) != text else "hans"


def to_simplified(text):
    return opencc_batch("t2s.json", [text])[0]


def check_heldout(pkg, intents, faq):
    path = os.path.join(pkg, "eval", "heldout.csv")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != ["text", "label"]:
        err(path, "header must be: text,label")
        return None
    counts = {"rows": 0, "out_of_scope": 0, "intents": set(), "faq": set()}
    texts = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            err(f"{path}:{line}", f"{len(row)} fields, want 2 (quote commas)")
            continue
        text, label = row
        if not text.strip():
            err(f"{path}:{line}", "empty text")
        key = normalized(text)
        if key in texts:
            err(f"{path}:{line}", f"same text as line {texts[key]}")
        texts[key] = line
        counts["rows"] += 1
        if label == OOS_LABEL:
            counts["out_of_scope"] += 1
        elif label.startswith("faq:"):
            if label[4:] not in faq:
                err(f"{path}:{line}", f"no FAQ entry {label[4:]}")
            counts["faq"].add(label[4:])
        elif label in intents:
            counts["intents"].add(label)
        else:
            err(f"{path}:{line}", f"label '{label}' is no intent, faq:<id> or {OOS_LABEL}")
    scripts = {"hans": 0, "hant": 0, "en": 0}
    opencc_batch("t2s.json", [row[0] for row in rows[1:] if len(row) == 2])
    for row in rows[1:]:
        if len(row) == 2:
            scripts[script_of(row[0])] += 1
    counts["scripts"] = scripts
    return counts


def main():
    pkg = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    languages, bot = check_bot(pkg)
    intents, intent_examples = check_intents(pkg, languages)
    for name in bot.get("human_only", []):
        if name not in intents:
            err(os.path.join(pkg, "bot.yaml"), f"handoff.human_only_intents: no intent {name}")
    entities = check_entities(pkg, languages)
    faq = check_faq(pkg, languages, intent_examples)
    articles = check_articles(pkg, languages)
    heldout = check_heldout(pkg, intents, faq)

    real = [n for n in intents if n != OOS_LABEL]
    per_lang = {
        lang: sum(len(v.get(lang, [])) for n, v in intents.items() if n != OOS_LABEL)
        for lang in languages
    }
    print(f"intents: {len(real)} ({', '.join(f'{k} {v} examples' for k, v in per_lang.items())})")
    if OOS_LABEL in intents:
        oos = intents[OOS_LABEL]
        print(f"out-of-scope examples: {', '.join(f'{k} {len(v)}' for k, v in oos.items())}")
    print(f"entities: {len(entities)} ({', '.join(f'{n} {k}' for n, (k, _) in entities.items())})")
    print(f"faq entries: {len(faq)} ({sum(1 for e in faq.values() if e['locked'])} locked)")
    print(f"articles: {len(articles)} ({sum(articles.values())} sections)")
    if heldout:
        n = heldout["rows"]
        s = heldout["scripts"]
        print(
            f"heldout: {n} rows; 简体 {s['hans']}, 繁體 {s['hant']}, English {s['en']}; "
            f"out_of_scope {heldout['out_of_scope']} ({100 * heldout['out_of_scope'] / max(n, 1):.1f} %); "
            f"{len(heldout['intents'])} intents and {len(heldout['faq'])} FAQ entries labelled"
        )
    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print(e, file=sys.stderr)
        return 1
    print("package OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
