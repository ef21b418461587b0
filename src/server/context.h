// What request handlers and sessions share: the subsystems and the limits.
// Owned by Server; lives until every session has ended.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bus/bus.h"
#include "conversation/conversation_service.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "handoff/handoff_service.h"
#include "server/login_limiter.h"
#include "store/store.h"

namespace kefu::server {

// How long a sign-in lasts (serve --session-lifetime-ms): a working day.
inline constexpr int64_t kSessionLifetimeMs = 12LL * 3600 * 1000;

struct Limits {
  size_t max_body = 1 << 20;         // HTTP request body bytes
  size_t max_upload = 10 << 20;      // upload body bytes
  size_t max_frame = 64 << 10;       // WebSocket message bytes
  int idle_timeout_s = 60;           // no frame/request for this long: close
  int read_timeout_s = 30;           // one request must arrive within this
  int max_unacked = 64;              // per widget connection
  int busy_retry_after_ms = 500;     // hint sent with busy
  size_t max_text_chars = 4000;      // per message
};

// Live connections and how to ask each to close (graceful shutdown).
// Thread-safe. A closer must only post work to its connection's executor.
class ConnectionRegistry {
 public:
  void Add(uint64_t id, std::function<void()> closer) {
    std::lock_guard lock(mu_);
    closers_[id] = std::move(closer);
  }
  void Remove(uint64_t id) {
    std::lock_guard lock(mu_);
    closers_.erase(id);
  }
  void CloseAll() {
    std::unordered_map<uint64_t, std::function<void()>> copy;
    {
      std::lock_guard lock(mu_);
      copy = closers_;
    }
    for (auto& [id, close] : copy) close();
  }
  size_t Count() const {
    std::lock_guard lock(mu_);
    return closers_.size();
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::function<void()>> closers_;
};

struct Context {
  store::Store* store = nullptr;
  bus::Bus* bus = nullptr;
  conversation::ConversationService* conversations = nullptr;
  conversation::Responder* responder = nullptr;  // null: nobody answers
  handoff::HandoffService* handoff = nullptr;
  metrics::Registry* metrics = nullptr;
  Clock* clock = nullptr;
  LoginLimiter* login_limiter = nullptr;  // null: sign-ins are not limited
  int64_t session_lifetime_ms = kSessionLifetimeMs;
  store::FaultInjector* faults = nullptr;  // null unless fault injection is enabled
  std::string data_dir;
  std::string static_dir;                  // served at / when non-empty
  std::string console_dir;                 // the agent console, served at /console/
  Limits limits;
  size_t store_max_queue = 20000;          // the store's queue bound, for /readyz
  std::atomic<bool> draining{false};       // shutting down: refuse new work
  ConnectionRegistry connections;
  std::atomic<uint64_t> next_connection_id{0};
};

}  // namespace kefu::server
