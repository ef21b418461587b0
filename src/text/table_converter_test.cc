// TableConverter must write exactly what OpenCC's t2s writes.
#include <gtest/gtest.h>

#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Lexicon.hpp>
#include <random>
#include <string>
#include <vector>

#include "text/analyzer_impl.h"

#ifndef KEFU_OPENCC_DIR
#define KEFU_OPENCC_DIR "/usr/share/opencc"
#endif

namespace kefu::text {
namespace {

class TableConverterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    opencc::Config config;
    t2s_ = config.NewFromFile(std::string(KEFU_OPENCC_DIR) + "/t2s.json");
    ASSERT_NE(t2s_, nullptr);
    ASSERT_TRUE(table_.Build(*t2s_));
    ASSERT_TRUE(table_.ready());
  }
  // Every key of every dictionary of the t2s stage.
  std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    auto dict = t2s_->GetConversionChain()->GetConversions().front()->GetDict();
    auto group = std::dynamic_pointer_cast<opencc::DictGroup>(dict);
    for (const auto& d : group->GetDicts())
      for (const auto& e : *d->GetLexicon()) keys.push_back(e->Key());
    return keys;
  }
  opencc::ConverterPtr t2s_;
  TableConverter table_;
};

TEST_F(TableConverterTest, EveryCharacterAlone) {
  int differences = 0;
  for (uint32_t cp = 0x3400; cp <= 0xFAFF; ++cp) {
    if (cp >= 0xA000 && cp < 0xF900) continue;
    std::string c;
    AppendUtf8(cp, &c);
    if (table_.Convert(c) != t2s_->Convert(c) && ++differences <= 5)
      ADD_FAILURE() << c << " → " << table_.Convert(c) << ", OpenCC " << t2s_->Convert(c);
  }
  EXPECT_EQ(differences, 0);
}

TEST_F(TableConverterTest, EveryKeyInContextAndRandomMixtures) {
  std::vector<std::string> keys = Keys();
  ASSERT_GT(keys.size(), 4000u);
  int differences = 0;
  auto check = [&](const std::string& s) {
    std::string ours = table_.Convert(s), theirs = t2s_->Convert(s);
    if (ours != theirs && ++differences <= 5)
      ADD_FAILURE() << s << " → " << ours << ", OpenCC " << theirs;
  };
  for (const std::string& k : keys) {
    check("我" + k + "了");
    check(k + k);
    check("a " + k + "!");
  }
  // Keys run into each other, so that matches overlap and compete.
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, keys.size() - 1);
  const std::vector<std::string> glue = {"", "", "", "的", "了", " ", "，", "x", "😀", "1"};
  std::uniform_int_distribution<size_t> pick_glue(0, glue.size() - 1);
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    for (int n = 0; n < 8; ++n) s += keys[pick(rng)] + glue[pick_glue(rng)];
    check(s);
  }
  for (const char* s : {"", "hello", "請問我的訂單什麼時候到？發票可以開嗎", "回覆重覆反覆",
                        "一目瞭然、不瞭解", "乾燥的頭髮", "後天到貨", "著名的著作"})
    check(s);
  EXPECT_EQ(differences, 0);
}

TEST(TableConverterShapeTest, RefusesAConversionOfTwoStages) {
  opencc::Config config;
  auto s2tw = config.NewFromFile(std::string(KEFU_OPENCC_DIR) + "/s2tw.json");
  ASSERT_NE(s2tw, nullptr);
  TableConverter table;
  EXPECT_FALSE(table.Build(*s2tw));  // STPhrases/STCharacters, then TWVariants
  EXPECT_FALSE(table.ready());
}

}  // namespace
}  // namespace kefu::text
