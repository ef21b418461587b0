// KB ranking on a small shop FAQ of our own (zh + en, with variants) and a
// Markdown article: what a customer would notice.
#include "kb/kb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <thread>

namespace kefu::kb {
namespace {

std::vector<FaqEntry> ShopFaq() {
  return {
      {"refund-time",
       {"退款多久到账", "退款什么时候到", "How long does a refund take?",
        "When will I get my money back?"},
       {{"zh-CN", "退款会在 1-3 个工作日内原路退回。"},
        {"en", "Refunds reach your original payment method within 1-3 business days."}},
       {"refund"},
       false},
      {"return-how",
       {"怎么退货", "我想退货", "How do I return an item?", "I want to send my order back"},
       {{"zh-CN", "在订单页点击“申请退货”，按提示寄回商品即可。"},
        {"en", "Open the order, choose Return item and follow the steps."}},
       {"return"},
       false},
      {"shipping-time",
       {"多久发货", "下单后什么时候发货", "When will my order ship?", "How long until you ship"},
       {{"zh-CN", "现货商品 24 小时内发货。"}, {"en", "In-stock items ship within 24 hours."}},
       {"shipping"},
       false},
      {"shipping-fee",
       {"运费多少", "包邮吗", "How much is shipping?", "Is delivery free?"},
       {{"zh-CN", "订单满 99 元包邮，否则运费 8 元。"},
        {"en", "Delivery is free over 99 yuan, otherwise 8 yuan."}},
       {"shipping"},
       false},
      {"change-address",
       {"怎么修改收货地址", "地址填错了", "How do I change my delivery address?",
        "I entered the wrong address"},
       {{"zh-CN", "发货前可在订单页修改地址。"},
        {"en", "You can change the address on the order page before it ships."}},
       {"order"},
       false},
      {"cancel-order",
       {"怎么取消订单", "不想要了能取消吗", "How do I cancel my order?", "Can I cancel an order"},
       {{"zh-CN", "未发货的订单可在订单页直接取消。"},
        {"en", "Orders that have not shipped can be cancelled on the order page."}},
       {"order"},
       false},
      {"invoice",
       {"怎么开发票", "可以开发票吗", "Can I get an invoice?", "How do I request a receipt"},
       {{"zh-CN", "在订单详情页申请电子发票。"}, {"en", "Request an e-invoice on the order page."}},
       {"billing"},
       false},
      {"payment-methods",
       {"支持哪些付款方式", "可以用微信支付吗", "What payment methods do you accept?",
        "Can I pay with a credit card?"},
       {{"zh-CN", "支持微信支付、支付宝和银行卡。"},
        {"en", "We accept WeChat Pay, Alipay and bank cards."}},
       {"billing"},
       false},
      {"data-privacy",
       {"你们怎么使用我的个人信息", "隐私政策", "How do you use my personal data?",
        "privacy policy"},
       {{"zh-CN", "我们仅为完成订单使用您的个人信息，详见隐私政策。"},
        {"en", "We use your personal data only to fulfil your orders; see the privacy policy."}},
       {"compliance"},
       true},
      {"warranty",
       {"保修多久", "坏了可以保修吗", "How long is the warranty?", "Is it covered by warranty"},
       {{"zh-CN", "电子产品保修一年。"}, {"en", "Electronics carry a one-year warranty."}},
       {"warranty"},
       false},
  };
}

constexpr char kShippingArticle[] = R"(Intro text about how we ship parcels.

# Shipping

We ship with several carriers.

## Europe

Parcels to Europe arrive in 7 to 12 days and customs duties are paid by the recipient.

## 中国大陆

顺丰快递，一般两天送达。

```
# not a heading: inside a code block
```

# Returns abroad

Customers abroad pay the return postage themselves.
)";

class KnowledgeBaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto analyzer = text::Analyzer::Create();
    ASSERT_TRUE(analyzer.ok()) << analyzer.status().ToString();
    analyzer_ = std::move(analyzer).value();
    Article article{"shipping-guide", "en", kShippingArticle, {"shipping"}, false};
    auto kb = KnowledgeBase::Build(analyzer_, ShopFaq(), {article});
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(kb).value();
  }
  static void TearDownTestSuite() {
    kb_.reset();
    analyzer_.reset();
  }

  static std::shared_ptr<const text::Analyzer> analyzer_;
  static std::shared_ptr<const KnowledgeBase> kb_;
};

std::shared_ptr<const text::Analyzer> KnowledgeBaseTest::analyzer_;
std::shared_ptr<const KnowledgeBase> KnowledgeBaseTest::kb_;

TEST_F(KnowledgeBaseTest, ParaphrasedQuestionsFindTheirEntry) {
  struct Case {
    const char* query;
    const char* language;
    const char* id;
  };
  const Case cases[] = {
      {"退款几天能到账？", "zh", "refund-time"},
      {"钱什么时候退回来", "zh", "refund-time"},
      {"我要退货怎么操作", "zh", "return-how"},
      {"下单以后多久能发货", "zh", "shipping-time"},
      {"你们包邮吗？", "zh", "shipping-fee"},
      {"收货地址写错了怎么改", "zh", "change-address"},
      {"订单可以取消吗", "zh", "cancel-order"},
      {"能开发票吗", "zh", "invoice"},
      {"能用支付宝付款吗", "zh", "payment-methods"},
      {"how long do refunds take", "en", "refund-time"},
      {"how can I return my item?", "en", "return-how"},
      {"when does my order ship", "en", "shipping-time"},
      {"is shipping free", "en", "shipping-fee"},
      {"change the delivery address please", "en", "change-address"},
      {"cancel my order", "en", "cancel-order"},
      {"I need an invoice", "en", "invoice"},
      {"do you accept credit cards", "en", "payment-methods"},
      {"what is the warranty period", "en", "warranty"},
      {"HOW LONG IS THE WARRANTY??", "", "warranty"},  // language detected, case folded
  };
  for (const auto& c : cases) {
    auto hits = kb_->Search(c.query, c.language, 5);
    ASSERT_FALSE(hits.empty()) << c.query;
    EXPECT_EQ(hits[0].id, c.id) << c.query << " → " << hits[0].matched;
    EXPECT_EQ(hits[0].kind, HitKind::kFaq) << c.query;
    for (size_t i = 1; i < hits.size(); ++i) {
      EXPECT_GE(hits[i - 1].probability, hits[i].probability) << c.query;
    }
  }
}

TEST_F(KnowledgeBaseTest, TraditionalQueriesFindSimplifiedEntries) {
  struct Case {
    const char* query;
    const char* id;
  };
  const Case cases[] = {
      {"怎麼退貨", "return-how"},
      {"退款多久到賬", "refund-time"},
      {"怎麼修改收貨地址", "change-address"},
      {"可以開發票嗎", "invoice"},
  };
  for (const auto& c : cases) {
    auto hits = kb_->Search(c.query, "zh", 3);
    ASSERT_FALSE(hits.empty()) << c.query;
    EXPECT_EQ(hits[0].id, c.id) << c.query;
  }
}

TEST_F(KnowledgeBaseTest, ExactQuestionsAreAnsweredAtTheDefaultThreshold) {
  for (const char* q : {"退款多久到账", "How do I cancel my order?", "怎么开发票", "隐私政策"}) {
    auto hits = kb_->Search(q, "", 1);
    ASSERT_FALSE(hits.empty()) << q;
    EXPECT_GE(hits[0].probability, kDefaultAnswerThreshold) << q;
  }
}

TEST_F(KnowledgeBaseTest, UnrelatedQuestionsAbstainAtTheDefaultThreshold) {
  for (const char* q : {"今天天气怎么样", "推荐一部好看的电影", "what is the capital of France",
                        "tell me a joke about cats", "股票明天会涨吗"}) {
    auto hits = kb_->Search(q, "", 3);
    double top = hits.empty() ? 0 : hits[0].probability;
    EXPECT_LT(top, kDefaultAnswerThreshold) << q << " → " << (hits.empty() ? "" : hits[0].id);
  }
}

TEST_F(KnowledgeBaseTest, CompliancLockedFlagIsCarried) {
  auto hits = kb_->Search("how do you use my personal data", "en", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, "data-privacy");
  EXPECT_TRUE(hits[0].locked);
  const FaqEntry* entry = kb_->FindFaq(hits[0].id);
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(entry->locked);
  EXPECT_EQ(entry->answers.at("en").substr(0, 24), "We use your personal dat");
  auto other = kb_->Search("how much is shipping", "en", 1);
  ASSERT_FALSE(other.empty());
  EXPECT_FALSE(other[0].locked);
}

TEST_F(KnowledgeBaseTest, ArticlesAreFoundByChunk) {
  struct Case {
    const char* query;
    const char* heading;
  };
  const Case cases[] = {
      {"do I pay customs duties for parcels to Europe", "Shipping > Europe"},
      {"who pays return postage when I live abroad", "Returns abroad"},
      {"顺丰快递几天送达", "Shipping > 中国大陆"},
  };
  for (const auto& c : cases) {
    auto hits = kb_->Search(c.query, "", 10);
    const Hit* article = nullptr;
    for (const auto& h : hits) {
      if (h.kind == HitKind::kArticle) {
        article = &h;
        break;
      }
    }
    ASSERT_NE(article, nullptr) << c.query;
    EXPECT_EQ(article->id, "shipping-guide") << c.query;
    EXPECT_EQ(article->matched, c.heading) << c.query;
    const auto& chunks = kb_->ChunksOf(article->id);
    ASSERT_LT(article->chunk, static_cast<int>(chunks.size()));
    EXPECT_EQ(chunks[article->chunk].heading, c.heading);
  }
}

TEST_F(KnowledgeBaseTest, BadQueriesGiveADefinedResult) {
  std::string long_query;
  for (int i = 0; i < 10000; ++i) long_query += (i % 2 ? "退" : "x");
  struct Case {
    const char* name;
    std::string query;
    bool may_hit;
  };
  const Case cases[] = {
      {"empty", "", false},
      {"whitespace", " \t\n  ", false},
      {"emoji only", "😡😡😡🙏", false},
      {"punctuation only", "？？？！！！", false},
      {"10k characters", long_query, true},
      {"invalid utf-8", "\xff\xfe退款\xc3", true},
      {"mixed script", "refund 退款 多久 please", true},
  };
  for (const auto& c : cases) {
    auto hits = kb_->Search(c.query, "", 5);
    if (!c.may_hit) {
      EXPECT_TRUE(hits.empty()) << c.name;
    }
    EXPECT_LE(hits.size(), 5u) << c.name;
    for (const auto& h : hits) {
      EXPECT_GE(h.probability, 0.0) << c.name;
      EXPECT_LE(h.probability, 1.0) << c.name;
    }
  }
  EXPECT_TRUE(kb_->Search("退款", "zh", 0).empty());
  EXPECT_TRUE(kb_->Search("退款", "zh", -3).empty());
}

TEST_F(KnowledgeBaseTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  const std::string pieces[] = {"退", "款", "😡",  "\xff",     "\xe9\x80", "a",      " ",
                                "#",  "\"", "？", "\xf0\x9f", "refund",   "\u200d", "1"};
  for (int i = 0; i < 300; ++i) {
    std::string query;
    int n = std::uniform_int_distribution<int>(0, 40)(rng);
    for (int j = 0; j < n; ++j) {
      if (rng() % 3 == 0) {
        query.push_back(static_cast<char>(rng() & 0xFF));
      } else {
        query += pieces[rng() % std::size(pieces)];
      }
    }
    auto hits = kb_->Search(query, i % 2 ? "zh" : "", 5);
    EXPECT_LE(hits.size(), 5u);
    for (const auto& h : hits) {
      EXPECT_GE(h.probability, 0.0);
      EXPECT_LE(h.probability, 1.0);
    }
  }
}

TEST_F(KnowledgeBaseTest, SearchesFromManyThreadsAgree) {
  auto expected = kb_->Search("how long does a refund take", "en", 3);
  ASSERT_FALSE(expected.empty());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto hits =
            kb_->Search(i % 2 ? "how long does a refund take" : "parcels to Europe", "en", 3);
        if (i % 2 && (hits.empty() || hits[0].id != expected[0].id)) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(KnowledgeBaseBuildTest, RefusesBrokenEntries) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  std::shared_ptr<const text::Analyzer> shared = std::move(analyzer).value();
  struct Case {
    const char* name;
    std::vector<FaqEntry> faq;
    const char* message_has;
  };
  const Case cases[] = {
      {"no id", {{"", {"q"}, {}, {}, false}}, "no id"},
      {"no question", {{"a", {}, {}, {}, false}}, "a: no question"},
      {"duplicate", {{"a", {"q1"}, {}, {}, false}, {"a", {"q2"}, {}, {}, false}}, "a: duplicate"},
  };
  for (const auto& c : cases) {
    auto kb = KnowledgeBase::Build(shared, c.faq, {});
    ASSERT_FALSE(kb.ok()) << c.name;
    EXPECT_EQ(kb.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_NE(kb.status().message().find(c.message_has), std::string::npos)
        << c.name << ": " << kb.status().message();
  }
  EXPECT_FALSE(KnowledgeBase::Build(nullptr, {}, {}).ok());
  auto empty = KnowledgeBase::Build(shared, {}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)->Search("退款", "zh", 5).empty());
}

TEST(KnowledgeBaseBuildTest, LearnsParaphrasesFromPairs) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  std::shared_ptr<const text::Analyzer> shared = std::move(analyzer).value();
  std::vector<FaqEntry> faq = {
      {"parcel", {"where is my parcel"}, {}, {}, false},
      {"package-size", {"how big can a package be"}, {}, {}, false},
  };
  // Without pairs "where is my package" shares "package" with the wrong
  // entry; pairs teach that parcel and package ask the same.
  BuildOptions options;
  const char* things[] = {"order", "refund", "invoice", "item", "box", "gift"};
  for (const char* t : things) {
    options.pairs.push_back(
        {std::string("where is my parcel ") + t, std::string("where is my package ") + t, true});
    options.pairs.push_back(
        {std::string("how big can a ") + t + " be", std::string("where is my ") + t, false});
    options.pairs.push_back(
        {std::string("track my parcel ") + t, std::string("track my package ") + t, true});
  }
  auto untrained = KnowledgeBase::Build(shared, faq, {});
  auto trained = KnowledgeBase::Build(shared, faq, {}, options);
  ASSERT_TRUE(untrained.ok() && trained.ok());
  EXPECT_GT((*trained)->report().pairs_used, 0);
  auto hits = (*trained)->Search("where is my package", "en", 2);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, "parcel");
}

// The words (ASCII letters and digits, lower-cased) and Han characters two
// questions share.
size_t SharedUnits(const std::string& a, const std::string& b) {
  auto units = [](const std::string& q) {
    std::set<std::string> out;
    std::string word;
    for (size_t i = 0; i <= q.size(); ++i) {
      unsigned char c = i < q.size() ? static_cast<unsigned char>(q[i]) : ' ';
      if (std::isalnum(c)) {
        word.push_back(static_cast<char>(std::tolower(c)));
        continue;
      }
      if (!word.empty()) out.insert(word), word.clear();
      if (c >= 0xE0) out.insert(q.substr(i, 3));  // a three-byte character (Han here)
    }
    return out;
  };
  auto ua = units(a), ub = units(b);
  size_t shared = 0;
  for (const auto& u : ua) shared += ub.count(u);
  return shared;
}

// Pairs a tenant would label from its own FAQ: every two variants of an
// entry as the same question, and as many pairs of questions of different
// entries, those sharing the most words or Han characters first.
std::vector<QuestionPair> PairsFromVariants(const std::vector<FaqEntry>& faq) {
  std::vector<QuestionPair> pairs;
  for (const auto& e : faq) {
    for (size_t i = 0; i < e.questions.size(); ++i) {
      for (size_t j = i + 1; j < e.questions.size(); ++j) {
        pairs.push_back({e.questions[i], e.questions[j], true});
      }
    }
  }
  struct Negative {
    size_t shared;
    QuestionPair pair;
  };
  std::vector<Negative> negatives;
  for (size_t e = 0; e < faq.size(); ++e) {
    for (size_t f = e + 1; f < faq.size(); ++f) {
      for (const auto& a : faq[e].questions) {
        for (const auto& b : faq[f].questions)
          negatives.push_back({SharedUnits(a, b), {a, b, false}});
      }
    }
  }
  std::stable_sort(negatives.begin(), negatives.end(),
                   [](const Negative& x, const Negative& y) { return x.shared > y.shared; });
  size_t positives = pairs.size();
  for (size_t i = 0; i < positives && i < negatives.size(); ++i) pairs.push_back(negatives[i].pair);
  return pairs;
}

// Customers' own words for the shop FAQ's questions (none is a variant).
struct Paraphrase {
  const char* query;
  const char* language;
  const char* id;
};
constexpr Paraphrase kShopParaphrases[] = {
    {"退款几天能到账？", "zh", "refund-time"},
    {"钱什么时候退回来", "zh", "refund-time"},
    {"我要退货怎么操作", "zh", "return-how"},
    {"下单以后多久能发货", "zh", "shipping-time"},
    {"你们包邮吗？", "zh", "shipping-fee"},
    {"收货地址写错了怎么改", "zh", "change-address"},
    {"订单可以取消吗", "zh", "cancel-order"},
    {"能开发票吗", "zh", "invoice"},
    {"能用支付宝付款吗", "zh", "payment-methods"},
    {"坏了能修吗", "zh", "warranty"},
    {"how long do refunds take", "en", "refund-time"},
    {"how can I return my item?", "en", "return-how"},
    {"when does my order ship", "en", "shipping-time"},
    {"is shipping free", "en", "shipping-fee"},
    {"change the delivery address please", "en", "change-address"},
    {"cancel my order", "en", "cancel-order"},
    {"I need an invoice", "en", "invoice"},
    {"do you accept credit cards", "en", "payment-methods"},
    {"what is the warranty period", "en", "warranty"},
    {"what do you do with my data", "en", "data-privacy"},
};

// The FAQ's own variants as pairs tell the reranker nothing the FAQ does
// not: paraphrases must be found at least as often as without them, and
// the hits must stay in the order of their probabilities.
TEST(KnowledgeBaseBuildTest, PairsFromTheFaqsOwnVariantsDoNotRankWorse) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  std::shared_ptr<const text::Analyzer> shared = std::move(analyzer).value();
  BuildOptions options;
  options.pairs = PairsFromVariants(ShopFaq());
  ASSERT_GT(options.pairs.size(), 100u);
  auto plain = KnowledgeBase::Build(shared, ShopFaq(), {});
  auto paired = KnowledgeBase::Build(shared, ShopFaq(), {}, options);
  ASSERT_TRUE(plain.ok() && paired.ok());
  int right_plain = 0, right_paired = 0;
  for (const auto& p : kShopParaphrases) {
    auto a = (*plain)->Search(p.query, p.language, 5);
    auto b = (*paired)->Search(p.query, p.language, 5);
    right_plain += !a.empty() && a[0].id == p.id;
    right_paired += !b.empty() && b[0].id == p.id;
    EXPECT_TRUE(!b.empty() && b[0].id == p.id) << p.query << " → " << (b.empty() ? "" : b[0].id);
  }
  EXPECT_GE(right_paired, right_plain);
}

// A tenant's own phrasings labelled against the FAQ's questions (each the
// same as every question of its entry, different from as many questions of
// other entries, those sharing the most words first): pairs picked for the
// words they share must not teach the reranker to rank worse than without.
TEST(KnowledgeBaseBuildTest, PhrasingsPairedWithTheFaqsQuestionsDoNotRankWorse) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  std::shared_ptr<const text::Analyzer> shared = std::move(analyzer).value();
  std::vector<FaqEntry> faq = ShopFaq();
  std::vector<std::pair<std::string, size_t>> phrasings;  // text, its entry
  for (size_t e = 0; e < faq.size(); ++e) {
    auto& q = faq[e].questions;  // zh, zh, en, en
    phrasings.push_back({q[1], e});
    phrasings.push_back({q[3], e});
    q = {q[0], q[2]};
  }
  BuildOptions options;
  for (const auto& [text, entry] : phrasings) {
    std::vector<std::pair<size_t, std::string>> others;  // shared units, question
    for (size_t e = 0; e < faq.size(); ++e) {
      for (const auto& q : faq[e].questions) {
        if (e == entry) {
          options.pairs.push_back({text, q, true});
        } else {
          others.push_back({SharedUnits(text, q), q});
        }
      }
    }
    std::stable_sort(others.begin(), others.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    for (size_t i = 0; i < faq[entry].questions.size(); ++i) {
      options.pairs.push_back({text, others[i].second, false});
    }
  }
  auto plain = KnowledgeBase::Build(shared, faq, {});
  auto paired = KnowledgeBase::Build(shared, faq, {}, options);
  ASSERT_TRUE(plain.ok() && paired.ok());
  int right_plain = 0, right_paired = 0;
  for (const auto& p : kShopParaphrases) {
    auto a = (*plain)->Search(p.query, p.language, 5);
    auto b = (*paired)->Search(p.query, p.language, 5);
    right_plain += !a.empty() && a[0].id == p.id;
    right_paired += !b.empty() && b[0].id == p.id;
  }
  EXPECT_GE(right_paired, right_plain);
  EXPECT_GE(right_plain, 16);  // of 20: the FAQ alone finds most of them
}

TEST(KnowledgeBaseBuildTest, ReadsSynonymsAsOneSpelling) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  std::shared_ptr<const text::Analyzer> shared = std::move(analyzer).value();
  std::vector<FaqEntry> faq = {
      {"track", {"怎么查物流"}, {}, {}, false},
      {"parcel", {"where is my parcel"}, {}, {}, false},
      {"size", {"how big can a package be"}, {}, {}, false},
      {"fee", {"运费多少钱"}, {}, {}, false},
  };
  Article article{
      "guide", "en", "# Lost parcels\n\nWe trace every parcel within a day.\n", {}, false};
  BuildOptions options;
  options.synonyms = {{"物流", "快递", "包裹"}, {"parcel", "package", "pkg"}};
  auto kb = KnowledgeBase::Build(shared, faq, {article}, options);
  ASSERT_TRUE(kb.ok());
  struct Case {
    const char* query;
    const char* id;
  };
  const Case cases[] = {
      {"我的快递到哪了", "track"},
      {"包裹怎么查", "track"},
      {"where is my package", "parcel"},
      {"where's my pkg?", "parcel"},
  };
  for (const auto& c : cases) {
    auto hits = (*kb)->Search(c.query, "", 3);
    ASSERT_FALSE(hits.empty()) << c.query;
    EXPECT_EQ(hits[0].id, c.id) << c.query;
  }
  // Articles read synonyms too: the chunk says "parcel".
  bool article_found = false;
  for (const auto& h : (*kb)->Search("trace a lost package", "en", 5)) {
    article_found |= h.kind == HitKind::kArticle && h.id == "guide";
  }
  EXPECT_TRUE(article_found);
}

TEST(LiveKnowledgeBaseTest, SwapKeepsSearchesInFlightAlive) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  std::shared_ptr<const text::Analyzer> shared = std::move(analyzer).value();
  auto v1 =
      KnowledgeBase::Build(shared, {{"a", {"old question about refunds"}, {}, {}, false}}, {});
  auto v2 =
      KnowledgeBase::Build(shared, {{"b", {"new question about refunds"}, {}, {}, false}}, {});
  ASSERT_TRUE(v1.ok() && v2.ok());
  LiveKnowledgeBase live;
  EXPECT_EQ(live.Get(), nullptr);
  live.Swap(*v1);
  auto held = live.Get();
  live.Swap(*v2);
  EXPECT_EQ(held->Search("refunds question", "en", 1).at(0).id, "a");
  EXPECT_EQ(live.Get()->Search("refunds question", "en", 1).at(0).id, "b");
}

TEST(ChunkMarkdownTest, SplitsAtHeadingsOutsideCode) {
  auto chunks = ChunkMarkdown(kShippingArticle);
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_EQ(chunks[0].heading, "");
  EXPECT_EQ(chunks[0].text, "Intro text about how we ship parcels.");
  EXPECT_EQ(chunks[1].heading, "Shipping");
  EXPECT_EQ(chunks[2].heading, "Shipping > Europe");
  EXPECT_NE(chunks[2].text.find("7 to 12 days"), std::string::npos);
  EXPECT_EQ(chunks[3].heading, "Shipping > 中国大陆");
  EXPECT_NE(chunks[3].text.find("# not a heading"), std::string::npos);
  EXPECT_EQ(chunks[4].heading, "Returns abroad");
  EXPECT_TRUE(ChunkMarkdown("").empty());
  EXPECT_TRUE(ChunkMarkdown("\n\n  \n").empty());
  auto hashtag = ChunkMarkdown("#hashtag is text\n### Deep ###\nbody");
  ASSERT_EQ(hashtag.size(), 2u);
  EXPECT_EQ(hashtag[0].text, "#hashtag is text");
  EXPECT_EQ(hashtag[1].heading, "Deep");
  EXPECT_EQ(hashtag[1].text, "body");
}

}  // namespace
}  // namespace kefu::kb
