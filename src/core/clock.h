// Injected time, so time-dependent logic is tested without sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace kefu {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch (stored in rows).
  virtual int64_t NowMillis() const = 0;
  // The process-wide real clock. Never null.
  static Clock* Real();
};

// A clock tests set by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_millis = 1'700'000'000'000)
      : now_(start_millis) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t millis) { now_ += millis; }
  void Set(int64_t millis) { now_ = millis; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace kefu
