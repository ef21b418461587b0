// Reading a bot package's responses/, flows/ and integrations.yaml
// (docs/bot-package.md, "responses/", "flows/", "integrations.yaml").
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/json.h"
#include "dialog/conditions.h"
#include "dialog/package_reader.h"
#include "dialog/templates.h"

namespace kefu::dialog::internal {
namespace {

constexpr const char* kToneKeys[] = {"warm", "formal", "brief"};

bool IsTone(const std::string& key) {
  for (const char* t : kToneKeys) {
    if (key == t) return true;
  }
  return false;
}

// Entity types an `ask` step may name besides the package's entities.
const std::set<std::string>& AskTypes() {
  static const std::set<std::string> types = {"order_number", "phone",  "email",
                                              "amount",       "number", "datetime",
                                              "text",         "yes_no", "attachment"};
  return types;
}

// Slots every template may use without a step filling them.
const std::set<std::string>& BuiltInSlots() {
  static const std::set<std::string> slots = {"bot_name", "option1",       "option2",
                                              "flow",     "last_status",   "intent",
                                              "message",  "handoff_reason"};
  return slots;
}

class DialogueLoader {
 public:
  explicit DialogueLoader(PackageReader& r) : r_(r), pkg_(r.package()) {}

  void Run() {
    LoadResponses();
    LoadIntegrations();
    LoadFlows();
    CheckTemplates();
  }

 private:
  // ---- responses -----------------------------------------------------------

  // Variants of one language: a string or a list of strings.
  bool Variants(const std::string& file, const YAML::Node& n, const std::string& where,
                std::vector<std::string>* out) {
    if (n.IsScalar()) {
      std::string s;
      if (!r_.String(file, n, where, &s, true)) return false;
      out->push_back(std::move(s));
      return true;
    }
    if (!n.IsSequence() || n.size() == 0) {
      r_.Error(file, n, where + ": must be a text or a non-empty list of texts (variants)");
      return false;
    }
    bool ok = true;
    for (const auto& v : n) {
      std::string s;
      if (!r_.String(file, v, where, &s, true)) {
        ok = false;
        continue;
      }
      out->push_back(std::move(s));
    }
    return ok;
  }

  // Language → variants: one text or list for every language, or a map.
  bool LanguageVariants(const std::string& file, const YAML::Node& n, const std::string& where,
                        bool need_every_language,
                        std::map<std::string, std::vector<std::string>>* out) {
    if (n.IsScalar() || n.IsSequence()) {
      std::vector<std::string> v;
      if (!Variants(file, n, where, &v)) return false;
      for (const auto& lang : pkg_.languages) (*out)[lang] = v;
      return true;
    }
    if (!n.IsMap()) {
      r_.Error(file, n, where + ": must be a text, a list of texts or a map of language to texts");
      return false;
    }
    bool ok = true;
    for (const auto& kv : n) {
      std::string lang = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (IsTone(lang)) continue;  // read by Response
      if (!r_.Speaks(lang)) {
        r_.Error(file, kv.first,
                 where + ": `" + lang + "` is neither a language of bot.yaml [" +
                     Join(pkg_.languages, ", ") + "] nor a tone (warm, formal, brief)");
        ok = false;
        continue;
      }
      std::vector<std::string> v;
      if (!Variants(file, kv.second, where + "." + lang, &v)) {
        ok = false;
        continue;
      }
      (*out)[lang] = std::move(v);
    }
    if (need_every_language) {
      for (const auto& lang : pkg_.languages) {
        if (!out->count(lang)) {
          r_.Error(file, n, where + ": no `" + lang + "` text");
          ok = false;
        }
      }
    }
    return ok;
  }

  // A response: texts per language, optionally per tone. A plain name
  // refers to a response of responses/ when `allow_reference`.
  bool Response(const std::string& file, const YAML::Node& n, const std::string& where,
                ResponseDefinition* out, bool allow_reference) {
    out->where = {file, PackageReader::Line(n)};
    if (allow_reference && n.IsScalar() && IsName(n.Scalar())) {
      auto it = pkg_.responses.find(n.Scalar());
      if (it == pkg_.responses.end()) {
        r_.Error(file, n,
                 where + ": no response `" + n.Scalar() +
                     "` in responses/ (a plain name refers to one; write a sentence for a text)");
        return false;
      }
      *out = it->second;
      return true;
    }
    bool ok = true;
    bool has_tones = false;
    if (n.IsMap()) {
      for (const char* tone : kToneKeys) {
        YAML::Node t = n[tone];
        if (!t.IsDefined() || t.IsNull()) continue;
        has_tones = true;
        ok &= LanguageVariants(file, t, where + "." + tone, false, &out->by_tone[tone]);
      }
    }
    // Tone texts alone are refused: the default texts are what other tones
    // and missing languages fall back to.
    bool only_tones = false;
    if (n.IsMap() && has_tones) {
      only_tones = true;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar() || !IsTone(kv.first.Scalar())) only_tones = false;
      }
    }
    if (only_tones) {
      r_.Error(file, n, where + ": has tone texts but no default texts (one per language)");
      return false;
    }
    ok &= LanguageVariants(file, n, where, true, &out->variants);
    return ok;
  }

  void LoadResponses() {
    for (const auto& file : r_.YamlFiles("responses")) {
      auto doc = r_.ReadYaml(file);
      if (!doc || doc->IsNull()) continue;
      if (!doc->IsMap()) {
        r_.Error(file, *doc, "must be a map of response name to texts");
        continue;
      }
      for (const auto& kv : *doc) {
        std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
        if (!IsName(name)) {
          r_.Error(file, kv.first,
                   "response `" + name + "`: names are lower-case letters, digits and _");
          continue;
        }
        if (pkg_.responses.count(name)) {
          const auto& first = pkg_.responses[name].where;
          r_.Error(file, kv.first,
                   "response `" + name + "` is already defined at " + first.file + ":" +
                       std::to_string(first.line));
          continue;
        }
        ResponseDefinition def;
        if (Response(file, kv.second, "response " + name, &def, false)) {
          def.name = name;
          def.where = {file, PackageReader::Line(kv.first)};
          pkg_.responses[name] = std::move(def);
        }
      }
    }
  }

  // ---- integrations.yaml ---------------------------------------------------

  void LoadIntegrations() {
    const std::string file = "integrations.yaml";
    std::error_code ec;
    if (!fs::exists(fs::path(r_.dir()) / file, ec)) return;
    auto doc = r_.ReadYaml(file);
    if (!doc || doc->IsNull()) return;
    if (!doc->IsMap()) {
      r_.Error(file, *doc, "must be a map (base_url, actions)");
      return;
    }
    r_.UnknownFields(file, *doc, "", {"base_url", "actions"});
    YAML::Node base = (*doc)["base_url"];
    if (base.IsDefined() && !base.IsNull()) {
      std::string url;
      if (r_.String(file, base, "base_url", &url, true)) {
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
          r_.Error(file, base, "base_url: must start with http:// or https://");
        } else {
          while (!url.empty() && url.back() == '/') url.pop_back();
          pkg_.base_url = url;
        }
      }
    }
    YAML::Node actions = (*doc)["actions"];
    if (!actions.IsDefined() || actions.IsNull()) return;
    if (!actions.IsSequence()) {
      r_.Error(file, actions, "actions: must be a list (- action: name ...)");
      return;
    }
    for (const auto& a : actions) LoadAction(file, a);
  }

  // YAML → a JSON template: strings stay templates inside JSON strings.
  static void JsonTemplate(const YAML::Node& n, std::string* out) {
    if (n.IsMap()) {
      *out += '{';
      bool first = true;
      for (const auto& kv : n) {
        if (!first) *out += ',';
        first = false;
        *out += QuoteJson(kv.first.Scalar()) + ':';
        JsonTemplate(kv.second, out);
      }
      *out += '}';
    } else if (n.IsSequence()) {
      *out += '[';
      bool first = true;
      for (const auto& v : n) {
        if (!first) *out += ',';
        first = false;
        JsonTemplate(v, out);
      }
      *out += ']';
    } else if (n.IsNull()) {
      *out += "null";
    } else {
      const std::string& s = n.Scalar();
      // Plain (unquoted) numbers and booleans keep their type.
      bool plain = n.Tag() != "!";
      double d;
      if (plain && (s == "true" || s == "false")) {
        *out += s;
      } else if (plain && !s.empty() && YAML::convert<double>::decode(n, d) &&
                 s.find_first_not_of("0123456789.-+eE") == std::string::npos) {
        *out += s;
      } else {
        *out += QuoteJson(s);
      }
    }
  }

  static std::string QuoteJson(const std::string& s) {
    return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
  }

  void LoadAction(const std::string& file, const YAML::Node& n) {
    if (!n.IsMap()) {
      r_.Error(file, n, "an action must be a map (action, method, url, ...)");
      return;
    }
    ActionDefinition a;
    a.where = {file, PackageReader::Line(n)};
    if (!r_.StringField(file, n, "action", "action", &a.name)) return;
    std::string where = "action " + a.name;
    r_.UnknownFields(file, n, where + ": ",
                     {"action", "method", "url", "headers", "body", "timeout_ms", "save"});
    bool ok = true;
    if (!IsName(a.name)) {
      r_.Error(file, n["action"], where + ": names are lower-case letters, digits and _");
      ok = false;
    } else if (pkg_.FindAction(a.name) != nullptr) {
      r_.Error(file, n["action"], where + ": defined twice");
      ok = false;
    }
    YAML::Node method = n["method"];
    if (method.IsDefined() && !method.IsNull()) {
      std::string m = method.IsScalar() ? method.Scalar() : "";
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (m != "GET" && m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE") {
        r_.Error(file, method, where + ": method must be GET, POST, PUT, PATCH or DELETE");
        ok = false;
      }
      a.method = m;
    }
    if (r_.StringField(file, n, "url", where + ": url", &a.url)) {
      bool absolute = a.has_absolute_url();
      if (!absolute && a.url.front() != '/') {
        r_.Error(file, n["url"], where + ": url must start with / (after base_url) or http://");
        ok = false;
      } else if (!absolute && pkg_.base_url.empty()) {
        r_.Error(file, n["url"], where + ": a relative url needs base_url");
        ok = false;
      }
      ok &= CheckTemplate(file, n["url"], where + ": url", a.url);
    } else {
      ok = false;
    }
    YAML::Node headers = n["headers"];
    if (headers.IsDefined() && !headers.IsNull()) {
      if (!headers.IsMap()) {
        r_.Error(file, headers, where + ": headers must be a map of name to text");
        ok = false;
      } else {
        for (const auto& kv : headers) {
          std::string v;
          if (!r_.String(file, kv.second, where + ": header " + kv.first.Scalar(), &v, true)) {
            ok = false;
            continue;
          }
          ok &= CheckTemplate(file, kv.second, where + ": header", v);
          a.headers.emplace_back(kv.first.Scalar(), v);
        }
      }
    }
    YAML::Node body = n["body"];
    if (body.IsDefined() && !body.IsNull()) {
      if (!body.IsMap() && !body.IsSequence()) {
        r_.Error(file, body, where + ": body must be a map (sent as JSON)");
        ok = false;
      } else {
        JsonTemplate(body, &a.body);
        ok &= CheckTemplate(file, body, where + ": body", a.body);
      }
    }
    YAML::Node timeout = n["timeout_ms"];
    if (timeout.IsDefined() && !timeout.IsNull()) {
      int64_t t = 0;
      if (!timeout.IsScalar() || !YAML::convert<int64_t>::decode(timeout, t) || t < 1 ||
          t > 60000) {
        r_.Error(file, timeout, where + ": timeout_ms must be an integer in [1, 60000]");
        ok = false;
      } else {
        a.timeout_ms = t;
      }
    }
    YAML::Node save = n["save"];
    if (save.IsDefined() && !save.IsNull()) {
      if (!save.IsMap()) {
        r_.Error(file, save, where + ": save must be a map of slot to response field");
        ok = false;
      } else {
        for (const auto& kv : save) {
          std::string slot = kv.first.Scalar();
          std::string path;
          if (!IsName(slot)) {
            r_.Error(file, kv.first, where + ": save: slot `" + slot + "` is not a name");
            ok = false;
          }
          if (!r_.String(file, kv.second, where + ": save." + slot, &path, true)) {
            ok = false;
            continue;
          }
          if (!ValidJsonPath(path)) {
            r_.Error(file, kv.second,
                     where + ": save." + slot + ": `" + path +
                         "` is not a field path (status, items[0].name, items[*].name)");
            ok = false;
          }
          a.save.emplace_back(slot, path);
          known_slots_.insert(slot);
        }
      }
    }
    if (ok) pkg_.actions.push_back(std::move(a));
  }

  // ---- flows ---------------------------------------------------------------

  void LoadFlows() {
    for (const auto& file : r_.YamlFiles("flows")) {
      auto doc = r_.ReadYaml(file);
      if (!doc || doc->IsNull()) continue;
      if (!doc->IsMap()) {
        r_.Error(file, *doc, "must be a map (flow, triggers, steps)");
        continue;
      }
      LoadFlow(file, *doc);
    }
  }

  void LoadFlow(const std::string& file, const YAML::Node& n) {
    FlowDefinition flow;
    flow.where = {file, PackageReader::Line(n)};
    if (!r_.StringField(file, n, "flow", "flow", &flow.name)) return;
    std::string where = "flow " + flow.name;
    r_.UnknownFields(file, n, where + ": ", {"flow", "description", "triggers", "steps"});
    bool ok = true;
    if (!IsName(flow.name)) {
      r_.Error(file, n["flow"], where + ": names are lower-case letters, digits and _");
      ok = false;
    } else if (pkg_.FindFlow(flow.name) != nullptr || flow_names_.count(flow.name)) {
      r_.Error(file, n["flow"], where + ": defined twice");
      ok = false;
    }
    flow_names_.insert(flow.name);
    if (n["description"].IsDefined()) {
      r_.String(file, n["description"], where + ": description", &flow.description, false);
    }
    YAML::Node triggers = n["triggers"];
    if (!triggers.IsDefined() || triggers.IsNull()) {
      r_.Error(file, n, where + ": triggers: missing (the intents that start it)");
      ok = false;
    } else if (!triggers.IsSequence() || triggers.size() == 0) {
      r_.Error(file, triggers, where + ": triggers must be a non-empty list of intent names");
      ok = false;
    } else {
      for (const auto& t : triggers) {
        std::string name = t.IsScalar() ? t.Scalar() : "";
        if (pkg_.FindIntent(name) == nullptr || name == kOutOfScopeIntent) {
          r_.Error(file, t, where + ": triggers: no intent `" + name + "`");
          ok = false;
        } else if (trigger_owner_.count(name)) {
          r_.Error(file, t,
                   where + ": triggers: intent `" + name + "` already starts flow " +
                       trigger_owner_[name]);
          ok = false;
        } else {
          trigger_owner_[name] = flow.name;
          flow.triggers.push_back(name);
        }
      }
    }
    YAML::Node steps = n["steps"];
    if (!steps.IsDefined() || steps.IsNull() || !steps.IsSequence() || steps.size() == 0) {
      r_.Error(file, steps.IsDefined() ? steps : n, where + ": steps must be a non-empty list");
      return;
    }
    // Two passes: step ids first, so a step may jump forward.
    std::map<std::string, int> ids;
    int index = 0;
    for (const auto& s : steps) {
      if (s.IsMap() && s["id"].IsDefined()) {
        std::string id = s["id"].IsScalar() ? s["id"].Scalar() : "";
        if (!IsName(id)) {
          r_.Error(file, s["id"], where + ": step id `" + id + "` is not a name");
          ok = false;
        } else if (ids.count(id)) {
          r_.Error(file, s["id"], where + ": step id `" + id + "` used twice");
          ok = false;
        } else {
          ids[id] = index;
        }
      }
      ++index;
    }
    for (const auto& s : steps) {
      FlowStep step;
      if (!LoadStep(file, s, where, ids, &step)) {
        ok = false;
        continue;
      }
      flow.steps.push_back(std::move(step));
    }
    if (ok) pkg_.flows.push_back(std::move(flow));
  }

  // A step target: an id of this flow, or `end` / `handoff` (-2 / -3).
  bool Target(const std::string& file, const YAML::Node& n, const std::string& where,
              const std::map<std::string, int>& ids, int* out) {
    std::string id = n.IsScalar() ? n.Scalar() : "";
    if (id == "end") {
      *out = FlowStep::kEnd;
      return true;
    }
    if (id == "handoff") {
      *out = FlowStep::kHandoff;
      return true;
    }
    auto it = ids.find(id);
    if (it == ids.end()) {
      r_.Error(file, n, where + ": no step with id `" + id + "` in this flow (or end, handoff)");
      return false;
    }
    *out = it->second;
    return true;
  }
  bool LoadStep(const std::string& file, const YAML::Node& s, const std::string& flow_where,
                const std::map<std::string, int>& ids, FlowStep* step) {
    step->where = {file, PackageReader::Line(s)};
    if (s.IsScalar() && s.Scalar() == "end") {
      step->kind = FlowStep::Kind::kEnd;
      return true;
    }
    if (!s.IsMap()) {
      r_.Error(file, s,
               flow_where + ": a step must be a map (ask, say, call, branch, set, handoff, end)");
      return false;
    }
    static const char* kKinds[] = {"ask", "say", "call", "branch", "set", "handoff", "end"};
    std::string kind;
    for (const char* k : kKinds) {
      // A handoff step may say something first: `say` is then its text.
      if (std::string_view(k) == "say" && s["handoff"].IsDefined()) continue;
      if (s[k].IsDefined()) {
        if (!kind.empty()) {
          r_.Error(file, s,
                   flow_where + ": a step does one thing: both `" + kind + "` and `" + k + "`");
          return false;
        }
        kind = k;
      }
    }
    if (kind.empty()) {
      r_.Error(file, s,
               flow_where + ": a step needs one of ask, say, call, branch, set, handoff, end");
      return false;
    }
    std::string where = flow_where + ": " + kind + " step";
    bool ok = true;
    if (s["id"].IsDefined()) step->id = s["id"].Scalar();
    if (s["goto"].IsDefined()) ok &= Target(file, s["goto"], where + ": goto", ids, &step->next);

    if (kind == "ask") {
      step->kind = FlowStep::Kind::kAsk;
      r_.UnknownFields(file, s, where + ": ",
                       {"id", "goto", "ask", "entity", "prompt", "reprompt", "max_attempts",
                        "on_fail", "optional", "reuse", "choices"});
      if (!r_.String(file, s["ask"], where + ": ask (the slot)", &step->slot, true)) return false;
      if (!IsName(step->slot)) {
        r_.Error(file, s["ask"], where + ": slot `" + step->slot + "` is not a name");
        ok = false;
      }
      known_slots_.insert(step->slot);
      if (r_.StringField(file, s, "entity", where + ": entity", &step->entity)) {
        bool package_entity = false;
        const EntityDefinition* def = nullptr;
        for (const auto& e : pkg_.entities) {
          if (e.name == step->entity) {
            package_entity = true;
            def = &e;
          }
        }
        if (!package_entity && !AskTypes().count(step->entity)) {
          r_.Error(file, s["entity"],
                   where + ": entity `" + step->entity +
                       "` is neither an entity of entities/ nor a built-in type (order_number, "
                       "phone, email, amount, number, datetime, text, yes_no, attachment)");
          ok = false;
        }
        YAML::Node choices = s["choices"];
        if (choices.IsDefined() && !choices.IsNull()) {
          if (!choices.IsSequence()) {
            r_.Error(file, choices, where + ": choices must be a list of values");
            ok = false;
          } else {
            for (const auto& c : choices) {
              std::string v = c.IsScalar() ? c.Scalar() : "";
              bool known = def == nullptr || def->kind != EntityDefinition::Kind::kLookup;
              if (!known) {
                for (const auto& val : def->values) known |= val.value == v;
              }
              if (!known) {
                r_.Error(file, c,
                         where + ": choice `" + v + "` is no value of entity " + step->entity);
                ok = false;
              }
              step->choices.push_back(v);
            }
          }
        }
      } else {
        ok = false;
      }
      if (s["prompt"].IsDefined()) {
        ok &= Response(file, s["prompt"], where + ": prompt", &step->prompt, true);
      } else {
        r_.Error(file, s, where + ": prompt: missing (what the bot asks)");
        ok = false;
      }
      if (s["reprompt"].IsDefined()) {
        ok &= Response(file, s["reprompt"], where + ": reprompt", &step->reprompt, true);
      }
      YAML::Node max = s["max_attempts"];
      if (max.IsDefined() && !max.IsNull()) {
        int v = 0;
        if (!max.IsScalar() || !YAML::convert<int>::decode(max, v) || v < 1 || v > 10) {
          r_.Error(file, max, where + ": max_attempts must be an integer in [1, 10]");
          ok = false;
        } else {
          step->max_attempts = v;
        }
      }
      if (s["on_fail"].IsDefined())
        ok &= Target(file, s["on_fail"], where + ": on_fail", ids, &step->on_fail);
      ok &= Bool(file, s["optional"], where + ": optional", &step->optional);
      ok &= Bool(file, s["reuse"], where + ": reuse", &step->reuse);
    } else if (kind == "say") {
      step->kind = FlowStep::Kind::kSay;
      r_.UnknownFields(file, s, where + ": ", {"id", "goto", "say"});
      ok &= Response(file, s["say"], where, &step->prompt, true);
    } else if (kind == "call") {
      step->kind = FlowStep::Kind::kCall;
      r_.UnknownFields(file, s, where + ": ",
                       {"id", "goto", "call", "on_error", "on_timeout", "on_status"});
      if (!r_.String(file, s["call"], where + ": call (the action)", &step->action, true))
        return false;
      if (pkg_.FindAction(step->action) == nullptr) {
        r_.Error(file, s["call"],
                 where + ": no action `" + step->action + "` in integrations.yaml");
        ok = false;
      }
      if (s["on_error"].IsDefined())
        ok &= Target(file, s["on_error"], where + ": on_error", ids, &step->on_error);
      step->on_timeout = step->on_error;
      if (s["on_timeout"].IsDefined()) {
        ok &= Target(file, s["on_timeout"], where + ": on_timeout", ids, &step->on_timeout);
      }
      YAML::Node st = s["on_status"];
      if (st.IsDefined() && !st.IsNull()) {
        if (!st.IsMap()) {
          r_.Error(file, st, where + ": on_status must be a map of HTTP status to step id");
          ok = false;
        } else {
          for (const auto& kv : st) {
            int code = 0;
            if (!YAML::convert<int>::decode(kv.first, code) || code < 100 || code > 599) {
              r_.Error(file, kv.first,
                       where + ": on_status: `" + kv.first.Scalar() + "` is no HTTP status");
              ok = false;
              continue;
            }
            int target = -1;
            ok &= Target(file, kv.second, where + ": on_status", ids, &target);
            step->on_status[code] = target;
          }
        }
      }
    } else if (kind == "branch") {
      step->kind = FlowStep::Kind::kBranch;
      r_.UnknownFields(file, s, where + ": ", {"id", "goto", "branch", "else"});
      YAML::Node cases = s["branch"];
      if (!cases.IsSequence() || cases.size() == 0) {
        r_.Error(file, cases, where + ": branch must be a list of cases (- if: …, goto: …)");
        return false;
      }
      for (const auto& c : cases) {
        if (!c.IsMap() || !c["if"].IsDefined() || !c["goto"].IsDefined()) {
          r_.Error(file, c, where + ": a case needs `if` (a condition) and `goto` (a step id)");
          ok = false;
          continue;
        }
        r_.UnknownFields(file, c, where + ": case: ", {"if", "goto"});
        std::string text = c["if"].IsScalar() ? c["if"].Scalar() : "";
        auto cond = ParseCondition(text);
        if (!cond.ok()) {
          r_.Error(file, c["if"], where + ": if `" + text + "`: " + cond.status().message());
          ok = false;
          continue;
        }
        CollectConditionSlots(*cond, file, c["if"]);
        int target = -1;
        ok &= Target(file, c["goto"], where + ": goto", ids, &target);
        step->cases.emplace_back(std::move(*cond), target);
      }
      if (s["else"].IsDefined())
        ok &= Target(file, s["else"], where + ": else", ids, &step->otherwise);
    } else if (kind == "set") {
      step->kind = FlowStep::Kind::kSet;
      r_.UnknownFields(file, s, where + ": ", {"id", "goto", "set"});
      YAML::Node set = s["set"];
      if (!set.IsMap() || set.size() == 0) {
        r_.Error(file, set, where + ": set must be a map of slot to value");
        return false;
      }
      for (const auto& kv : set) {
        std::string slot = kv.first.Scalar();
        if (!IsName(slot)) {
          r_.Error(file, kv.first, where + ": slot `" + slot + "` is not a name");
          ok = false;
          continue;
        }
        std::string value = kv.second.IsNull()     ? ""
                            : kv.second.IsScalar() ? kv.second.Scalar()
                                                   : "";
        if (!kv.second.IsNull() && !kv.second.IsScalar()) {
          r_.Error(file, kv.second,
                   where + ": " + slot + ": a value is a text (a template) or null");
          ok = false;
          continue;
        }
        ok &= CheckTemplate(file, kv.second, where, value);
        known_slots_.insert(slot);
        step->assignments.emplace_back(slot, value);
      }
    } else if (kind == "handoff") {
      step->kind = FlowStep::Kind::kHandoff;
      r_.UnknownFields(file, s, where + ": ", {"id", "handoff", "say", "queue", "priority"});
      r_.String(file, s["handoff"], where + ": handoff (the reason)", &step->reason, true);
      ok &= r_.RoutingRule(file, s, where + ": ", &step->queue, &step->priority);
      if (s["say"].IsDefined())
        ok &= Response(file, s["say"], where + ": say", &step->prompt, true);
    } else {  // end
      step->kind = FlowStep::Kind::kEnd;
      r_.UnknownFields(file, s, where + ": ", {"id", "end"});
      YAML::Node e = s["end"];
      if (!e.IsNull() && !(e.IsScalar() && (e.Scalar() == "true" || e.Scalar().empty()))) {
        ok &= Response(file, e, where, &step->prompt, true);
      }
    }
    return ok;
  }

  bool Bool(const std::string& file, const YAML::Node& n, const std::string& where, bool* out) {
    if (!n.IsDefined() || n.IsNull()) return true;
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
      r_.Error(file, n, where + ": must be true or false");
      return false;
    }
    *out = v;
    return true;
  }

  // ---- templates -----------------------------------------------------------

  struct TemplateUse {
    std::string file;
    int line;
    std::string where;
    std::string slot;
  };

  // Checks the syntax of a template now, its slots once every step is read.
  bool CheckTemplate(const std::string& file, const YAML::Node& at, const std::string& where,
                     const std::string& text) {
    auto slots = TemplateSlots(text);
    if (!slots.ok()) {
      r_.Error(file, at, where + ": " + slots.status().message());
      return false;
    }
    for (auto& s : *slots) uses_.push_back({file, PackageReader::Line(at), where, std::move(s)});
    return true;
  }

  void CheckResponse(const ResponseDefinition& r, const std::string& where) {
    auto check = [&](const std::string& text) {
      auto slots = TemplateSlots(text);
      if (!slots.ok()) {
        r_.Error(r.where.file, r.where.line, where + ": " + slots.status().message());
        return;
      }
      for (auto& s : *slots) uses_.push_back({r.where.file, r.where.line, where, std::move(s)});
    };
    for (const auto& [lang, vs] : r.variants) {
      for (const auto& v : vs) check(v);
    }
    for (const auto& [tone, m] : r.by_tone) {
      for (const auto& [lang, vs] : m) {
        for (const auto& v : vs) check(v);
      }
    }
  }

  void CollectConditionSlots(const Condition& c, const std::string& file, const YAML::Node& at) {
    if (!c.slot.empty()) {
      uses_.push_back({file, PackageReader::Line(at), "condition", c.slot});
    }
    for (const auto& o : c.operands) CollectConditionSlots(o, file, at);
  }

  void CheckTemplates() {
    for (const auto& [name, r] : pkg_.responses) CheckResponse(r, "response " + name);
    for (const auto& f : pkg_.flows) {
      for (const auto& s : f.steps) {
        std::string where = "flow " + f.name;
        if (!s.prompt.name.empty()) continue;  // a named response: checked above
        CheckResponse(s.prompt, where);
        if (s.reprompt.name.empty()) CheckResponse(s.reprompt, where);
      }
    }
    for (const auto& u : uses_) {
      std::string root = u.slot.substr(0, u.slot.find('.'));
      if (root == "secret") continue;  // from configuration
      if (known_slots_.count(root) || BuiltInSlots().count(root)) continue;
      r_.Error(u.file, u.line,
               u.where + ": `" + root +
                   "` is no slot: no ask, set or action save fills it (built in: bot_name, "
                   "option1, option2, flow, handoff_reason, last_status, intent, message)");
    }
  }

  PackageReader& r_;
  BotPackage& pkg_;
  std::set<std::string> known_slots_;
  std::set<std::string> flow_names_;
  std::map<std::string, std::string> trigger_owner_;  // intent → flow
  std::vector<TemplateUse> uses_;
};

}  // namespace

void LoadDialogue(PackageReader& reader) { DialogueLoader(reader).Run(); }

}  // namespace kefu::dialog::internal
