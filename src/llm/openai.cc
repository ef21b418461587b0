#include "llm/openai.h"

#include "core/json.h"

namespace kefu::llm {
namespace {

std::string Endpoint(const ProviderConfig& config, std::string_view path) {
  std::string url = config.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(path);
}

HttpRequest JsonPost(const ProviderConfig& config, std::string_view path, const Json& body,
                     int64_t timeout_ms) {
  HttpRequest r;
  r.method = "POST";
  r.url = Endpoint(config, path);
  r.headers.emplace_back("Content-Type", "application/json");
  if (!config.api_key.empty()) r.headers.emplace_back("Authorization", "Bearer " + config.api_key);
  r.body = DumpJson(body);
  r.timeout_ms = timeout_ms;
  r.max_response_bytes = 8 << 20;
  return r;
}

// The provider's own words for a failed request, if its body says.
std::string ErrorMessage(int status, std::string_view body) {
  std::string what = "provider answered HTTP " + std::to_string(status);
  auto j = ParseJsonObject(body);
  if (j.ok() && j->contains("error")) {
    const Json& e = (*j)["error"];
    if (e.is_object() && e.contains("message") && e["message"].is_string()) {
      what += ": " + e["message"].get<std::string>();
    } else if (e.is_string()) {
      what += ": " + e.get<std::string>();
    }
  }
  return what;
}

Status StatusError(int status, std::string_view body) {
  if (status == 429 || status >= 500) return Status::Unavailable(ErrorMessage(status, body));
  return Status::InvalidArgument(ErrorMessage(status, body));
}

Usage UsageOf(const Json& j) {
  Usage u;
  if (j.is_object()) {
    if (j.contains("prompt_tokens") && j["prompt_tokens"].is_number_integer())
      u.prompt_tokens = j["prompt_tokens"].get<int64_t>();
    if (j.contains("completion_tokens") && j["completion_tokens"].is_number_integer())
      u.completion_tokens = j["completion_tokens"].get<int64_t>();
  }
  return u;
}

}  // namespace

HttpRequest BuildChatRequest(const ProviderConfig& config, const ChatRequest& request,
                             int64_t timeout_ms) {
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back(Json{{"role", m.role}, {"content", m.content}});
  }
  Json body{{"model", config.model},
            {"messages", std::move(messages)},
            {"temperature", request.temperature},
            {"max_tokens", request.max_tokens},
            {"stream", request.stream}};
  // Ask for usage in the stream's last chunk (OpenAI, vLLM, DeepSeek).
  if (request.stream) body["stream_options"] = Json{{"include_usage", true}};
  HttpRequest r = JsonPost(config, "/chat/completions", body, timeout_ms);
  if (request.stream) r.headers.emplace_back("Accept", "text/event-stream");
  return r;
}

Result<ChatResponse> ParseChatResponse(int status, std::string_view body) {
  if (status < 200 || status > 299) return StatusError(status, body);
  auto j = ParseJsonObject(body);
  if (!j.ok()) return Status::InvalidJson("provider's answer: " + j.status().message());
  const Json& choices = (*j).contains("choices") ? (*j)["choices"] : Json();
  if (!choices.is_array() || choices.empty() || !choices[0].is_object()) {
    return Status::InvalidJson("provider's answer has no choices");
  }
  const Json& c = choices[0];
  if (!c.contains("message") || !c["message"].is_object() || !c["message"].contains("content") ||
      !c["message"]["content"].is_string()) {
    return Status::InvalidJson("provider's answer has no choices[0].message.content");
  }
  ChatResponse r;
  r.text = c["message"]["content"].get<std::string>();
  if (c.contains("finish_reason") && c["finish_reason"].is_string()) {
    r.finish_reason = c["finish_reason"].get<std::string>();
  }
  if ((*j).contains("usage")) r.usage = UsageOf((*j)["usage"]);
  return r;
}

void SseParser::Feed(std::string_view chunk,
                     const std::function<void(std::string_view data)>& on_data) {
  for (char ch : chunk) {
    if (ch != '\n') {
      line_.push_back(ch);
      continue;
    }
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.empty()) {
      // A blank line ends the event.
      if (has_data_) on_data(data_);
      data_.clear();
      has_data_ = false;
    } else if (line_[0] != ':') {
      const size_t colon = line_.find(':');
      std::string_view field = std::string_view(line_).substr(0, colon);
      std::string_view value;
      if (colon != std::string::npos) {
        value = std::string_view(line_).substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
      }
      if (field == "data") {
        if (has_data_) data_.push_back('\n');
        data_.append(value);
        has_data_ = true;
      }
    }
    line_.clear();
  }
}

Result<StreamDelta> ParseStreamData(std::string_view data) {
  StreamDelta d;
  if (data == "[DONE]") {
    d.done = true;
    return d;
  }
  auto j = ParseJsonObject(data);
  if (!j.ok()) return Status::InvalidJson("provider's stream: " + j.status().message());
  if ((*j).contains("error")) return Status::InvalidArgument(ErrorMessage(200, data));
  if ((*j).contains("usage") && (*j)["usage"].is_object()) d.usage = UsageOf((*j)["usage"]);
  const Json& choices = (*j).contains("choices") ? (*j)["choices"] : Json::array();
  if (!choices.is_array()) return Status::InvalidJson("provider's stream: choices is not a list");
  if (choices.empty()) return d;  // the usage chunk
  const Json& c = choices[0];
  if (!c.is_object()) return Status::InvalidJson("provider's stream: choices[0] is not an object");
  if (c.contains("delta") && c["delta"].is_object()) {
    const Json& delta = c["delta"];
    if (delta.contains("content") && delta["content"].is_string()) {
      d.text = delta["content"].get<std::string>();
    }
  } else if (!c.contains("finish_reason")) {
    return Status::InvalidJson("provider's stream: choices[0] has no delta");
  }
  if (c.contains("finish_reason") && c["finish_reason"].is_string()) {
    d.finish_reason = c["finish_reason"].get<std::string>();
  }
  return d;
}

HttpRequest BuildEmbeddingsRequest(const ProviderConfig& config,
                                   const std::vector<std::string>& inputs, int64_t timeout_ms) {
  return JsonPost(config, "/embeddings", Json{{"model", config.embedding_model}, {"input", inputs}},
                  timeout_ms);
}

Result<std::vector<std::vector<float>>> ParseEmbeddingsResponse(int status, std::string_view body,
                                                                size_t inputs) {
  if (status < 200 || status > 299) return StatusError(status, body);
  auto j = ParseJsonObject(body);
  if (!j.ok()) return Status::InvalidJson("provider's embeddings: " + j.status().message());
  if (!(*j).contains("data") || !(*j)["data"].is_array()) {
    return Status::InvalidJson("provider's embeddings have no data list");
  }
  std::vector<std::vector<float>> out(inputs);
  std::vector<bool> seen(inputs, false);
  size_t position = 0;
  for (const Json& item : (*j)["data"]) {
    size_t index = position++;
    if (item.is_object() && item.contains("index") && item["index"].is_number_unsigned()) {
      index = item["index"].get<size_t>();
    }
    if (index >= inputs || seen[index]) {
      return Status::InvalidJson("provider's embeddings: index " + std::to_string(index) +
                                 " is out of range or repeated");
    }
    if (!item.is_object() || !item.contains("embedding") || !item["embedding"].is_array()) {
      return Status::InvalidJson("provider's embeddings: item without an embedding list");
    }
    for (const Json& x : item["embedding"]) {
      if (!x.is_number()) return Status::InvalidJson("provider's embeddings: not a number");
      out[index].push_back(x.get<float>());
    }
    if (out[index].empty()) return Status::InvalidJson("provider's embeddings: an empty vector");
    seen[index] = true;
  }
  for (size_t i = 0; i < inputs; ++i) {
    if (!seen[i]) return Status::InvalidJson("provider's embeddings: input " + std::to_string(i) + " has no vector");
  }
  return out;
}

}  // namespace kefu::llm
