// Failed sign-ins (POST /api/v1/login), counted per e-mail address — over
// every tenant — and per client address, so that passwords cannot be
// guessed at speed. After `max_failures_per_email` failures of one address
// within `window_ms` (or `max_failures_per_ip` from one client address)
// that email (that client) is locked for `window_ms` from the failure that
// reached the limit: every attempt is refused, the right password included.
// A successful sign-in forgets the email's failures (not the client's).
//
// In memory, per process: a restart forgets everything, which costs an
// attacker a restart for 5 more guesses. Each table holds at most
// `max_entries` keys; a new key beyond that evicts the one touched longest
// ago, so a flood of made-up emails cannot grow it without bound.
//
// Thread-safe (one mutex). The clock is borrowed and must outlive it.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace kefu::server {

struct LoginLimits {
  int max_failures_per_email = 5;
  int max_failures_per_ip = 20;
  int64_t window_ms = 15 * 60 * 1000;
  size_t max_entries = 10000;  // per table (emails, client addresses)
};

class LoginLimiter {
 public:
  explicit LoginLimiter(Clock* clock, LoginLimits limits = {});

  // 0 when a sign-in of `email` from `ip` may be tried now, else how many
  // milliseconds until it may. An empty `ip` is not limited by address.
  int64_t RetryAfterMs(std::string_view email, std::string_view ip);
  // A wrong email or password. Logs (warn) each lockout it causes.
  void RecordFailure(std::string_view email, std::string_view ip);
  // A successful sign-in: the email starts again from no failures.
  void RecordSuccess(std::string_view email);

  const LoginLimits& limits() const { return limits_; }
  // Keys held now (emails + client addresses).
  size_t TrackedForTesting() const;

 private:
  struct Entry {
    int failures = 0;
    int64_t first_at = 0;      // the first failure of the current window
    int64_t locked_until = 0;  // 0: not locked
    std::list<std::string>::iterator order;
  };
  // One table: key → entry, with the keys from least to most recently touched.
  struct Table {
    std::unordered_map<std::string, Entry> entries;
    std::list<std::string> order;
  };

  // ms until `key` of `t` is unlocked, 0 when it is not locked.
  int64_t LockedFor(const Table& t, const std::string& key, int64_t now) const;
  void Fail(Table& t, const std::string& key, int max_failures, const char* what, int64_t now);

  Clock* clock_;
  const LoginLimits limits_;
  mutable std::mutex mu_;
  Table emails_;  // guarded by mu_
  Table ips_;     // guarded by mu_
};

}  // namespace kefu::server
