// The numbers of a tenant's service, per day and over a range of days
// (GET /api/v1/stats; docs/protocol.md, "Numbers", is the contract).
//
// The store hands over each conversation's facts (store::ConversationFacts:
// when it began, whether the customer wrote, where it is now, its routing
// events); a Report counts each on the local day, in the caller's zone, on
// which it was created — whatever day its later events happened on — and
// turns the samples into percentiles. Definitions, for one conversation:
//
//   counted          the customer wrote at least one message in it (a widget
//                    opened and left silent is no conversation: it would
//                    flatter the automation rate)
//   handed_over      it has a conversation.handoff_requested event: the bot
//                    handed it to a person at least once
//   bot_only         counted and not handed_over (the bot alone; this
//                    includes conversations still under way with the bot)
//   automation_rate  bot_only / conversations; handoff_rate handed_over /
//                    conversations
//   handoff_by_reason  handed_over conversations by the reason of their first
//                    handoff ("customer_asked", "anger", "human_only:…"; ""
//                    is counted as "unknown")
//   resolved         an agent resolved it at least once
//                    (conversation.resolved): only a person resolves in kefu
//   first_contact_resolution  resolved, and: one handoff only, never back in
//                    line (no conversation.requeued: the agent it was first
//                    given to kept it), resolved once only, and still resolved
//                    now (the customer did not write again, which reopens it).
//                    The rate is over resolved conversations
//   waiting_s        every wait for a person: from conversation.handoff_requested
//                    (or conversation.requeued) to the next
//                    conversation.assigned; waits still under way are not counted
//   first_response_s from the first handoff request to the first agent
//                    message (conversations.first_response_at)
//   resolution_s     from the first handoff request to the first
//                    conversation.resolved
//   csat             the customer's rating (1–5) of the conversation: count,
//                    average, how many of each
//
// Times are seconds (to the millisecond); p50 and p90 are nearest-rank
// percentiles (values that were observed); a rate or average over nothing is
// null. Totals are over every conversation of the range (their percentiles
// are over all its samples, not averages of the days').
//
// Plain values; a Report is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "core/time_zone.h"
#include "store/store.h"

namespace kefu::stats {

// The zone of the days when the caller names none: kefu's customers and the
// entity extractor's default are in China.
inline constexpr std::string_view kDefaultTimeZone = "Asia/Shanghai";
// The most days one answer covers.
inline constexpr int64_t kMaxDays = 366;
// The days when the caller names none: the last 7, today included.
inline constexpr int64_t kDefaultDays = 7;

// A summary of samples: how many, the median, the 90th percentile, the mean.
struct Summary {
  size_t count = 0;
  double p50 = 0;
  double p90 = 0;
  double avg = 0;
};
// Nearest rank: the smallest sample with at least ceil(p·n) samples at or
// below it. REQUIRES: `sorted` ascending and not empty, 0 < p <= 1.
double Percentile(const std::vector<double>& sorted, double p);
// Sorts `samples`; all zero for none.
Summary Summarize(std::vector<double> samples);

// What a set of conversations adds up to, with the raw samples.
struct Numbers {
  int64_t conversations = 0;
  int64_t bot_only = 0;
  int64_t handed_over = 0;
  std::map<std::string, int64_t> handoff_by_reason;
  int64_t resolved = 0;
  int64_t first_contact_resolution = 0;
  std::vector<double> first_response_s;
  std::vector<double> resolution_s;
  std::vector<double> waiting_s;
  int64_t csat_count = 0;
  int64_t csat_sum = 0;
  std::array<int64_t, 5> csat_distribution{};  // ratings 1 … 5

  // Adds one conversation by the definitions above. REQUIRES: its steps oldest first.
  void Add(const store::ConversationFacts& c);
  void Merge(const Numbers& other);
  // The answer's object for these numbers (without "date").
  Json ToJson() const;
};

// Which days, in which zone.
struct Range {
  std::shared_ptr<const TimeZone> zone;
  int64_t from_day = 0;  // days since 1970-01-01, local to `zone`
  int64_t to_day = 0;    // inclusive
};

// The range of ?from=&to=&tz= (each may be absent): dates YYYY-MM-DD in
// `tz` (default kDefaultTimeZone); `to` defaults to today there (at
// `now_millis`), `from` to kDefaultDays days ending at `to`.
// Errors: InvalidArgument, each naming the parameter: a malformed or
// impossible date, an unknown zone, from after to, more than kMaxDays days.
Result<Range> ResolveRange(const std::optional<std::string>& from,
                           const std::optional<std::string>& to,
                           const std::optional<std::string>& tz, int64_t now_millis,
                           std::string_view zoneinfo_dir = "/usr/share/zoneinfo");

// The numbers of every day of a range and their totals.
class Report {
 public:
  explicit Report(Range range);

  // The UTC instants to scan, [scan_from_millis, scan_until_millis): every
  // instant whose local day may fall in the range (one day more each side
  // covers any UTC offset); Add drops what falls outside.
  int64_t scan_from_millis() const;
  int64_t scan_until_millis() const;

  // Counts `c` on its local day of creation; ignored outside the range.
  void Add(const store::ConversationFacts& c);

  // {"from","to","tz","days":[{date, …}], "totals":{…}}: every day of the
  // range, in order, days without conversations included.
  Json ToJson() const;

 private:
  Range range_;
  std::vector<Numbers> days_;
};

}  // namespace kefu::stats
