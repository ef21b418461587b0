// kefu train --bot DIR [--top N] [--json]
//
// Validates a bot package and trains its understanding (intents, FAQ,
// entities, emotion) exactly as `kefu serve --bot` does, and prints counts
// and training time. Then it cross-checks the package on itself: it trains
// again without every fifth example and FAQ question, decides those, and
// reports the ones the bot does not send where they belong, grouped by the
// pair of labels it confuses, each with its file:line: the places to add
// examples or split an intent (--no-check skips this second training).
// Exit codes: 0 trained, 1 an invalid package (its file:line problems) or a
// training failure, 2 bad options.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "app/tools.h"
#include "dialog/package.h"
#include "dialog/understanding.h"
#include "text/text.h"

namespace kefu::app {
namespace {

struct Miss {
  std::string text;
  std::string where;  // file:line of the intent or FAQ entry
};

}  // namespace

int RunTrain(int argc, char** argv) {
  CLI::App app{"Validate and train a bot package; report the examples the trained bot "
               "confuses",
               "kefu train"};
  std::string dir;
  size_t top = 10;
  bool json = false, no_check = false;
  app.add_option("--bot", dir, "the bot package folder")->required();
  app.add_flag("--no-check", no_check, "train only; skip the cross-check");
  app.add_option("--top", top, "confused pairs to show")->capture_default_str();
  app.add_flag("--json", json, "one JSON object instead of text");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  auto analyzer = text::Analyzer::Create();
  if (!analyzer.ok()) {
    std::fprintf(stderr, "kefu train: %s\n", analyzer.status().ToString().c_str());
    return 1;
  }
  std::shared_ptr<const text::Analyzer> shared(std::move(*analyzer));
  dialog::LoadOptions load;
  load.analyzer = shared.get();
  auto started = std::chrono::steady_clock::now();
  auto package = dialog::BotPackage::Load(dir, load);
  if (!package.ok()) {
    std::fprintf(stderr, "kefu train: %s\n", package.status().message().c_str());
    return 1;
  }
  auto loaded = std::chrono::steady_clock::now();
  dialog::UnderstandingOptions options;
  options.analyzer = shared;
  auto understanding = dialog::Understanding::Build(*package, options);
  if (!understanding.ok()) {
    std::fprintf(stderr, "kefu train: %s\n", understanding.status().ToString().c_str());
    return 1;
  }
  auto trained = std::chrono::steady_clock::now();

  size_t total = 0;
  for (const auto& intent : package->intents) {
    for (const auto& [language, list] : intent.examples) total += list.size();
  }
  for (const auto& faq : package->faq) {
    for (const auto& [language, list] : faq.questions) total += list.size();
  }

  // The cross-check: every fifth example held out of a second training.
  struct HeldOut {
    std::string label, language, text;
    dialog::SourceLocation where;
  };
  std::vector<HeldOut> held;
  dialog::BotPackage rest = *package;
  auto hold = [&held](const std::string& label, const std::string& language,
                      std::vector<std::string>& list, const dialog::SourceLocation& where) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i % 5 == 4) {
        held.push_back({label, language, list[i], where});
      } else {
        kept.push_back(list[i]);
      }
    }
    list = std::move(kept);
  };
  for (auto& intent : rest.intents) {
    for (auto& [language, list] : intent.examples) hold(intent.name, language, list, intent.where);
  }
  for (auto& faq : rest.faq) {
    for (auto& [language, list] : faq.questions) {
      hold(dialog::FaqLabel(faq.id), language, list, faq.where);
    }
  }
  std::unique_ptr<dialog::Understanding> checker;
  if (!no_check) {
    auto built = dialog::Understanding::Build(rest, options);
    if (!built.ok()) {
      std::fprintf(stderr, "kefu train: the cross-check: %s\n", built.status().ToString().c_str());
      return 1;
    }
    checker = std::move(*built);
  }
  std::map<std::pair<std::string, std::string>, std::vector<Miss>> confused;
  size_t examples = 0, right = 0;
  auto check = [&](const std::string& label, const std::string& language, const std::string& text,
                   const dialog::SourceLocation& where) {
    auto u = checker->Understand(text, language, 0);
    std::string got = dialog::DecisionLabel(checker->Decide(u));
    ++examples;
    if (got == label) {
      ++right;
      return;
    }
    confused[{label, got}].push_back({text, where.file + ":" + std::to_string(where.line)});
  };
  if (checker) {
    for (const HeldOut& h : held) check(h.label, h.language, h.text, h.where);
  }
  auto checked = std::chrono::steady_clock::now();
  std::vector<std::pair<std::pair<std::string, std::string>, std::vector<Miss>>> pairs(
      confused.begin(), confused.end());
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  auto ms = [](auto a, auto b) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
  };
  const double accuracy = examples ? static_cast<double>(right) / static_cast<double>(examples) : 0;

  if (json) {
    nlohmann::json out{{"bot", dir},
                       {"intents", package->intents.size()},
                       {"faq", package->faq.size()},
                       {"flows", package->flows.size()},
                       {"examples", total},
                       {"checked", examples},
                       {"check_accuracy", checker ? nlohmann::json(accuracy) : nlohmann::json()},
                       {"load_ms", ms(started, loaded)},
                       {"train_ms", ms(loaded, trained)},
                       {"check_ms", ms(trained, checked)}};
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < pairs.size() && i < top; ++i) {
      nlohmann::json e{{"label", pairs[i].first.first},
                       {"decided", pairs[i].first.second},
                       {"count", pairs[i].second.size()}};
      for (const Miss& m : pairs[i].second) e["examples"].push_back({{"text", m.text}, {"at", m.where}});
      list.push_back(std::move(e));
    }
    out["confused"] = std::move(list);
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%s: valid; %zu intents, %zu FAQ entries, %zu flows, %zu examples and questions\n",
              dir.c_str(), package->intents.size(), package->faq.size(), package->flows.size(),
              total);
  std::printf("loaded in %lld ms, trained in %lld ms\n", static_cast<long long>(ms(started, loaded)),
              static_cast<long long>(ms(loaded, trained)));
  if (!checker) return 0;
  std::printf(
      "cross-check (trained without every fifth example, %lld ms): %zu of %zu held-out "
      "examples (%.1f %%) go where they belong\n",
      static_cast<long long>(ms(trained, checked)), right, examples, 100.0 * accuracy);
  for (size_t i = 0; i < pairs.size() && i < top; ++i) {
    const auto& [labels, misses] = pairs[i];
    std::printf("\n%s → %s: %zu\n", labels.first.c_str(), labels.second.c_str(), misses.size());
    for (size_t k = 0; k < misses.size() && k < 3; ++k) {
      std::printf("  %s  \"%s\"\n", misses[k].where.c_str(), misses[k].text.c_str());
    }
  }
  if (pairs.size() > top) std::printf("\n(%zu more confused pairs: --top N)\n", pairs.size() - top);
  return 0;
}

}  // namespace kefu::app
