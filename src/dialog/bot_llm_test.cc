// The bot with a language model behind its fallback (BotOptions::rag): a
// scripted provider that answers from the prompt's own passages, or
// misbehaves, through the real RagAnswerer and Provider.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/clock.h"
#include "core/json.h"
#include "dialog/bot.h"

namespace kefu::dialog {
namespace {

constexpr int64_t kNow = 1'764'633'600'000;

// Speaks the chat completions API: grounded (the first passage of the
// prompt's first sentence, cited), invented, or down.
struct FakeModel : HttpClient {
  enum class Mode { kGrounded, kInvented, kDown };
  Mode mode = Mode::kGrounded;
  std::mutex mu;
  std::vector<std::string> prompts;

  void Send(HttpRequest request, HttpCallback done) override {
    const Json body = Json::parse(request.body);
    const std::string system = body["messages"][0]["content"].get<std::string>();
    const std::string user = body["messages"][1]["content"].get<std::string>();
    {
      std::lock_guard lock(mu);
      prompts.push_back(system + "\n" + user);
    }
    if (mode == Mode::kDown) {
      done(Status::Unavailable("cannot connect to llm.test: refused"));
      return;
    }
    std::string answer = "全场包邮，并送一张100元优惠券 [1]。";
    if (mode == Mode::kGrounded) {
      // The first passage's text: the line after "[1] title".
      const size_t at = system.find("\n[1] ");
      const size_t title_end = system.find('\n', at + 1);
      const size_t text_end = system.find('\n', title_end + 1);
      std::string passage = system.substr(title_end + 1, text_end - title_end - 1);
      const size_t stop = passage.find("。");
      if (stop != std::string::npos) passage = passage.substr(0, stop);
      answer = passage + " [1]。";
    }
    HttpResponse r;
    r.status = 200;
    if (body["stream"].get<bool>()) {
      // Two tokens, split in the middle of the answer.
      const size_t cut = answer.find("[");
      for (const std::string& piece : {answer.substr(0, cut), answer.substr(cut)}) {
        std::string event =
            "data: " + DumpJson(Json{{"choices", {{{"delta", {{"content", piece}}}}}}}) + "\n\n";
        r.body += event;
        if (request.on_body) request.on_body(event);
      }
      r.body += "data: [DONE]\n\n";
      if (request.on_body) request.on_body("data: [DONE]\n\n");
    } else {
      r.body = DumpJson(Json{{"choices", {{{"message", {{"content", answer}}}}}}});
    }
    done(r);
  }
};

void Write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string Examples(const std::vector<std::string>& zh, const std::vector<std::string>& en) {
  std::string out = "  examples:\n    zh:\n";
  for (const auto& e : zh) out += "      - " + e + "\n";
  out += "    en:\n";
  for (const auto& e : en) out += "      - " + e + "\n";
  return out;
}

// A small shop: orders, a shipping FAQ entry, and an article on points
// that no intent or FAQ entry covers.
std::string WritePackage() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kefu_bot_llm_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Write(dir / "bot.yaml", R"(name: {zh: 测试店, en: Test shop}
languages: [zh, en]
persona:
  name: {zh: 小蜜, en: Bee}
greeting: {zh: 您好，我是机器人小蜜。, en: "Hi, I'm Bee, a bot."}
fallback: {zh: 抱歉，没听懂。, en: "Sorry, I did not get that."}
handoff:
  fallback_streak: 5
  human_only_intents: [human_agent]
)");
  std::vector<std::string> zh_order, en_order, zh_human, en_human;
  for (const char* w : {"查订单", "我的订单到哪了", "订单什么时候到", "帮我看看订单", "物流信息",
                        "包裹到哪里了", "快递到哪了", "怎么还没发货", "订单状态", "查一下我的快递",
                        "什么时候送到", "订单进度", "我买的东西到哪了", "发货了吗", "查物流"})
    zh_order.push_back(w);
  for (const char* w : {"where is my order", "track my order", "order status", "when will it arrive",
                        "has my order shipped", "where is my package", "tracking please",
                        "is my parcel on the way", "check my order", "delivery status",
                        "when does my order come", "my order is late", "shipping status",
                        "did you send my order", "order progress"})
    en_order.push_back(w);
  for (const char* w : {"转人工", "人工客服", "找人工", "我要人工", "真人客服", "叫你们客服来",
                        "转接人工", "人工服务", "要人工", "不要机器人", "找真人", "客服在吗",
                        "让人来回答", "接人工", "人工"})
    zh_human.push_back(w);
  for (const char* w : {"talk to a human", "human please", "real person", "agent please",
                        "connect me to an agent", "i want a person", "speak to someone",
                        "no bot", "customer service rep", "live agent", "a human", "operator",
                        "get me a person", "human agent", "talk to staff"})
    en_human.push_back(w);
  std::vector<std::string> zh_oos = {"今天天气怎么样", "讲个笑话", "股票明天涨吗", "帮我写作业",
                                     "你喜欢什么电影", "北京有什么好吃的", "头疼吃什么药",
                                     "明天会下雨吗", "推荐一首歌", "一加一等于几", "世界杯谁赢了",
                                     "你是男的女的", "怎么减肥", "附近有医院吗", "房价会跌吗"};
  std::vector<std::string> en_oos = {"what is the weather", "tell me a joke", "will stocks go up",
                                     "do my homework", "favourite movie", "best pizza in town",
                                     "what medicine for a headache", "will it rain tomorrow",
                                     "recommend a song", "what is one plus one", "who won the cup",
                                     "are you a man", "how to lose weight", "nearest hospital",
                                     "will house prices fall"};
  Write(dir / "intents" / "intents.yaml",
        "- intent: order_status\n  description: where an order is.\n" +
            Examples(zh_order, en_order) +
            "- intent: human_agent\n  description: a person.\n" + Examples(zh_human, en_human) +
            "- intent: out_of_scope\n  description: nothing the shop does.\n" +
            Examples(zh_oos, en_oos));
  Write(dir / "responses" / "r.yaml",
        "order_status:\n  zh: 请告诉我订单号。\n  en: Please tell me the order number.\n");
  Write(dir / "kb" / "faq" / "faq.yaml", R"(- id: shipping_cost
  questions:
    zh: [运费多少, 要运费吗, 运费怎么算]
    en: [how much is shipping, is shipping free, what does delivery cost]
  answer: {zh: 全场满99元包邮，不满99元收取运费8元。, en: Free shipping over 99 yuan; otherwise 8 yuan.}
)");
  Write(dir / "kb" / "articles" / "points.md",
        "# 会员积分\n\n积分的获得与使用。\n\n## 积分转赠\n\n会员积分可以转赠给家人，每月最多转赠1000分。转赠在“我的-积分”页面操作，转出后不能撤回。\n");
  Write(dir / "kb" / "articles" / "points.en.md",
        "# Points\n\nEarning and using points.\n\n## Giving points\n\nMembers can give points to family members, up to 1000 points a month. Giving is done on the My points page and cannot be undone.\n");
  return dir.string();
}

struct Rig {
  FakeModel model;
  ManualClock clock;
  llm::Provider provider{{"http://llm.test/v1", "m", "", ""}, &model, &clock};
  std::unique_ptr<llm::PiiMasker> masker;
  std::unique_ptr<llm::SupportJudge> judge;
  std::unique_ptr<llm::RagAnswerer> rag;
  std::unique_ptr<Bot> bot;

  Rig() {
    auto pkg = BotPackage::Load(WritePackage());
    if (!pkg.ok()) {
      ADD_FAILURE() << pkg.status().ToString();
      std::abort();
    }
    masker = std::make_unique<llm::PiiMasker>(llm::PiiMasker::Create().value());
    BotOptions o;
    auto built = Bot::Build(*pkg, o);  // first for its analyzer
    EXPECT_TRUE(built.ok());
    judge = std::make_unique<llm::SupportJudge>(&(*built)->understanding().analyzer());
    rag = std::make_unique<llm::RagAnswerer>(&provider, masker.get(), judge.get());
    bot = std::move(built).value();
    bot = bot->WithRag(rag.get());
  }

  TurnResult Ask(std::string text, std::string* draft = nullptr) {
    BotMessage m;
    m.text = std::move(text);
    m.now_millis = kNow;
    m.tenant_id = 3;
    if (draft) m.on_draft = [draft](std::string_view t) { *draft += t; };
    std::optional<TurnResult> out;
    bot->Respond(DialogState{}, std::move(m), [&](TurnResult r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : TurnResult{};
  }
};

// A question no intent or FAQ entry answers, on which the knowledge base
// still has passages.
constexpr const char* kUncovered = "会员积分能不能转赠给我老婆？我手机13812345678";

TEST(BotLlm, AnswersWhatNothingElseDoesFromPassagesAndStreamsIt) {
  Rig rig;
  std::string draft;
  TurnResult r = rig.Ask(kUncovered, &draft);
  ASSERT_EQ(r.annotations["policy"], "llm") << r.annotations.dump();
  EXPECT_EQ(r.annotations["generated"], true);
  EXPECT_EQ(r.annotations["llm"]["outcome"], "answered");
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_NE(r.replies[0].find("[1]"), std::string::npos);
  EXPECT_EQ(draft, r.replies[0]);
  ASSERT_EQ(rig.model.prompts.size(), 1u);
  EXPECT_EQ(rig.model.prompts[0].find("13812345678"), std::string::npos);
  EXPECT_NE(rig.model.prompts[0].find("[PHONE_1]"), std::string::npos);
  EXPECT_EQ(r.state.fallback_streak, 0);
  auto usage = rig.provider.UsageByTenant()[3];
  EXPECT_EQ(usage.calls, 1);
}

TEST(BotLlm, AnInventedAnswerOrADownProviderNeverReachesTheCustomer) {
  Rig rig;
  rig.model.mode = FakeModel::Mode::kInvented;
  TurnResult r = rig.Ask(kUncovered);
  EXPECT_NE(r.annotations["policy"], "llm") << r.annotations.dump();
  EXPECT_EQ(r.annotations["llm"]["outcome"], "unsupported");
  for (const std::string& reply : r.replies) EXPECT_EQ(reply.find("100元优惠券"), std::string::npos);
  rig.model.mode = FakeModel::Mode::kDown;
  r = rig.Ask(kUncovered);
  EXPECT_EQ(r.annotations["llm"]["outcome"], "failed");
  EXPECT_FALSE(r.replies.empty());  // the best passage or the fallback
}

TEST(BotLlm, WhatThePackageAnswersNeverGoesToTheModel) {
  Rig rig;
  TurnResult r = rig.Ask("运费多少？");
  EXPECT_EQ(r.annotations["policy"], "faq");
  EXPECT_TRUE(rig.model.prompts.empty());
}

}  // namespace
}  // namespace kefu::dialog
