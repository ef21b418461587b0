// The HanTable read from OpenCC's dictionaries must answer as the
// conversions themselves do.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/analyzer_impl.h"

namespace kefu::text {
namespace {

TEST(HanTableTest, AgreesWithTheConversionsForEveryCommonHanCharacter) {
  auto with = CreateAnalyzerImpl({}, true);
  auto without = CreateAnalyzerImpl({}, false);
  ASSERT_TRUE(with.ok() && without.ok());
  // Every character of the CJK Unified Ideographs block, one at a time.
  int traditional = 0, simplified = 0, disagreements = 0;
  for (uint32_t cp = 0x4E00; cp <= 0x9FFF; ++cp) {
    std::string c;
    AppendUtf8(cp, &c);
    Script a = (*with)->DetectScript(c), b = (*without)->DetectScript(c);
    if (a != b && ++disagreements <= 5) ADD_FAILURE() << c << " U+" << std::hex << cp;
    traditional += a == Script::kTraditional;
    simplified += a == Script::kSimplified;
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_GT(traditional, 2000);  // OpenCC 1.1 knows about 2,500 of each in this block
  EXPECT_GT(simplified, 2000);
}

TEST(HanTableTest, NormalizeIsTheSameWithAndWithoutTheTable) {
  auto with = CreateAnalyzerImpl({}, true);
  auto without = CreateAnalyzerImpl({}, false);
  ASSERT_TRUE(with.ok() && without.ok());
  const char* texts[] = {
      "我想退貨",   "回覆我的訊息",
      "重覆扣款了", "明瞭",
      "一目瞭然",   "沈默",
      "藉口",       "我想退货",
      "你好",       "乾燥",
      "頭髮",       "後天到貨",
      "發票抬頭",   "mixed 中文 and English 訂單",
  };
  for (const char* t : texts) {
    EXPECT_EQ((*with)->Normalize(t), (*without)->Normalize(t)) << t;
    EXPECT_EQ((*with)->DetectScript(t), (*without)->DetectScript(t)) << t;
  }
  EXPECT_EQ((*with)->Normalize("回覆"), "回复");  // a phrase: 覆 alone stays 覆
  const std::string nul("回覆\0發票", 13);
  EXPECT_EQ((*with)->Normalize(nul), (*without)->Normalize(nul));
  EXPECT_EQ((*without)->Normalize(nul), "回复 发票");
}

}  // namespace
}  // namespace kefu::text
