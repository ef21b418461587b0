#include "stats/stats.h"

#include <gtest/gtest.h>

namespace kefu::stats {
namespace {

using Step = store::ConversationFacts::Step;

constexpr int64_t kMay1 = 1'777'593'600'000;  // 2026-05-01T00:00:00Z
constexpr int64_t kSec = 1000;
constexpr int64_t kHour = 3'600'000;

store::ConversationFacts Conv(int64_t created_at, std::string status = "bot",
                              std::vector<Step> steps = {}) {
  store::ConversationFacts c;
  c.id = created_at;
  c.created_at = created_at;
  c.status = std::move(status);
  c.customer_wrote = true;
  c.steps = std::move(steps);
  return c;
}
Step Handoff(int64_t at, std::string reason = "customer_asked") {
  return {"conversation.handoff_requested", at, std::move(reason)};
}
Step Assigned(int64_t at) { return {"conversation.assigned", at, ""}; }
Step Requeued(int64_t at) { return {"conversation.requeued", at, "agent_gone"}; }
Step Resolved(int64_t at) { return {"conversation.resolved", at, ""}; }
Step ReturnedToBot(int64_t at) { return {"conversation.returned_to_bot", at, ""}; }

Range Days(const std::string& zone, const std::string& from, const std::string& to) {
  auto r = ResolveRange(from, to, zone, 0);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Range{};
}

TEST(Percentile, NearestRankOnFixedSamples) {
  const std::vector<double> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(Percentile(ten, 0.5), 5);
  EXPECT_EQ(Percentile(ten, 0.9), 9) << "0.9 × 10 is rank 9, not 10";
  EXPECT_EQ(Percentile(ten, 1.0), 10);
  EXPECT_EQ(Percentile({1, 2, 3, 4}, 0.5), 2);
  EXPECT_EQ(Percentile({1, 2, 3, 4}, 0.9), 4);
  EXPECT_EQ(Percentile({7}, 0.5), 7);
  EXPECT_EQ(Percentile({7}, 0.9), 7);
  EXPECT_EQ(Percentile({1, 100}, 0.5), 1) << "an observed value, not the midpoint";

  Summary s = Summarize({30, 10, 20, 60});
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.p50, 20);
  EXPECT_EQ(s.p90, 60);
  EXPECT_DOUBLE_EQ(s.avg, 30);
  Summary none = Summarize({});
  EXPECT_EQ(none.count, 0u);
}

TEST(Numbers, EachMeasureByItsDefinition) {
  const int64_t t = kMay1;
  Numbers n;
  // The bot alone, twice; a widget opened and left silent is not counted.
  n.Add(Conv(t));
  n.Add(Conv(t, "bot", {}));
  store::ConversationFacts silent = Conv(t);
  silent.customer_wrote = false;
  n.Add(silent);
  // Handed over, waited 30 s, first answer 50 s after the request, resolved
  // after 300 s and rated 4: a first-contact resolution.
  store::ConversationFacts fcr = Conv(
      t, "resolved", {Handoff(t + 10 * kSec), Assigned(t + 40 * kSec), Resolved(t + 310 * kSec)});
  fcr.first_response_at = t + 60 * kSec;
  fcr.csat_rating = 4;
  n.Add(fcr);
  // Angry, waited 10 s, the agent went away, back in line 20 s, another
  // agent resolved it: resolved, but not at first contact.
  store::ConversationFacts requeued =
      Conv(t, "resolved",
           {Handoff(t, "anger"), Assigned(t + 10 * kSec), Requeued(t + 100 * kSec),
            Assigned(t + 120 * kSec), Resolved(t + 200 * kSec)});
  requeued.first_response_at = t + 30 * kSec;
  requeued.csat_rating = 2;
  n.Add(requeued);
  // Resolved, then the customer wrote again (the bot has it now): resolved
  // once, not at first contact.
  n.Add(Conv(t, "bot", {Handoff(t), Assigned(t + 5 * kSec), Resolved(t + 50 * kSec)}));
  // Still waiting: handed over, no wait finished, nothing resolved.
  n.Add(Conv(t, "queued", {Handoff(t, "")}));
  // Returned to the bot by the agent, then handed over again and resolved.
  n.Add(Conv(t, "resolved",
             {Handoff(t), Assigned(t + 2 * kSec), ReturnedToBot(t + 9 * kSec),
              Handoff(t + 20 * kSec, "anger"), Assigned(t + 24 * kSec), Resolved(t + 80 * kSec)}));

  EXPECT_EQ(n.conversations, 7);
  EXPECT_EQ(n.bot_only, 2);
  EXPECT_EQ(n.handed_over, 5);
  EXPECT_EQ(n.handoff_by_reason,
            (std::map<std::string, int64_t>{{"customer_asked", 3}, {"anger", 1}, {"unknown", 1}}))
      << "the first handoff's reason, once per conversation";
  EXPECT_EQ(n.resolved, 4);
  EXPECT_EQ(n.first_contact_resolution, 1);
  EXPECT_EQ(n.waiting_s, (std::vector<double>{30, 10, 20, 5, 2, 4}));
  EXPECT_EQ(n.first_response_s, (std::vector<double>{50, 30}));
  EXPECT_EQ(n.resolution_s, (std::vector<double>{300, 200, 50, 80}));
  EXPECT_EQ(n.csat_count, 2);
  EXPECT_EQ(n.csat_sum, 6);
  EXPECT_EQ(n.csat_distribution, (std::array<int64_t, 5>{0, 1, 0, 1, 0}));

  Json j = n.ToJson();
  EXPECT_DOUBLE_EQ(j["automation_rate"].get<double>(), 2.0 / 7);
  EXPECT_DOUBLE_EQ(j["handoff_rate"].get<double>(), 5.0 / 7);
  EXPECT_DOUBLE_EQ(j["first_contact_resolution_rate"].get<double>(), 0.25);
  EXPECT_EQ(j["waiting_s"], (Json{{"count", 6}, {"p50", 5}, {"p90", 30}, {"avg", 11.833}}));
  EXPECT_EQ(j["resolution_s"]["p50"], 80);
  EXPECT_EQ(j["csat"], (Json{{"count", 2}, {"avg", 3.0}, {"distribution", {0, 1, 0, 1, 0}}}));
}

TEST(Numbers, NothingGivesZerosAndNulls) {
  Json j = Numbers().ToJson();
  EXPECT_EQ(j["conversations"], 0);
  EXPECT_TRUE(j["automation_rate"].is_null());
  EXPECT_TRUE(j["first_contact_resolution_rate"].is_null());
  EXPECT_EQ(j["first_response_s"],
            (Json{{"count", 0}, {"p50", nullptr}, {"p90", nullptr}, {"avg", nullptr}}));
  EXPECT_TRUE(j["csat"]["avg"].is_null());
  EXPECT_EQ(j["csat"]["distribution"], (Json{0, 0, 0, 0, 0}));
  EXPECT_EQ(j["handoff_by_reason"], Json::object());
}

TEST(Report, ConversationsCountOnTheLocalDayTheyBegan) {
  // 2026-05-01T16:30Z is May 2nd in Shanghai and still May 1st in UTC.
  const int64_t late = kMay1 + 16 * kHour + 30 * 60 * kSec;
  for (const auto& [zone, may1, may2] :
       {std::tuple{"Asia/Shanghai", 1, 2}, std::tuple{"UTC", 2, 1}}) {
    Report r(Days(zone, "2026-05-01", "2026-05-03"));
    r.Add(Conv(kMay1 + 1 * kHour));  // 09:00 in Shanghai, 01:00 UTC: May 1st in both
    // Handed over 8 hours later, after midnight in both zones.
    r.Add(Conv(late, "resolved", {Handoff(late + 8 * kHour), Resolved(late + 9 * kHour)}));
    r.Add(Conv(late + 8 * kHour));    // May 2nd in both
    r.Add(Conv(kMay1 - 9 * kHour));   // April 30th in both: outside
    r.Add(Conv(kMay1 + 72 * kHour));  // May 4th in both: outside
    Json j = r.ToJson();
    ASSERT_EQ(j["days"].size(), 3u) << j.dump();
    EXPECT_EQ(j["from"], "2026-05-01");
    EXPECT_EQ(j["to"], "2026-05-03");
    EXPECT_EQ(j["tz"], zone);
    EXPECT_EQ(j["days"][0]["date"], "2026-05-01");
    EXPECT_EQ(j["days"][0]["conversations"], may1) << zone;
    EXPECT_EQ(j["days"][1]["conversations"], may2) << zone;
    EXPECT_EQ(j["days"][2]["conversations"], 0) << "a day without conversations is listed";
    EXPECT_TRUE(j["days"][2]["automation_rate"].is_null());
    EXPECT_EQ(j["totals"]["conversations"], 3);
    EXPECT_EQ(j["totals"]["handed_over"], 1);
    // The handoff happened after midnight, yet counts on the day the conversation began.
    const int handed_day = std::string(zone) == "UTC" ? 0 : 1;
    EXPECT_EQ(j["days"][handed_day]["handed_over"], 1) << zone;
    EXPECT_EQ(j["days"][handed_day]["resolution_s"]["p50"], 3600) << zone;
  }
}

TEST(Report, TotalsArePercentilesOfAllSamplesNotOfTheDays) {
  Report r(Days("UTC", "2026-05-01", "2026-05-02"));
  // May 1st: waits of 10, 20, 30 s; May 2nd: one of 1000 s.
  for (int64_t w : {10, 20, 30}) {
    r.Add(Conv(kMay1, "assigned", {Handoff(kMay1), Assigned(kMay1 + w * kSec)}));
  }
  const int64_t may2 = kMay1 + 24 * kHour;
  r.Add(Conv(may2, "assigned", {Handoff(may2), Assigned(may2 + 1000 * kSec)}));
  Json j = r.ToJson();
  EXPECT_EQ(j["days"][0]["waiting_s"]["p50"], 20);
  EXPECT_EQ(j["days"][1]["waiting_s"]["p50"], 1000);
  EXPECT_EQ(j["totals"]["waiting_s"],
            (Json{{"count", 4}, {"p50", 20}, {"p90", 1000}, {"avg", 265}}));
}

TEST(Report, ScansOneDayMoreOnEachSide) {
  Report r(Days("Asia/Shanghai", "2026-05-01", "2026-05-01"));
  EXPECT_EQ(r.scan_from_millis(), kMay1 - 24 * kHour);
  EXPECT_EQ(r.scan_until_millis(), kMay1 + 48 * kHour);
  // The scan's ends lie outside May 1st in the zones furthest from UTC,
  // Pacific/Kiritimati (UTC+14) and Pacific/Pago_Pago (UTC-11): the whole day is inside.
  for (const char* zone : {"Pacific/Kiritimati", "Pacific/Pago_Pago"}) {
    Report z(Days(zone, "2026-05-01", "2026-05-01"));
    auto tz = TimeZone::Load(zone);
    ASSERT_TRUE(tz.ok());
    EXPECT_LT((*tz)->LocalDay(z.scan_from_millis()), 20574) << zone;
    EXPECT_GT((*tz)->LocalDay(z.scan_until_millis()), 20574) << zone;
  }
}

TEST(ResolveRange, DefaultsAreTheLastSevenDaysInTheZone) {
  const int64_t now = kMay1 + 17 * kHour;  // May 2nd 01:00 in Shanghai, May 1st 17:00 UTC
  auto shanghai = ResolveRange(std::nullopt, std::nullopt, std::nullopt, now);
  ASSERT_TRUE(shanghai.ok()) << shanghai.status().ToString();
  EXPECT_EQ(shanghai->zone->name(), kDefaultTimeZone);
  EXPECT_EQ(FormatIsoDate(shanghai->to_day), "2026-05-02");
  EXPECT_EQ(FormatIsoDate(shanghai->from_day), "2026-04-26");
  auto utc = ResolveRange(std::nullopt, std::nullopt, std::string("UTC"), now);
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(FormatIsoDate(utc->to_day), "2026-05-01");
  auto given_to = ResolveRange(std::nullopt, std::string("2026-03-01"), std::nullopt, now);
  ASSERT_TRUE(given_to.ok());
  EXPECT_EQ(FormatIsoDate(given_to->from_day), "2026-02-23");
  auto year = ResolveRange(std::string("2024-01-01"), std::string("2024-12-31"), std::nullopt, now);
  EXPECT_TRUE(year.ok()) << "a leap year is 366 days: allowed";
  auto one = ResolveRange(std::string("2026-05-01"), std::string("2026-05-01"), std::nullopt, now);
  EXPECT_TRUE(one.ok()) << "one day";
}

TEST(ResolveRange, BadInputIsRefusedNamingTheParameter) {
  const int64_t now = kMay1;
  struct Case {
    std::optional<std::string> from, to, tz;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"2026-5-1", std::nullopt, std::nullopt, "from: \"2026-5-1\" is not a date YYYY-MM-DD"},
      {std::nullopt, "yesterday", std::nullopt, "to: \"yesterday\" is not a date YYYY-MM-DD"},
      {"2026-02-30", "2026-03-01", std::nullopt,
       "from: 2026-02-30 is no date: there is no day 30 in month 2"},
      {std::nullopt, std::nullopt, "Mars/Olympus",
       "tz: \"Mars/Olympus\" is not a time zone of the tz database (e.g. Asia/Shanghai, UTC)"},
      {std::nullopt, std::nullopt, "../../etc/passwd",
       "tz: \"../../etc/passwd\" is not a time zone of the tz database (e.g. Asia/Shanghai, UTC)"},
      {"2026-05-10", "2026-05-01", std::nullopt, "from (2026-05-10) is after to (2026-05-01)"},
      {"2025-01-01", "2026-01-02", std::nullopt,
       "from 2025-01-01 to 2026-01-02 is 367 days; at most 366"},
      {"", std::nullopt, std::nullopt, "from: \"\" is not a date YYYY-MM-DD"},
  };
  for (const Case& c : cases) {
    auto r = ResolveRange(c.from, c.to, c.tz, now);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message);
  }
}

}  // namespace
}  // namespace kefu::stats
