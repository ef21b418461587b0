// kefu_kb_bench: the knowledge-base part of answering one message, in
// process — KnowledgeBase::Search (normalise, tokenize, BM25 candidates,
// rerank, calibrate) over an FAQ of N entries — timed call by call.
//
//   kefu_kb_bench --faq FAQ.csv --queries QUERIES.csv [--entries 1000]
//                 [--pairs PAIRS.csv] [--rounds 3]
//
// FAQ.csv / QUERIES.csv are the formats of `kefu eval-faq` (the first N
// entries of the FAQ are indexed; every query is asked `rounds` times).
// Prints one JSON line: p50/p90/p99/max wall microseconds per search, the
// p50/p99 of the thread's CPU time per search, and searches/s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "core/csv.h"
#include "kb/kb.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "kefu_kb_bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string faq_path, queries_path, pairs_path;
  size_t entries = 1000;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--faq") {
      faq_path = argv[i + 1];
    } else if (flag == "--queries") {
      queries_path = argv[i + 1];
    } else if (flag == "--pairs") {
      pairs_path = argv[i + 1];
    } else if (flag == "--entries") {
      entries = std::stoul(argv[i + 1]);
    } else if (flag == "--rounds") {
      rounds = std::max(1, std::atoi(argv[i + 1]));
    } else {
      return Fail("unknown flag " + flag);
    }
  }
  if (faq_path.empty() || queries_path.empty()) {
    return Fail("usage: kefu_kb_bench --faq FAQ.csv --queries QUERIES.csv [--entries N]");
  }
  auto faq_table = kefu::ReadCsvFile(faq_path);
  if (!faq_table.ok()) return Fail(faq_table.status().message());
  auto query_table = kefu::ReadCsvFile(queries_path);
  if (!query_table.ok()) return Fail(query_table.status().message());
  int id = faq_table->Column("id"), question = faq_table->Column("question"),
      answer = faq_table->Column("answer"), query = query_table->Column("query");
  if (id < 0 || question < 0 || answer < 0 || query < 0) return Fail("unexpected CSV header");

  std::vector<kefu::kb::FaqEntry> faq;
  std::map<std::string, size_t> by_id;
  for (const auto& row : faq_table->rows) {
    if (row.size() <= static_cast<size_t>(std::max({id, question, answer}))) continue;
    auto [it, added] = by_id.emplace(row[id], faq.size());
    if (added) {
      if (faq.size() == entries) break;
      faq.push_back({row[id], {}, {{"default", row[answer]}}, {}, false});
    }
    faq[it->second].questions.push_back(row[question]);
  }
  std::vector<std::string> queries;
  for (const auto& row : query_table->rows) {
    if (row.size() > static_cast<size_t>(query)) queries.push_back(row[query]);
  }
  kefu::kb::BuildOptions options;
  if (!pairs_path.empty()) {
    auto pairs = kefu::ReadCsvFile(pairs_path);
    if (!pairs.ok()) return Fail(pairs.status().message());
    int a = pairs->Column("text_a"), b = pairs->Column("text_b"), l = pairs->Column("label");
    if (a < 0 || b < 0 || l < 0) return Fail("unexpected pairs header");
    for (const auto& row : pairs->rows) {
      if (row.size() > static_cast<size_t>(std::max({a, b, l}))) {
        options.pairs.push_back({row[a], row[b], row[l] == "1"});
      }
    }
  }

  auto analyzer = kefu::text::Analyzer::Create();
  if (!analyzer.ok()) return Fail(analyzer.status().message());
  std::shared_ptr<const kefu::text::Analyzer> shared = std::move(analyzer).value();
  auto kb = kefu::kb::KnowledgeBase::Build(shared, std::move(faq), {}, options);
  if (!kb.ok()) return Fail(kb.status().message());

  using Clock = std::chrono::steady_clock;
  // Wall time per call, and the thread's CPU time per call (which leaves out
  // the time the thread waited for a core on a busy machine).
  auto thread_cpu_us = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
  };
  std::vector<double> micros, cpu_micros;
  micros.reserve(queries.size() * rounds);
  cpu_micros.reserve(queries.size() * rounds);
  size_t answered = 0;
  auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& q : queries) {
      auto t0 = Clock::now();
      double c0 = thread_cpu_us();
      auto hits = (*kb)->Search(q, "", 5);
      cpu_micros.push_back(thread_cpu_us() - c0);
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      answered += !hits.empty() && hits[0].probability >= kefu::kb::kDefaultAnswerThreshold;
    }
  }
  double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> sorted = micros, cpu = cpu_micros;
  std::sort(sorted.begin(), sorted.end());
  std::sort(cpu.begin(), cpu.end());
  auto at = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, size_t(p * v.size()))];
  };
  auto pct = [&](double p) { return at(sorted, p); };
  std::printf(
      "{\"entries\":%d,\"queries\":%zu,\"rounds\":%d,\"pairs_used\":%d,\"p50_us\":%.1f,"
      "\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"cpu_p50_us\":%.1f,\"cpu_p99_us\":%.1f,"
      "\"searches_per_s\":%.0f,\"answered\":%zu,\"build_s\":%.3f}\n",
      (*kb)->report().faq_entries, queries.size(), rounds, (*kb)->report().pairs_used, pct(0.5),
      pct(0.9), pct(0.99), sorted.empty() ? 0.0 : sorted.back(), at(cpu, 0.5), at(cpu, 0.99),
      micros.size() / total_s, answered, (*kb)->report().build_s);
  return 0;
}
