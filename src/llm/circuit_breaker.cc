#include "llm/circuit_breaker.h"

namespace kefu::llm {

const char* CircuitStateName(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::kClosed: return "closed";
    case CircuitBreaker::State::kOpen: return "open";
    case CircuitBreaker::State::kHalfOpen: return "half_open";
  }
  return "closed";
}

CircuitBreaker::State CircuitBreaker::state(int64_t now_ms) const {
  if (state_ == State::kOpen && now_ms - opened_at_ms_ >= options_.open_ms) return State::kHalfOpen;
  return state_;
}

bool CircuitBreaker::Allow(int64_t now_ms) {
  if (state_ == State::kOpen && now_ms - opened_at_ms_ >= options_.open_ms) {
    state_ = State::kHalfOpen;
    probes_ok_ = 0;
    probe_out_ = false;
  }
  switch (state_) {
    case State::kClosed: return true;
    case State::kOpen: return false;
    case State::kHalfOpen:
      if (probe_out_) return false;
      probe_out_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::Succeeded(int64_t now_ms) {
  (void)now_ms;
  if (state_ == State::kHalfOpen) {
    probe_out_ = false;
    if (++probes_ok_ >= options_.probes_to_close) {
      state_ = State::kClosed;
      failures_ = 0;
    }
    return;
  }
  failures_ = 0;
}

void CircuitBreaker::Failed(int64_t now_ms) {
  if (state_ == State::kHalfOpen) {
    probe_out_ = false;
    state_ = State::kOpen;
    opened_at_ms_ = now_ms;
    return;
  }
  if (state_ == State::kClosed && ++failures_ >= options_.failures_to_open) {
    state_ = State::kOpen;
    opened_at_ms_ = now_ms;
  }
}

}  // namespace kefu::llm
