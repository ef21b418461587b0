#include "kb/synonyms.h"

#include <gtest/gtest.h>

namespace kefu::kb {
namespace {

TEST(SynonymRewriterTest, RewritesToTheFirstPhraseOfEachGroup) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  SynonymRewriter rewriter(
      **analyzer,
      {{"物流", "快递", "快递公司"}, {"parcel", "package", "pkg"}, {"", "  "}, {"退款"}});
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"我的快递到哪了", "我的物流到哪了"},
      {"哪家快递公司", "哪家物流"},  // the longest phrase wins
      {"where is my package", "where is my parcel"},
      {"pkg lost", "parcel lost"},
      {"pkgs lost", "pkgs lost"},     // whole words only
      {"my package.", "my parcel."},  // punctuation is a boundary
      {"packaged goods", "packaged goods"},
      {"退款多久", "退款多久"},
      {"", ""},
      {"😀 快递", "😀 物流"},
  };
  for (const auto& c : cases) EXPECT_EQ(rewriter.Rewrite(c.in), c.out) << c.in;
  EXPECT_TRUE(SynonymRewriter().empty());
  EXPECT_EQ(SynonymRewriter().Rewrite("快递"), "快递");
}

}  // namespace
}  // namespace kefu::kb
