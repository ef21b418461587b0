#include "llm/support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace kefu::llm {
namespace {

const text::Analyzer& Analyzer() {
  static auto* a = [] {
    auto r = text::Analyzer::Create();
    EXPECT_TRUE(r.ok());
    return std::move(r).value().release();
  }();
  return *a;
}

TEST(SupportTest, Citations) {
  EXPECT_EQ(Citations("a [1] b [2, 3][1] c [x] [] [4"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(StripCitations("退货需7天内申请 [1]。[2]"), "退货需7天内申请 。");
}

TEST(SupportTest, ExplainsARefusal) {
  SupportJudge judge(&Analyzer());
  const std::vector<std::string> passages = {"签收后7天内可申请无理由退货。"};
  SupportVerdict v = judge.Judge("签收后7天内可以申请无理由退货 [1]。", passages);
  EXPECT_TRUE(v.supported) << v.reason;
  v = judge.Judge("签收后10天内可以申请无理由退货 [1]。", passages);
  EXPECT_FALSE(v.supported);
  EXPECT_NE(v.reason.find("10"), std::string::npos) << v.reason;
  v = judge.Judge("签收后7天内可以申请无理由退货。", passages);
  EXPECT_EQ(v.reason, "the answer cites no passage");
  v = judge.Judge("可以退货 [2]。", passages);
  EXPECT_EQ(v.reason, "the answer cites [2], which does not exist");
}

// tests/llm/support_cases.jsonl: precision of "supported" ≥ 0.9.
TEST(SupportTest, LabelledCases) {
  SupportJudge judge(&Analyzer());
  std::ifstream in(std::string(KEFU_SOURCE_DIR) + "/tests/llm/support_cases.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  int cases = 0, tp = 0, fp = 0, fn = 0, tn = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json c = nlohmann::json::parse(line);
    const SupportVerdict v =
        judge.Judge(c["answer"].get<std::string>(), c["passages"].get<std::vector<std::string>>());
    const bool want = c["supported"].get<bool>();
    ++cases;
    if (v.supported && want) ++tp;
    if (v.supported && !want) {
      ++fp;
      std::cout << "  wrongly supported: " << c["id"].get<std::string>() << "\n";
    }
    if (!v.supported && want) {
      ++fn;
      std::cout << "  wrongly refused: " << c["id"].get<std::string>() << " (" << v.reason << ")\n";
    }
    if (!v.supported && !want) ++tn;
  }
  const double precision = tp + fp > 0 ? static_cast<double>(tp) / (tp + fp) : 0;
  const double recall = tp + fn > 0 ? static_cast<double>(tp) / (tp + fn) : 0;
  std::cout << "support: " << cases << " cases, precision " << precision << ", recall " << recall
            << " (tp " << tp << ", fp " << fp << ", fn " << fn << ", tn " << tn << ")\n";
  EXPECT_GE(cases, 50);
  EXPECT_GE(precision, 0.9);
  EXPECT_GE(recall, 0.7);
}

}  // namespace
}  // namespace kefu::llm
