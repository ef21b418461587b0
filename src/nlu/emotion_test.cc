#include "nlu/emotion.h"

#include <gtest/gtest.h>

#include "text/text.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace kefu::nlu {
namespace {

std::unique_ptr<EmotionDetector> Builtin() {
  auto d = EmotionDetector::Create();
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return std::move(*d);
}

struct LabelCase {
  const char* text;
  Emotion want;
};

TEST(EmotionTest, LabelsCustomerMessagesInBothLanguages) {
  auto d = Builtin();
  const LabelCase cases[] = {
      {"你们这什么破服务，我要投诉！", Emotion::kAnger},
      {"再不退款我就打12315", Emotion::kAnger},
      {"骗子公司，等着曝光吧", Emotion::kAnger},
      {"快递三天了还没到，急用啊", Emotion::kAnxiety},
      {"我的卡被盗刷了怎么办", Emotion::kAnxiety},
      {"太失望了", Emotion::kSadness},
      {"等了一个月，白等了，唉", Emotion::kSadness},
      {"谢谢，问题解决了", Emotion::kJoy},
      {"客服很耐心，给你们点赞", Emotion::kJoy},
      {"我想查订单", Emotion::kNeutral},
      {"麻烦帮我改一下收货地址", Emotion::kNeutral},
      {"This is the worst service ever, I'm filing a complaint!", Emotion::kAnger},
      {"I will call my lawyer and do a chargeback", Emotion::kAnger},
      {"My package still hasn't arrived and I need it urgently", Emotion::kAnxiety},
      {"I'm worried my account was hacked", Emotion::kAnxiety},
      {"I'm so disappointed", Emotion::kSadness},
      {"Thanks, that solved it!", Emotion::kJoy},
      {"Great job, really helpful", Emotion::kJoy},
      {"I want to check my order", Emotion::kNeutral},
      {"No problem, see you", Emotion::kNeutral},
      {"good evening", Emotion::kNeutral},
      {"收到了别人的快递", Emotion::kNeutral},
  };
  for (const LabelCase& c : cases) {
    EmotionResult r = d->Detect(c.text);
    EXPECT_EQ(EmotionName(r.label), EmotionName(c.want)) << c.text;
    EXPECT_FLOAT_EQ(r.intensity, r.intensities[static_cast<int>(r.label)]) << c.text;
  }
}

float Intensity(const EmotionDetector& d, const char* text, Emotion e) {
  return d.Detect(text).intensities[static_cast<int>(e)];
}

TEST(EmotionTest, DegreeWordsAndPunctuationRaiseIntensity) {
  auto d = Builtin();
  struct Order {
    const char* stronger;
    const char* weaker;
    Emotion emotion;
  };
  const Order cases[] = {
      {"非常生气!!!", "有点生气", Emotion::kAnger},
      {"非常生气", "生气", Emotion::kAnger},
      {"生气！！！", "生气", Emotion::kAnger},
      {"急急急，在线等", "有点急", Emotion::kAnxiety},
      {"非常感谢", "谢谢", Emotion::kJoy},
      {"I am extremely angry", "I am a bit angry", Emotion::kAnger},
      {"THIS IS UNACCEPTABLE", "this is unacceptable", Emotion::kAnger},
      {"so disappointed", "disappointed", Emotion::kSadness},
  };
  for (const Order& c : cases) {
    EXPECT_GT(Intensity(*d, c.stronger, c.emotion), Intensity(*d, c.weaker, c.emotion))
        << c.stronger << " vs " << c.weaker;
  }
  EXPECT_GT(Intensity(*d, "非常生气!!!", Emotion::kAnger), 0.7f);
  EXPECT_LT(Intensity(*d, "有点生气", Emotion::kAnger), 0.5f);
  // Escalation words are strong anger on their own (the header's 0.7).
  for (const char* text : {"我要投诉", "再不退款我就打12315", "I will call my lawyer"})
    EXPECT_GE(Intensity(*d, text, Emotion::kAnger), 0.7f) << text;
}

TEST(EmotionTest, NegationTurnsSatisfactionIntoDisappointment) {
  auto d = Builtin();
  const char* negated[] = {"不满意",           "一点也不开心",      "我对这次服务很不满意",
                           "not happy at all", "I'm not satisfied", "don't like it"};
  for (const char* text : negated) {
    EmotionResult r = d->Detect(text);
    EXPECT_NE(r.label, Emotion::kJoy) << text;
    EXPECT_TRUE(r.label == Emotion::kSadness || r.label == Emotion::kAnger) << text;
  }
  // A negated worry is no worry.
  EXPECT_LT(Intensity(*d, "不着急，慢慢来", Emotion::kAnxiety),
            Intensity(*d, "很着急", Emotion::kAnxiety));
  EXPECT_LT(Intensity(*d, "I'm not worried", Emotion::kAnxiety),
            Intensity(*d, "I'm worried", Emotion::kAnxiety));
  // 不错 is praise, matched before 不 is read as a negator.
  EXPECT_EQ(d->Detect("不错不错").label, Emotion::kJoy);
}

TEST(EmotionTest, FullWidthAndCaseAreFolded) {
  auto d = Builtin();
  EXPECT_EQ(d->Detect("ＴＨＡＮＫＳ").label, Emotion::kJoy);
  EXPECT_EQ(d->Detect("Thank You").label, Emotion::kJoy);
  EXPECT_GT(Intensity(*d, "生气！！！", Emotion::kAnger), Intensity(*d, "生气", Emotion::kAnger));
}

TEST(EmotionTest, BadInputIsNeutralAndNeverCrashes) {
  auto d = Builtin();
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += "订单号 ";
  std::string long_angry(20000, 'a');
  long_angry += " 投诉";
  const std::string neutral_inputs[] = {
      "",        "   ",        "\n\t", "🙃🫠", "\xff\xfe\x80", std::string("a\0b", 3),
      long_text, "0000000000",
  };
  for (const std::string& text : neutral_inputs) {
    EmotionResult r = d->Detect(text);
    EXPECT_EQ(r.label, Emotion::kNeutral) << text.substr(0, 20);
    for (float v : r.intensities) {
      EXPECT_GE(v, 0.0f);
      EXPECT_LE(v, 1.0f);
    }
  }
  // Emotion in valid parts of broken text is still read.
  EXPECT_EQ(d->Detect("\xff谢谢\xc3").label, Emotion::kJoy);
  EXPECT_EQ(d->Detect(long_angry).label, Emotion::kAnger);
  std::string huge(200 * 1024, 'x');
  EXPECT_EQ(d->Detect(huge).label, Emotion::kNeutral);
}

TEST(EmotionTest, TraditionalChineseReadsLikeSimplifiedThroughTheAnalyzer) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  EmotionOptions options;
  options.analyzer = analyzer->get();
  auto d = EmotionDetector::Create(options);
  ASSERT_TRUE(d.ok());
  const LabelCase cases[] = {
      {"你們這什麼破服務，我要投訴！", Emotion::kAnger},
      {"快遞三天了還沒到，急用啊", Emotion::kAnxiety},
      {"太失望了", Emotion::kSadness},
      {"謝謝，問題解決了", Emotion::kJoy},
      {"我想查訂單", Emotion::kNeutral},
  };
  for (const LabelCase& c : cases)
    EXPECT_EQ(EmotionName((*d)->Detect(c.text).label), EmotionName(c.want)) << c.text;
  // Capitals still count, though Normalize folds them.
  EXPECT_GT((*d)->Detect("THIS IS UNACCEPTABLE 投诉").intensities[1],
            (*d)->Detect("this is unacceptable 投诉").intensities[1]);
}

TEST(EmotionTest, ParsesLexiconLinesAndReportsBadOnes) {
  auto ok = ParseEmotionLexicon(
      "# comment\n\n退单\tanger\t1.5\n亲\tjoy\t0.5\r\n绝不\tnegator\n"
      "巨\tdegree\t1.6\n客官\tneutral\n",
      "t.tsv");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->size(), 5u);
  EXPECT_EQ((*ok)[0].term, "退单");
  EXPECT_EQ((*ok)[0].emotion, Emotion::kAnger);
  EXPECT_FLOAT_EQ((*ok)[0].weight, 1.5f);
  EXPECT_EQ((*ok)[2].kind, LexiconEntry::Kind::kNegator);
  EXPECT_EQ((*ok)[3].kind, LexiconEntry::Kind::kDegree);

  struct Bad {
    const char* text;
    const char* where;
  };
  const Bad bad[] = {
      {"好\n坏\n", "t.tsv:1:"},          {"好\tjoy\t1\n坏\tgrumpy\t1\n", "t.tsv:2:"},
      {"坏\tanger\tlots\n", "t.tsv:1:"}, {"坏\tanger\t-1\n", "t.tsv:1:"},
      {"坏\tanger\n", "t.tsv:1:"},       {"\tanger\t1\n", "t.tsv:1:"},
  };
  for (const Bad& b : bad) {
    auto r = ParseEmotionLexicon(b.text, "t.tsv");
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(b.where), std::string::npos) << r.status().message();
  }
}

TEST(EmotionTest, TenantLexiconAddsTermsAndFileErrorsAreValues) {
  auto plain = Builtin();
  EXPECT_EQ(plain->Detect("又双叒叕").label, Emotion::kNeutral);

  std::string path = ::testing::TempDir() + "/tenant-emotion.tsv";
  {
    std::ofstream out(path);
    out << "又双叒叕\tanger\t1.5\n";
  }
  EmotionOptions options;
  options.lexicon_paths = {path};
  options.lexicon_entries = {{"绝绝子", LexiconEntry::Kind::kEmotion, Emotion::kJoy, 1.2f}};
  auto d = EmotionDetector::Create(options);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ((*d)->Detect("又双叒叕").label, Emotion::kAnger);
  EXPECT_EQ((*d)->Detect("绝绝子").label, Emotion::kJoy);
  std::remove(path.c_str());

  options.lexicon_paths = {"/nonexistent/emotion.tsv"};
  auto missing = EmotionDetector::Create(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(EmotionTest, LearnsFromLabelledExamples) {
  // Words no lexicon knows, given meaning by a tenant's examples.
  EmotionOptions options;
  const char* angry[] = {"zorp again", "total zorp", "zorp zorp", "this is zorp", "so zorp"};
  const char* calm[] = {"blick please", "a blick", "blick today", "my blick", "one blick"};
  for (int round = 0; round < 10; ++round) {
    for (const char* t : angry) options.examples.push_back({t, Emotion::kAnger});
    for (const char* t : calm) options.examples.push_back({t, Emotion::kNeutral});
  }
  auto d = EmotionDetector::Create(options);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->trained());
  EXPECT_EQ((*d)->Detect("zorp").label, Emotion::kAnger);
  EXPECT_EQ((*d)->Detect("blick").label, Emotion::kNeutral);
  EXPECT_FALSE(Builtin()->trained());

  // The same examples and seed give the same model.
  auto again = EmotionDetector::Create(options);
  ASSERT_TRUE(again.ok());
  EXPECT_FLOAT_EQ((*d)->Detect("zorp blick").intensities[1],
                  (*again)->Detect("zorp blick").intensities[1]);
}

TEST(EmotionTest, NamesRoundTrip) {
  for (int k = 0; k < kEmotionCount; ++k) {
    auto e = static_cast<Emotion>(k);
    auto parsed = ParseEmotion(EmotionName(e));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, e);
  }
  EXPECT_EQ(*ParseEmotion("angry"), Emotion::kAnger);
  EXPECT_EQ(*ParseEmotion("fear"), Emotion::kAnxiety);
  EXPECT_FALSE(ParseEmotion("surprise").ok());
}

}  // namespace
}  // namespace kefu::nlu
