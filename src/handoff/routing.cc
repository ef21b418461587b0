#include "handoff/routing.h"

#include <algorithm>
#include <set>

namespace kefu::handoff {
namespace {

constexpr int64_t kDayMs = 86400000;
constexpr const char* kDays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr size_t kMaxQueues = 100;
constexpr size_t kMaxNames = 50;
constexpr size_t kMaxNameBytes = 64;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool OpenOn(const BusinessHours& h, int64_t day, int minute, bool from_yesterday) {
  if (std::binary_search(h.holidays.begin(), h.holidays.end(), day)) return false;
  const int weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  for (const auto& [start, end] : h.weekly[static_cast<size_t>(weekday)]) {
    const bool crosses = end <= start;
    if (from_yesterday) {
      if (crosses && minute < end) return true;
    } else if (crosses ? minute >= start : (minute >= start && minute < end)) {
      return true;
    }
  }
  return false;
}

// "HH:MM" → minutes; "24:00" only as an end.
bool ParseClock(const Json& j, bool end, int* out) {
  if (!j.is_string()) return false;
  const std::string s = j.get<std::string>();
  if (s.size() != 5 || s[2] != ':' || !isdigit(s[0]) || !isdigit(s[1]) || !isdigit(s[3]) ||
      !isdigit(s[4])) {
    return false;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end))) return false;
  *out = h * 60 + m;
  return true;
}

Status Names(const Json& j, const std::string& where, std::vector<std::string>* out) {
  if (j.is_null()) return Status::Ok();
  if (!j.is_array() || j.size() > kMaxNames) {
    return Status::InvalidArgument(where + ": a list of at most 50 names");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& n = j[i];
    if (!n.is_string() || n.get<std::string>().empty() ||
        n.get<std::string>().size() > kMaxNameBytes) {
      return Status::InvalidArgument(where + "[" + std::to_string(i) +
                                     "]: a name of 1 to 64 characters");
    }
    if (seen.insert(n.get<std::string>()).second) out->push_back(n.get<std::string>());
  }
  return Status::Ok();
}

Status UnknownFields(const Json& j, const std::string& where,
                     std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : j.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      return Status::InvalidArgument(where + ": unknown field \"" + k + "\"");
    }
  }
  return Status::Ok();
}

Result<BusinessHours> ParseHours(const Json& j, const std::string& where,
                                 std::string_view zone_dir) {
  if (!j.is_object()) return Status::InvalidArgument(where + ": an object");
  if (Status s = UnknownFields(j, where, {"time_zone", "weekly", "holidays"}); !s.ok()) return s;
  BusinessHours h;
  if (j.contains("time_zone")) {
    if (!j["time_zone"].is_string()) {
      return Status::InvalidArgument(where + ".time_zone: a zone name such as Asia/Shanghai");
    }
    h.time_zone = j["time_zone"].get<std::string>();
  }
  auto zone = TimeZone::Load(h.time_zone, zone_dir);
  if (!zone.ok()) return Status::InvalidArgument(where + ".time_zone: no zone \"" + h.time_zone + "\"");
  h.zone = *zone;
  const Json weekly = j.value("weekly", Json::object());
  if (!weekly.is_object()) {
    return Status::InvalidArgument(where + ".weekly: {mon: [[\"09:00\",\"18:00\"]], ...}");
  }
  for (const auto& [day, intervals] : weekly.items()) {
    const auto* d = std::find_if(std::begin(kDays), std::end(kDays),
                                 [&](const char* n) { return day == n; });
    if (d == std::end(kDays)) {
      return Status::InvalidArgument(where + ".weekly: unknown day \"" + day +
                                     "\" (mon, tue, wed, thu, fri, sat, sun)");
    }
    const std::string dw = where + ".weekly." + day;
    if (!intervals.is_array() || intervals.size() > 12) {
      return Status::InvalidArgument(dw + ": a list of at most 12 [\"HH:MM\",\"HH:MM\"] intervals");
    }
    for (size_t i = 0; i < intervals.size(); ++i) {
      const Json& iv = intervals[i];
      int start = 0, end = 0;
      if (!iv.is_array() || iv.size() != 2 || !ParseClock(iv[0], false, &start) ||
          !ParseClock(iv[1], true, &end)) {
        return Status::InvalidArgument(dw + "[" + std::to_string(i) +
                                       "]: [\"HH:MM\",\"HH:MM\"] (an end at or before the start "
                                       "runs past midnight)");
      }
      h.weekly[static_cast<size_t>(d - std::begin(kDays))].emplace_back(start, end);
    }
  }
  const Json holidays = j.value("holidays", Json::array());
  if (!holidays.is_array() || holidays.size() > 366 * 3) {
    return Status::InvalidArgument(where + ".holidays: a list of \"YYYY-MM-DD\" dates");
  }
  for (size_t i = 0; i < holidays.size(); ++i) {
    const std::string hw = where + ".holidays[" + std::to_string(i) + "]";
    if (!holidays[i].is_string()) return Status::InvalidArgument(hw + ": a \"YYYY-MM-DD\" date");
    auto day = ParseIsoDate(holidays[i].get<std::string>());
    if (!day.ok()) return Status::InvalidArgument(hw + ": " + day.status().message());
    h.holidays.push_back(*day);
  }
  std::sort(h.holidays.begin(), h.holidays.end());
  h.holidays.erase(std::unique(h.holidays.begin(), h.holidays.end()), h.holidays.end());
  return h;
}

std::string Clock(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

}  // namespace

bool IsOpen(const BusinessHours& h, int64_t unix_millis) {
  const int offset = h.zone ? h.zone->OffsetAt(FloorDiv(unix_millis, 1000)) : 0;
  const int64_t local = unix_millis + static_cast<int64_t>(offset) * 1000;
  const int64_t day = FloorDiv(local, kDayMs);
  const int minute = static_cast<int>((local - day * kDayMs) / 60000);
  return OpenOn(h, day, minute, false) || OpenOn(h, day - 1, minute, true);
}

bool IsOpen(const QueueConfig& queue, int64_t unix_millis) {
  return !queue.hours || IsOpen(*queue.hours, unix_millis);
}

bool MayServe(const AgentProfile& p, const QueueConfig& q) {
  if (!p.queues.empty()) return Contains(p.queues, q.name);
  for (const std::string& skill : q.skills) {
    if (!Contains(p.skills, skill)) return false;
  }
  return true;
}

int HandoffPriority(int rule_priority, bool vip, double distress) {
  return rule_priority + (vip ? 2 : 0) + (distress >= 0.8 ? 1 : 0);
}

const QueueConfig* FindQueue(const std::vector<QueueConfig>& queues, std::string_view name) {
  for (const QueueConfig& q : queues) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

Result<std::vector<QueueConfig>> ParseQueues(const Json& j, std::string_view zone_dir) {
  if (!j.is_array() || j.size() > kMaxQueues) {
    return Status::InvalidArgument("queues: a list of at most 100 queues");
  }
  std::vector<QueueConfig> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string where = "queues[" + std::to_string(i) + "]";
    const Json& q = j[i];
    if (!q.is_object()) return Status::InvalidArgument(where + ": an object {name, ...}");
    if (Status s = UnknownFields(q, where, {"name", "skills", "languages", "business_hours"});
        !s.ok()) {
      return s;
    }
    QueueConfig c;
    if (!q.contains("name") || !q["name"].is_string() || q["name"].get<std::string>().empty() ||
        q["name"].get<std::string>().size() > kMaxNameBytes) {
      return Status::InvalidArgument(where + ".name: a name of 1 to 64 characters");
    }
    c.name = q["name"].get<std::string>();
    if (FindQueue(out, c.name) != nullptr) {
      return Status::InvalidArgument(where + ".name: \"" + c.name + "\" twice");
    }
    if (Status s = Names(q.value("skills", Json()), where + ".skills", &c.skills); !s.ok()) return s;
    if (Status s = Names(q.value("languages", Json()), where + ".languages", &c.languages); !s.ok()) {
      return s;
    }
    if (q.contains("business_hours") && !q["business_hours"].is_null()) {
      auto h = ParseHours(q["business_hours"], where + ".business_hours", zone_dir);
      if (!h.ok()) return h.status();
      c.hours = std::move(*h);
    }
    out.push_back(std::move(c));
  }
  return out;
}

Json QueuesJson(const std::vector<QueueConfig>& queues) {
  Json out = Json::array();
  for (const QueueConfig& q : queues) {
    Json j{{"name", q.name}, {"skills", q.skills}, {"languages", q.languages},
           {"business_hours", nullptr}};
    if (q.hours) {
      Json weekly = Json::object();
      for (size_t d = 0; d < 7; ++d) {
        if (q.hours->weekly[d].empty()) continue;
        Json list = Json::array();
        for (const auto& [s, e] : q.hours->weekly[d]) {
          list.push_back({Clock(s), Clock(e)});
        }
        weekly[kDays[d]] = std::move(list);
      }
      Json holidays = Json::array();
      for (int64_t day : q.hours->holidays) holidays.push_back(FormatIsoDate(day));
      j["business_hours"] = {
          {"time_zone", q.hours->time_zone}, {"weekly", weekly}, {"holidays", holidays}};
    }
    out.push_back(std::move(j));
  }
  return out;
}

Result<AgentProfile> ParseAgentProfile(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("an object {queues, skills, languages}");
  if (Status s = UnknownFields(j, "routing", {"queues", "skills", "languages"}); !s.ok()) return s;
  AgentProfile p;
  if (Status s = Names(j.value("queues", Json()), "queues", &p.queues); !s.ok()) return s;
  if (Status s = Names(j.value("skills", Json()), "skills", &p.skills); !s.ok()) return s;
  if (Status s = Names(j.value("languages", Json()), "languages", &p.languages); !s.ok()) return s;
  return p;
}

Json AgentProfileJson(const AgentProfile& p) {
  return Json{{"queues", p.queues}, {"skills", p.skills}, {"languages", p.languages}};
}

}  // namespace kefu::handoff
