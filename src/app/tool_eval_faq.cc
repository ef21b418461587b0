// kefu eval-faq: indexes an FAQ CSV (learning from labelled question pairs
// when given), ranks every query of a second CSV and prints one JSON line:
// recall@1/5, MRR, queries per second, and — at kefu's default answer
// threshold — how often it answers, answers wrongly and abstains.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "app/tools.h"
#include "core/csv.h"
#include "kb/kb.h"
#include "text/text.h"

namespace kefu::app {
namespace {

using Clock = std::chrono::steady_clock;

double Round(double v, int digits = 4) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

// Columns `names` of the CSV at `path`, each row as a vector in that order.
Result<std::vector<std::vector<std::string>>> ReadColumns(const std::string& path,
                                                          std::vector<std::string> names) {
  auto table = ReadCsvFile(path);
  if (!table.ok()) return table.status();
  std::vector<int> cols;
  for (const auto& n : names) {
    int c = table->Column(n);
    if (c < 0) {
      std::string all;
      for (const auto& m : names) all += (all.empty() ? "" : ",") + m;
      return Status::InvalidArgument(path + ": the header must name the columns " + all + " (no `" +
                                     n + "`)");
    }
    cols.push_back(c);
  }
  std::vector<std::vector<std::string>> rows;
  for (size_t r = 0; r < table->rows.size(); ++r) {
    auto& row = table->rows[r];
    std::vector<std::string> out;
    for (int c : cols) {
      if (c >= static_cast<int>(row.size())) {
        return Status::InvalidArgument(path + ": row " + std::to_string(r + 2) + " has " +
                                       std::to_string(row.size()) + " fields");
      }
      out.push_back(std::move(row[c]));
    }
    rows.push_back(std::move(out));
  }
  if (rows.empty()) return Status::InvalidArgument(path + ": no rows");
  return rows;
}

// FAQ rows sharing an id are one entry with several question variants.
Result<std::vector<kb::FaqEntry>> ReadFaq(const std::string& path) {
  auto rows = ReadColumns(path, {"id", "question", "answer"});
  if (!rows.ok()) return rows.status();
  std::vector<kb::FaqEntry> faq;
  std::map<std::string, size_t> by_id;
  for (size_t r = 0; r < rows->size(); ++r) {
    auto& row = (*rows)[r];
    if (row[0].empty() || row[1].empty()) {
      return Status::InvalidArgument(path + ": row " + std::to_string(r + 2) +
                                     ": an empty id or question");
    }
    auto [it, added] = by_id.emplace(row[0], faq.size());
    if (added) {
      faq.push_back({});
      faq.back().id = row[0];
    }
    kb::FaqEntry& e = faq[it->second];
    e.questions.push_back(std::move(row[1]));
    if (!row[2].empty() && e.answers.empty()) e.answers["default"] = std::move(row[2]);
  }
  return faq;
}

}  // namespace

int RunEvalFaq(int argc, char** argv) {
  CLI::App app{"Index an FAQ CSV, rank the queries of another", "kefu eval-faq"};
  std::string faq_path, queries_path, pairs_path, language;
  double threshold = kb::kDefaultAnswerThreshold;
  uint64_t seed = 1;
  int misses = 0;
  app.add_option("--faq", faq_path, "CSV with id,question,answer (rows sharing an id: variants)")
      ->required();
  app.add_option("--queries", queries_path,
                 "CSV with query,faq_id (an empty faq_id: the FAQ cannot answer it)")
      ->required();
  app.add_option("--pairs", pairs_path,
                 "CSV with text_a,text_b,label (1 = same question) to learn paraphrases from");
  app.add_option("--language", language, "language of the queries (default: detected)");
  app.add_option("--threshold", threshold, "answer threshold on the calibrated probability")
      ->capture_default_str();
  app.add_option("--misses", misses, "print this many missed queries on stderr")
      ->capture_default_str();
  app.add_option("--seed", seed, "random seed of training and calibration")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "kefu eval-faq: %s\n", s.message().c_str());
    return 1;
  };

  auto faq = ReadFaq(faq_path);
  if (!faq.ok()) return fail(faq.status());
  auto queries = ReadColumns(queries_path, {"query", "faq_id"});
  if (!queries.ok()) return fail(queries.status());
  kb::BuildOptions options;
  options.seed = seed;
  if (!pairs_path.empty()) {
    auto pairs = ReadColumns(pairs_path, {"text_a", "text_b", "label"});
    if (!pairs.ok()) return fail(pairs.status());
    for (size_t r = 0; r < pairs->size(); ++r) {
      auto& p = (*pairs)[r];
      if (p[2] != "0" && p[2] != "1") {
        return fail(Status::InvalidArgument(pairs_path + ": row " + std::to_string(r + 2) +
                                            ": label must be 0 or 1, not `" + p[2] + "`"));
      }
      options.pairs.push_back({std::move(p[0]), std::move(p[1]), p[2] == "1"});
    }
  }
  {
    std::map<std::string, bool> ids;
    for (const auto& e : *faq) ids[e.id] = true;
    for (size_t r = 0; r < queries->size(); ++r) {
      const std::string& id = (*queries)[r][1];
      if (!id.empty() && !ids.count(id)) {
        return fail(Status::InvalidArgument(queries_path + ": row " + std::to_string(r + 2) +
                                            ": faq_id `" + id + "` is not in " + faq_path));
      }
    }
  }

  auto analyzer = text::Analyzer::Create();
  if (!analyzer.ok()) return fail(analyzer.status());
  std::shared_ptr<const text::Analyzer> shared_analyzer = std::move(analyzer).value();
  auto kb = kb::KnowledgeBase::Build(shared_analyzer, std::move(faq).value(), {}, options);
  if (!kb.ok()) return fail(kb.status());

  size_t answerable = 0, hit1 = 0, hit5 = 0, answered = 0, wrong = 0;
  double rr = 0;
  std::array<double, 10> bin_conf{}, bin_right{}, bin_count{};
  std::vector<std::vector<kb::Hit>> results;
  results.reserve(queries->size());
  auto start = Clock::now();
  for (const auto& q : *queries) results.push_back((*kb)->Search(q[0], language, 5));
  double search_s = std::chrono::duration<double>(Clock::now() - start).count();
  for (size_t i = 0; i < queries->size(); ++i) {
    const std::string& gold = (*queries)[i][1];
    const auto& hits = results[i];
    if (!gold.empty()) {
      ++answerable;
      for (size_t r = 0; r < hits.size(); ++r) {
        if (hits[r].id != gold) continue;
        hit1 += r == 0;
        hit5 += r < 5;
        rr += 1.0 / (r + 1);
        break;
      }
    }
    if (misses > 0 && !gold.empty() && (hits.empty() || hits[0].id != gold)) {
      --misses;
      const kb::FaqEntry* g = (*kb)->FindFaq(gold);
      std::fprintf(stderr, "Q: %s\n  gold: %s\n  top: %s\n", (*queries)[i][0].c_str(),
                   g->questions[0].c_str(), hits.empty() ? "-" : hits[0].matched.c_str());
    }
    double p = hits.empty() ? 0 : hits[0].probability;
    bool right = !hits.empty() && hits[0].id == gold;
    if (!hits.empty() && p >= threshold) {
      ++answered;
      wrong += !right;
    }
    int bin = std::min(9, static_cast<int>(p * 10));
    bin_conf[bin] += p;
    bin_right[bin] += right;
    bin_count[bin] += 1;
  }
  double n = static_cast<double>(queries->size());
  double ece = 0;
  for (int b = 0; b < 10; ++b) ece += std::fabs(bin_right[b] - bin_conf[b]) / n;

  const kb::BuildReport& report = (*kb)->report();
  nlohmann::ordered_json out;
  out["recall_at_1"] = Round(answerable ? hit1 / double(answerable) : 0);
  out["recall_at_5"] = Round(answerable ? hit5 / double(answerable) : 0);
  out["mrr"] = Round(answerable ? rr / answerable : 0);
  out["queries_per_s"] = std::round(n / std::max(search_s, 1e-9));
  out["answer_rate"] = Round(answered / n);
  out["wrong_answer_rate"] = Round(wrong / n);
  out["abstain_rate"] = Round(1 - answered / n);
  out["threshold"] = threshold;
  out["ece"] = Round(ece);
  out["queries"] = queries->size();
  out["answerable"] = answerable;
  out["faq_entries"] = report.faq_entries;
  out["pairs_used"] = report.pairs_used;
  if (report.pairs_used > 0) out["pair_accuracy"] = Round(report.pair_accuracy);
  out["build_s"] = Round(report.build_s, 3);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace kefu::app
