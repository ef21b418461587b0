// Routing configuration: a tenant's queues (teams) with their skills,
// languages and business hours, an agent's routing profile (queues, skills,
// languages), and the pure decisions made from them: is a queue open at an
// instant, may an agent take a queue's conversations, how urgent is a
// handoff. Parsed from and written as JSON (GET/PUT /api/v1/queues, PUT
// /api/v1/users/{id}/routing), with precise errors.
//
//   queue:  {"name": "senior", "skills": ["refunds"], "languages": ["zh"],
//            "business_hours": {"time_zone": "Asia/Shanghai",
//                               "weekly": {"mon": [["09:00","18:00"]], ...},
//                               "holidays": ["2026-10-01"]}}
//   agent:  {"queues": ["senior"], "skills": ["refunds"], "languages": ["zh","en"]}
//
// Business hours: an interval belongs to the weekday it starts on; an end at
// or before its start runs past midnight into the next day ("22:00"–"02:00").
// A holiday closes the intervals that start on that local date. A queue
// without business_hours is always open.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "core/time_zone.h"

namespace kefu::handoff {

// The queue a conversation goes to when no rule names one.
inline constexpr const char* kDefaultQueue = "general";

struct BusinessHours {
  std::string time_zone = "UTC";
  std::shared_ptr<const TimeZone> zone;  // loaded from time_zone
  // Monday = 0 … Sunday = 6; each interval in minutes of the day [start, end),
  // end <= start: until `end` of the next day.
  std::array<std::vector<std::pair<int, int>>, 7> weekly;
  std::vector<int64_t> holidays;  // local dates, days since 1970-01-01, sorted
};

struct QueueConfig {
  std::string name;
  std::vector<std::string> skills;     // an agent without a queue list needs them all
  std::vector<std::string> languages;  // the languages it serves (empty: any)
  std::optional<BusinessHours> hours;  // none: always open
};

struct AgentProfile {
  std::vector<std::string> queues;     // member of (empty: by skills)
  std::vector<std::string> skills;
  std::vector<std::string> languages;  // takes customers of (empty: any)
};

// Open at `unix_millis`: some interval of the local weekday (or one of the
// day before running past midnight) contains the local time, and the day it
// starts on is no holiday.
bool IsOpen(const BusinessHours& hours, int64_t unix_millis);
// The same for a queue (no hours: open).
bool IsOpen(const QueueConfig& queue, int64_t unix_millis);

// May an agent with `profile` take conversations of `queue`? A member of it
// may; an agent with no queue list may when they have every skill it asks
// for (so a queue without skills is open to them).
bool MayServe(const AgentProfile& profile, const QueueConfig& queue);

// How urgent a handoff is: the routing rule's priority, +2 for a VIP
// customer, +1 for strong anger or distress (intensity >= 0.8). Waiting
// raises it further in the line (Router's aging).
int HandoffPriority(int rule_priority, bool vip, double distress);

// Errors: InvalidArgument naming the field ("queues[1].business_hours.weekly.mon[0]: …").
Result<std::vector<QueueConfig>> ParseQueues(const Json& j,
                                             std::string_view zone_dir = "/usr/share/zoneinfo");
Json QueuesJson(const std::vector<QueueConfig>& queues);
Result<AgentProfile> ParseAgentProfile(const Json& j);
Json AgentProfileJson(const AgentProfile& p);

// The queue named `name` (nullptr: none).
const QueueConfig* FindQueue(const std::vector<QueueConfig>& queues, std::string_view name);

}  // namespace kefu::handoff
