#include "server/login_limiter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace kefu::server {
namespace {

// Emails compare without case: "Ann@Shop.example" is the same person.
std::string EmailKey(std::string_view email) {
  std::string key(email);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

}  // namespace

LoginLimiter::LoginLimiter(Clock* clock, LoginLimits limits) : clock_(clock), limits_(limits) {}

int64_t LoginLimiter::LockedFor(const Table& t, const std::string& key, int64_t now) const {
  auto it = t.entries.find(key);
  if (it == t.entries.end() || it->second.locked_until <= now) return 0;
  return it->second.locked_until - now;
}

int64_t LoginLimiter::RetryAfterMs(std::string_view email, std::string_view ip) {
  const int64_t now = clock_->NowMillis();
  std::lock_guard lock(mu_);
  int64_t wait = LockedFor(emails_, EmailKey(email), now);
  if (!ip.empty()) wait = std::max(wait, LockedFor(ips_, std::string(ip), now));
  return wait;
}

void LoginLimiter::Fail(Table& t, const std::string& key, int max_failures, const char* what,
                        int64_t now) {
  auto it = t.entries.find(key);
  if (it == t.entries.end()) {
    if (limits_.max_entries == 0) return;
    if (t.entries.size() >= limits_.max_entries) {
      t.entries.erase(t.order.front());
      t.order.pop_front();
    }
    t.order.push_back(key);
    it = t.entries.emplace(key, Entry{0, now, 0, std::prev(t.order.end())}).first;
  } else {
    t.order.splice(t.order.end(), t.order, it->second.order);
  }
  Entry& e = it->second;
  if (e.locked_until > now) return;  // refused attempts do not lengthen a lockout
  if (e.locked_until != 0 || now - e.first_at >= limits_.window_ms) {
    e.failures = 0;
    e.first_at = now;
    e.locked_until = 0;
  }
  if (++e.failures < max_failures) return;
  e.locked_until = now + limits_.window_ms;
  spdlog::warn("login: {} {} locked for {} s after {} failed sign-ins within {} s", what, key,
               limits_.window_ms / 1000, e.failures, limits_.window_ms / 1000);
}

void LoginLimiter::RecordFailure(std::string_view email, std::string_view ip) {
  const int64_t now = clock_->NowMillis();
  std::lock_guard lock(mu_);
  Fail(emails_, EmailKey(email), limits_.max_failures_per_email, "email", now);
  if (!ip.empty()) Fail(ips_, std::string(ip), limits_.max_failures_per_ip, "client", now);
}

void LoginLimiter::RecordSuccess(std::string_view email) {
  std::lock_guard lock(mu_);
  auto it = emails_.entries.find(EmailKey(email));
  if (it == emails_.entries.end()) return;
  emails_.order.erase(it->second.order);
  emails_.entries.erase(it);
}

size_t LoginLimiter::TrackedForTesting() const {
  std::lock_guard lock(mu_);
  return emails_.entries.size() + ips_.entries.size();
}

}  // namespace kefu::server
