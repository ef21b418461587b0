#include "dialog/understanding.h"

#include <gtest/gtest.h>

#include <thread>

namespace kefu::dialog {
namespace {

constexpr int64_t kNow = 1'764'633'600'000;  // 2025-12-02 00:00 UTC

IntentDefinition MakeIntent(const std::string& name, std::vector<std::string> zh,
                            std::vector<std::string> en) {
  IntentDefinition i;
  i.name = name;
  i.description = name;
  i.examples["zh"] = std::move(zh);
  i.examples["en"] = std::move(en);
  return i;
}

FaqDefinition MakeFaq(const std::string& id, std::vector<std::string> zh,
                      std::vector<std::string> en, const std::string& answer) {
  FaqDefinition f;
  f.id = id;
  f.questions["zh"] = std::move(zh);
  f.questions["en"] = std::move(en);
  f.answer = {{"zh", answer}, {"en", answer}};
  return f;
}

// A small shop written for this test: three intents, out-of-scope examples,
// three FAQ entries and one article.
BotPackage SmallShop() {
  BotPackage p;
  p.dir = "(test)";
  p.languages = {"zh", "en"};
  p.default_language = "zh";
  p.time_zone = "Asia/Shanghai";
  p.intents.push_back(MakeIntent(
      "order_status",
      {"我的订单到哪了", "帮我查一下物流", "快递怎么还没到", "包裹什么时候送到", "订单发货了吗",
       "查一下订单 SO20261130001", "我买的东西到哪儿了", "物流信息怎么看不到"},
      {"where is my order", "track my package", "when will my parcel arrive",
       "has my order shipped", "check order SO20261130001", "where's my delivery",
       "my package is not here yet", "order status please"}));
  p.intents.push_back(
      MakeIntent("human_agent",
                 {"转人工", "我要找人工客服", "让真人来跟我说", "人工服务在哪里",
                  "帮我接通客服人员", "不要机器人", "叫你们客服出来", "我要和人说话"},
                 {"let me talk to a human", "i want a real person", "connect me to an agent",
                  "get me a human operator", "no bots please", "customer service staff please",
                  "transfer me to a person", "speak to someone real"}));
  p.intents.push_back(
      MakeIntent("return_request",
                 {"我要退货", "这个东西我想退掉", "申请退货", "衣服不合适要退", "怎么退货",
                  "帮我办理退货", "买错了想退", "鞋子要退回去"},
                 {"i want to return this", "start a return", "return my order",
                  "i need to send it back", "how do i return an item", "please process my return",
                  "return the shoes", "i bought the wrong one and want to return it"}));
  p.intents.push_back(
      MakeIntent(std::string(kOutOfScopeIntent),
                 {"明天北京下雨吗", "讲个笑话", "今天股市怎么样", "头疼吃什么药", "推荐一部电影",
                  "地球到月亮多远", "帮我写作文", "比特币多少钱"},
                 {"what's the weather tomorrow", "tell me a joke", "how are stocks today",
                  "what should i take for a headache", "recommend a movie", "how far is the moon",
                  "write my essay", "bitcoin price"}));
  p.faq.push_back(MakeFaq("shipping_cost", {"运费多少", "要运费吗", "邮费怎么算", "包邮吗"},
                          {"how much is shipping", "is shipping free", "what does delivery cost",
                           "do you charge for postage"},
                          "Free over 99."));
  p.faq.push_back(
      MakeFaq("store_hours", {"客服几点上班", "你们营业时间是什么", "晚上有人值班吗"},
              {"what are your opening hours", "when is support available", "are you open at night"},
              "9:00-21:00."));
  p.faq.push_back(MakeFaq("invoice_title",
                          {"发票抬头怎么改", "能开公司抬头的发票吗", "发票上的名字写错了"},
                          {"can i change the invoice title", "invoice with my company name",
                           "the name on my invoice is wrong"},
                          "Yes, in My orders."));
  ArticleDefinition a;
  a.id = "care.en";
  a.language = "en";
  a.markdown =
      "# Care guide\n\nHow to look after what you bought.\n\n## Washing wool\n\nWash wool "
      "sweaters by hand in cold water with a mild detergent and dry them flat.\n";
  p.articles.push_back(a);
  return p;
}

const Understanding& Shop() {
  static const Understanding* u = [] {
    auto built = Understanding::Build(SmallShop());
    EXPECT_TRUE(built.ok()) << built.status().message();
    return built.ok() ? std::move(built).value().release() : nullptr;
  }();
  EXPECT_NE(u, nullptr);
  return *u;
}

struct TurnCase {
  std::string text;
  Policy policy;
  std::string target;
};

TEST(Understanding, DecidesWhoAnswers) {
  const Understanding& u = Shop();
  const std::vector<TurnCase> cases = {
      {"where is my order", Policy::kIntent, "order_status"},
      {"我的包裹到哪了", Policy::kIntent, "order_status"},
      {"我的訂單到哪了", Policy::kIntent, "order_status"},  // 繁體
      {"转人工", Policy::kIntent, "human_agent"},
      {"I want to return these shoes", Policy::kIntent, "return_request"},
      {"how much does shipping cost", Policy::kFaq, "shipping_cost"},
      {"运费怎么算", Policy::kFaq, "shipping_cost"},
      {"what are your hours", Policy::kFaq, "store_hours"},
      {"tell me a joke please", Policy::kFallback, ""},
      {"明天上海下雨吗", Policy::kFallback, ""},
  };
  for (const auto& c : cases) {
    Understood understood = u.Understand(c.text, "", kNow);
    Decision d = u.Decide(understood);
    EXPECT_EQ(PolicyName(d.policy), PolicyName(c.policy)) << c.text << ": " << d.reason;
    EXPECT_EQ(d.target, c.target) << c.text << ": " << d.reason;
    EXPECT_FALSE(d.reason.empty());
  }
}

TEST(Understanding, ReportsWhatTheMessageCarries) {
  const Understanding& u = Shop();
  Understood x = u.Understand("我的訂單 SO20261130001 到哪了？", "", kNow);
  EXPECT_EQ(x.analysis.language, "zh");
  EXPECT_EQ(x.analysis.script, text::Script::kTraditional);
  ASSERT_FALSE(x.candidates.empty());
  EXPECT_EQ(x.candidates[0].name, "order_status");
  EXPECT_FALSE(x.out_of_scope);
  bool order = false;
  for (const auto& e : x.entities) {
    if (e.type == nlu::EntityType::kOrderNumber) {
      order = true;
      EXPECT_EQ(e.value, "SO20261130001");
    }
  }
  EXPECT_TRUE(order);
  // Candidates are best first and FAQ entries come with a combined score.
  for (size_t i = 1; i < x.candidates.size(); ++i) {
    EXPECT_GE(x.candidates[i - 1].score, x.candidates[i].score);
  }
  Understood faq = u.Understand("is shipping free?", "", kNow);
  ASSERT_FALSE(faq.candidates.empty());
  EXPECT_EQ(faq.candidates[0].kind, Candidate::Kind::kFaq);
  EXPECT_EQ(faq.candidates[0].name, "shipping_cost");
  ASSERT_FALSE(faq.kb_hits.empty());
  EXPECT_EQ(faq.kb_hits[0].id, "shipping_cost");

  Understood angry = u.Understand("我要投诉！！你们太差劲了，气死我了", "", kNow);
  EXPECT_EQ(angry.emotion.label, nlu::Emotion::kAnger);

  Understood oos = u.Understand("what's the weather like tomorrow", "", kNow);
  EXPECT_TRUE(oos.out_of_scope);
  EXPECT_GT(oos.out_of_scope_score, 0.3);
}

TEST(Understanding, AnyBytesGiveADefinedResult) {
  const Understanding& u = Shop();
  const std::vector<std::string> inputs = {"",
                                           "   ",
                                           "😀😀😀",
                                           std::string(10000, 'a'),
                                           "\xff\xfe\x80 order",
                                           "退货 return 退貨",
                                           std::string("\0\0", 2)};
  for (const auto& in : inputs) {
    Understood x = u.Understand(in, "en", kNow);
    Decision d = u.Decide(x);
    EXPECT_FALSE(d.reason.empty());
    if (in.find_first_not_of(" ") == std::string::npos) {
      EXPECT_EQ(d.policy, Policy::kFallback) << "[" << in << "]";
    }
  }
}

TEST(Understanding, UnderstandsFromManyThreadsAtOnce) {
  const Understanding& u = Shop();
  const std::vector<std::string> texts = {"where is my order", "运费多少", "转人工",
                                          "tell me a joke", "我要退货"};
  std::vector<std::string> want;
  for (const auto& t : texts) want.push_back(u.Decide(u.Understand(t, "", kNow)).target);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          if (u.Decide(u.Understand(texts[i], "", kNow)).target != want[i]) ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// Decide on hand-made candidates: the thresholds and the order of the steps.
struct DecideCase {
  std::string name;
  std::vector<Candidate> candidates;
  double oos = 0;
  std::vector<kb::Hit> hits;
  Policy policy;
  std::string target;
};

TEST(Understanding, PolicyStepsAndThresholds) {
  const Understanding& u = Shop();
  using K = Candidate::Kind;
  kb::Hit article;
  article.kind = kb::HitKind::kArticle;
  article.id = "care.en";
  article.chunk = 1;
  article.probability = 0.8;
  const std::vector<DecideCase> cases = {
      {"confident intent",
       {{K::kIntent, "a", 0.8}, {K::kFaq, "f", 0.1}},
       0.05,
       {},
       Policy::kIntent,
       "a"},
      {"intent at the threshold", {{K::kIntent, "a", 0.25}}, 0, {}, Policy::kIntent, "a"},
      {"faq at the threshold", {{K::kFaq, "f", 0.25}}, 0, {}, Policy::kFaq, "f"},
      {"unsure intent falls back",
       {{K::kIntent, "a", 0.24}, {K::kFaq, "f", 0.1}},
       0,
       {},
       Policy::kFallback,
       ""},
      {"confident faq", {{K::kFaq, "f", 0.7}, {K::kIntent, "a", 0.2}}, 0, {}, Policy::kFaq, "f"},
      {"unsure faq falls back",
       {{K::kFaq, "f", 0.24}, {K::kIntent, "a", 0.1}},
       0,
       {},
       Policy::kFallback,
       ""},
      {"out of scope outscores", {{K::kIntent, "a", 0.55}}, 0.6, {}, Policy::kFallback, ""},
      {"two close candidates",
       {{K::kIntent, "a", 0.24}, {K::kFaq, "f", 0.21}},
       0,
       {},
       Policy::kClarify,
       ""},
      {"close but both weak",
       {{K::kIntent, "a", 0.19}, {K::kFaq, "f", 0.18}},
       0,
       {},
       Policy::kFallback,
       ""},
      {"articles do not answer by default",
       {{K::kIntent, "a", 0.1}},
       0,
       {article},
       Policy::kFallback,
       ""},
      {"nothing at all", {}, 0, {}, Policy::kFallback, ""},
  };
  for (const auto& c : cases) {
    Understood x;
    x.candidates = c.candidates;
    x.out_of_scope_score = c.oos;
    x.out_of_scope = c.candidates.empty() || c.oos > c.candidates[0].score;
    x.kb_hits = c.hits;
    Decision d = u.Decide(x);
    EXPECT_EQ(PolicyName(d.policy), PolicyName(c.policy)) << c.name << ": " << d.reason;
    EXPECT_EQ(d.target, c.target) << c.name;
    if (c.policy == Policy::kClarify && d.policy == Policy::kClarify) {
      ASSERT_EQ(d.options.size(), 2u) << c.name;
      EXPECT_EQ(d.options[0].name, "a");
      EXPECT_EQ(d.options[1].name, "f");
    }
  }
}

TEST(Understanding, ArticlesAnswerWhenAskedTo) {
  const Understanding& u = Shop();
  kb::Hit article;
  article.kind = kb::HitKind::kArticle;
  article.id = "care.en";
  article.chunk = 1;
  article.probability = 0.95;
  Understood x;
  x.candidates = {{Candidate::Kind::kIntent, "a", 0.1}};
  x.kb_hits = {article};
  UnderstandingOptions o = u.options();
  o.answer_from_articles = true;
  Decision d = u.Decide(x, o);
  EXPECT_EQ(d.policy, Policy::kArticle) << d.reason;
  EXPECT_EQ(d.target, "care.en");
  EXPECT_EQ(d.chunk, 1);
  x.candidates = {{Candidate::Kind::kIntent, "a", 0.9}};
  EXPECT_EQ(u.Decide(x, o).policy, Policy::kIntent);  // an intent comes first
  // The real article of the small shop is found by a question about it.
  Understood wool = u.Understand("how should I wash a wool sweater", "en", kNow);
  bool found = false;
  for (const auto& h : wool.kb_hits) found |= h.kind == kb::HitKind::kArticle && h.id == "care.en";
  EXPECT_TRUE(found);
}

TEST(Understanding, RefusesBadOptionsAndTooFewClasses) {
  UnderstandingOptions bad;
  bad.intent_threshold = 1.5;
  EXPECT_EQ(Understanding::Build(SmallShop(), bad).status().code(), Code::kInvalidArgument);
  BotPackage one;
  one.languages = {"en"};
  one.default_language = "en";
  one.intents.push_back(MakeIntent("only", {}, {"a", "b", "c"}));
  UnderstandingOptions no_faq;
  no_faq.faq_as_intents = false;
  EXPECT_FALSE(Understanding::Build(one, no_faq).ok());
}

}  // namespace
}  // namespace kefu::dialog
