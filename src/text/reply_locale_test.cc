#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/text.h"

namespace kefu::text {
namespace {

class ReplyLocaleTest : public ::testing::Test {
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
  // The conversation's messages analysed as kefu does: each one with the
  // language so far as its fallback.
  static ReplyLocale After(const std::vector<std::string>& messages, ReplyLocale start,
                           Variant traditional = Variant::kTraditional) {
    ReplyLocale locale = start;
    for (const std::string& m : messages)
      locale = NextReplyLocale(locale, analyzer_->Analyze(m, locale.language), traditional);
    return locale;
  }
  static Analyzer* analyzer_;
};
Analyzer* ReplyLocaleTest::analyzer_ = nullptr;

TEST_F(ReplyLocaleTest, FollowsTheCustomer) {
  const ReplyLocale zh_cn{"zh", Variant::kSimplified};
  const ReplyLocale en{"en", Variant::kSimplified};
  struct Case {
    std::vector<std::string> messages;
    ReplyLocale start;
    Variant traditional;
    const char* language;
    Variant variant;
  };
  const Case cases[] = {
      {{}, zh_cn, Variant::kTraditional, "zh", Variant::kSimplified},  // the tenant's default
      {{"我想退货"}, en, Variant::kTraditional, "zh", Variant::kSimplified},
      {{"我想退貨"}, zh_cn, Variant::kTraditional, "zh", Variant::kTraditional},
      {{"我想退貨"}, zh_cn, Variant::kHongKong, "zh", Variant::kHongKong},
      {{"我想退貨"}, zh_cn, Variant::kTaiwan, "zh", Variant::kTaiwan},
      // Messages that do not tell the script keep the one the customer used.
      {{"我想退貨", "你好", "ok", "123"},
       zh_cn,
       Variant::kTraditional,
       "zh",
       Variant::kTraditional},
      // A customer who switches script is answered in the new one.
      {{"我想退貨", "发票在哪里"}, zh_cn, Variant::kTraditional, "zh", Variant::kSimplified},
      // Short English after Chinese: too short to tell, the conversation stays zh.
      {{"我想退貨", "ok"}, zh_cn, Variant::kTraditional, "zh", Variant::kTraditional},
      // A real English sentence switches the language; the variant waits for Chinese.
      {{"我想退貨", "where is my refund please"},
       zh_cn,
       Variant::kTraditional,
       "en",
       Variant::kTraditional},
      {{"hi", "where is my order"}, zh_cn, Variant::kTraditional, "en", Variant::kSimplified},
      {{"😀", "", "   "}, en, Variant::kTraditional, "en", Variant::kSimplified},
  };
  for (const Case& c : cases) {
    ReplyLocale got = After(c.messages, c.start, c.traditional);
    std::string trace = c.messages.empty() ? "(none)" : c.messages.back();
    EXPECT_EQ(got.language, c.language) << trace;
    EXPECT_EQ(VariantName(got.variant), VariantName(c.variant)) << trace;
  }
}

TEST_F(ReplyLocaleTest, OverAHistoryIsTheSameFold) {
  std::vector<Analysis> history;
  for (const char* m : {"在嗎", "我的訂單", "好"}) history.push_back(analyzer_->Analyze(m, "zh"));
  ReplyLocale got = ReplyLocaleFor(history, {"zh", Variant::kSimplified}, Variant::kTaiwan);
  EXPECT_EQ(got.language, "zh");
  EXPECT_EQ(got.variant, Variant::kTaiwan);
  EXPECT_EQ(analyzer_->ToVariant("您的订单已发货", got.variant), "您的訂單已發貨");
  // A tenant whose "traditional" preference is kSimplified still answers 繁體 in 繁體.
  EXPECT_EQ(ReplyLocaleFor(history, {"zh", Variant::kSimplified}, Variant::kSimplified).variant,
            Variant::kTraditional);
}

}  // namespace
}  // namespace kefu::text
