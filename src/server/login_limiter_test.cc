#include "server/login_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace kefu::server {
namespace {

constexpr int64_t kMinute = 60 * 1000;

class LoginLimiterTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  LoginLimiter limiter_{&clock_};

  void FailTimes(int n, const std::string& email, const std::string& ip = "10.0.0.1") {
    for (int i = 0; i < n; ++i) limiter_.RecordFailure(email, ip);
  }
};

TEST_F(LoginLimiterTest, FiveFailuresOfAnEmailLockItForTheWindow) {
  FailTimes(4, "ann@shop.example");
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 0) << "four are allowed";
  limiter_.RecordFailure("ann@shop.example", "10.0.0.1");
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 15 * kMinute);
  // From another client too: the email is locked, not the pair.
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.9.9.9"), 15 * kMinute);
  // Case does not make another email.
  EXPECT_EQ(limiter_.RetryAfterMs("ANN@Shop.Example", ""), 15 * kMinute);
  // Other emails from the same client are not locked (5 < 20).
  EXPECT_EQ(limiter_.RetryAfterMs("bob@shop.example", "10.0.0.1"), 0);

  clock_.Advance(14 * kMinute);
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 1 * kMinute);
  clock_.Advance(1 * kMinute);
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 0) << "the window passed";
  // After the lockout the count starts again.
  FailTimes(4, "ann@shop.example");
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 0);
  limiter_.RecordFailure("ann@shop.example", "10.0.0.1");
  EXPECT_GT(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 0);
}

TEST_F(LoginLimiterTest, RefusedAttemptsDoNotLengthenTheLockout) {
  FailTimes(5, "ann@shop.example");
  clock_.Advance(10 * kMinute);
  FailTimes(3, "ann@shop.example");  // e.g. racing requests that were already past the check
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", ""), 5 * kMinute);
}

TEST_F(LoginLimiterTest, FailuresOlderThanTheWindowAreForgotten) {
  FailTimes(4, "ann@shop.example");
  clock_.Advance(15 * kMinute);
  limiter_.RecordFailure("ann@shop.example", "10.0.0.1");
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 0)
      << "four old failures and one new are not five in 15 minutes";
}

TEST_F(LoginLimiterTest, ASuccessClearsTheEmailsFailures) {
  FailTimes(4, "ann@shop.example");
  limiter_.RecordSuccess("Ann@shop.example");
  FailTimes(4, "ann@shop.example");
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 0);
  limiter_.RecordFailure("ann@shop.example", "10.0.0.1");
  EXPECT_EQ(limiter_.RetryAfterMs("ann@shop.example", "10.0.0.1"), 15 * kMinute);
}

TEST_F(LoginLimiterTest, TwentyFailuresFromOneClientLockTheClient) {
  for (int i = 0; i < 19; ++i)
    limiter_.RecordFailure("u" + std::to_string(i) + "@x.example", "10.0.0.7");
  EXPECT_EQ(limiter_.RetryAfterMs("new@x.example", "10.0.0.7"), 0);
  limiter_.RecordFailure("u19@x.example", "10.0.0.7");
  EXPECT_EQ(limiter_.RetryAfterMs("new@x.example", "10.0.0.7"), 15 * kMinute)
      << "any email from that client";
  EXPECT_EQ(limiter_.RetryAfterMs("new@x.example", "10.0.0.8"), 0) << "another client";
  // A success does not unlock the client.
  limiter_.RecordSuccess("new@x.example");
  EXPECT_EQ(limiter_.RetryAfterMs("new@x.example", "10.0.0.7"), 15 * kMinute);
  clock_.Advance(15 * kMinute);
  EXPECT_EQ(limiter_.RetryAfterMs("new@x.example", "10.0.0.7"), 0);
}

TEST(LoginLimiter, TablesAreBoundedAndEvictTheOldest) {
  ManualClock clock;
  LoginLimits limits;
  limits.max_entries = 3;
  LoginLimiter limiter(&clock, limits);
  for (int i = 0; i < 5; ++i) limiter.RecordFailure("a@x.example", "");  // locked
  clock.Advance(1);
  limiter.RecordFailure("b@x.example", "");
  clock.Advance(1);
  limiter.RecordFailure("c@x.example", "");
  EXPECT_EQ(limiter.TrackedForTesting(), 3u);
  EXPECT_GT(limiter.RetryAfterMs("a@x.example", ""), 0);
  // Touching b makes a the oldest; d evicts it.
  limiter.RecordFailure("b@x.example", "");
  limiter.RecordFailure("d@x.example", "");
  EXPECT_EQ(limiter.TrackedForTesting(), 3u);
  EXPECT_EQ(limiter.RetryAfterMs("a@x.example", ""), 0) << "a was the oldest and was evicted";
  // A flood of made-up emails from many clients keeps both tables at the bound.
  for (int i = 0; i < 1000; ++i) {
    limiter.RecordFailure("flood" + std::to_string(i) + "@x.example",
                          "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  }
  EXPECT_EQ(limiter.TrackedForTesting(), 6u);
}

}  // namespace
}  // namespace kefu::server
