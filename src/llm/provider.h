// Provider: one OpenAI-compatible endpoint (openai.h) behind the injected
// HttpClient, with what production needs around it: a deadline per answer
// that every attempt shares, one more attempt when a failure came before
// any token (a refused connection, 429, 5xx — never after a customer has
// seen part of an answer, never past the deadline), a circuit breaker
// (circuit_breaker.h) that fails calls at once while the endpoint is down,
// streamed tokens handed on as they come, and per-tenant accounting of
// calls, failures, tokens and latency.
//
//   Provider p(config, http_client, clock);
//   p.Complete(tenant, request, clock->NowMillis() + 4000,
//              [](std::string_view token) { ... push to the widget ... },
//              [](Result<Completion> r) { ... check, store, or fall back ... });
//
// Thread-safety: thread-safe. Callbacks run on the HttpClient's threads;
// `on_token` calls of one completion never overlap and come before `done`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/status.h"
#include "llm/circuit_breaker.h"
#include "llm/openai.h"

namespace kefu::llm {

struct ProviderOptions {
  int max_attempts = 2;         // attempts per call while no token was received
  int64_t min_attempt_ms = 200;  // no new attempt with less time left than this
  CircuitOptions circuit;
};

struct Completion {
  std::string text;
  std::string finish_reason;
  Usage usage;
  int attempts = 0;
  int64_t latency_ms = 0;  // from the call to its end
};

// Per tenant, since start-up.
struct ProviderUsage {
  int64_t calls = 0;
  int64_t failures = 0;  // calls that ended in an error (refused by the circuit included)
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t latency_ms_total = 0;  // over successful calls
};

using TokenCallback = std::function<void(std::string_view token)>;
using CompletionCallback = std::function<void(Result<Completion>)>;
using EmbeddingsCallback = std::function<void(Result<std::vector<std::vector<float>>>)>;

class Provider {
 public:
  // `http` and `clock` must outlive the provider.
  Provider(ProviderConfig config, HttpClient* http, Clock* clock, ProviderOptions options = {});

  // A chat completion, streamed when `on_token` is set (request.stream is
  // set accordingly). `deadline_ms` is on the clock. Errors passed to
  // `done`: Unavailable (the circuit is open, the endpoint is unreachable or
  // overloaded), DeadlineExceeded, InvalidArgument (the provider refused the
  // request or sent an error), InvalidJson (an answer that is not the API's).
  void Complete(int64_t tenant_id, ChatRequest request, int64_t deadline_ms,
                TokenCallback on_token, CompletionCallback done);

  // Embeddings of `inputs` (config.embedding_model). Errors: as Complete,
  // and InvalidArgument when no embedding model is configured.
  void Embed(int64_t tenant_id, std::vector<std::string> inputs, int64_t deadline_ms,
             EmbeddingsCallback done);

  std::map<int64_t, ProviderUsage> UsageByTenant() const;
  CircuitBreaker::State circuit_state() const;
  const ProviderConfig& config() const { return config_; }
  int64_t NowMillis() const { return clock_->NowMillis(); }

 private:
  struct Call;
  void Attempt(std::shared_ptr<Call> call);
  void Finish(const std::shared_ptr<Call>& call, Result<Completion> r);
  bool AllowCall();
  void Report(bool ok);

  const ProviderConfig config_;
  HttpClient* const http_;
  Clock* const clock_;
  const ProviderOptions options_;
  mutable std::mutex mu_;
  CircuitBreaker circuit_;                    // guarded by mu_
  std::map<int64_t, ProviderUsage> usage_;    // guarded by mu_
};

}  // namespace kefu::llm
