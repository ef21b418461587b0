// kefu_text_bench: what one message costs in the text layer.
//
// Times Analyzer::Analyze (and its parts) on typical customer messages, one
// call at a time, and prints per message kind the mean, p50 and p99 in
// nanoseconds; `--json` prints one JSON object per line instead.
//
//   kefu_text_bench [--iterations N] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "text/text.h"

namespace {

struct Message {
  const char* kind;
  const char* text;
};

constexpr Message kMessages[] = {
    {"zh-hans short", "我想退货"},
    {"zh-hans", "你好，我的订单三天了还没发货，能帮我查一下吗？"},
    {"zh-hant", "請問我的訂單什麼時候到？發票可以開嗎"},
    {"zh emoji", "收到了，谢谢客服👍👍"},
    {"en short", "hi"},
    {"en", "Hi, I was charged twice for my order and I want a refund please"},
    {"en caps!!!", "WHERE IS MY PACKAGE??? This is the THIRD time I ask!!!"},
    {"mixed", "我的iPhone 15 order还没到, tracking number SF1234567890"},
    {"ja", "注文した商品がまだ届きません"},
};

struct Stats {
  double mean_ns = 0, p50_ns = 0, p99_ns = 0;
};

template <typename F>
Stats Time(int iterations, F&& call) {
  std::vector<double> ns(static_cast<size_t>(iterations));
  for (int i = 0; i < iterations / 10 + 1; ++i) call();  // warm caches
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    call();
    auto t1 = std::chrono::steady_clock::now();
    ns[static_cast<size_t>(i)] = std::chrono::duration<double, std::nano>(t1 - t0).count();
  }
  Stats s;
  for (double v : ns) s.mean_ns += v;
  s.mean_ns /= iterations;
  std::sort(ns.begin(), ns.end());
  s.p50_ns = ns[ns.size() / 2];
  s.p99_ns = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)];
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 20000;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      iterations = std::max(10, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else {
      std::fprintf(stderr, "usage: kefu_text_bench [--iterations N] [--json]\n");
      return 2;
    }
  }
  auto created = kefu::text::Analyzer::Create();
  if (!created.ok()) {
    std::fprintf(stderr, "kefu_text_bench: %s\n", created.status().ToString().c_str());
    return 1;
  }
  const kefu::text::Analyzer& a = **created;
  if (!json)
    std::printf("%-14s %-9s %10s %10s %10s\n", "message", "call", "mean ns", "p50 ns", "p99 ns");
  size_t sink = 0;
  auto report = [&](const char* kind, const char* call, Stats s) {
    if (json)
      std::printf(
          "{\"message\":\"%s\",\"call\":\"%s\",\"mean_ns\":%.0f,\"p50_ns\":%.0f,\"p99_ns\":%.0f,"
          "\"iterations\":%d}\n",
          kind, call, s.mean_ns, s.p50_ns, s.p99_ns, iterations);
    else
      std::printf("%-14s %-9s %10.0f %10.0f %10.0f\n", kind, call, s.mean_ns, s.p50_ns, s.p99_ns);
  };
  for (const Message& m : kMessages) {
    std::string normalized = a.Normalize(m.text);
    std::string language = a.DetectLanguage(m.text, "en");
    report(m.kind, "Analyze",
           Time(iterations, [&] { sink += a.Analyze(m.text, "en").tokens.size(); }));
    report(m.kind, "Normalize", Time(iterations, [&] { sink += a.Normalize(m.text).size(); }));
    report(m.kind, "Script",
           Time(iterations, [&] { sink += static_cast<size_t>(a.DetectScript(m.text)); }));
    report(m.kind, "Language",
           Time(iterations, [&] { sink += a.DetectLanguage(m.text, "en").size(); }));
    report(m.kind, "Tokenize",
           Time(iterations, [&] { sink += a.Tokenize(normalized, language).size(); }));
  }
  std::fprintf(stderr, "(checksum %zu)\n", sink);
  return 0;
}
