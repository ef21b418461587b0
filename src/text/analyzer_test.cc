#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "text/text.h"

namespace kefu::text {
namespace {

class AnalyzerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Analyzer::Create();
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    analyzer_ = std::move(created).value().release();
  }
  static void TearDownTestSuite() {
    delete analyzer_;
    analyzer_ = nullptr;
  }
  static const Analyzer& A() { return *analyzer_; }
  static Analyzer* analyzer_;
};
Analyzer* AnalyzerTest::analyzer_ = nullptr;

TEST(AnalyzerCreateTest, MissingOpenccDataIsUnavailable) {
  AnalyzerOptions options;
  options.opencc_dir = "/nonexistent/opencc";
  auto created = Analyzer::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kUnavailable);
  EXPECT_NE(created.status().message().find("t2s.json"), std::string::npos);
}

TEST_F(AnalyzerTest, Normalize) {
  struct Case {
    const char* raw;
    const char* normalized;
  };
  const Case cases[] = {
      {"我想退貨", "我想退货"},
      {"發票", "发票"},
      {"請問我的訂單什麼時候到？", "请问我的订单什么时候到?"},
      {"ＡＢＣ１２３", "abc123"},
      {"Where Is My ORDER", "where is my order"},
      {"  hello \t\n  world  ", "hello world"},
      {"好的，谢谢。", "好的,谢谢."},
      {"你好！！！", "你好!!!"},
      {"【通知】《用户协议》", "[通知]\"用户协议\""},
      {"“退款”", "\"退款\""},
      {"it’s ok", "it's ok"},
      {"等一下…", "等一下..."},
      {"好的👍谢谢", "好的 👍 谢谢"},
      {"thanks😀😀", "thanks 😀 😀"},
      {"👍🏽 great", "👍🏽 great"},                       // skin tone kept with its emoji
      {"家庭👨‍👩‍👧", "家庭 👨‍👩‍👧"},  // ZWJ sequence kept whole
      {"❤️ love", "❤️ love"},                             // variation selector kept
      {"🇨🇳🇺🇸", "🇨🇳 🇺🇸"},                                          // flags: one pair each
      {"5★好评", "5 ★ 好评"},
      {"Ｃａｆé", "café"},
      {"STRASSE Straße", "strasse strasse"},
      {"中文　全角空格", "中文 全角空格"},
      {"", ""},
      {"   \t\n ", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(A().Normalize(c.raw), c.normalized) << c.raw;
}

TEST_F(AnalyzerTest, DetectScript) {
  struct Case {
    const char* raw;
    Script script;
  };
  const Case cases[] = {
      {"我想退货", Script::kSimplified},
      {"我想退貨", Script::kTraditional},
      {"你好", Script::kNone},  // the same in both scripts
      {"發票在哪裡", Script::kTraditional},
      {"发票在哪里", Script::kSimplified},
      {"我的訂單还没到货", Script::kSimplified},  // 订单 traditional, 还 没 货 simplified
      {"請問訂單", Script::kTraditional},
      {"where is my order", Script::kNone},
      {"", Script::kNone},
      {"😀😀", Script::kNone},
  };
  for (const Case& c : cases)
    EXPECT_EQ(ScriptName(A().DetectScript(c.raw)), ScriptName(c.script)) << c.raw;
}

TEST_F(AnalyzerTest, DetectLanguageOnShortTexts) {
  struct Case {
    const char* raw;
    const char* fallback;
    const char* language;
  };
  const Case cases[] = {
      {"你好", "en", "zh"},
      {"退款", "en", "zh"},
      {"退貨", "en", "zh"},
      {"こんにちは", "en", "ja"},
      {"注文はどこですか", "zh", "ja"},  // kanji with kana is Japanese
      {"안녕하세요", "en", "ko"},
      {"hi", "en", "en"},
      {"ok thanks", "en", "en"},
      {"hi", "zh", "zh"},  // too short to tell: the conversation's language
      {"ok", "fr", "fr"},
      {"where is my order", "zh", "en"},  // long enough for CLD2
      {"I want a refund for my order", "en", "en"},
      {"hallo wie geht es dir heute", "en", "de"},
      {"我的order还没到", "en", "zh"},
      {"12345", "zh", "zh"},
      {"😀😀😀", "en", "en"},
      {"", "en", "en"},
      {"hi", "", "en"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(A().DetectLanguage(c.raw, c.fallback), c.language) << c.raw << " / " << c.fallback;
}

TEST_F(AnalyzerTest, Tokenize) {
  using Tokens = std::vector<std::string>;
  struct Case {
    const char* normalized;
    const char* language;
    Tokens tokens;
  };
  const Case cases[] = {
      {"我想查一下我的订单", "zh", {"我想", "查", "一下", "我的", "订单"}},
      // Words of the trade that ICU's dictionary splits are kept whole...
      {"我想退货", "zh", {"我想", "退货"}},
      {"怎么联系人工客服", "zh", {"怎么", "联系", "人工", "客服"}},
      {"七天无理由退换货", "zh", {"七天", "无理由", "退换货"}},
      {"怎么修改收货地址", "zh", {"怎么", "修改", "收货", "地址"}},
      {"优惠券不能用", "zh", {"优惠券", "不能", "用"}},
      {"提前还款有手续费吗", "zh", {"提前", "还款", "有", "手续费", "吗"}},
      {"借呗额度怎么提升", "zh", {"借呗", "额度", "怎么", "提升"}},
      // ...but never by cutting a word ICU found (收到 stays, no 到货).
      {"没收到货", "zh", {"没", "收到", "货"}},
      {"退 货", "zh", {"退", "货"}},  // a space is a boundary
      {"refunds", "en", {"refund"}},
      {"where is my order?", "en", {"where", "is", "my", "order"}},
      {"Cancelled ORDERS", "en", {"cancel", "order"}},
      {"订单号 12345 还没到", "zh", {"订单号", "12345", "还", "没", "到"}},
      {"我的refunds呢", "zh", {"我的", "refund", "呢"}},
      {"好的 👍 谢谢", "zh", {"好的", "👍", "谢谢"}},
      {"refunds", "xx", {"refunds"}},    // no stemmer for the language
      {"refunds", "en-US", {"refund"}},  // a locale: its language
      {"refunds", "EN", {"refund"}},
      {"我的refunds呢", "zh-TW", {"我的", "refund", "呢"}},
      {"refunds", "english", {"refunds"}},  // not an ISO 639 code
      {"...!!! ,,,", "en", {}},
      {"", "en", {}},
      {"   ", "en", {}},
  };
  for (const Case& c : cases)
    EXPECT_EQ(A().Tokenize(c.normalized, c.language), c.tokens) << c.normalized;
}

TEST_F(AnalyzerTest, ToVariantRoundTrips) {
  EXPECT_EQ(A().ToVariant("我想退货", Variant::kSimplified), "我想退货");
  EXPECT_EQ(A().ToVariant("我想退货", Variant::kTraditional), "我想退貨");
  EXPECT_EQ(A().ToVariant("发票已经寄出", Variant::kTraditional), "發票已經寄出");
  EXPECT_EQ(A().ToVariant("软件", Variant::kTaiwan), "軟件");  // characters only, no phrases
  EXPECT_EQ(A().ToVariant("", Variant::kHongKong), "");
  EXPECT_EQ(A().ToVariant("order 123", Variant::kTraditional), "order 123");
  for (const char* s : {"我想退货", "您的订单已发货,请注意查收", "发票在哪里"}) {
    for (Variant v : {Variant::kTraditional, Variant::kHongKong, Variant::kTaiwan}) {
      std::string converted = A().ToVariant(s, v);
      EXPECT_EQ(A().Normalize(converted), A().Normalize(s)) << s << " " << VariantName(v);
      EXPECT_NE(A().DetectScript(converted), Script::kSimplified) << converted;
    }
  }
}

TEST_F(AnalyzerTest, AnalyzeCombinesTheParts) {
  Analysis a = A().Analyze("我想退貨，謝謝！", "en");
  EXPECT_EQ(a.normalized, "我想退货,谢谢!");
  EXPECT_EQ(a.language, "zh");
  EXPECT_EQ(a.script, Script::kTraditional);
  EXPECT_EQ(a.tokens, (std::vector<std::string>{"我想", "退货", "谢谢"}));
  EXPECT_EQ(VariantFor(a.script), Variant::kTraditional);

  Analysis e = A().Analyze("Where are my REFUNDS?", "zh");
  EXPECT_EQ(e.normalized, "where are my refunds?");
  EXPECT_EQ(e.language, "en");
  EXPECT_EQ(e.script, Script::kNone);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"where", "are", "my", "refund"}));
}

TEST_F(AnalyzerTest, BadInputGivesDefinedResults) {
  Analysis empty = A().Analyze("", "zh");
  EXPECT_EQ(empty.normalized, "");
  EXPECT_EQ(empty.language, "zh");
  EXPECT_TRUE(empty.tokens.empty());

  Analysis blank = A().Analyze(" \t\r\n\u3000 ", "en");
  EXPECT_EQ(blank.normalized, "");
  EXPECT_TRUE(blank.tokens.empty());

  Analysis emoji = A().Analyze("😡😡😡", "zh");
  EXPECT_EQ(emoji.normalized, "😡 😡 😡");
  EXPECT_EQ(emoji.language, "zh");
  EXPECT_EQ(emoji.tokens, (std::vector<std::string>{"😡", "😡", "😡"}));

  // Invalid UTF-8: the bad bytes become spaces in the normalised text.
  std::string invalid = "退\xff\xfe款 \xc3\x28 ok\xe2\x82";
  Analysis bad = A().Analyze(invalid, "en");
  EXPECT_EQ(bad.normalized, "退 款 ( ok");
  EXPECT_EQ(bad.language, "zh");
  EXPECT_EQ(A().Tokenize(invalid, "en"), (std::vector<std::string>{"退", "款", "ok"}));
  EXPECT_EQ(A().DetectScript(invalid), Script::kNone);
  EXPECT_EQ(A().ToVariant("\xff退货", Variant::kTraditional), "\xEF\xBF\xBD退貨");
  // A NUL byte does not cut the text short (OpenCC reads C strings).
  EXPECT_EQ(A().ToVariant(std::string("退货\0发票", 13), Variant::kTraditional),
            std::string("退貨\0發票", 13));
  EXPECT_EQ(A().Normalize(std::string("退貨\0發票", 13)), "退货 发票");

  std::string long_zh;
  for (int i = 0; i < 2500; ++i) long_zh += "退貨";  // 5,000 characters
  Analysis lz = A().Analyze(long_zh + std::string(5000, 'a'), "en");
  EXPECT_EQ(lz.normalized.substr(0, 6), "退货");
  EXPECT_EQ(lz.script, Script::kTraditional);
  EXPECT_FALSE(lz.tokens.empty());

  std::string mixed = "Hello 你好 こんにちは 안녕 Привет مرحبا 😀 123";
  Analysis m = A().Analyze(mixed, "en");
  EXPECT_FALSE(m.normalized.empty());
  EXPECT_FALSE(m.language.empty());
  EXPECT_GE(m.tokens.size(), 7u);
}

TEST_F(AnalyzerTest, UsableFromManyThreadsAtOnce) {
  const std::vector<std::string> inputs = {"我想退貨", "where are my refunds?", "好的👍谢谢",
                                           "こんにちは"};
  std::vector<Analysis> expected;
  for (const auto& s : inputs) expected.push_back(A().Analyze(s, "en"));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        size_t k = static_cast<size_t>(i + t) % inputs.size();
        Analysis a = A().Analyze(inputs[k], "en");
        if (a.normalized != expected[k].normalized || a.tokens != expected[k].tokens ||
            a.language != expected[k].language)
          ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(CharNgramsTest, CodePointsWithinWords) {
  using Grams = std::vector<std::string>;
  EXPECT_EQ(CharNgrams("退货", 1, 2), (Grams{"退", "货", "退货"}));
  EXPECT_EQ(CharNgrams("ab cd", 2, 2), (Grams{"ab", "cd"}));  // no "b c"
  EXPECT_EQ(CharNgrams("abc", 2, 3), (Grams{"ab", "bc", "abc"}));
  EXPECT_EQ(CharNgrams("a", 2, 3), (Grams{}));
  EXPECT_EQ(CharNgrams("", 1, 3), (Grams{}));
  EXPECT_EQ(CharNgrams("   ", 1, 3), (Grams{}));
  EXPECT_EQ(CharNgrams("abc", 3, 2), (Grams{}));
  EXPECT_EQ(CharNgrams("ab", 0, 1), (Grams{"a", "b"}));
  EXPECT_EQ(CharNgrams("\xff"
                       "a",
                       1, 1),
            (Grams{"\xEF\xBF\xBD", "a"}));
  EXPECT_EQ(CharNgrams(std::string(10000, 'x'), 3, 3).size(), 9998u);
}

}  // namespace
}  // namespace kefu::text
