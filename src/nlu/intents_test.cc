#include "nlu/intents.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "text/text.h"

namespace kefu::nlu {
namespace {

// A small shop bot, written for this test: a few phrasings per intent in
// Chinese and English, and some messages the bot does not handle.
const std::vector<IntentExample>& ShopExamples() {
  static const std::vector<IntentExample> examples = {
      {"where is my order", "order_status"},
      {"my package has not arrived yet", "order_status"},
      {"when will my parcel be delivered", "order_status"},
      {"track my order please", "order_status"},
      {"has my order shipped", "order_status"},
      {"我的订单到哪了", "order_status"},
      {"快递怎么还没到", "order_status"},
      {"帮我查一下物流", "order_status"},
      {"包裹什么时候送到", "order_status"},
      {"订单发货了吗", "order_status"},
      {"i want a refund", "refund"},
      {"how do i get my money back", "refund"},
      {"please refund my payment", "refund"},
      {"can i return this and get a refund", "refund"},
      {"refund the item i returned", "refund"},
      {"我要退款", "refund"},
      {"钱什么时候退给我", "refund"},
      {"申请退款怎么操作", "refund"},
      {"退货以后退款到哪里", "refund"},
      {"不想要了能退钱吗", "refund"},
      {"let me talk to a human", "human_agent"},
      {"i want to speak to a real person", "human_agent"},
      {"connect me to an agent", "human_agent"},
      {"can i chat with customer service staff", "human_agent"},
      {"get me a human operator", "human_agent"},
      {"转人工", "human_agent"},
      {"我要找人工客服", "human_agent"},
      {"让真人来跟我说", "human_agent"},
      {"人工服务在哪里", "human_agent"},
      {"帮我接通客服人员", "human_agent"},
      {"change my delivery address", "change_address"},
      {"i moved, update the shipping address", "change_address"},
      {"send it to a different address", "change_address"},
      {"edit the address on my order", "change_address"},
      {"wrong address, please fix it", "change_address"},
      {"修改收货地址", "change_address"},
      {"地址填错了怎么改", "change_address"},
      {"我想换个收货地址", "change_address"},
      {"订单的地址能改吗", "change_address"},
      {"帮我改一下送货地址", "change_address"},
      {"what is the capital of france", "oos"},
      {"tell me a joke", "oos"},
      {"who won the football game", "oos"},
      {"how tall is mount everest", "oos"},
      {"play some music", "oos"},
      {"今天天气怎么样", "oos"},
      {"给我讲个笑话", "oos"},
      {"帮我写一首诗", "oos"},
      {"股票明天会涨吗", "oos"},
      {"推荐一部电影", "oos"},
  };
  return examples;
}

class IntentsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto analyzer = text::Analyzer::Create();
    ASSERT_TRUE(analyzer.ok()) << analyzer.status().ToString();
    analyzer_ = std::shared_ptr<const text::Analyzer>(std::move(analyzer).value());
    IntentOptions options;
    options.oos_label = "oos";
    options.analyzer = analyzer_;
    auto trained = IntentClassifier::Train(ShopExamples(), options);
    ASSERT_TRUE(trained.ok()) << trained.status().ToString();
    classifier_ = std::move(trained).value().release();
  }
  static void TearDownTestSuite() {
    delete classifier_;
    classifier_ = nullptr;
  }
  static std::shared_ptr<const text::Analyzer> analyzer_;
  static IntentClassifier* classifier_;
};

std::shared_ptr<const text::Analyzer> IntentsTest::analyzer_;
IntentClassifier* IntentsTest::classifier_ = nullptr;

TEST_F(IntentsTest, UnderstandsPhrasingsItWasNotTrainedOn) {
  ASSERT_NE(classifier_, nullptr);
  struct Case {
    std::string text, intent;
  };
  const Case cases[] = {
      {"Where is my parcel?", "order_status"},
      {"my order still hasn't arrived", "order_status"},
      {"我的快递到哪里了？", "order_status"},
      {"我的包裹怎麼還沒到", "order_status"},  // 繁體
      {"I'd like a refund please", "refund"},
      {"怎么申请退款", "refund"},
      {"我要退錢", "refund"},
      {"I need to talk to a person", "human_agent"},
      {"转人工客服", "human_agent"},
      {"please change the address for delivery", "change_address"},
      {"收货地址写错了", "change_address"},
  };
  for (const Case& c : cases) {
    IntentPrediction p = classifier_->Classify(c.text);
    EXPECT_EQ(p.intent, c.intent) << c.text
                                  << " (top: " << (p.ranked.empty() ? "none" : p.ranked[0].label)
                                  << " " << p.confidence << ")";
    EXPECT_FALSE(p.out_of_scope) << c.text;
    ASSERT_FALSE(p.ranked.empty());
    EXPECT_EQ(p.ranked[0].label, c.intent) << c.text;
    EXPECT_DOUBLE_EQ(p.ranked[0].confidence, p.confidence);
  }
}

TEST_F(IntentsTest, RefusesWhatTheBotDoesNotHandle) {
  ASSERT_NE(classifier_, nullptr);
  for (const char* text : {"tell me a funny joke", "what is the capital of spain",
                           "给我讲一个笑话吧", "今天的天气好吗"}) {
    IntentPrediction p = classifier_->Classify(text);
    EXPECT_TRUE(p.out_of_scope) << text << " → " << p.intent << " " << p.confidence;
    EXPECT_TRUE(p.intent.empty()) << text;
  }
}

TEST_F(IntentsTest, RanksEveryLabelWithProbabilities) {
  ASSERT_NE(classifier_, nullptr);
  IntentPrediction p = classifier_->Classify("where is my order", 10);
  ASSERT_EQ(p.ranked.size(), 5u) << "four intents and oos";
  double sum = 0;
  for (size_t i = 0; i < p.ranked.size(); ++i) {
    sum += p.ranked[i].confidence;
    if (i > 0) {
      EXPECT_GE(p.ranked[i - 1].confidence, p.ranked[i].confidence);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_EQ(classifier_->Classify("where is my order", 2).ranked.size(), 2u);
  EXPECT_EQ(classifier_->labels(), (std::vector<std::string>{"change_address", "human_agent", "oos",
                                                             "order_status", "refund"}));
}

TEST_F(IntentsTest, BadInputHasADefinedAnswer) {
  ASSERT_NE(classifier_, nullptr);
  std::string long_text;
  while (long_text.size() < 10000) long_text += "where is my order 我的订单 ";
  struct Case {
    std::string name, text;
    bool must_refuse;
  };
  const Case cases[] = {
      {"empty", "", true},
      {"whitespace", "  \t\n ", true},
      {"punctuation", "?!?!...", true},
      {"emoji only", "😀😀🙏", false},
      {"invalid utf-8", "\xff\xfe where is my \xc3 order", false},
      {"10k characters", long_text, false},
      {"mixed script", "my 订单 where 到哪了", false},
  };
  for (const Case& c : cases) {
    IntentPrediction p = classifier_->Classify(c.text);
    EXPECT_GE(p.confidence, 0.0) << c.name;
    EXPECT_LE(p.confidence, 1.0) << c.name;
    EXPECT_EQ(p.out_of_scope, p.intent.empty()) << c.name;
    if (c.must_refuse) {
      EXPECT_TRUE(p.out_of_scope) << c.name;
      EXPECT_TRUE(p.ranked.empty()) << c.name;
    }
  }
  EXPECT_EQ(classifier_->Classify("\xff\xfe where is my \xc3 order").intent, "order_status");
}

TEST_F(IntentsTest, ClassifiesFromManyThreadsAtOnce) {
  ASSERT_NE(classifier_, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> right(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        right[t] += classifier_->Classify(t % 2 ? "我要退款" : "track my order").intent ==
                    (t % 2 ? "refund" : "order_status");
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int r : right) EXPECT_EQ(r, 50);
}

TEST_F(IntentsTest, SaveAndLoadGiveTheSameAnswers) {
  ASSERT_NE(classifier_, nullptr);
  auto dir =
      std::filesystem::temp_directory_path() / ("kefu-intents-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "model.bin").string();
  ASSERT_TRUE(classifier_->Save(path).ok());
  auto loaded = IntentClassifier::Load(path, analyzer_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->labels(), classifier_->labels());
  EXPECT_EQ((*loaded)->oos_label(), "oos");
  EXPECT_DOUBLE_EQ((*loaded)->oos_threshold(), classifier_->oos_threshold());
  for (const char* text :
       {"where is my parcel", "我要退款", "tell me a joke", "转人工", "", "修改地址", "😀"}) {
    IntentPrediction a = classifier_->Classify(text), b = (*loaded)->Classify(text);
    EXPECT_EQ(a.intent, b.intent) << text;
    EXPECT_EQ(a.out_of_scope, b.out_of_scope) << text;
    EXPECT_NEAR(a.confidence, b.confidence, 1e-9) << text;
  }

  // A truncated file, a foreign file and a missing file are errors.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t cut : {size_t(0), size_t(3), size_t(40), bytes.size() / 2, bytes.size() - 10}) {
    std::ofstream(dir / "cut.bin", std::ios::binary) << bytes.substr(0, cut);
    auto r = IntentClassifier::Load((dir / "cut.bin").string(), analyzer_);
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << "cut at " << cut;
    }
  }
  std::ofstream(dir / "foreign.bin") << "text,label\nhello,greet\n";
  EXPECT_EQ(IntentClassifier::Load((dir / "foreign.bin").string(), analyzer_).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(IntentClassifier::Load((dir / "none.bin").string(), analyzer_).status().code(),
            Code::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST_F(IntentsTest, TrainingIsDeterministic) {
  IntentOptions options;
  options.oos_label = "oos";
  options.analyzer = analyzer_;
  auto again = IntentClassifier::Train(ShopExamples(), options);
  ASSERT_TRUE(again.ok());
  for (const char* text : {"where is my parcel", "我要退款", "tell me a joke"}) {
    EXPECT_NEAR((*again)->Classify(text).confidence, classifier_->Classify(text).confidence, 1e-9)
        << text;
  }
}

TEST(IntentsTrainTest, RefusesWhatCannotBeTrained) {
  IntentOptions options;
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  options.analyzer = std::move(analyzer).value();
  std::vector<IntentExample> none;
  EXPECT_EQ(IntentClassifier::Train(none, options).status().code(), Code::kInvalidArgument);
  std::vector<IntentExample> one = {{"hi", "greet"}, {"hello", "greet"}};
  EXPECT_EQ(IntentClassifier::Train(one, options).status().code(), Code::kInvalidArgument);
  std::vector<IntentExample> empty_texts = {{"", "a"}, {"  ", "b"}, {"hello", "greet"}};
  EXPECT_EQ(IntentClassifier::Train(empty_texts, options).status().code(), Code::kInvalidArgument)
      << "empty texts do not count";
  IntentOptions bad = options;
  bad.calibration_fraction = 1.5;
  std::vector<IntentExample> two = {{"hi", "greet"}, {"bye", "leave"}};
  EXPECT_EQ(IntentClassifier::Train(two, bad).status().code(), Code::kInvalidArgument);
  auto tiny = IntentClassifier::Train(two, options);
  ASSERT_TRUE(tiny.ok()) << tiny.status().ToString();
  EXPECT_EQ((*tiny)->Classify("hi").ranked.size(), 2u);
}

TEST(IntentsTrainTest, CalibrateTunesTheThresholdOnOutOfScopeExamples) {
  IntentOptions options;
  options.oos_label = "oos";
  options.calibration_fraction = 0;
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  options.analyzer = std::move(analyzer).value();
  auto c = IntentClassifier::Train(ShopExamples(), options);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ((*c)->oos_threshold(), options.default_oos_threshold);
  std::vector<IntentExample> valid = {
      {"where's my package", "order_status"}, {"退款", "refund"},
      {"human please", "human_agent"},        {"change address", "change_address"},
      {"what's the time in tokyo", "oos"},    {"写个笑话", "oos"},
  };
  ASSERT_TRUE((*c)->Calibrate(valid).ok());
  std::vector<IntentExample> unknown = {{"hello", "no_such_label"}};
  EXPECT_EQ((*c)->Calibrate(unknown).code(), Code::kInvalidArgument);
  // The threshold decides alone: just above a message's confidence refuses it.
  IntentPrediction p = (*c)->Classify("where is my stuff");
  ASSERT_EQ(p.intent, "order_status");
  (*c)->set_oos_threshold(p.confidence + 1e-6);
  EXPECT_TRUE((*c)->Classify("where is my stuff").out_of_scope);
  (*c)->set_oos_threshold(p.confidence - 1e-6);
  EXPECT_FALSE((*c)->Classify("where is my stuff").out_of_scope);
}

TEST(IntentsTrainTest, CalibrateUsesOutOfScopeExamplesEvenWithoutAnOutOfScopeClass) {
  IntentOptions options;
  options.oos_label = "oos";
  options.calibration_fraction = 0;
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  options.analyzer = std::move(analyzer).value();
  std::vector<IntentExample> in_scope;
  for (const IntentExample& e : ShopExamples()) {
    if (e.label != "oos") in_scope.push_back(e);
  }
  auto c = IntentClassifier::Train(in_scope, options);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->labels().size(), 4u);
  std::vector<IntentExample> only_oos = {{"tell me a joke", "oos"}};
  EXPECT_EQ((*c)->Calibrate(only_oos).code(), Code::kInvalidArgument);
  std::vector<IntentExample> valid = {
      {"where's my package", "order_status"},
      {"退款", "refund"},
      {"human please", "human_agent"},
      {"change address", "change_address"},
      {"what's the time in tokyo", "oos"},
      {"写个笑话", "oos"},
      {"sing me a song", "oos"},
      {"明天会下雨吗", "oos"},
  };
  ASSERT_TRUE((*c)->Calibrate(valid).ok());
  EXPECT_NE((*c)->oos_threshold(), options.default_oos_threshold);
  EXPECT_EQ((*c)->Classify("where is my order").intent, "order_status");
}

}  // namespace
}  // namespace kefu::nlu
