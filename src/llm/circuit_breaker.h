// A circuit breaker per provider endpoint: after `failures_to_open` failures
// in a row the circuit opens and calls fail at once (the customer gets the
// knowledge base's answer without waiting for a dead provider); after
// `open_ms` one probe is let through (half open); `probes_to_close` probes
// in a row that succeed close it again, a failed probe opens it for another
// `open_ms`.
//
// A pure value with the clock injected (times are arguments).
// Thread-safety: thread-compatible; the provider guards it.
#pragma once

#include <cstdint>

namespace kefu::llm {

struct CircuitOptions {
  int failures_to_open = 5;
  int64_t open_ms = 30000;
  int probes_to_close = 2;
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(CircuitOptions options = {}) : options_(options) {}

  // May a call start now? In the half-open state one call at a time (the
  // probe) is allowed; the answer is true for it and false for the others
  // until it reports.
  bool Allow(int64_t now_ms);
  void Succeeded(int64_t now_ms);
  void Failed(int64_t now_ms);

  State state(int64_t now_ms) const;
  int64_t opened_at_ms() const { return opened_at_ms_; }

 private:
  CircuitOptions options_;
  State state_ = State::kClosed;
  int failures_ = 0;        // in a row, while closed
  int probes_ok_ = 0;       // in a row, while half open
  bool probe_out_ = false;  // a half-open probe is under way
  int64_t opened_at_ms_ = 0;
};

// "closed", "open", "half_open".
const char* CircuitStateName(CircuitBreaker::State s);

}  // namespace kefu::llm
