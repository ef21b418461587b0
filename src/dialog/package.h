// Bot packages: one bot described by a folder of YAML and Markdown
// (docs/bot-package.md is the format; examples/shop/ the reference).
//
// BotPackage::Load reads bot.yaml, intents/*.yaml, entities/*.yaml,
// kb/faq/*.yaml and kb/articles/*.md into plain values and validates them
// the way the document describes. Every problem is reported as
// `file:line: what is wrong` (the path relative to the package folder, the
// line 1-based), all of them in one Status, so a package author fixes them
// in one pass. A package with any error yields no BotPackage at all.
//
// The loader does not train anything: Understanding (understanding.h) builds
// the classifier, entity extractor and knowledge base from a loaded package.
//
// Thread-safety: Load is a pure function of the files; a BotPackage is a
// plain value (copy it, share it as const from any number of threads).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "kb/kb.h"
#include "nlu/entities.h"

namespace kefu::text {
class Analyzer;
}

namespace kefu::dialog {

// The reserved intent whose examples are messages the bot does not handle;
// also the held-out label of such messages.
inline constexpr std::string_view kOutOfScopeIntent = "out_of_scope";

// A text in every language of the bot: language code → string. A text
// written as one string in the package holds that string for every language.
using LocalizedText = std::map<std::string, std::string>;

// Where a definition was written, for messages about it.
struct SourceLocation {
  std::string file;  // relative to the package folder: "intents/orders.yaml"
  int line = 0;      // 1-based
};

struct Persona {
  LocalizedText name;
  std::string tone = "warm";  // "warm", "formal" or "brief"
};

struct HandoffPolicy {
  int fallback_streak = 2;       // fallbacks in a row before asking for a human
  double anger_threshold = 0.8;  // anger intensity that asks for a human
  std::vector<std::string> human_only_intents;
};

struct IntentDefinition {
  std::string name;
  std::string description;
  // language → example messages, in file order.
  std::map<std::string, std::vector<std::string>> examples;
  SourceLocation where;
};

struct EntityDefinition {
  enum class Kind { kLookup, kPattern };
  struct Value {
    std::string value;
    std::map<std::string, std::vector<std::string>> synonyms;  // language → synonyms
  };
  std::string name;
  Kind kind = Kind::kLookup;
  std::string pattern;        // kPattern: ECMAScript regular expression
  std::vector<Value> values;  // kLookup
  SourceLocation where;
};

struct FaqDefinition {
  std::string id;
  std::vector<std::string> tags;
  bool locked = false;
  std::map<std::string, std::vector<std::string>> questions;  // language → questions
  LocalizedText answer;
  SourceLocation where;
};

struct ArticleDefinition {
  std::string id;        // the file name without ".md": "returns-guide", "returns-guide.en"
  std::string language;  // from NAME.LANG.md, else the bot's default language
  std::string markdown;
  SourceLocation where;  // line 1 of the file
};

// How Load validates.
struct LoadOptions {
  // When given, Chinese lookup synonyms are checked for their 繁體 forms
  // (OpenCC s2t, s2hk, s2tw through Analyzer::ToVariant): a missing one is an
  // error, since lookups match the message as written. Not owned.
  const text::Analyzer* analyzer = nullptr;
};

// A loaded, valid bot package.
struct BotPackage {
  std::string dir;  // the folder it was loaded from, as given

  // bot.yaml
  LocalizedText name;
  std::vector<std::string> languages;  // at least one
  std::string default_language;        // one of languages (default: the first)
  std::string time_zone = "UTC";       // IANA name
  Persona persona;
  LocalizedText greeting;
  LocalizedText fallback;
  HandoffPolicy handoff;
  std::vector<std::string> forbidden_topics;

  std::vector<IntentDefinition> intents;  // file name order, then file order
  std::vector<EntityDefinition> entities;
  std::vector<FaqDefinition> faq;
  std::vector<ArticleDefinition> articles;

  // Reads and validates the package in `dir`.
  // Errors: kNotFound when `dir` or its bot.yaml does not exist;
  // kInvalidArgument with one `file:line: what is wrong` line per problem
  // (unknown or missing fields, wrong types, bad names, duplicate names, ids
  // or examples across files, text maps without a language of `languages`,
  // too few examples or questions, patterns that do not compile, unreadable
  // YAML, empty article sections, ...).
  static Result<BotPackage> Load(const std::string& dir, const LoadOptions& options = {});

  // The intent or FAQ entry named so, or nullptr.
  const IntentDefinition* FindIntent(std::string_view name) const;
  const FaqDefinition* FindFaq(std::string_view id) const;
  // Whether the package has examples of the reserved out_of_scope intent.
  bool has_out_of_scope() const { return FindIntent(kOutOfScopeIntent) != nullptr; }

  // The package's entities for nlu::EntityExtractor: pattern and lookup
  // entities, a pattern entity named order_number as the order-number
  // pattern, time_zone as the default zone.
  nlu::EntityConfig EntityConfig() const;
  // The FAQ entries and articles for kb::KnowledgeBase, answers keyed by
  // KbLocale of their language; questions of every language together.
  std::vector<kb::FaqEntry> FaqEntries() const;
  std::vector<kb::Article> Articles() const;
};

// The knowledge base's locale of a package language: "zh" → "zh-CN" (package
// text is written in 简体), any other code as it is ("en").
std::string KbLocale(std::string_view language);

}  // namespace kefu::dialog
