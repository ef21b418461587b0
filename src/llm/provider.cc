#include "llm/provider.h"

namespace kefu::llm {

struct Provider::Call {
  int64_t tenant_id = 0;
  ChatRequest request;
  int64_t deadline_ms = 0;
  int64_t started_ms = 0;
  TokenCallback on_token;
  CompletionCallback done;
  int attempts = 0;
  // The attempt under way (its stream's callbacks never overlap).
  SseParser parser;
  std::string text;
  std::string finish_reason;
  Usage usage;
  int events = 0;
  bool got_token = false;
  Status stream_error;
};

Provider::Provider(ProviderConfig config, HttpClient* http, Clock* clock, ProviderOptions options)
    : config_(std::move(config)),
      http_(http),
      clock_(clock),
      options_(options),
      circuit_(options.circuit) {}

bool Provider::AllowCall() {
  std::lock_guard lock(mu_);
  return circuit_.Allow(clock_->NowMillis());
}

void Provider::Report(bool ok) {
  std::lock_guard lock(mu_);
  if (ok) {
    circuit_.Succeeded(clock_->NowMillis());
  } else {
    circuit_.Failed(clock_->NowMillis());
  }
}

CircuitBreaker::State Provider::circuit_state() const {
  std::lock_guard lock(mu_);
  return circuit_.state(clock_->NowMillis());
}

std::map<int64_t, ProviderUsage> Provider::UsageByTenant() const {
  std::lock_guard lock(mu_);
  return usage_;
}

void Provider::Complete(int64_t tenant_id, ChatRequest request, int64_t deadline_ms,
                        TokenCallback on_token, CompletionCallback done) {
  auto call = std::make_shared<Call>();
  call->tenant_id = tenant_id;
  call->request = std::move(request);
  call->request.stream = static_cast<bool>(on_token);
  call->deadline_ms = deadline_ms;
  call->started_ms = clock_->NowMillis();
  call->on_token = std::move(on_token);
  call->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    ++usage_[tenant_id].calls;
  }
  Attempt(std::move(call));
}

void Provider::Finish(const std::shared_ptr<Call>& call, Result<Completion> r) {
  {
    std::lock_guard lock(mu_);
    ProviderUsage& u = usage_[call->tenant_id];
    if (r.ok()) {
      u.prompt_tokens += r->usage.prompt_tokens;
      u.completion_tokens += r->usage.completion_tokens;
      u.latency_ms_total += r->latency_ms;
    } else {
      ++u.failures;
    }
  }
  CompletionCallback done = std::move(call->done);
  done(std::move(r));
}

void Provider::Attempt(std::shared_ptr<Call> call) {
  const int64_t left = call->deadline_ms - clock_->NowMillis();
  if (left <= 0) {
    Finish(call, Status::DeadlineExceeded("no time left for the language model"));
    return;
  }
  if (!AllowCall()) {
    Finish(call, Status::Unavailable("the language model's circuit is open after repeated failures"));
    return;
  }
  ++call->attempts;
  call->parser = SseParser();
  call->text.clear();
  call->finish_reason.clear();
  call->usage = Usage();
  call->events = 0;
  call->stream_error = Status::Ok();
  HttpRequest req = BuildChatRequest(config_, call->request, left);
  if (call->request.stream) {
    req.on_body = [call](std::string_view piece) {
      call->parser.Feed(piece, [&](std::string_view data) {
        ++call->events;
        auto d = ParseStreamData(data);
        if (!d.ok()) {
          if (call->stream_error.ok()) call->stream_error = d.status();
          return;
        }
        if (!d->finish_reason.empty()) call->finish_reason = d->finish_reason;
        if (d->usage) call->usage = *d->usage;
        if (!d->text.empty() && call->stream_error.ok()) {
          call->text += d->text;
          call->got_token = true;
          call->on_token(d->text);
        }
      });
    };
  }
  http_->Send(std::move(req), [this, call](Result<HttpResponse> res) {
    Status failed = res.status();
    Result<Completion> out = Status::Internal("unset");
    if (failed.ok()) {
      const HttpResponse& r = *res;
      if (r.status < 200 || r.status > 299) {
        failed = ParseChatResponse(r.status, r.body).status();
      } else if (call->request.stream && call->events > 0) {
        if (!call->stream_error.ok()) {
          failed = call->stream_error;
        } else {
          Completion c;
          c.text = call->text;
          c.finish_reason = call->finish_reason;
          c.usage = call->usage;
          out = std::move(c);
        }
      } else {
        // Not streamed, or a provider that answered a stream request with
        // one JSON answer.
        auto parsed = ParseChatResponse(r.status, r.body);
        if (!parsed.ok()) {
          failed = parsed.status();
        } else {
          Completion c;
          c.text = parsed->text;
          c.finish_reason = parsed->finish_reason;
          c.usage = parsed->usage;
          if (call->on_token && !c.text.empty()) call->on_token(c.text);
          out = std::move(c);
        }
      }
    }
    if (failed.ok()) {
      Report(true);
      out->attempts = call->attempts;
      out->latency_ms = clock_->NowMillis() - call->started_ms;
      Finish(call, std::move(out));
      return;
    }
    // A refused request is the request's fault, not the endpoint's health.
    if (failed.code() != Code::kInvalidArgument) Report(false);
    const bool again = failed.code() == Code::kUnavailable && !call->got_token &&
                       call->attempts < options_.max_attempts &&
                       call->deadline_ms - clock_->NowMillis() >= options_.min_attempt_ms;
    if (again) {
      Attempt(call);
      return;
    }
    Finish(call, failed);
  });
}

void Provider::Embed(int64_t tenant_id, std::vector<std::string> inputs, int64_t deadline_ms,
                     EmbeddingsCallback done) {
  if (config_.embedding_model.empty()) {
    done(Status::InvalidArgument("no embedding model is configured"));
    return;
  }
  const int64_t left = deadline_ms - clock_->NowMillis();
  if (left <= 0) {
    done(Status::DeadlineExceeded("no time left for embeddings"));
    return;
  }
  if (!AllowCall()) {
    done(Status::Unavailable("the language model's circuit is open after repeated failures"));
    return;
  }
  {
    std::lock_guard lock(mu_);
    ++usage_[tenant_id].calls;
  }
  const size_t n = inputs.size();
  http_->Send(BuildEmbeddingsRequest(config_, inputs, left),
              [this, tenant_id, n, done = std::move(done)](Result<HttpResponse> res) {
                Result<std::vector<std::vector<float>>> out =
                    res.ok() ? ParseEmbeddingsResponse(res->status, res->body, n)
                             : Result<std::vector<std::vector<float>>>(res.status());
                if (out.ok() || out.status().code() != Code::kInvalidArgument) Report(out.ok());
                if (!out.ok()) {
                  std::lock_guard lock(mu_);
                  ++usage_[tenant_id].failures;
                }
                done(std::move(out));
              });
}

}  // namespace kefu::llm
