// For tests: an Executor whose work runs only when the test says so, on the
// test's thread, in the order it was posted (PostAfter ignores the delay),
// so a test controls exactly when asynchronous work happens.
#pragma once

#include <functional>
#include <mutex>
#include <queue>

#include "core/executor.h"

namespace kefu {

class ManualExecutor final : public Executor {
 public:
  void Post(std::function<void()> f) override { Push(std::move(f)); }
  void PostAfter(int64_t, std::function<void()> f) override { Push(std::move(f)); }
  void PostOrdered(uint64_t, std::function<void()> f) override { Push(std::move(f)); }
  // Forgets every task not run yet.
  void Discard() {
    std::lock_guard lock(mu_);
    tasks_ = {};
  }
  // Runs the oldest task; false when there was none.
  bool RunOne() {
    std::function<void()> f;
    {
      std::lock_guard lock(mu_);
      if (tasks_.empty()) return false;
      f = std::move(tasks_.front());
      tasks_.pop();
    }
    f();
    return true;
  }
  // Runs tasks until none is left.
  void Drain() {
    while (RunOne()) {
    }
  }

 private:
  void Push(std::function<void()> f) {
    std::lock_guard lock(mu_);
    tasks_.push(std::move(f));
  }
  std::mutex mu_;
  std::queue<std::function<void()>> tasks_;
};

}  // namespace kefu
