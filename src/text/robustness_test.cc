// Any bytes in, a defined result out: random messages built from the pieces
// that break text code (invalid bytes, joiners, combining marks, flags,
// keycaps, controls, mixed scripts) go through every call, and what comes out
// keeps the promises of text.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "text/text.h"

namespace kefu::text {
namespace {

const std::vector<std::string>& Pieces() {
  static const std::vector<std::string> pieces = {
      "a",
      "Z",
      "refunds",
      " ",
      "  ",
      "\t",
      "\n",
      "\r\n",
      "\x01",
      "\x7f",
      ",",
      "!",
      "?",
      "#",
      "*",
      "1",
      "42",
      "3.5",
      "我",
      "退貨",
      "订单",
      "發票",
      "后",
      "乾",
      "覆",
      "回覆",
      "，",
      "。",
      "？",
      "！",
      "【",
      "】",
      "“",
      "”",
      "…",
      "～",
      "　",
      "Ａ",
      "１",
      "ｶ",
      "こんにちは",
      "カタカナ",
      "안녕",
      "Привет",
      "مرحبا",
      "שלום",
      "ไทย",
      "é",
      "e\xcc\x81",
      "\xcc\x81",
      "😀",
      "👍🏽",
      "👨‍👩‍👧",
      "\xe2\x80\x8d",
      "\xef\xb8\x8f",
      "❤️",
      "🇨🇳",
      "🇺",
      "1️⃣",
      "#\xe2\x83\xa3",
      "★",
      "℃",
      "㈱",
      "™",
      "\xef\xbf\xbd",
      "\xff",
      "\xfe",
      "\xc3",
      "\xe2\x82",
      "\xf0\x9f",
      "\xf0\x9f\x98",
      "\xed\xa0\x80",
      "\xc0\xaf",
      "\xf4\x90\x80\x80",
      std::string("\0", 1),
      "\xe2\x80\xae",
      "\xe2\x80\x8b",
      "ß",
      "İ",
      "ﬁ",
      "Ⅻ",
      "𠮷",
      "\xf3\xa0\x81\xa7",
  };
  return pieces;
}

bool ValidUtf8(const std::string& s) { return SanitizeUtf8(s) == s; }

TEST(RobustnessTest, RandomMessagesKeepThePromises) {
  auto created = Analyzer::Create();
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const Analyzer& a = **created;
  std::mt19937 rng(20261202);
  const auto& pieces = Pieces();
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 24);
  for (int round = 0; round < 3000; ++round) {
    std::string raw;
    for (int n = length(rng); n > 0; --n) raw += pieces[pick(rng)];
    SCOPED_TRACE(testing::Message() << "round " << round);

    std::string normalized = a.Normalize(raw);
    ASSERT_TRUE(ValidUtf8(normalized));
    EXPECT_EQ(normalized.find("  "), std::string::npos);
    if (!normalized.empty()) {
      EXPECT_NE(normalized.front(), ' ');
      EXPECT_NE(normalized.back(), ' ');
    }
    for (char c : normalized) EXPECT_FALSE(c >= 'A' && c <= 'Z');
    EXPECT_EQ(a.Normalize(normalized), normalized) << "normalising twice changes it";

    std::string language = a.DetectLanguage(raw, "en");
    EXPECT_FALSE(language.empty());
    EXPECT_LE(language.size(), 3u);

    for (const std::string& t : a.Tokenize(normalized, language)) {
      EXPECT_FALSE(t.empty());
      EXPECT_TRUE(ValidUtf8(t));
      EXPECT_EQ(t.find(' '), std::string::npos);
    }
    for (const std::string& t : a.Tokenize(raw, "en")) EXPECT_TRUE(ValidUtf8(t));

    Analysis analysis = a.Analyze(raw, "zh");
    EXPECT_EQ(analysis.normalized, normalized);
    a.DetectScript(raw);
    for (Variant v :
         {Variant::kSimplified, Variant::kTraditional, Variant::kHongKong, Variant::kTaiwan}) {
      std::string converted = a.ToVariant(raw, v);
      EXPECT_TRUE(ValidUtf8(converted));
      // Nothing is lost: every NUL, and so what follows it, is still there.
      EXPECT_EQ(std::count(converted.begin(), converted.end(), '\0'),
                std::count(raw.begin(), raw.end(), '\0'));
    }
    for (const std::string& g : CharNgrams(raw, 1, 3)) {
      EXPECT_TRUE(ValidUtf8(g));
      EXPECT_EQ(g.find(' '), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace kefu::text
