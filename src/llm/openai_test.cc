#include "llm/openai.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "llm/circuit_breaker.h"

namespace kefu::llm {
namespace {

ProviderConfig Config() { return {"http://127.0.0.1:9/v1/", "qwen-plus", "sk-test", "bge-m3"}; }

TEST(OpenAiTest, BuildsAChatRequest) {
  ChatRequest c;
  c.messages = {{"system", "只根据资料回答"}, {"user", "运费多少？"}};
  c.stream = true;
  HttpRequest r = BuildChatRequest(Config(), c, 4000);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:9/v1/chat/completions");
  EXPECT_EQ(r.timeout_ms, 4000);
  bool auth = false, sse = false;
  for (const auto& [k, v] : r.headers) {
    auth = auth || (k == "Authorization" && v == "Bearer sk-test");
    sse = sse || (k == "Accept" && v == "text/event-stream");
  }
  EXPECT_TRUE(auth);
  EXPECT_TRUE(sse);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["model"], "qwen-plus");
  EXPECT_EQ(body["messages"][1]["content"], "运费多少？");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  // No key (a local Ollama): no Authorization header.
  ProviderConfig local = Config();
  local.api_key.clear();
  for (const auto& [k, v] : BuildChatRequest(local, c, 1).headers) EXPECT_NE(k, "Authorization");
}

TEST(OpenAiTest, ParsesAnAnswerAndItsErrors) {
  auto r = ParseChatResponse(200, R"({"choices":[{"message":{"role":"assistant","content":"满99元包邮 [1]。"},"finish_reason":"stop"}],"usage":{"prompt_tokens":120,"completion_tokens":9}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "满99元包邮 [1]。");
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->usage.prompt_tokens, 120);
  EXPECT_EQ(r->usage.completion_tokens, 9);

  auto busy = ParseChatResponse(503, R"({"error":{"message":"overloaded"}})");
  EXPECT_EQ(busy.status().code(), Code::kUnavailable);
  EXPECT_NE(busy.status().message().find("overloaded"), std::string::npos);
  EXPECT_EQ(ParseChatResponse(429, "").status().code(), Code::kUnavailable);
  EXPECT_EQ(ParseChatResponse(401, R"({"error":"bad key"})").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseChatResponse(200, "{\"choices\":[").status().code(), Code::kInvalidJson);
  EXPECT_EQ(ParseChatResponse(200, R"({"choices":[]})").status().code(),
            Code::kInvalidJson);
  EXPECT_EQ(ParseChatResponse(200, R"({"choices":[{"message":{"content":7}}]})").status().code(),
            Code::kInvalidJson);
}

TEST(OpenAiTest, ReadsAStreamInAnyChunks) {
  const std::string stream =
      ": keep-alive\r\n\r\n"
      "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"满99\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"元包邮\"},\"finish_reason\":null}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":4}}\n\n"
      "data: [DONE]\n\n";
  for (size_t step : {stream.size(), size_t{1}, size_t{7}}) {
    SseParser p;
    std::string text, finish;
    int64_t completion = 0;
    bool done = false;
    for (size_t at = 0; at < stream.size(); at += step) {
      p.Feed(std::string_view(stream).substr(at, step), [&](std::string_view data) {
        auto d = ParseStreamData(data);
        ASSERT_TRUE(d.ok()) << d.status().ToString() << " in " << data;
        text += d->text;
        if (!d->finish_reason.empty()) finish = d->finish_reason;
        if (d->usage) completion = d->usage->completion_tokens;
        done = done || d->done;
      });
    }
    EXPECT_EQ(text, "满99元包邮") << step;
    EXPECT_EQ(finish, "stop");
    EXPECT_EQ(completion, 4);
    EXPECT_TRUE(done);
  }
  EXPECT_EQ(ParseStreamData("{not json").status().code(), Code::kInvalidJson);
  EXPECT_EQ(ParseStreamData(R"({"error":{"message":"quota"}})").status().code(),
            Code::kInvalidArgument);
}

TEST(OpenAiTest, Embeddings) {
  HttpRequest r = BuildEmbeddingsRequest(Config(), {"a", "b"}, 2000);
  EXPECT_EQ(r.url, "http://127.0.0.1:9/v1/embeddings");
  EXPECT_EQ(Json::parse(r.body)["model"], "bge-m3");
  auto v = ParseEmbeddingsResponse(
      200, R"({"data":[{"index":1,"embedding":[0.5,1]},{"index":0,"embedding":[2,3]}]})", 2);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)[0], (std::vector<float>{2, 3}));
  EXPECT_EQ((*v)[1], (std::vector<float>{0.5, 1}));
  EXPECT_FALSE(ParseEmbeddingsResponse(200, R"({"data":[{"index":0,"embedding":[1]}]})", 2).ok());
  EXPECT_FALSE(ParseEmbeddingsResponse(200, R"({"data":[{"index":5,"embedding":[1]}]})", 1).ok());
}

TEST(CircuitBreakerTest, OpensAfterFailuresAndClosesAfterProbes) {
  CircuitBreaker b({3, 1000, 2});
  EXPECT_TRUE(b.Allow(0));
  b.Failed(0);
  b.Failed(1);
  b.Succeeded(2);  // a success resets the streak
  b.Failed(3);
  b.Failed(4);
  EXPECT_EQ(b.state(4), CircuitBreaker::State::kClosed);
  b.Failed(5);
  EXPECT_EQ(b.state(5), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(b.Allow(500));
  // Half open after 1 s: one probe at a time.
  EXPECT_EQ(b.state(1005), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(b.Allow(1005));
  EXPECT_FALSE(b.Allow(1006));
  b.Failed(1010);  // a failed probe opens it again
  EXPECT_FALSE(b.Allow(1500));
  EXPECT_TRUE(b.Allow(2010));
  b.Succeeded(2020);
  EXPECT_EQ(b.state(2020), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(b.Allow(2021));
  b.Succeeded(2030);
  EXPECT_EQ(b.state(2030), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(b.Allow(2031));
  EXPECT_TRUE(b.Allow(2032));
}

}  // namespace
}  // namespace kefu::llm
