#include "llm/pii.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace kefu::llm {
namespace {

PiiMasker Masker() {
  auto m = PiiMasker::Create({{"member", "VIP\\d{6}"}});
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

std::string Kinds(const PiiMasker& m, std::string_view text) {
  std::string out;
  for (const PiiSpan& s : m.Find(text)) {
    if (!out.empty()) out += " ";
    out += std::string(PiiKindName(s.kind)) + "=" + std::string(text.substr(s.begin, s.end - s.begin));
  }
  return out;
}

TEST(PiiTest, Checksums) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_TRUE(IdCardValid("11010519491231002X"));
  EXPECT_TRUE(IdCardValid("11010519491231002x"));
  EXPECT_FALSE(IdCardValid("110105194912310021"));   // wrong check digit
  EXPECT_FALSE(IdCardValid("110105194913310028"));   // month 13
}

TEST(PiiTest, FindsEachKind) {
  PiiMasker m = Masker();
  EXPECT_EQ(Kinds(m, "电话13812345678"), "PHONE=13812345678");
  EXPECT_EQ(Kinds(m, "call +86 138 1234 5678 now"), "PHONE=+86 138 1234 5678");
  EXPECT_EQ(Kinds(m, "００８６１３８１２３４５６７８"), "PHONE=００８６１３８１２３４５６７８");
  EXPECT_EQ(Kinds(m, "身份证11010519491231002X。"), "ID=11010519491231002X");
  EXPECT_EQ(Kinds(m, "card 4111 1111 1111 1111"), "CARD=4111 1111 1111 1111");
  EXPECT_EQ(Kinds(m, "邮箱li.na+shop@mail.example.co.uk。"), "EMAIL=li.na+shop@mail.example.co.uk");
  EXPECT_EQ(Kinds(m, "会员VIP123456"), "PRIVATE=VIP123456");
  EXPECT_EQ(Kinds(m, "13812345678 4111111111111111"), "PHONE=13812345678 CARD=4111111111111111");
  // An e-mail made of a phone number stays one e-mail.
  EXPECT_EQ(Kinds(m, "13812345678@qq.com"), "EMAIL=13812345678@qq.com");
}

TEST(PiiTest, LeavesOtherNumbersAlone) {
  PiiMasker m = Masker();
  EXPECT_EQ(Kinds(m, "订单SO20261130001"), "");
  EXPECT_EQ(Kinds(m, "¥1299.00，共3件"), "");
  EXPECT_EQ(Kinds(m, "4111111111111112"), "");  // fails Luhn
  EXPECT_EQ(Kinds(m, "110105194912310021"), "");  // fails the ID checksum
  EXPECT_EQ(Kinds(m, "12345678901"), "");         // not a mobile prefix
  EXPECT_EQ(Kinds(m, "3.13812345678"), "");       // a decimal
  EXPECT_EQ(Kinds(m, "an @ sign, a.b@c, x@y.z"), "");
}

TEST(PiiTest, MaskAndRestore) {
  PiiMasker m = Masker();
  PiiVault vault;
  const std::string masked =
      m.Mask("电话13812345678，备用13812345678，邮箱a@b.cn，另一个电话13900001111", &vault);
  EXPECT_EQ(masked, "电话[PHONE_1]，备用[PHONE_1]，邮箱[EMAIL_1]，另一个电话[PHONE_2]");
  EXPECT_EQ(vault.size(), 3u);
  EXPECT_EQ(vault.Restore("好的，我们会致电[PHONE_2]并发邮件到[EMAIL_1]。[PHONE_9] [x]"),
            "好的，我们会致电13900001111并发邮件到a@b.cn。[PHONE_9] [x]");
  EXPECT_EQ(m.MaskForLog("phone 13812345678, card 4111111111111111"), "phone [PHONE], card [CARD]");
}

TEST(PiiTest, RestoresAStreamCutAnywhere) {
  PiiMasker m = Masker();
  PiiVault vault;
  m.Mask("电话13812345678，邮箱a@b.cn", &vault);
  const std::string reply = "好的，我们会致电[PHONE_1]，并发到[EMAIL_1]。[注意] [1]";
  for (size_t step = 1; step <= reply.size(); ++step) {
    StreamRestorer r(&vault);
    std::string shown;
    for (size_t at = 0; at < reply.size(); at += step) {
      shown += r.Feed(std::string_view(reply).substr(at, step));
    }
    shown += r.Flush();
    EXPECT_EQ(shown, "好的，我们会致电13812345678，并发到a@b.cn。[注意] [1]") << step;
  }
}

TEST(PiiTest, RejectsABadTenantPattern) {
  auto m = PiiMasker::Create({{"plate", "([A-Z"}});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("plate"), std::string::npos);
}

// tests/llm/pii_cases.tsv: every piece of personal data in it must be
// masked (recall ≥ 99 %) and little else (precision ≥ 95 %).
TEST(PiiTest, LabelledSet) {
  PiiMasker m = Masker();
  std::ifstream in(std::string(KEFU_SOURCE_DIR) + "/tests/llm/pii_cases.tsv");
  ASSERT_TRUE(in) << "tests/llm/pii_cases.tsv";
  std::string line;
  int messages = 0, expected = 0, recalled = 0, found = 0, correct = 0, leaked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string text = line.substr(0, tab);
    std::vector<std::string> want;
    std::string rest = line.substr(tab + 1);
    for (size_t at = 0; !rest.empty() && at != std::string::npos;) {
      const size_t sep = rest.find(" || ", at);
      want.push_back(rest.substr(at, sep == std::string::npos ? sep : sep - at));
      at = sep == std::string::npos ? sep : sep + 4;
    }
    ++messages;
    std::vector<std::string> got;
    for (const PiiSpan& s : m.Find(text)) {
      got.push_back(std::string(PiiKindName(s.kind)) + "=" + text.substr(s.begin, s.end - s.begin));
    }
    PiiVault vault;
    const std::string masked = m.Mask(text, &vault);
    EXPECT_EQ(vault.Restore(masked), text);
    expected += static_cast<int>(want.size());
    found += static_cast<int>(got.size());
    for (const std::string& w : want) {
      const bool hit = std::find(got.begin(), got.end(), w) != got.end();
      recalled += hit;
      const std::string value = w.substr(w.find('=') + 1);
      if (masked.find(value) != std::string::npos) ++leaked;
      if (!hit) ADD_FAILURE() << "missed " << w << " in: " << text;
    }
    for (const std::string& g : got) {
      const bool ok = std::find(want.begin(), want.end(), g) != want.end();
      correct += ok;
      if (!ok) std::cout << "  extra " << g << " in: " << text << "\n";
    }
  }
  const double recall = static_cast<double>(recalled) / expected;
  const double precision = static_cast<double>(correct) / found;
  std::cout << "pii: " << messages << " messages, " << expected << " pieces, recall " << recall
            << ", precision " << precision << ", leaked " << leaked << "\n";
  EXPECT_GE(messages, 200);
  EXPECT_GE(recall, 0.99);
  EXPECT_GE(precision, 0.95);
  EXPECT_EQ(leaked, 0);
}

}  // namespace
}  // namespace kefu::llm
