#include "core/time_zone.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace kefu {

// ---- civil calendar (proleptic Gregorian), days since 1970-01-01 ----------
// Howard Hinnant's algorithms: exact for every int64 year that fits.

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yy + (*m <= 2));
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool IsValidDate(int y, int m, int d) {
  return m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

Result<int64_t> ParseIsoDate(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("\"{}\" is not a date YYYY-MM-DD", s));
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return bad();
  auto number = [&](size_t at, size_t len, int* out) {
    for (size_t i = at; i < at + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return std::from_chars(s.data() + at, s.data() + at + len, *out).ec == std::errc();
  };
  int y = 0, m = 0, d = 0;
  if (!number(0, 4, &y) || !number(5, 2, &m) || !number(8, 2, &d)) return bad();
  if (m < 1 || m > 12) {
    return Status::InvalidArgument(fmt::format("{} is no date: there is no month {}", s, m));
  }
  if (!IsValidDate(y, m, d)) {
    return Status::InvalidArgument(
        fmt::format("{} is no date: there is no day {} in month {}", s, d, m));
  }
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string FormatIsoDate(int64_t days) {
  int y = 0, m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

// ---- TZif ------------------------------------------------------------------

namespace {

uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

bool PlausibleName(std::string_view name) {
  if (name.empty() || name.size() >= 128 || name.front() == '/') return false;
  if (name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+') {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::shared_ptr<const TimeZone>> TimeZone::Load(std::string_view name,
                                                       std::string_view dir) {
  const std::string unknown = "unknown time zone \"" + std::string(name) + "\"";
  if (!PlausibleName(name)) return Status::NotFound(unknown);
  std::ifstream in(std::string(dir) + "/" + std::string(name), std::ios::binary);
  if (!in) return Status::NotFound(unknown);
  std::stringstream ss;
  ss << in.rdbuf();
  auto zone = std::shared_ptr<TimeZone>(new TimeZone());
  zone->name_ = std::string(name);
  // A directory ("Asia") opens but reads nothing: no TZif header.
  if (!zone->Parse(ss.str())) {
    return Status::NotFound("malformed time zone \"" + std::string(name) + "\"");
  }
  return std::shared_ptr<const TimeZone>(std::move(zone));
}

bool TimeZone::Parse(const std::string& data) {
  auto p = reinterpret_cast<const unsigned char*>(data.data());
  const size_t n = data.size();
  auto header = [&](size_t at, uint32_t c[6]) {
    if (at + 44 > n || std::memcmp(p + at, "TZif", 4) != 0) return false;
    for (int k = 0; k < 6; ++k) c[k] = Be32(p + at + 20 + 4 * k);
    return true;
  };
  uint32_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(0, c)) return false;
  const size_t v1_size =
      44 + size_t{c[3]} * 5 + size_t{c[4]} * 6 + c[5] + size_t{c[2]} * 8 + c[1] + c[0];
  size_t at = 44;
  int time_size = 4;
  if (p[4] >= '2' && v1_size < n) {
    if (!header(v1_size, c)) return false;
    at = v1_size + 44;
    time_size = 8;
  }
  const size_t timecnt = c[3], typecnt = c[4];
  if (typecnt == 0 || at + timecnt * (time_size + 1) + typecnt * 6 > n) return false;
  const unsigned char* tt = p + at;
  const unsigned char* idx = tt + timecnt * time_size;
  const unsigned char* types = idx + timecnt;
  auto utoff = [&](size_t type) { return static_cast<int32_t>(Be32(types + 6 * type)); };
  times_.reserve(timecnt);
  offsets_.reserve(timecnt);
  for (size_t k = 0; k < timecnt; ++k) {
    int64_t t;
    if (time_size == 8) {
      const uint64_t v = (uint64_t{Be32(tt + 8 * k)} << 32) | Be32(tt + 8 * k + 4);
      t = static_cast<int64_t>(v);
    } else {
      t = static_cast<int32_t>(Be32(tt + 4 * k));
    }
    if (idx[k] >= typecnt) return false;
    times_.push_back(t);
    offsets_.push_back(utoff(idx[k]));
  }
  first_offset_ = utoff(0);
  return true;
}

int TimeZone::OffsetAt(int64_t t) const {
  if (times_.empty() || t < times_.front()) return first_offset_;
  const size_t k = std::upper_bound(times_.begin(), times_.end(), t) - times_.begin() - 1;
  return offsets_[k];
}

int64_t TimeZone::LocalDay(int64_t unix_millis) const {
  const int64_t seconds = FloorDiv(unix_millis, 1000);
  return FloorDiv(seconds + OffsetAt(seconds), 86400);
}

}  // namespace kefu
