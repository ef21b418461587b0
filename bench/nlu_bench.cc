// kefu_nlu_bench: what understanding one customer message costs in-process —
// intent classification, entities, emotion and the knowledge-base search, as
// the bot runs them one after the other — over a FAQ of about 1,000 entries.
//
//   kefu_nlu_bench --intents TRAIN.csv [--oos-label oos] --faq FAQ.csv
//                  [--faq-entries 1000] --messages MESSAGES.csv [--limit 2000]
//                  [--rounds 5] [--language zh|en] [--json]
//
// TRAIN.csv: text,label (or category). FAQ.csv: id,question,answer (rows
// sharing an id are variants of one entry); the first --faq-entries entries
// are indexed. MESSAGES.csv: a `text` or `query` column. After one untimed
// pass, every message is timed through every step in --rounds passes; a
// message's time is the median of its rounds. Prints the mean, p50 and p99 in
// microseconds over the messages, of the whole and of each step, and the p50
// and p99 of every single call (one JSON object with --json).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/csv.h"
#include "kb/kb.h"
#include "nlu/emotion.h"
#include "nlu/entities.h"
#include "nlu/intents.h"
#include "text/text.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string intents, oos_label, faq, messages, language;
  int faq_entries = 1000, limit = 2000, rounds = 5;
  bool json = false;
};

int Usage(const char* message) {
  if (message != nullptr) std::fprintf(stderr, "kefu_nlu_bench: %s\n", message);
  std::fprintf(stderr,
               "usage: kefu_nlu_bench --intents TRAIN.csv [--oos-label L] --faq FAQ.csv "
               "[--faq-entries N] --messages MESSAGES.csv [--limit N] [--rounds N] "
               "[--language zh|en] "
               "[--json]\n");
  return 2;
}

struct Stats {
  double mean_us = 0, p50_us = 0, p99_us = 0;
};

Stats Summarize(std::vector<double> us) {
  Stats s;
  if (us.empty()) return s;
  for (double v : us) s.mean_us += v;
  s.mean_us /= static_cast<double>(us.size());
  std::sort(us.begin(), us.end());
  s.p50_us = us[us.size() / 2];
  s.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return s;
}

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--json") {
      args.json = true;
    } else if (a == "--intents" && (v = value())) {
      args.intents = v;
    } else if (a == "--oos-label" && (v = value())) {
      args.oos_label = v;
    } else if (a == "--faq" && (v = value())) {
      args.faq = v;
    } else if (a == "--faq-entries" && (v = value())) {
      args.faq_entries = std::max(1, std::atoi(v));
    } else if (a == "--messages" && (v = value())) {
      args.messages = v;
    } else if (a == "--limit" && (v = value())) {
      args.limit = std::max(1, std::atoi(v));
    } else if (a == "--rounds" && (v = value())) {
      args.rounds = std::max(1, std::atoi(v));
    } else if (a == "--language" && (v = value())) {
      args.language = v;
    } else {
      return Usage(("unknown or incomplete option " + a).c_str());
    }
  }
  if (args.intents.empty() || args.faq.empty() || args.messages.empty()) return Usage(nullptr);
  auto fail = [](const std::string& what, const kefu::Status& st) {
    std::fprintf(stderr, "kefu_nlu_bench: %s: %s\n", what.c_str(), st.ToString().c_str());
    return 1;
  };

  auto analyzer_or = kefu::text::Analyzer::Create();
  if (!analyzer_or.ok()) return fail("text", analyzer_or.status());
  std::shared_ptr<const kefu::text::Analyzer> analyzer = std::move(analyzer_or).value();

  // Intents.
  auto train = kefu::ReadCsvFile(args.intents);
  if (!train.ok()) return fail(args.intents, train.status());
  int text_col = train->Column("text"), label_col = train->Column("label");
  if (label_col < 0) label_col = train->Column("category");
  if (text_col < 0 || label_col < 0) return Usage("--intents needs text and label columns");
  std::vector<kefu::nlu::IntentExample> examples;
  for (auto& row : train->rows) examples.push_back({row[text_col], row[label_col]});
  kefu::nlu::IntentOptions intent_options;
  intent_options.oos_label = args.oos_label;
  intent_options.analyzer = analyzer;
  auto t0 = Clock::now();
  auto intents = kefu::nlu::IntentClassifier::Train(examples, intent_options);
  if (!intents.ok()) return fail("intents", intents.status());
  double train_s = Micros(t0, Clock::now()) / 1e6;

  // Knowledge base: the first faq_entries entries of the FAQ file.
  auto faq = kefu::ReadCsvFile(args.faq);
  if (!faq.ok()) return fail(args.faq, faq.status());
  int id_col = faq->Column("id"), q_col = faq->Column("question"), a_col = faq->Column("answer");
  if (id_col < 0 || q_col < 0 || a_col < 0) return Usage("--faq needs id,question,answer columns");
  std::vector<kefu::kb::FaqEntry> entries;
  std::map<std::string, size_t> index;
  for (auto& row : faq->rows) {
    auto it = index.find(row[id_col]);
    if (it == index.end()) {
      if (static_cast<int>(entries.size()) >= args.faq_entries) continue;
      it = index.emplace(row[id_col], entries.size()).first;
      kefu::kb::FaqEntry e;
      e.id = row[id_col];
      e.answers["default"] = row[a_col];
      entries.push_back(std::move(e));
    }
    entries[it->second].questions.push_back(row[q_col]);
  }
  size_t faq_entries = entries.size();
  kefu::kb::BuildOptions kb_options;
  if (!args.language.empty()) kb_options.default_language = args.language;
  t0 = Clock::now();
  auto kb = kefu::kb::KnowledgeBase::Build(analyzer, std::move(entries), {}, kb_options);
  if (!kb.ok()) return fail("knowledge base", kb.status());
  double build_s = Micros(t0, Clock::now()) / 1e6;

  auto entities = kefu::nlu::EntityExtractor::Create();
  if (!entities.ok()) return fail("entities", entities.status());
  auto emotion = kefu::nlu::EmotionDetector::Create();
  if (!emotion.ok()) return fail("emotion", emotion.status());

  // Messages.
  auto msgs = kefu::ReadCsvFile(args.messages);
  if (!msgs.ok()) return fail(args.messages, msgs.status());
  int m_col = msgs->Column("text");
  if (m_col < 0) m_col = msgs->Column("query");
  if (m_col < 0) return Usage("--messages needs a text or query column");
  std::vector<std::string> messages;
  for (auto& row : msgs->rows) {
    if (static_cast<int>(messages.size()) >= args.limit) break;
    messages.push_back(row[m_col]);
  }
  if (messages.empty()) return Usage("--messages has no rows");

  kefu::nlu::ExtractContext context;
  context.now_millis = 1764633600000;  // 2025-12-02 00:00 UTC: a fixed clock
  size_t sink = 0;
  auto one = [&](const std::string& m, double* parts) {
    auto a = Clock::now();
    sink += (*intents)->Classify(m).ranked.size();
    auto b = Clock::now();
    sink += (*entities)->Extract(m, context).size();
    auto c = Clock::now();
    sink += static_cast<size_t>((*emotion)->Detect(m).label);
    auto d = Clock::now();
    sink += (*kb)->Search(m, args.language, 5).size();
    auto e = Clock::now();
    parts[0] = Micros(a, e);
    parts[1] = Micros(a, b);
    parts[2] = Micros(b, c);
    parts[3] = Micros(c, d);
    parts[4] = Micros(d, e);
  };
  double parts[5];
  for (const std::string& m : messages) one(m, parts);  // warm caches
  // Each message `rounds` times (whole passes, so a message's rounds are far
  // apart); its time per step is the median of its rounds, which keeps what
  // the message costs and drops the moments the process was not running
  // (on a busy 2-core machine a preemption adds ~4 ms to 1 % of calls).
  // raw_total_* keep every single call.
  std::vector<std::vector<std::array<double, 5>>> samples(
      messages.size(), std::vector<std::array<double, 5>>(static_cast<size_t>(args.rounds)));
  std::vector<double> raw_total;
  for (int r = 0; r < args.rounds; ++r) {
    for (size_t i = 0; i < messages.size(); ++i) {
      one(messages[i], parts);
      for (int k = 0; k < 5; ++k)
        samples[i][static_cast<size_t>(r)][static_cast<size_t>(k)] = parts[k];
      raw_total.push_back(parts[0]);
    }
  }
  std::vector<std::vector<double>> us(5);
  for (const auto& rounds : samples) {
    for (int k = 0; k < 5; ++k) {
      std::vector<double> v;
      for (const auto& sample : rounds) v.push_back(sample[static_cast<size_t>(k)]);
      std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
      us[static_cast<size_t>(k)].push_back(v[v.size() / 2]);
    }
  }
  Stats raw = Summarize(raw_total);
  const char* names[] = {"total", "intents", "entities", "emotion", "kb_search"};
  if (args.json) {
    std::printf(
        "{\"messages\":%zu,\"faq_entries\":%zu,\"intents\":%zu,\"train_s\":%.3f,"
        "\"kb_build_s\":%.3f,\"rounds\":%d,\"raw_total_p50_us\":%.1f,\"raw_total_p99_us\":%.1f",
        messages.size(), faq_entries, (*intents)->labels().size(), train_s, build_s, args.rounds,
        raw.p50_us, raw.p99_us);
    for (int k = 0; k < 5; ++k) {
      Stats s = Summarize(us[k]);
      std::printf(",\"%s_mean_us\":%.1f,\"%s_p50_us\":%.1f,\"%s_p99_us\":%.1f", names[k], s.mean_us,
                  names[k], s.p50_us, names[k], s.p99_us);
    }
    std::printf("}\n");
  } else {
    std::printf(
        "%zu messages × %d rounds, %zu FAQ entries, %zu intents (per message: the median "
        "of its rounds; every call: p50 %.1f µs, p99 %.1f µs)\n",
        messages.size(), args.rounds, faq_entries, (*intents)->labels().size(), raw.p50_us,
        raw.p99_us);
    std::printf("%-10s %10s %10s %10s\n", "step", "mean µs", "p50 µs", "p99 µs");
    for (int k = 0; k < 5; ++k) {
      Stats s = Summarize(us[k]);
      std::printf("%-10s %10.1f %10.1f %10.1f\n", names[k], s.mean_us, s.p50_us, s.p99_us);
    }
  }
  std::fprintf(stderr, "(checksum %zu)\n", sink);
  return 0;
}
