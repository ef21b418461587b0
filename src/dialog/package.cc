// Bot package loading and validation (docs/bot-package.md).
#include "dialog/package.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "dialog/package_reader.h"
#include "text/text.h"

namespace kefu::dialog {

namespace internal {

bool IsName(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsLanguageCode(std::string_view s) {
  if (s.size() < 2 || s.size() > 3) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

}  // namespace internal

namespace {

using internal::IsLanguageCode;
using internal::IsName;
using internal::Join;

namespace fs = std::filesystem;

constexpr int kMinExamples = 15;  // per intent and language (out_of_scope: none)
constexpr int kMinQuestions = 3;  // per FAQ entry and language

// Names an entity of the package may not take (built-in entity types);
// order_number is built in too, but a pattern entity may replace it.
const std::set<std::string>& BuiltInEntityNames() {
  static const std::set<std::string> names = {"phone",    "email",   "amount", "number",
                                              "datetime", "pattern", "lookup"};
  return names;
}

// Text compared for duplicates: NFKC, case folded, without spaces,
// punctuation, symbols and control characters (emoji-only text stays itself,
// without its spaces).
std::string DuplicateKey(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (U_SUCCESS(status) && nfkc != nullptr) {
    icu::UnicodeString n = nfkc->normalize(u, status);
    if (U_SUCCESS(status)) u = n;
  }
  u.foldCase();
  icu::UnicodeString kept, no_space;
  for (int32_t i = 0; i < u.length();) {
    UChar32 c = u.char32At(i);
    i += U16_LENGTH(c);
    int8_t type = u_charType(c);
    bool space = u_isUWhiteSpace(c);
    if (!space) no_space.append(c);
    switch (type) {
      case U_DASH_PUNCTUATION:
      case U_START_PUNCTUATION:
      case U_END_PUNCTUATION:
      case U_CONNECTOR_PUNCTUATION:
      case U_OTHER_PUNCTUATION:
      case U_INITIAL_PUNCTUATION:
      case U_FINAL_PUNCTUATION:
      case U_SPACE_SEPARATOR:
      case U_LINE_SEPARATOR:
      case U_PARAGRAPH_SEPARATOR:
      case U_MATH_SYMBOL:
      case U_CURRENCY_SYMBOL:
      case U_MODIFIER_SYMBOL:
      case U_OTHER_SYMBOL:
      case U_CONTROL_CHAR:
      case U_FORMAT_CHAR:
      case U_PRIVATE_USE_CHAR:
      case U_SURROGATE:
      case U_GENERAL_OTHER_TYPES:
        break;
      default:
        kept.append(c);
    }
  }
  std::string out;
  (kept.isEmpty() ? no_space : kept).toUTF8String(out);
  return out;
}
class Loader : public internal::PackageReader {
 public:
  Loader(std::string dir, const LoadOptions& options)
      : PackageReader(std::move(dir)), options_(options) {}

  Result<BotPackage> Run() {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) return Status::NotFound(dir_ + ": no such folder");
    if (!fs::exists(fs::path(dir_) / "bot.yaml", ec)) {
      return Status::NotFound(dir_ + ": no bot.yaml (the one file a bot package needs)");
    }
    pkg_.dir = dir_;
    LoadBot();
    LoadIntents();
    CheckHandoffIntents();
    LoadEntities();
    LoadFaq();
    LoadArticles();
    if (errors_.empty()) internal::LoadDialogue(*this);
    if (!errors_.empty()) {
      std::string message = std::to_string(errors_.size()) + " problem(s) in bot package " + dir_ +
                            ":\n" + Join(errors_, "\n");
      return Status::InvalidArgument(std::move(message));
    }
    return std::move(pkg_);
  }

 private:
  // ---- bot.yaml ------------------------------------------------------------
  void LoadBot() {
    const std::string file = "bot.yaml";
    auto doc = ReadYaml(file);
    if (!doc) return;
    YAML::Node bot = *doc;
    if (!bot.IsMap()) {
      Error(file, bot, "must be a map of fields (name, languages, persona, ...)");
      return;
    }
    UnknownFields(file, bot, "",
                  {"name", "languages", "default_language", "time_zone", "persona", "greeting",
                   "fallback", "handoff", "compliance"});
    YAML::Node langs = bot["languages"];
    if (!langs.IsDefined() || langs.IsNull()) {
      Error(file, bot, "languages: missing (a list such as [zh, en])");
    } else if (!langs.IsSequence() || langs.size() == 0) {
      Error(file, langs, "languages: must be a non-empty list of language codes");
    } else {
      for (const auto& l : langs) {
        if (!l.IsScalar() || !IsLanguageCode(l.Scalar())) {
          Error(file, l,
                "languages: `" + (l.IsScalar() ? l.Scalar() : std::string("?")) +
                    "` is not a language code (zh, en, ...)");
        } else if (std::find(pkg_.languages.begin(), pkg_.languages.end(), l.Scalar()) !=
                   pkg_.languages.end()) {
          Error(file, l, "languages: `" + l.Scalar() + "` listed twice");
        } else {
          pkg_.languages.push_back(l.Scalar());
        }
      }
    }
    bool have_languages = !pkg_.languages.empty();
    languages_known_ = have_languages;

    YAML::Node def = bot["default_language"];
    if (have_languages) pkg_.default_language = pkg_.languages.front();
    if (def.IsDefined() && !def.IsNull()) {
      if (!def.IsScalar() || !Speaks(def.Scalar())) {
        if (have_languages) {
          Error(file, def,
                "default_language: `" + (def.IsScalar() ? def.Scalar() : "?") +
                    "` is not one of languages");
        }
      } else {
        pkg_.default_language = def.Scalar();
      }
    }
    YAML::Node tz = bot["time_zone"];
    if (tz.IsDefined() && !tz.IsNull()) {
      std::string zone;
      if (String(file, tz, "time_zone", &zone, true)) {
        if (!nlu::UtcOffsetSeconds(zone, 0).ok()) {
          Error(file, tz,
                "time_zone: `" + zone + "` is no IANA time zone (Asia/Shanghai, UTC, ...)");
        } else {
          pkg_.time_zone = zone;
        }
      }
    }
    Text(file, bot, "name", "name", &pkg_.name);
    YAML::Node persona = bot["persona"];
    if (!persona.IsDefined() || persona.IsNull()) {
      Error(file, bot, "persona: missing (it needs at least a name)");
    } else if (!persona.IsMap()) {
      Error(file, persona, "persona: must be a map (name, tone)");
    } else {
      UnknownFields(file, persona, "persona: ", {"name", "tone"});
      Text(file, persona, "name", "persona.name", &pkg_.persona.name);
      YAML::Node tone = persona["tone"];
      if (tone.IsDefined() && !tone.IsNull()) {
        std::string t = tone.IsScalar() ? tone.Scalar() : "";
        if (t != "warm" && t != "formal" && t != "brief") {
          Error(file, tone, "persona.tone: must be warm, formal or brief");
        } else {
          pkg_.persona.tone = t;
        }
      }
    }
    Text(file, bot, "greeting", "greeting", &pkg_.greeting);
    Text(file, bot, "fallback", "fallback", &pkg_.fallback);

    YAML::Node handoff = bot["handoff"];
    if (handoff.IsDefined() && !handoff.IsNull()) {
      if (!handoff.IsMap()) {
        Error(file, handoff, "handoff: must be a map");
      } else {
        UnknownFields(file, handoff,
                      "handoff: ",
                      {"fallback_streak", "anger_threshold", "human_only_intents", "vip_tiers"});
        YAML::Node vip = handoff["vip_tiers"];
        if (vip.IsDefined() && !vip.IsNull()) {
          if (!vip.IsSequence()) {
            Error(file, vip, "handoff.vip_tiers: must be a list of tier names");
          } else {
            for (const auto& t : vip) {
              std::string tier;
              if (String(file, t, "handoff.vip_tiers", &tier, true)) {
                pkg_.handoff.vip_tiers.push_back(tier);
              }
            }
          }
        }
        YAML::Node streak = handoff["fallback_streak"];
        if (streak.IsDefined() && !streak.IsNull()) {
          int v = 0;
          if (!streak.IsScalar() || !YAML::convert<int>::decode(streak, v) || v < 1) {
            Error(file, streak, "handoff.fallback_streak: must be an integer >= 1");
          } else {
            pkg_.handoff.fallback_streak = v;
          }
        }
        YAML::Node anger = handoff["anger_threshold"];
        if (anger.IsDefined() && !anger.IsNull()) {
          double v = -1;
          if (!anger.IsScalar() || !YAML::convert<double>::decode(anger, v) || !(v >= 0) || v > 1) {
            Error(file, anger, "handoff.anger_threshold: must be a number in [0, 1]");
          } else {
            pkg_.handoff.anger_threshold = v;
          }
        }
        human_only_ = handoff["human_only_intents"];
        if (human_only_.IsDefined() && !human_only_.IsNull() && !human_only_.IsSequence()) {
          Error(file, human_only_, "handoff.human_only_intents: must be a list of intent names");
          human_only_ = YAML::Node();
        }
      }
    }
    YAML::Node compliance = bot["compliance"];
    if (compliance.IsDefined() && !compliance.IsNull()) {
      if (!compliance.IsMap()) {
        Error(file, compliance, "compliance: must be a map");
      } else {
        UnknownFields(file, compliance, "compliance: ", {"forbidden_topics"});
        YAML::Node topics = compliance["forbidden_topics"];
        if (topics.IsDefined() && !topics.IsNull()) {
          if (!topics.IsSequence()) {
            Error(file, topics, "compliance.forbidden_topics: must be a list");
          } else {
            for (const auto& t : topics) {
              if (t.IsScalar()) pkg_.forbidden_topics.push_back(t.Scalar());
            }
          }
        }
      }
    }
  }

  void CheckHandoffIntents() {
    if (!human_only_.IsDefined() || human_only_.IsNull()) return;
    for (const auto& n : human_only_) {
      std::string name = n.IsScalar() ? n.Scalar() : "";
      if (name == kOutOfScopeIntent) {
        Error("bot.yaml", n, "handoff.human_only_intents: out_of_scope cannot be human-only");
      } else if (!intent_names_.count(name)) {
        Error("bot.yaml", n, "handoff.human_only_intents: no intent `" + name + "`");
      } else {
        pkg_.handoff.human_only_intents.push_back(name);
      }
    }
  }

  // ---- intents/ --------------------------------------------------------------
  void LoadIntents() {
    ForEachListItem("intents", "must be a list of intents (- intent: ...)",
                    [this](const std::string& f, const YAML::Node& n) { LoadIntent(f, n); });
  }

  void LoadIntent(const std::string& file, const YAML::Node& item) {
    if (!item.IsMap()) {
      Error(file, item, "an intent must be a map (intent, description, examples)");
      return;
    }
    IntentDefinition intent;
    intent.where = {file, Line(item)};
    YAML::Node name = item["intent"];
    if (!StringField(file, item, "intent", "intent", &intent.name)) return;
    if (!IsName(intent.name)) {
      Error(file, name, "intent `" + intent.name + "`: a name is made of a-z, 0-9 and _");
      return;
    }
    const std::string where = "intent " + intent.name;
    bool ok = true;
    if (auto [it, added] = intent_names_.emplace(intent.name, intent.where); !added) {
      Error(file, name,
            where + ": defined twice (also at " + it->second.file + ":" +
                std::to_string(it->second.line) + ")");
      ok = false;
    }
    UnknownFields(file, item, where + ": ", {"intent", "description", "examples", "handoff"});
    if (YAML::Node rule = item["handoff"]; rule.IsDefined() && !rule.IsNull()) {
      if (!rule.IsMap()) {
        Error(file, rule, where + ": handoff: must be a map {queue, priority}");
        ok = false;
      } else {
        UnknownFields(file, rule, where + ": handoff: ", {"queue", "priority"});
        ok &= RoutingRule(file, rule, where + ": handoff.", &intent.handoff_queue,
                          &intent.handoff_priority);
      }
    }
    if (!StringField(file, item, "description", where + ": description", &intent.description)) {
      ok = false;
    }
    YAML::Node examples = item["examples"];
    if (!examples.IsDefined() || examples.IsNull()) {
      Error(file, item, where + ": examples missing");
      return;
    }
    if (!TextLists(file, examples, where + ": examples", &intent.examples)) ok = false;
    bool oos = intent.name == kOutOfScopeIntent;
    for (const auto& lang : pkg_.languages) {
      size_t n = intent.examples.count(lang) ? intent.examples[lang].size() : 0;
      if (oos) continue;
      if (n == 0) {
        Error(file, examples,
              where + ": no " + lang + " examples (at least " + std::to_string(kMinExamples) + ")");
        ok = false;
      } else if (n < kMinExamples) {
        Error(file, examples[lang],
              where + ": " + std::to_string(n) + " " + lang + " examples, at least " +
                  std::to_string(kMinExamples));
        ok = false;
      }
    }
    if (oos) {
      size_t total = 0;
      for (const auto& [lang, list] : intent.examples) total += list.size();
      if (total == 0) {
        Error(file, examples, where + ": no examples");
        ok = false;
      }
    }
    // Duplicates: within the intent and across intents.
    for (const auto& [lang, list] : intent.examples) {
      YAML::Node lines = examples[lang];
      for (size_t i = 0; i < list.size(); ++i) {
        std::string key = DuplicateKey(list[i]);
        int line = lines.IsSequence() && i < lines.size() ? Line(lines[i]) : intent.where.line;
        auto [it, added] = example_owner_.emplace(key, intent.name);
        if (!added) {
          Error(file, line,
                where + ": example `" + list[i] + "` " +
                    (it->second == intent.name ? std::string("repeated")
                                               : "is also an example of intent " + it->second));
          ok = false;
        }
      }
    }
    if (ok) pkg_.intents.push_back(std::move(intent));
  }

  // ---- entities/ -------------------------------------------------------------
  void LoadEntities() {
    ForEachListItem("entities", "must be a list of entities (- entity: ...)",
                    [this](const std::string& f, const YAML::Node& n) { LoadEntity(f, n); });
  }

  void LoadEntity(const std::string& file, const YAML::Node& item) {
    if (!item.IsMap()) {
      Error(file, item, "an entity must be a map (entity, kind, pattern or values)");
      return;
    }
    EntityDefinition entity;
    entity.where = {file, Line(item)};
    YAML::Node name = item["entity"];
    if (!StringField(file, item, "entity", "entity", &entity.name)) return;
    const std::string where = "entity " + entity.name;
    bool ok = true;
    if (!IsName(entity.name)) {
      Error(file, name, where + ": a name is made of a-z, 0-9 and _");
      ok = false;
    }
    if (BuiltInEntityNames().count(entity.name)) {
      Error(file, name, where + ": the name of a built-in entity");
      ok = false;
    }
    if (auto [it, added] = entity_names_.emplace(entity.name, entity.where); !added) {
      Error(file, name,
            where + ": defined twice (also at " + it->second.file + ":" +
                std::to_string(it->second.line) + ")");
      ok = false;
    }
    UnknownFields(file, item, where + ": ", {"entity", "kind", "pattern", "values"});
    YAML::Node kind = item["kind"];
    std::string k = kind.IsScalar() ? kind.Scalar() : "";
    if (k == "pattern") {
      entity.kind = EntityDefinition::Kind::kPattern;
      if (item["values"].IsDefined()) {
        Error(file, item["values"], where + ": a pattern entity has no values");
        ok = false;
      }
      YAML::Node pattern = item["pattern"];
      if (!StringField(file, item, "pattern", where + ": pattern", &entity.pattern)) {
        ok = false;
      } else {
        try {
          std::regex re(entity.pattern, std::regex::ECMAScript | std::regex::icase);
          if (std::regex_match(std::string(), re)) {
            Error(file, pattern, where + ": pattern matches the empty text");
            ok = false;
          }
        } catch (const std::regex_error& e) {
          Error(file, pattern, where + ": pattern does not compile: " + e.what());
          ok = false;
        }
      }
    } else if (k == "lookup") {
      if (entity.name == "order_number") {
        Error(file, kind,
              where +
                  ": order_number replaces the built-in pattern, so its kind is "
                  "pattern");
        ok = false;
      }
      if (item["pattern"].IsDefined()) {
        Error(file, item["pattern"], where + ": a lookup entity has no pattern");
        ok = false;
      }
      if (!LoadValues(file, item, where, &entity)) ok = false;
    } else {
      Error(file, kind.IsDefined() ? kind : item, where + ": kind must be lookup or pattern");
      ok = false;
    }
    if (ok) pkg_.entities.push_back(std::move(entity));
  }

  bool LoadValues(const std::string& file, const YAML::Node& item, const std::string& where,
                  EntityDefinition* entity) {
    YAML::Node values = item["values"];
    if (!values.IsSequence() || values.size() == 0) {
      Error(file, values.IsDefined() ? values : item, where + ": values must be a non-empty list");
      return false;
    }
    bool ok = true;
    std::map<std::string, std::string> synonym_owner;  // DuplicateKey → value
    std::set<std::string> seen;
    for (const auto& v : values) {
      if (!v.IsMap()) {
        Error(file, v, where + ": each value is a map (value, synonyms)");
        ok = false;
        continue;
      }
      EntityDefinition::Value value;
      if (!StringField(file, v, "value", where + ": value", &value.value)) {
        ok = false;
        continue;
      }
      const std::string vwhere = where + "." + value.value;
      if (!IsName(value.value)) {
        Error(file, v["value"], vwhere + ": a value is a name of a-z, 0-9 and _");
        ok = false;
      }
      if (!seen.insert(value.value).second) {
        Error(file, v["value"], where + ": value " + value.value + " twice");
        ok = false;
      }
      UnknownFields(file, v, vwhere + ": ", {"value", "synonyms"});
      YAML::Node syn = v["synonyms"];
      if (syn.IsDefined() && !syn.IsNull()) {
        if (!TextLists(file, syn, vwhere + ": synonyms", &value.synonyms)) ok = false;
        for (const auto& [lang, words] : value.synonyms) {
          for (const auto& w : words) {
            auto [it, added] = synonym_owner.emplace(DuplicateKey(w), value.value);
            if (!added && it->second != value.value) {
              Error(file, syn[lang],
                    where + ": synonym `" + w + "` of both " + it->second + " and " + value.value);
              ok = false;
            }
          }
          if (lang == "zh" && options_.analyzer != nullptr) {
            std::vector<std::string> missing;
            for (const auto& w : words) {
              for (auto variant : {text::Variant::kTraditional, text::Variant::kHongKong,
                                   text::Variant::kTaiwan}) {
                std::string t = options_.analyzer->ToVariant(w, variant);
                if (t != w && std::find(words.begin(), words.end(), t) == words.end() &&
                    std::find(missing.begin(), missing.end(), t) == missing.end()) {
                  missing.push_back(t);
                }
              }
            }
            if (!missing.empty()) {
              Error(file, syn[lang],
                    vwhere + ": add the 繁體 forms " + Join(missing, ", ") +
                        " (lookups match the message as written)");
              ok = false;
            }
          }
        }
      }
      entity->values.push_back(std::move(value));
    }
    return ok;
  }

  // ---- kb/faq/ ---------------------------------------------------------------
  void LoadFaq() {
    ForEachListItem("kb/faq", "must be a list of FAQ entries (- id: ...)",
                    [this](const std::string& f, const YAML::Node& n) { LoadFaqEntry(f, n); });
  }

  void LoadFaqEntry(const std::string& file, const YAML::Node& item) {
    if (!item.IsMap()) {
      Error(file, item, "an FAQ entry must be a map (id, questions, answer, ...)");
      return;
    }
    FaqDefinition entry;
    entry.where = {file, Line(item)};
    YAML::Node id = item["id"];
    if (!StringField(file, item, "id", "id", &entry.id)) return;
    const std::string where = "faq " + entry.id;
    bool ok = true;
    if (!IsName(entry.id)) {
      Error(file, id, where + ": an id is made of a-z, 0-9 and _");
      ok = false;
    }
    if (auto [it, added] = faq_ids_.emplace(entry.id, entry.where); !added) {
      Error(file, id,
            where + ": id used twice (also at " + it->second.file + ":" +
                std::to_string(it->second.line) + ")");
      ok = false;
    }
    UnknownFields(file, item, where + ": ", {"id", "tags", "locked", "questions", "answer"});
    YAML::Node tags = item["tags"];
    if (tags.IsDefined() && !tags.IsNull()) {
      if (!tags.IsSequence()) {
        Error(file, tags, where + ": tags must be a list of words");
        ok = false;
      } else {
        for (const auto& t : tags) {
          if (!t.IsScalar() || t.Scalar().empty()) {
            Error(file, t, where + ": tags must be a list of words");
            ok = false;
          } else {
            entry.tags.push_back(t.Scalar());
          }
        }
      }
    }
    YAML::Node locked = item["locked"];
    if (locked.IsDefined() && !locked.IsNull()) {
      std::string s = locked.IsScalar() ? locked.Scalar() : "";
      if (s != "true" && s != "false") {
        Error(file, locked, where + ": locked must be true or false");
        ok = false;
      }
      entry.locked = s == "true";
    }
    YAML::Node questions = item["questions"];
    if (!questions.IsDefined() || questions.IsNull()) {
      Error(file, item, where + ": questions missing");
      ok = false;
    } else if (TextLists(file, questions, where + ": questions", &entry.questions)) {
      for (const auto& lang : pkg_.languages) {
        size_t n = entry.questions.count(lang) ? entry.questions[lang].size() : 0;
        if (n < static_cast<size_t>(kMinQuestions)) {
          Error(file, questions[lang].IsDefined() ? questions[lang] : questions,
                where + ": " + std::to_string(n) + " " + lang + " questions, at least " +
                    std::to_string(kMinQuestions));
          ok = false;
        }
      }
      for (const auto& [lang, list] : entry.questions) {
        YAML::Node lines = questions[lang];
        for (size_t i = 0; i < list.size(); ++i) {
          std::string key = DuplicateKey(list[i]);
          int line = lines.IsSequence() && i < lines.size() ? Line(lines[i]) : entry.where.line;
          if (auto it = example_owner_.find(key); it != example_owner_.end()) {
            Error(file, line,
                  where + ": question `" + list[i] + "` is an example of intent " + it->second);
            ok = false;
          }
          auto [it, added] = question_owner_.emplace(key, entry.id);
          if (!added) {
            Error(file, line,
                  where + ": question `" + list[i] + "` " +
                      (it->second == entry.id ? std::string("repeated")
                                              : "also belongs to faq " + it->second));
            ok = false;
          }
        }
      }
    } else {
      ok = false;
    }
    if (!Text(file, item, "answer", where + ": answer", &entry.answer)) ok = false;
    if (ok) pkg_.faq.push_back(std::move(entry));
  }

  // ---- kb/articles/ ----------------------------------------------------------
  void LoadArticles() {
    std::error_code ec;
    fs::path folder = fs::path(dir_) / "kb" / "articles";
    if (!fs::is_directory(folder, ec)) return;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
      if (e.is_regular_file(ec) && e.path().extension() == ".md") {
        names.push_back(e.path().filename().string());
      }
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) LoadArticle(name);
  }

  void LoadArticle(const std::string& name) {
    const std::string file = "kb/articles/" + name;
    ArticleDefinition article;
    article.id = name.substr(0, name.size() - 3);
    article.where = {file, 1};
    article.language = pkg_.default_language;
    size_t dot = article.id.find('.');
    if (dot != std::string::npos) {
      std::string lang = article.id.substr(dot + 1);
      if (lang.find('.') != std::string::npos || !Speaks(lang)) {
        Error(file, 1,
              "the name must be NAME.md or NAME.LANG.md with LANG one of [" +
                  Join(pkg_.languages, ", ") + "]");
        return;
      }
      article.language = lang;
    }
    std::ifstream in(fs::path(dir_) / file, std::ios::binary);
    if (!in) {
      Error(file, 1, "cannot be read");
      return;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    article.markdown = ss.str();
    if (text::SanitizeUtf8(article.markdown) != article.markdown) {
      Error(file, 1, "not valid UTF-8");
      return;
    }
    // Sections: every heading must have text before the next heading.
    std::istringstream lines(article.markdown);
    std::string line, open_heading;
    int number = 0, open_line = 0, sections = 0;
    bool has_text = true, fenced = false, ok = true;
    auto close = [&]() {
      if (!has_text) {
        Error(file, open_line, "section `" + open_heading + "` is empty");
        ok = false;
      }
    };
    while (std::getline(lines, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("```", 0) == 0 || line.rfind("~~~", 0) == 0) fenced = !fenced;
      size_t hashes = 0;
      while (!fenced && hashes < line.size() && line[hashes] == '#') ++hashes;
      if (hashes >= 1 && hashes <= 6 && (hashes == line.size() || line[hashes] == ' ')) {
        close();
        open_heading = line;
        open_line = number;
        has_text = false;
        if (hashes == 2) ++sections;
      } else if (line.find_first_not_of(" \t") != std::string::npos) {
        has_text = true;
      }
    }
    close();
    if (sections == 0) {
      Error(file, 1, "no `## ` heading: an article needs at least one section");
      ok = false;
    }
    if (ok) pkg_.articles.push_back(std::move(article));
  }

  LoadOptions options_;
  YAML::Node human_only_;
  std::map<std::string, SourceLocation> intent_names_, entity_names_, faq_ids_;
  std::map<std::string, std::string> example_owner_;   // DuplicateKey → intent
  std::map<std::string, std::string> question_owner_;  // DuplicateKey → FAQ id
};

}  // namespace

Result<BotPackage> BotPackage::Load(const std::string& dir, const LoadOptions& options) {
  return Loader(dir, options).Run();
}

const IntentDefinition* BotPackage::FindIntent(std::string_view name) const {
  for (const auto& i : intents) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

const FaqDefinition* BotPackage::FindFaq(std::string_view id) const {
  for (const auto& f : faq) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const FlowDefinition* BotPackage::FindFlow(std::string_view name) const {
  for (const auto& f : flows) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const ActionDefinition* BotPackage::FindAction(std::string_view name) const {
  for (const auto& a : actions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const FlowDefinition* BotPackage::FlowFor(std::string_view intent) const {
  for (const auto& f : flows) {
    if (std::find(f.triggers.begin(), f.triggers.end(), intent) != f.triggers.end()) return &f;
  }
  return nullptr;
}

std::string KbLocale(std::string_view language) {
  if (language == "zh") return "zh-CN";
  return std::string(language);
}

nlu::EntityConfig BotPackage::EntityConfig() const {
  nlu::EntityConfig config;
  config.default_time_zone = time_zone;
  for (const auto& e : entities) {
    if (e.kind == EntityDefinition::Kind::kPattern) {
      if (e.name == "order_number") {
        config.order_number_pattern = e.pattern;
      } else {
        config.patterns.push_back({e.name, e.pattern});
      }
      continue;
    }
    nlu::LookupEntity lookup;
    lookup.name = e.name;
    for (const auto& v : e.values) {
      nlu::LookupEntity::Value value;
      value.value = v.value;
      for (const auto& [lang, words] : v.synonyms) {
        value.synonyms.insert(value.synonyms.end(), words.begin(), words.end());
      }
      lookup.values.push_back(std::move(value));
    }
    config.lookups.push_back(std::move(lookup));
  }
  return config;
}

std::vector<kb::FaqEntry> BotPackage::FaqEntries() const {
  std::vector<kb::FaqEntry> out;
  for (const auto& f : faq) {
    kb::FaqEntry e;
    e.id = f.id;
    e.tags = f.tags;
    e.locked = f.locked;
    // The default language's questions first: the first is the canonical one.
    auto add = [&](const std::string& lang) {
      auto it = f.questions.find(lang);
      if (it != f.questions.end()) {
        e.questions.insert(e.questions.end(), it->second.begin(), it->second.end());
      }
    };
    add(default_language);
    for (const auto& lang : languages) {
      if (lang != default_language) add(lang);
    }
    for (const auto& [lang, answer] : f.answer) e.answers[KbLocale(lang)] = answer;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<kb::Article> BotPackage::Articles() const {
  std::vector<kb::Article> out;
  for (const auto& a : articles) {
    kb::Article article;
    article.id = a.id;
    article.locale = KbLocale(a.language);
    article.markdown = a.markdown;
    out.push_back(std::move(article));
  }
  return out;
}

}  // namespace kefu::dialog
