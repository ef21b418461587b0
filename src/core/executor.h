// Where asynchronous work runs, injected so that layers below the server do
// not depend on Asio (and tests can run work inline).
#pragma once

#include <cstdint>
#include <functional>

namespace kefu {

// Thread-safe.
class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `f` soon on some worker thread.
  virtual void Post(std::function<void()> f) = 0;
  // Runs `f` after `millis` milliseconds.
  virtual void PostAfter(int64_t millis, std::function<void()> f) = 0;
  // Runs `f` after every earlier task posted with the same key has run, one
  // at a time (a strand per key; used per conversation).
  virtual void PostOrdered(uint64_t key, std::function<void()> f) = 0;
};

}  // namespace kefu
