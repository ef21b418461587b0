// Time zones from the system's tzdata, and the civil calendar.
//
// g++ 12 has no C++20 zone support (std::chrono::locate_zone), and
// localtime_r under a changed TZ is not thread-safe, so kefu reads a zone's
// TZif file (/usr/share/zoneinfo/Area/City) once and looks offsets up in its
// transition table. Used by the entity extractor (relative dates resolved in
// the conversation's zone) and by the numbers (GET /api/v1/stats: days in the
// caller's zone).
//
// A TimeZone is immutable after Load: any thread. The calendar functions are
// pure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu {

// Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1–12, d 1–31;
// not checked: see IsValidDate), and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int* y, int* m, int* d);
int DaysInMonth(int y, int m);
bool IsValidDate(int y, int m, int d);

// "YYYY-MM-DD" → days since 1970-01-01. Exactly ten characters, a real date.
// Errors: InvalidArgument naming what is wrong ("2026-02-30 is no date").
Result<int64_t> ParseIsoDate(std::string_view text);
// Days since 1970-01-01 → "YYYY-MM-DD" (years 0–9999).
std::string FormatIsoDate(int64_t days);

// Floor division, for instants before the epoch too.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

class TimeZone {
 public:
  // The zone `name` (IANA: "Asia/Shanghai", "UTC") from `dir`. Version 2+
  // files use their 64-bit data; past the last transition the last offset is
  // kept (tzdata's "fat" files list transitions up to 2037).
  // Errors: NotFound for a name that is not a zone (malformed names, "..",
  // absolute paths included: never read outside `dir`) or a malformed file.
  static Result<std::shared_ptr<const TimeZone>> Load(std::string_view name,
                                                      std::string_view dir = "/usr/share/zoneinfo");

  const std::string& name() const { return name_; }
  // The UTC offset in seconds at `unix_seconds` (DST included).
  int OffsetAt(int64_t unix_seconds) const;
  // The local calendar day (days since 1970-01-01) of the instant `unix_millis`.
  int64_t LocalDay(int64_t unix_millis) const;

 private:
  bool Parse(const std::string& data);

  std::string name_;
  std::vector<int64_t> times_;  // transitions, ascending
  std::vector<int> offsets_;    // the offset from times_[k] on
  int first_offset_ = 0;        // before the first transition
};

}  // namespace kefu
