#include "llm/provider.h"

#include <gtest/gtest.h>

#include <deque>

#include "core/json.h"
#include "llm/scripted_http_for_tests.h"

namespace kefu::llm {
namespace {

std::string Answer(std::string_view text) {
  return DumpJson(Json{{"choices", {{{"message", {{"role", "assistant"}, {"content", text}}},
                                     {"finish_reason", "stop"}}}},
                       {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 7}}}});
}

std::string Chunk(std::string_view text) {
  return "data: " + DumpJson(Json{{"choices", {{{"delta", {{"content", text}}}}}}}) + "\n\n";
}

class ProviderTest : public ::testing::Test {
 protected:
  ProviderTest() : provider_({"http://llm.test/v1", "m", "", ""}, &http_, &clock_, Options()) {}
  static ProviderOptions Options() {
    ProviderOptions o;
    o.circuit = {3, 1000, 1};
    return o;
  }

  Result<Completion> Run(TokenCallback on_token = nullptr, int64_t budget_ms = 4000) {
    std::optional<Result<Completion>> out;
    ChatRequest req;
    req.messages = {{"user", "运费？"}};
    provider_.Complete(7, req, clock_.NowMillis() + budget_ms, std::move(on_token),
                       [&](Result<Completion> r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : Result<Completion>(Status::Internal("no answer"));
  }

  fakes::ScriptedHttp http_;
  ManualClock clock_{1000000};
  Provider provider_;
};

TEST_F(ProviderTest, AnswersAndCountsTokens) {
  http_.Answer(200, Answer("满99元包邮 [1]。"));
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "满99元包邮 [1]。");
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(http_.seen[0].timeout_ms, 4000);
  EXPECT_EQ(Json::parse(http_.seen[0].body)["stream"], false);
  auto usage = provider_.UsageByTenant()[7];
  EXPECT_EQ(usage.calls, 1);
  EXPECT_EQ(usage.prompt_tokens, 100);
  EXPECT_EQ(usage.completion_tokens, 7);
  EXPECT_EQ(usage.failures, 0);
}

TEST_F(ProviderTest, StreamsTokensAsTheyCome) {
  http_.Stream({Chunk("满99"), Chunk("元") + Chunk("包邮"), "data: [DONE]\n\n"});
  std::vector<std::string> tokens;
  auto r = Run([&](std::string_view t) { tokens.emplace_back(t); });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(tokens, (std::vector<std::string>{"满99", "元", "包邮"}));
  EXPECT_EQ(r->text, "满99元包邮");
  EXPECT_EQ(Json::parse(http_.seen[0].body)["stream"], true);
  // A provider that answers a stream request with one JSON answer.
  http_.Answer(200, Answer("一次性回答"));
  tokens.clear();
  r = Run([&](std::string_view t) { tokens.emplace_back(t); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(tokens, (std::vector<std::string>{"一次性回答"}));
}

TEST_F(ProviderTest, TriesOnceMoreOnlyBeforeAnyToken) {
  http_.Answer(503, R"({"error":{"message":"overloaded"}})");
  http_.Answer(200, Answer("ok"));
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  // Cut after a token: the customer saw part of it; no second attempt.
  http_.Fail(Status::Unavailable("closed before the response was complete"), {Chunk("部分")});
  http_.Answer(200, Answer("never sent"));
  std::string seen;
  r = Run([&](std::string_view t) { seen += t; });
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(seen, "部分");
  EXPECT_EQ(http_.replies.size(), 1u);
  http_.replies.clear();
  // A refused request is not tried again.
  http_.Answer(401, R"({"error":{"message":"invalid api key"}})");
  http_.Answer(200, Answer("never sent"));
  r = Run();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("invalid api key"), std::string::npos);
  http_.replies.clear();
}

TEST_F(ProviderTest, MalformedAnswersAreErrors) {
  http_.Answer(200, "{\"choices\": [");
  EXPECT_EQ(Run().status().code(), Code::kInvalidJson);
  http_.Stream({Chunk("好"), "data: {broken\n\n"});
  EXPECT_EQ(Run([](std::string_view) {}).status().code(), Code::kInvalidJson);
}

TEST_F(ProviderTest, NoTimeLeftMeansNoCall) {
  auto r = Run(nullptr, 0);
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded);
  EXPECT_TRUE(http_.seen.empty());
}

TEST_F(ProviderTest, TheCircuitOpensAndClosesAgain) {
  for (int i = 0; i < 3; ++i) http_.Fail(Status::Unavailable("refused"));
  // max_attempts 2: the first call fails twice, the second once more: open.
  EXPECT_EQ(Run().status().code(), Code::kUnavailable);
  EXPECT_EQ(Run().status().code(), Code::kUnavailable);
  EXPECT_EQ(provider_.circuit_state(), CircuitBreaker::State::kOpen);
  const size_t sent = http_.seen.size();
  auto r = Run();
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("circuit"), std::string::npos);
  EXPECT_EQ(http_.seen.size(), sent);  // failed at once, nothing sent
  clock_.Advance(1000);
  http_.Answer(200, Answer("back"));
  r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(provider_.circuit_state(), CircuitBreaker::State::kClosed);
  EXPECT_EQ(provider_.UsageByTenant()[7].failures, 3);
}

}  // namespace
}  // namespace kefu::llm
