#include "stats/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kefu::stats {
namespace {

// The routing events the numbers read (written by the bot responder and the
// handoff service, in the transaction of the change they record).
constexpr std::string_view kHandoffRequested = "conversation.handoff_requested";
constexpr std::string_view kAssigned = "conversation.assigned";
constexpr std::string_view kRequeued = "conversation.requeued";
constexpr std::string_view kResolved = "conversation.resolved";

constexpr int64_t kDayMillis = 86'400'000;

double Seconds(int64_t millis) { return static_cast<double>(millis) / 1000.0; }

// To the millisecond: a mean of millisecond samples has no more to tell.
double RoundMillis(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }

Json Ratio(int64_t part, int64_t whole) {
  if (whole == 0) return nullptr;
  return static_cast<double>(part) / static_cast<double>(whole);
}

Json SummaryJson(const std::vector<double>& samples) {
  const Summary s = Summarize(samples);
  if (s.count == 0) return Json{{"count", 0}, {"p50", nullptr}, {"p90", nullptr}, {"avg", nullptr}};
  return Json{{"count", s.count}, {"p50", s.p50}, {"p90", s.p90}, {"avg", RoundMillis(s.avg)}};
}

}  // namespace

double Percentile(const std::vector<double>& sorted, double p) {
  const double n = static_cast<double>(sorted.size());
  // The rank is computed with a little slack so that 0.9 × 10 is 9, not 9.000000000000002.
  size_t rank = static_cast<size_t>(std::ceil(p * n - 1e-9));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Summary Summarize(std::vector<double> samples) {
  Summary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.count = samples.size();
  s.p50 = Percentile(samples, 0.5);
  s.p90 = Percentile(samples, 0.9);
  s.avg = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(s.count);
  return s;
}

void Numbers::Add(const store::ConversationFacts& c) {
  if (!c.customer_wrote) return;
  ++conversations;
  std::optional<int64_t> first_handoff, first_resolved, waiting_since;
  std::string reason;
  int handoffs = 0, requeues = 0, resolutions = 0;
  for (const store::ConversationFacts::Step& step : c.steps) {
    if (step.type == kHandoffRequested || step.type == kRequeued) {
      if (step.type == kHandoffRequested) {
        if (++handoffs == 1) {
          first_handoff = step.at;
          reason = step.reason;
        }
      } else {
        ++requeues;
      }
      if (!waiting_since) waiting_since = step.at;
    } else if (step.type == kAssigned) {
      if (waiting_since)
        waiting_s.push_back(Seconds(std::max<int64_t>(0, step.at - *waiting_since)));
      waiting_since.reset();
    } else if (step.type == kResolved) {
      if (++resolutions == 1) first_resolved = step.at;
      waiting_since.reset();
    } else {
      // Returned to the bot: no longer waiting for anyone.
      waiting_since.reset();
    }
  }
  if (c.csat_rating && *c.csat_rating >= 1 && *c.csat_rating <= 5) {
    ++csat_count;
    csat_sum += *c.csat_rating;
    ++csat_distribution[*c.csat_rating - 1];
  }
  if (!first_handoff) {
    ++bot_only;
    return;
  }
  ++handed_over;
  ++handoff_by_reason[reason.empty() ? "unknown" : reason];
  if (c.first_response_at && *c.first_response_at >= *first_handoff) {
    first_response_s.push_back(Seconds(*c.first_response_at - *first_handoff));
  }
  if (first_resolved) {
    ++resolved;
    resolution_s.push_back(Seconds(std::max<int64_t>(0, *first_resolved - *first_handoff)));
    if (handoffs == 1 && requeues == 0 && resolutions == 1 && c.status == "resolved") {
      ++first_contact_resolution;
    }
  }
}

void Numbers::Merge(const Numbers& o) {
  conversations += o.conversations;
  bot_only += o.bot_only;
  handed_over += o.handed_over;
  for (const auto& [reason, n] : o.handoff_by_reason) handoff_by_reason[reason] += n;
  resolved += o.resolved;
  first_contact_resolution += o.first_contact_resolution;
  for (auto [to, from] :
       {std::pair{&first_response_s, &o.first_response_s},
        std::pair{&resolution_s, &o.resolution_s}, std::pair{&waiting_s, &o.waiting_s}}) {
    to->insert(to->end(), from->begin(), from->end());
  }
  csat_count += o.csat_count;
  csat_sum += o.csat_sum;
  for (size_t i = 0; i < csat_distribution.size(); ++i) {
    csat_distribution[i] += o.csat_distribution[i];
  }
}

Json Numbers::ToJson() const {
  Json reasons = Json::object();
  for (const auto& [reason, n] : handoff_by_reason) reasons[reason] = n;
  Json csat_avg = nullptr;
  if (csat_count > 0) {
    csat_avg =
        std::round(static_cast<double>(csat_sum) / static_cast<double>(csat_count) * 100.0) / 100.0;
  }
  return Json{
      {"conversations", conversations},
      {"bot_only", bot_only},
      {"handed_over", handed_over},
      {"automation_rate", Ratio(bot_only, conversations)},
      {"handoff_rate", Ratio(handed_over, conversations)},
      {"handoff_by_reason", reasons},
      {"resolved", resolved},
      {"first_contact_resolution", first_contact_resolution},
      {"first_contact_resolution_rate", Ratio(first_contact_resolution, resolved)},
      {"first_response_s", SummaryJson(first_response_s)},
      {"resolution_s", SummaryJson(resolution_s)},
      {"waiting_s", SummaryJson(waiting_s)},
      {"csat", {{"count", csat_count}, {"avg", csat_avg}, {"distribution", csat_distribution}}}};
}

Result<Range> ResolveRange(const std::optional<std::string>& from,
                           const std::optional<std::string>& to,
                           const std::optional<std::string>& tz, int64_t now_millis,
                           std::string_view zoneinfo_dir) {
  const std::string zone_name = tz ? *tz : std::string(kDefaultTimeZone);
  auto zone = TimeZone::Load(zone_name, zoneinfo_dir);
  if (!zone.ok()) {
    return Status::InvalidArgument(fmt::format(
        "tz: \"{}\" is not a time zone of the tz database (e.g. Asia/Shanghai, UTC)", zone_name));
  }
  Range r;
  r.zone = *zone;
  if (to) {
    auto day = ParseIsoDate(*to);
    if (!day.ok()) return Status::InvalidArgument("to: " + day.status().message());
    r.to_day = *day;
  } else {
    r.to_day = r.zone->LocalDay(now_millis);
  }
  if (from) {
    auto day = ParseIsoDate(*from);
    if (!day.ok()) return Status::InvalidArgument("from: " + day.status().message());
    r.from_day = *day;
  } else {
    r.from_day = r.to_day - (kDefaultDays - 1);
  }
  if (r.from_day > r.to_day) {
    return Status::InvalidArgument(fmt::format("from ({}) is after to ({})",
                                               FormatIsoDate(r.from_day), FormatIsoDate(r.to_day)));
  }
  const int64_t days = r.to_day - r.from_day + 1;
  if (days > kMaxDays) {
    return Status::InvalidArgument(fmt::format("from {} to {} is {} days; at most {}",
                                               FormatIsoDate(r.from_day), FormatIsoDate(r.to_day),
                                               days, kMaxDays));
  }
  return r;
}

Report::Report(Range range)
    : range_(std::move(range)), days_(static_cast<size_t>(range_.to_day - range_.from_day + 1)) {}

int64_t Report::scan_from_millis() const { return (range_.from_day - 1) * kDayMillis; }

int64_t Report::scan_until_millis() const { return (range_.to_day + 2) * kDayMillis; }

void Report::Add(const store::ConversationFacts& c) {
  const int64_t day = range_.zone->LocalDay(c.created_at);
  if (day < range_.from_day || day > range_.to_day) return;
  days_[static_cast<size_t>(day - range_.from_day)].Add(c);
}

Json Report::ToJson() const {
  Json days = Json::array();
  Numbers totals;
  for (size_t i = 0; i < days_.size(); ++i) {
    Json d = days_[i].ToJson();
    d["date"] = FormatIsoDate(range_.from_day + static_cast<int64_t>(i));
    days.push_back(std::move(d));
    totals.Merge(days_[i]);
  }
  return Json{{"from", FormatIsoDate(range_.from_day)},
              {"to", FormatIsoDate(range_.to_day)},
              {"tz", range_.zone->name()},
              {"days", std::move(days)},
              {"totals", totals.ToJson()}};
}

}  // namespace kefu::stats
