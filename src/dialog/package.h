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
  // Contacts whose attribute `tier` is one of these go to a person at their
  // first message (reason "vip"), ahead in the line.
  std::vector<std::string> vip_tiers;
};

struct IntentDefinition {
  std::string name;
  std::string description;
  // language → example messages, in file order.
  std::map<std::string, std::vector<std::string>> examples;
  // Routing rule (`handoff: {queue, priority}`): a handoff while serving this
  // intent waits in this queue (empty: the default) with this priority.
  std::string handoff_queue;
  int handoff_priority = 0;
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

// ---- responses/, flows/, integrations.yaml ---------------------------------

// What the bot says: variants per language, and per persona tone. A reply
// picks the variants of the bot's tone (else the default ones) in the
// customer's language, then one of them. Texts are templates: `{{slot}}` is
// replaced by the slot's value (see docs/bot-package.md, "Templates").
struct ResponseDefinition {
  std::string name;  // responses/: its key; inline texts: empty
  std::map<std::string, std::vector<std::string>> variants;  // language → variants
  // tone ("warm", "formal", "brief") → language → variants
  std::map<std::string, std::map<std::string, std::vector<std::string>>> by_tone;
  SourceLocation where;
  bool empty() const { return variants.empty() && by_tone.empty(); }
};

// A condition of a `branch` step: `status == 'shipped'`, `returnable`,
// `not address_changeable`, `amount >= 100 and region != 'abroad'`,
// `status in ['paid', 'packed']`.
struct Condition {
  enum class Op { kTruthy, kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNot, kAnd, kOr };
  Op op = Op::kTruthy;
  std::string slot;                  // kTruthy and comparisons: the slot (a.b for a field)
  std::vector<std::string> literal;  // comparisons: one value; kIn: the list
  bool numeric = false;              // the literal was a number: compare as numbers
  std::vector<Condition> operands;   // kNot: one; kAnd, kOr: two or more
};

struct FlowStep {
  enum class Kind { kAsk, kSay, kCall, kBranch, kSet, kHandoff, kEnd };
  // Step targets besides step indices: -1 the default (see each field),
  // kEnd ends the flow, kHandoff hands the conversation to a person.
  static constexpr int kEnd = -2;
  static constexpr int kHandoff = -3;
  Kind kind = Kind::kSay;
  std::string id;  // optional label, the target of goto / branch / on_error
  int next = -1;   // index of the step after this one (-1: the following step)
  SourceLocation where;

  // ask: fills `slot` with an entity of type `entity` (a package entity, a
  // built-in type, `text`, `yes_no` or `attachment`).
  std::string slot;
  std::string entity;
  ResponseDefinition prompt;    // ask; also say (the text), handoff (optional)
  ResponseDefinition reprompt;  // ask: after an answer that does not fit (default: prompt)
  int max_attempts = 3;
  int on_fail = -1;       // ask: after max_attempts misses (-1: hand off to a person)
  bool optional = false;  // ask: "no" / "skip" leaves the slot empty and goes on
  bool reuse = true;      // ask: a slot already filled in the conversation is not asked again
  std::vector<std::string> choices;  // ask: the values allowed (empty: any)

  // call: an action of integrations.yaml.
  std::string action;
  int on_error = -1;             // a failed call (error status, no answer): -1 hands off
  int on_timeout = -1;           // the call timed out: -1 as on_error
  std::map<int, int> on_status;  // HTTP status → step

  // branch: the first case whose condition holds; else `otherwise`.
  std::vector<std::pair<Condition, int>> cases;
  int otherwise = -1;  // -1: the following step

  // set: slot → template (a value of another slot, a literal)
  std::vector<std::pair<std::string, std::string>> assignments;

  // handoff: why (for the agent and the analytics), and where it waits
  // (`queue:`, empty: the trigger intent's rule or the default; `priority:`)
  std::string reason;
  std::string queue;
  int priority = -1;  // -1: the trigger intent's
};

// A multi-turn task, started by one of its trigger intents.
struct FlowDefinition {
  std::string name;
  std::string description;
  std::vector<std::string> triggers;  // intents
  std::vector<FlowStep> steps;
  SourceLocation where;
};

// An HTTP action into the business's systems.
struct ActionDefinition {
  std::string name;
  std::string method = "GET";
  std::string url;  // template, relative to integrations.yaml's base_url unless absolute
  std::vector<std::pair<std::string, std::string>> headers;  // name → template
  std::string body;  // JSON template ({{slot}} inside strings is JSON-escaped); empty: none
  int64_t timeout_ms = 3000;
  // slot → path into the JSON response: `status`, `items[0].name`, `items[*].name`
  std::vector<std::pair<std::string, std::string>> save;
  SourceLocation where;
  // Whether `url` names its host (http://, https://) rather than a path under base_url.
  bool has_absolute_url() const {
    return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  }
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

  // responses/*.yaml: named responses (also the built-in ones a package
  // overrides: clarify, cancelled, handoff, resume, empathy_anger, ...).
  std::map<std::string, ResponseDefinition> responses;
  std::vector<FlowDefinition> flows;
  std::string base_url;  // integrations.yaml
  std::vector<ActionDefinition> actions;

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
  const FlowDefinition* FindFlow(std::string_view name) const;
  const ActionDefinition* FindAction(std::string_view name) const;
  // The flow that `intent` starts, or nullptr.
  const FlowDefinition* FlowFor(std::string_view intent) const;
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
