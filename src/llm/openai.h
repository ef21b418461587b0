// The OpenAI-compatible wire format (chat completions, their server-sent
// event stream, embeddings), which DeepSeek, Qwen (DashScope's compatible
// mode), vLLM, Ollama and llama.cpp's server all speak. Pure functions from
// values to HTTP requests and from response bytes to values, so every
// provider's quirks are unit-tested without a network; the provider
// (provider.h) sends them through the injected HttpClient.
//
// Thread-safety: functions are thread-safe; an SseParser belongs to one
// response.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_client.h"
#include "core/status.h"

namespace kefu::llm {

// Where and how to reach a provider. `base_url` ends where the API's paths
// begin: "http://127.0.0.1:11434/v1" (Ollama), "https://api.deepseek.com/v1".
struct ProviderConfig {
  std::string base_url;
  std::string model;            // "deepseek-chat", "qwen-plus", "llama3.1:8b"
  std::string api_key;          // sent as a bearer token when not empty
  std::string embedding_model;  // empty: no embeddings
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  double temperature = 0.2;
  int max_tokens = 512;
  bool stream = false;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

struct ChatResponse {
  std::string text;
  std::string finish_reason;  // "stop", "length", ...
  Usage usage;
};

// POST {base_url}/chat/completions.
HttpRequest BuildChatRequest(const ProviderConfig& config, const ChatRequest& request,
                             int64_t timeout_ms);

// The answer of a chat completion (not streamed).
// Errors: Unavailable for 429 and 5xx (worth another try or another time),
// InvalidArgument for other non-2xx statuses (the request or the key is
// wrong: trying again will not help), InvalidJson for a body that is not the
// API's JSON (with what is missing).
Result<ChatResponse> ParseChatResponse(int status, std::string_view body);

// Server-sent events (text/event-stream): feed the body as it arrives, in
// chunks of any size; each complete event's data (its "data:" lines joined
// by '\n') is passed to `on_data`. Comments and other fields are skipped.
class SseParser {
 public:
  void Feed(std::string_view chunk, const std::function<void(std::string_view data)>& on_data);

 private:
  std::string line_;   // a line not yet ended
  std::string data_;   // the event being read
  bool has_data_ = false;
};

// One streamed chunk's data: the text it adds (possibly empty), the finish
// reason when it carries one, and usage when the provider sends it.
struct StreamDelta {
  std::string text;
  std::string finish_reason;
  std::optional<Usage> usage;
  bool done = false;  // "[DONE]": the stream is over
};
// Errors: InvalidJson (with what is wrong), InvalidArgument for an error
// object sent in the stream.
Result<StreamDelta> ParseStreamData(std::string_view data);

// POST {base_url}/embeddings for `inputs`, in order.
HttpRequest BuildEmbeddingsRequest(const ProviderConfig& config,
                                   const std::vector<std::string>& inputs, int64_t timeout_ms);
// One vector per input, in the inputs' order (the API's "index").
// Errors: as ParseChatResponse.
Result<std::vector<std::vector<float>>> ParseEmbeddingsResponse(int status, std::string_view body,
                                                                size_t inputs);

}  // namespace kefu::llm
