#include "handoff/routing.h"

#include <gtest/gtest.h>

namespace kefu::handoff {
namespace {

// Unix milliseconds of a UTC wall time.
int64_t Utc(int y, int m, int d, int hh, int mm) {
  return (DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 +
          hh * 3600 + mm * 60) *
         1000;
}

BusinessHours Hours(const std::string& json) {
  auto q = ParseQueues(Json::parse(R"([{"name":"q","business_hours":)" + json + "}]"));
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return q.ok() ? *(*q)[0].hours : BusinessHours{};
}

TEST(BusinessHours, WeekdaysInShanghaiWhichHasNoDst) {
  BusinessHours h = Hours(R"({"time_zone":"Asia/Shanghai",
      "weekly":{"mon":[["09:00","18:00"]],"tue":[["09:00","18:00"]],"wed":[["09:00","18:00"]],
                "thu":[["09:00","18:00"]],"fri":[["09:00","12:00"],["13:00","18:00"]]}})");
  // 2026-12-02 is a Wednesday; Shanghai is UTC+8 all year.
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 2, 0, 59))) << "08:59 local";
  EXPECT_TRUE(IsOpen(h, Utc(2026, 12, 2, 1, 0))) << "09:00 local: the start is in";
  EXPECT_TRUE(IsOpen(h, Utc(2026, 12, 2, 9, 59))) << "17:59 local";
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 2, 10, 0))) << "18:00 local: the end is out";
  // Friday 2026-12-04: the lunch break.
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 4, 4, 30))) << "12:30 local";
  EXPECT_TRUE(IsOpen(h, Utc(2026, 12, 4, 5, 0))) << "13:00 local";
  // The weekend: Saturday 2026-12-05 10:00 local.
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 5, 2, 0)));
  // Local Monday 00:30 is still Sunday in UTC: the local day counts.
  BusinessHours mon = Hours(R"({"time_zone":"Asia/Shanghai","weekly":{"mon":[["00:00","24:00"]]}})");
  EXPECT_TRUE(IsOpen(mon, Utc(2026, 12, 6, 16, 30))) << "Sunday 16:30 UTC = Monday 00:30 local";
  EXPECT_FALSE(IsOpen(mon, Utc(2026, 12, 6, 15, 30))) << "Sunday 23:30 local";
}

TEST(BusinessHours, HolidaysCloseTheirLocalDate) {
  BusinessHours h = Hours(R"({"time_zone":"Asia/Shanghai",
      "weekly":{"thu":[["09:00","18:00"]]},"holidays":["2026-10-01"]})");
  EXPECT_FALSE(IsOpen(h, Utc(2026, 10, 1, 2, 0))) << "National Day, a Thursday, 10:00 local";
  EXPECT_TRUE(IsOpen(h, Utc(2026, 10, 8, 2, 0))) << "the Thursday after";
}

TEST(BusinessHours, EuropeBerlinFollowsDaylightSavingTime) {
  BusinessHours h = Hours(R"({"time_zone":"Europe/Berlin",
      "weekly":{"mon":[["09:00","17:00"]],"wed":[["09:00","17:00"]]}})");
  // Summer (CEST, UTC+2): Wednesday 2026-07-01 09:00 local is 07:00 UTC.
  EXPECT_FALSE(IsOpen(h, Utc(2026, 7, 1, 6, 59)));
  EXPECT_TRUE(IsOpen(h, Utc(2026, 7, 1, 7, 0)));
  EXPECT_FALSE(IsOpen(h, Utc(2026, 7, 1, 15, 0))) << "17:00 CEST";
  // Winter (CET, UTC+1): Wednesday 2026-12-02 09:00 local is 08:00 UTC.
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 2, 7, 30))) << "08:30 CET";
  EXPECT_TRUE(IsOpen(h, Utc(2026, 12, 2, 8, 0)));
  EXPECT_TRUE(IsOpen(h, Utc(2026, 12, 2, 15, 59)));
  // The Monday after the spring change (2026-03-29): 09:00 CEST = 07:00 UTC.
  EXPECT_TRUE(IsOpen(h, Utc(2026, 3, 30, 7, 0)));
  EXPECT_FALSE(IsOpen(h, Utc(2026, 3, 30, 6, 30)));
}

TEST(BusinessHours, AnIntervalMayRunPastMidnight) {
  BusinessHours h = Hours(R"({"time_zone":"UTC",
      "weekly":{"fri":[["22:00","02:00"]]},"holidays":["2026-12-11"]})");
  // Friday 2026-12-04 22:00 until Saturday 02:00.
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 4, 21, 59)));
  EXPECT_TRUE(IsOpen(h, Utc(2026, 12, 4, 23, 0)));
  EXPECT_TRUE(IsOpen(h, Utc(2026, 12, 5, 1, 59))) << "Saturday, Friday's interval";
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 5, 2, 0)));
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 5, 23, 0))) << "Saturday has none of its own";
  // A holiday Friday closes its interval, after midnight too.
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 11, 23, 0)));
  EXPECT_FALSE(IsOpen(h, Utc(2026, 12, 12, 1, 0)));
}

TEST(BusinessHours, AQueueWithoutHoursIsAlwaysOpen) {
  QueueConfig q{"general", {}, {}, std::nullopt};
  EXPECT_TRUE(IsOpen(q, 0));
  EXPECT_TRUE(IsOpen(q, Utc(2026, 12, 5, 3, 0)));
}

TEST(Queues, ParseErrorsNameTheField) {
  auto bad = [](const std::string& json) {
    auto r = ParseQueues(Json::parse(json));
    EXPECT_FALSE(r.ok()) << json;
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_EQ(bad(R"({"name":"x"})"), "queues: a list of at most 100 queues");
  EXPECT_EQ(bad(R"([{"skills":[]}])"), "queues[0].name: a name of 1 to 64 characters");
  EXPECT_EQ(bad(R"([{"name":"a"},{"name":"a"}])"), "queues[1].name: \"a\" twice");
  EXPECT_EQ(bad(R"([{"name":"a","colour":"red"}])"), "queues[0]: unknown field \"colour\"");
  EXPECT_EQ(bad(R"([{"name":"a","business_hours":{"time_zone":"Mars/Olympus"}}])"),
            "queues[0].business_hours.time_zone: no zone \"Mars/Olympus\"");
  EXPECT_NE(bad(R"([{"name":"a","business_hours":{"weekly":{"mon":[["9:00","18:00"]]}}}])")
                .find("queues[0].business_hours.weekly.mon[0]"),
            std::string::npos);
  EXPECT_NE(bad(R"([{"name":"a","business_hours":{"weekly":{"monday":[]}}}])")
                .find("unknown day \"monday\""),
            std::string::npos);
  EXPECT_NE(bad(R"([{"name":"a","business_hours":{"holidays":["2026-02-30"]}}])")
                .find("queues[0].business_hours.holidays[0]"),
            std::string::npos);
}

TEST(Queues, RoundTripThroughJson) {
  const Json in = Json::parse(R"([{"name":"senior","skills":["refunds"],"languages":["zh"],
      "business_hours":{"time_zone":"Asia/Shanghai","weekly":{"mon":[["09:00","24:00"]],
      "sat":[["22:00","02:00"]]},"holidays":["2026-10-01"]}},{"name":"general"}])");
  auto q = ParseQueues(in);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  auto again = ParseQueues(QueuesJson(*q));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(QueuesJson(*again), QueuesJson(*q));
  EXPECT_EQ(QueuesJson(*q)[0]["business_hours"]["weekly"]["mon"][0][1], "24:00");
  EXPECT_EQ(QueuesJson(*q)[1]["business_hours"], nullptr);
}

TEST(Routing, MembersOrSkilledAgentsServeAQueue) {
  QueueConfig senior{"senior", {"refunds"}, {}, std::nullopt};
  QueueConfig general{"general", {}, {}, std::nullopt};
  AgentProfile member{{"senior"}, {}, {}};
  AgentProfile skilled{{}, {"refunds", "invoices"}, {}};
  AgentProfile plain;
  EXPECT_TRUE(MayServe(member, senior));
  EXPECT_FALSE(MayServe(member, general)) << "a queue list is exact";
  EXPECT_TRUE(MayServe(skilled, senior));
  EXPECT_TRUE(MayServe(skilled, general));
  EXPECT_FALSE(MayServe(plain, senior));
  EXPECT_TRUE(MayServe(plain, general));
}

TEST(Routing, PriorityFromRuleTierAndDistress) {
  EXPECT_EQ(HandoffPriority(0, false, 0.1), 0);
  EXPECT_EQ(HandoffPriority(2, false, 0.1), 2);
  EXPECT_EQ(HandoffPriority(0, true, 0.0), 2);
  EXPECT_EQ(HandoffPriority(1, true, 0.9), 4);
  EXPECT_EQ(HandoffPriority(0, false, 0.8), 1);
}

TEST(Routing, AgentProfileParse) {
  auto p = ParseAgentProfile(Json::parse(R"({"queues":["senior"],"languages":["zh","en"]})"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->queues, std::vector<std::string>{"senior"});
  EXPECT_TRUE(p->skills.empty());
  auto bad = ParseAgentProfile(Json::parse(R"({"team":"x"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "routing: unknown field \"team\"");
  EXPECT_FALSE(ParseAgentProfile(Json::parse(R"({"skills":[""]})")).ok());
}

}  // namespace
}  // namespace kefu::handoff
