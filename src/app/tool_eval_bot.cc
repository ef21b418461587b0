// kefu eval --bot DIR [--data FILE]: loads a bot package, builds its
// understanding (intents, FAQ, entities, emotion) and decides every message
// of a labelled CSV (text,label; default DIR/eval/heldout.csv) the way the
// bot would. A label is an intent name, faq:<id>, or out_of_scope; a row is
// right when the decision names that intent or FAQ entry, or — for
// out_of_scope — falls back (a clarifying question counts as wrong: it
// answers neither). Prints one JSON line: accuracy over the in-scope rows,
// out-of-scope recall and precision, accuracy per kind of label and per
// script, training time and turns per second; the wrong rows go to stderr.
//
// --tune measures nothing on FILE: it holds every fifth example and FAQ
// question of the package out of training, builds on the rest, and prints
// the thresholds that do best on the held-out part (for
// UnderstandingOptions), so thresholds are never fitted to the evaluation.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "app/tools.h"
#include "core/clock.h"
#include "core/csv.h"
#include "dialog/package.h"
#include "dialog/understanding.h"
#include "text/text.h"

namespace kefu::app {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Round(double v, int digits = 4) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

struct Row {
  std::string text;
  std::string label;
};

bool HasHan(std::string_view s) {
  // U+3400..U+9FFF, U+F900..U+FAFF in UTF-8: lead bytes E3 (from U+3400) to E9, EF A4..AB.
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    unsigned char c = s[i], c1 = s[i + 1];
    if ((c == 0xE3 && c1 >= 0x90) || (c >= 0xE4 && c <= 0xE9) ||
        (c == 0xEF && c1 >= 0xA4 && c1 <= 0xAB)) {
      return true;
    }
  }
  return false;
}

// "zh_hans", "zh_hant" or "en" (no Han characters), as the package's checks count them.
std::string ScriptOf(const text::Analyzer& analyzer, std::string_view text) {
  if (!HasHan(text)) return "en";
  return analyzer.DetectScript(text) == text::Script::kTraditional ? "zh_hant" : "zh_hans";
}

struct Tally {
  int rows = 0, right = 0;
  double Rate() const { return rows ? static_cast<double>(right) / rows : 0; }
  nlohmann::json Json() const { return rows ? nlohmann::json(Round(Rate())) : nlohmann::json(); }
};

struct Scores {
  Tally in_scope, oos, intent_rows, faq_rows;
  std::map<std::string, Tally> script_in_scope, script_oos;
  int fallbacks = 0, fallbacks_right = 0, clarify = 0, articles = 0;
  double Objective(double oos_share) const {
    return (1 - oos_share) * in_scope.Rate() + oos_share * oos.Rate();
  }
};

bool Right(const std::string& label, const std::string& decided) {
  return label == decided;  // a fallback is "out_of_scope"
}

void Count(Scores* s, const std::string& label, const std::string& decided,
           const std::string& script) {
  bool right = Right(label, decided);
  bool oos = label == dialog::kOutOfScopeIntent;
  Tally& t = oos ? s->oos : s->in_scope;
  ++t.rows;
  t.right += right;
  Tally& by_script = oos ? s->script_oos[script] : s->script_in_scope[script];
  ++by_script.rows;
  by_script.right += right;
  if (!oos) {
    Tally& kind = label.rfind("faq:", 0) == 0 ? s->faq_rows : s->intent_rows;
    ++kind.rows;
    kind.right += right;
  }
  if (decided == dialog::kOutOfScopeIntent) {
    ++s->fallbacks;
    s->fallbacks_right += oos;
  }
  s->clarify += decided == "clarify";
  s->articles += decided.rfind("article:", 0) == 0;
}

Result<std::vector<Row>> ReadRows(const std::string& path, const dialog::BotPackage& pkg) {
  auto table = ReadCsvFile(path);
  if (!table.ok()) return table.status();
  int text = table->Column("text"), label = table->Column("label");
  if (text < 0 || label < 0) {
    return Status::InvalidArgument(path + ": the header must name the columns text,label");
  }
  std::vector<Row> rows;
  for (size_t r = 0; r < table->rows.size(); ++r) {
    Row row{table->rows[r][text], table->rows[r][label]};
    bool known = row.label == dialog::kOutOfScopeIntent ||
                 (row.label.rfind("faq:", 0) == 0 && pkg.FindFaq(row.label.substr(4))) ||
                 (row.label.rfind("faq:", 0) != 0 && pkg.FindIntent(row.label));
    if (!known) {
      return Status::InvalidArgument(path + ": row " + std::to_string(r + 2) + ": label `" +
                                     row.label + "` is no intent, faq:<id> or out_of_scope of " +
                                     pkg.dir);
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return Status::InvalidArgument(path + ": no rows");
  return rows;
}

// The package without every fifth example of each intent and language and
// every fifth question of each FAQ entry and language (at least one
// question stays), and the examples left out, labelled. `fold` (0..4) is
// which fifth: the examples at positions i with i % 5 == fold.
std::pair<dialog::BotPackage, std::vector<Row>> HoldOut(const dialog::BotPackage& pkg, int fold) {
  dialog::BotPackage train = pkg;
  std::vector<Row> held;
  for (auto& intent : train.intents) {
    for (auto& [lang, texts] : intent.examples) {
      std::vector<std::string> kept;
      for (size_t i = 0; i < texts.size(); ++i) {
        if (static_cast<int>(i % 5) == fold) {
          held.push_back({texts[i], intent.name});
        } else {
          kept.push_back(texts[i]);
        }
      }
      texts = std::move(kept);
    }
  }
  for (auto& f : train.faq) {
    for (auto& [lang, qs] : f.questions) {
      std::vector<std::string> kept;
      for (size_t i = 0; i < qs.size(); ++i) {
        if (qs.size() <= 4 ? i == 1 : static_cast<int>(i % 5) == fold) {
          held.push_back({qs[i], dialog::FaqLabel(f.id)});
        } else {
          kept.push_back(qs[i]);
        }
      }
      qs = std::move(kept);
    }
  }
  return {std::move(train), std::move(held)};
}

// One JSON line per held-out example: its label, the classifier's ranking
// and the knowledge base's FAQ hits, to study other ways of scoring offline.
void Dump(std::FILE* out, const Row& row, const dialog::Understood& x) {
  nlohmann::ordered_json j;
  j["text"] = row.text;
  j["label"] = row.label;
  nlohmann::ordered_json ranked = nlohmann::json::array(), hits = nlohmann::json::array();
  for (const auto& r : x.ranked) ranked.push_back({r.label, Round(r.confidence)});
  for (const auto& h : x.kb_hits) {
    if (h.kind == kb::HitKind::kFaq) hits.push_back({h.id, Round(h.probability)});
  }
  j["ranked"] = ranked;
  j["kb"] = hits;
  std::fprintf(out, "%s\n", j.dump().c_str());
}

int Tune(const dialog::BotPackage& pkg, const dialog::UnderstandingOptions& base, double oos_share,
         int misses, int fold, const std::string& dump_path) {
  auto [train, held] = HoldOut(pkg, fold);
  auto u = dialog::Understanding::Build(train, base);
  if (!u.ok()) {
    std::fprintf(stderr, "kefu eval: %s\n", u.status().message().c_str());
    return 1;
  }
  const text::Analyzer& analyzer = (*u)->analyzer();
  std::vector<dialog::Understood> understood;
  std::vector<std::string> scripts;
  int64_t now = Clock::Real()->NowMillis();
  for (const auto& r : held) {
    understood.push_back((*u)->Understand(r.text, "", now));
    scripts.push_back(ScriptOf(analyzer, r.text));
  }
  if (!dump_path.empty()) {
    std::FILE* out = std::fopen(dump_path.c_str(), "w");
    if (!out) {
      std::fprintf(stderr, "kefu eval: cannot write %s\n", dump_path.c_str());
      return 1;
    }
    for (size_t i = 0; i < held.size(); ++i) Dump(out, held[i], understood[i]);
    std::fclose(out);
  }
  // How often the best candidate is the label, whatever the thresholds.
  int top_right = 0, in_scope = 0;
  for (size_t i = 0; i < held.size(); ++i) {
    if (held[i].label == dialog::kOutOfScopeIntent) continue;
    ++in_scope;
    const auto& c = understood[i].candidates;
    if (c.empty()) continue;
    std::string top =
        c[0].kind == dialog::Candidate::Kind::kFaq ? dialog::FaqLabel(c[0].name) : c[0].name;
    top_right += top == held[i].label;
    if (top != held[i].label && misses > 0) {
      --misses;
      std::fprintf(stderr, "%s\t-> %s %.2f\t%s\n", held[i].label.c_str(), top.c_str(), c[0].score,
                   held[i].text.c_str());
    }
  }
  nlohmann::ordered_json best_json;
  double best = -1;
  for (double w : {0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0}) {
    for (auto& x : understood) (*u)->Rescore(&x, w);
    for (double it : {0.2, 0.3, 0.4, 0.5, 0.6, 0.7}) {
      for (double ft : {0.2, 0.3, 0.4, 0.5, 0.6, 0.7}) {
        for (double at : {0.6, 0.8, 0.9, 2.0}) {  // 2: no article answers
          for (double margin : {0.0, 0.05, 0.1}) {
            dialog::UnderstandingOptions o = base;
            o.intent_threshold = it;
            o.faq_threshold = ft;
            o.answer_from_articles = at <= 1;
            o.article_threshold = std::min(at, 1.0);
            o.clarify_margin = margin;
            Scores s;
            for (size_t i = 0; i < held.size(); ++i) {
              Count(&s, held[i].label, dialog::DecisionLabel((*u)->Decide(understood[i], o)), scripts[i]);
            }
            double objective = s.Objective(oos_share);
            if (objective > best + 1e-9) {
              best = objective;
              best_json = nlohmann::ordered_json{
                  {"objective", Round(objective)},
                  {"accuracy", Round(s.in_scope.Rate())},
                  {"oos_recall", s.oos.Json()},
                  {"intent_accuracy", s.intent_rows.Json()},
                  {"faq_accuracy", s.faq_rows.Json()},
                  {"faq_classifier_weight", w},
                  {"intent_threshold", it},
                  {"faq_threshold", ft},
                  {"article_threshold", at <= 1 ? nlohmann::json(at) : nlohmann::json()},
                  {"clarify_margin", margin},
                  {"held_out", held.size()},
                  {"top_candidate_accuracy", Round(in_scope ? double(top_right) / in_scope : 0)},
              };
            }
          }
        }
      }
    }
  }
  std::printf("%s\n", best_json.dump().c_str());
  return 0;
}

}  // namespace

int RunEvalBot(int argc, char** argv) {
  CLI::App app{"Evaluate a bot package on labelled messages", "kefu eval"};
  std::string dir, data;
  int misses = 20;
  bool tune = false;
  double oos_share = 0.2;
  dialog::UnderstandingOptions options;
  app.add_option("--bot", dir, "bot package folder")->required();
  app.add_option("--data", data, "CSV with text,label (default: DIR/eval/heldout.csv)");
  app.add_option("--misses", misses, "print this many wrong rows on stderr")->capture_default_str();
  app.add_option("--intent-threshold", options.intent_threshold)->capture_default_str();
  app.add_option("--faq-threshold", options.faq_threshold)->capture_default_str();
  app.add_option("--faq-weight", options.faq_classifier_weight,
                 "weight of the classifier in an FAQ entry's score")
      ->capture_default_str();
  app.add_option("--article-threshold", options.article_threshold,
                 "answer from article passages at this probability (default: no article answers)")
      ->each([&](const std::string&) { options.answer_from_articles = true; });
  app.add_option("--clarify-margin", options.clarify_margin)->capture_default_str();
  app.add_option("--clarify-floor", options.clarify_floor)->capture_default_str();
  app.add_flag("--tune", tune,
               "hold a fifth of the package's examples out of training and print the best "
               "thresholds on them (FILE is not read)");
  app.add_option("--oos-share", oos_share,
                 "with --tune: the share of out-of-scope messages the thresholds are tuned for")
      ->capture_default_str();
  app.add_option("--seed", options.seed)->capture_default_str();
  int fold = 4;
  std::string dump;
  app.add_option("--fold", fold, "with --tune: which fifth of the examples is held out (0-4)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4));
  app.add_option("--dump", dump,
                 "with --tune: write each held-out example's ranking and knowledge-base hits "
                 "to this file (JSON lines)");
  bool no_faq_classes = false;
  app.add_flag("--no-faq-classes", no_faq_classes,
               "match FAQ entries with the knowledge base alone (no faq:<id> classes)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "kefu eval: %s\n", s.message().c_str());
    return 1;
  };
  for (double v :
       {options.intent_threshold, options.faq_threshold, options.faq_classifier_weight,
        options.article_threshold, options.clarify_margin, options.clarify_floor, oos_share}) {
    if (!(v >= 0 && v <= 1)) {
      std::fprintf(stderr, "kefu eval: thresholds, weights and --oos-share are in [0, 1]\n");
      return 2;
    }
  }
  if (misses < 0) misses = 0;
  if (data.empty()) data = dir + "/eval/heldout.csv";
  options.faq_as_intents = !no_faq_classes;

  auto analyzer = text::Analyzer::Create();
  if (!analyzer.ok()) return fail(analyzer.status());
  options.analyzer = std::move(analyzer).value();
  dialog::LoadOptions load;
  load.analyzer = options.analyzer.get();
  auto pkg = dialog::BotPackage::Load(dir, load);
  if (!pkg.ok()) return fail(pkg.status());
  if (tune) return Tune(*pkg, options, oos_share, misses, fold, dump);

  auto rows = ReadRows(data, *pkg);
  if (!rows.ok()) return fail(rows.status());
  auto u = dialog::Understanding::Build(*pkg, options);
  if (!u.ok()) return fail(u.status());

  Scores s;
  int64_t now = Clock::Real()->NowMillis();
  std::vector<dialog::Decision> decisions;
  std::vector<std::string> tops;  // the best candidate, whatever the thresholds
  decisions.reserve(rows->size());
  auto start = SteadyClock::now();
  for (const auto& r : *rows) {
    dialog::Understood x = (*u)->Understand(r.text, "", now);
    decisions.push_back((*u)->Decide(x));
    const auto& c = x.candidates;
    tops.push_back(c.empty()                                    ? ""
                   : c[0].kind == dialog::Candidate::Kind::kFaq ? dialog::FaqLabel(c[0].name)
                                                                : c[0].name);
  }
  double eval_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  Tally top_intent, top_faq;
  for (size_t i = 0; i < rows->size(); ++i) {
    const Row& r = (*rows)[i];
    std::string decided = dialog::DecisionLabel(decisions[i]);
    Count(&s, r.label, decided, ScriptOf((*u)->analyzer(), r.text));
    if (r.label != dialog::kOutOfScopeIntent) {
      Tally& t = r.label.rfind("faq:", 0) == 0 ? top_faq : top_intent;
      ++t.rows;
      t.right += tops[i] == r.label;
    }
    if (!Right(r.label, decided) && misses > 0) {
      --misses;
      std::fprintf(stderr, "%s\t-> %s\t(%s)\t%s\n", r.label.c_str(), decided.c_str(),
                   decisions[i].reason.c_str(), r.text.c_str());
    }
  }
  nlohmann::ordered_json out;
  out["rows"] = rows->size();
  out["accuracy"] = Round(s.in_scope.Rate());
  out["oos_recall"] = s.oos.Json();
  out["oos_precision"] = s.fallbacks
                             ? nlohmann::json(Round(double(s.fallbacks_right) / s.fallbacks))
                             : nlohmann::json();
  out["intent_accuracy"] = s.intent_rows.Json();
  out["faq_accuracy"] = s.faq_rows.Json();
  nlohmann::ordered_json scripts;
  for (const char* name : {"zh_hans", "zh_hant", "en"}) {
    scripts[name] = {{"rows", s.script_in_scope[name].rows + s.script_oos[name].rows},
                     {"accuracy", s.script_in_scope[name].Json()},
                     {"oos_recall", s.script_oos[name].Json()}};
  }
  out["by_script"] = scripts;
  out["top_candidate_accuracy"] = {{"intent", top_intent.Json()}, {"faq", top_faq.Json()}};
  out["in_scope_rows"] = s.in_scope.rows;
  out["oos_rows"] = s.oos.rows;
  out["clarify"] = s.clarify;
  out["article_answers"] = s.articles;
  out["train_s"] = Round((*u)->train_seconds(), 2);
  out["turns_per_s"] = std::round(rows->size() / std::max(eval_s, 1e-9));
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace kefu::app
