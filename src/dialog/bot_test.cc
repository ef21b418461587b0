#include "dialog/bot.h"

#include <gtest/gtest.h>

namespace kefu::dialog {
namespace {

constexpr int64_t kNow = 1'764'633'600'000;  // 2025-12-02 00:00 UTC

// The demo shop's bot (training takes seconds: one test, so one build per
// process under ctest).
const Bot& ShopBot() {
  static const Bot* bot = [] {
    auto pkg = BotPackage::Load(std::string(KEFU_SOURCE_DIR) + "/examples/shop");
    EXPECT_TRUE(pkg.ok()) << pkg.status().ToString();
    if (!pkg.ok()) return static_cast<Bot*>(nullptr);
    auto built = Bot::Build(*pkg);
    EXPECT_TRUE(built.ok()) << built.status().ToString();
    return built.ok() ? std::move(built).value().release() : nullptr;
  }();
  EXPECT_NE(bot, nullptr);
  return *bot;
}

TEST(BotSuggest, AnswersInTheCustomersScriptWithWhatTheBotUnderstood) {
  const Bot& bot = ShopBot();
  Assist zh = bot.Suggest("运费怎么算？", {"zh", text::Variant::kSimplified}, 3, kNow);
  ASSERT_FALSE(zh.suggestions.empty());
  EXPECT_EQ(zh.language, "zh");
  EXPECT_EQ(zh.suggestions[0].kind, "faq");
  EXPECT_EQ(zh.suggestions[0].id.rfind("shipping", 0), 0u) << zh.suggestions[0].id;
  EXPECT_NE(zh.suggestions[0].text.find("运费"), std::string::npos) << zh.suggestions[0].text;
  EXPECT_LE(zh.suggestions.size(), 3u);
  for (size_t i = 1; i < zh.suggestions.size(); ++i) {
    if (zh.suggestions[i].kind == "faq") {
      EXPECT_LE(zh.suggestions[i].confidence, zh.suggestions[i - 1].confidence);
    }
  }

  // The same question in 繁體: the answer comes back in Traditional script.
  Assist hant = bot.Suggest("運費怎麼算？", {"zh", text::Variant::kSimplified}, 3, kNow);
  ASSERT_FALSE(hant.suggestions.empty());
  EXPECT_EQ(hant.suggestions[0].id, zh.suggestions[0].id);
  EXPECT_NE(hant.variant, text::Variant::kSimplified);
  EXPECT_NE(hant.suggestions[0].text.find("運費"), std::string::npos)
      << hant.suggestions[0].text;

  // And in English.
  Assist en = bot.Suggest("how much is the shipping fee?", {"zh", text::Variant::kSimplified},
                          3, kNow);
  ASSERT_FALSE(en.suggestions.empty());
  EXPECT_EQ(en.language, "en");
  EXPECT_EQ(en.suggestions[0].id.rfind("shipping", 0), 0u) << en.suggestions[0].id;
  EXPECT_EQ(en.suggestions[0].text.find("运费"), std::string::npos);

  // What the bot makes of an angry order question.
  Assist a = bot.Suggest("气死我了！订单 SO20261130001 到底什么时候到？", {}, 3, kNow);
  EXPECT_EQ(a.intent, "order_status");
  EXPECT_GT(a.intent_confidence, 0.1);
  EXPECT_EQ(a.emotion.label, nlu::Emotion::kAnger);
  bool order = false;
  for (const auto& e : a.entities) order |= e.value == "SO20261130001";
  EXPECT_TRUE(order);

  // Bounds and empty input.
  EXPECT_TRUE(bot.Suggest("运费怎么算？", {"zh", text::Variant::kSimplified}, 0, kNow)
                  .suggestions.empty());
  EXPECT_LE(bot.Suggest("运费怎么算？", {}, 1, kNow).suggestions.size(), 1u);
  // Nothing to go on: no suggestion above the floor, no crash.
  Assist none = bot.Suggest("", {}, 3, kNow);
  EXPECT_TRUE(none.intent.empty());
  Assist junk = bot.Suggest("\xff\xfe", {}, 3, kNow, 0.99);
  EXPECT_TRUE(junk.suggestions.empty());
}

}  // namespace
}  // namespace kefu::dialog
