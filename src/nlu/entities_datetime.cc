// Dates and times in Chinese and English, absolute and relative, resolved
// against the conversation's clock and zone.
//
// The text is read as a sequence of atoms — a day (明天, tomorrow), a weekday
// (下周一, next Monday), a calendar date (3月5日, 2026-12-05, Dec 5th), a
// part of the day (下午, evening), a clock time (三点半, 3pm, 15:00) or an
// offset (3天后, in 2 days, 半小时后) — and atoms next to each other (with
// only spaces, commas, at/on/the or 的 between them) make one entity.
//
// Conventions, where language leaves a choice:
//  - weeks start on Monday; 下周X / next X is day X of next week, 这周X /
//    this X of this week, 上周X of last week, last X the most recent one
//    before today, a bare 周五 / Friday the next one from today (today
//    included);
//  - a date without a year is the one closest to today (3月5日 said in
//    December is next March), and so is a day without a month (5号);
//    下个月5号 and 月底 (the month's last day) count from this month;
//  - 下午, 晚上, evening, night put hours below 12 after noon; 中午 1–5 too;
//    without a part of the day or am/pm, 1–6 o'clock is in the afternoon
//    (明天三点, tomorrow at 3), and 7–11 alone (九点) is too when it has
//    passed today while its afternoon reading has not;
//  - a day without a clock time gives a date ("2026-12-03"); an offset in
//    hours or minutes gives a date and time.
#include <cstdio>
#include <cstdlib>

#include "nlu/entities_internal.h"

namespace kefu::nlu::entities {
namespace {

// The civil calendar (DaysFromCivil, CivilFromDays, DaysInMonth, FloorDiv) is core/time_zone.h's.

// 1 = Monday … 7 = Sunday.
int Weekday(int64_t days) {
  int64_t w = (days + 3) % 7;  // 1970-01-01 was a Thursday
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

// ---- atoms -----------------------------------------------------------------

enum class Part { kNone, kEarly, kMorning, kNoon, kAfternoon, kEvening, kNight };

// "last Friday": the most recent Friday before today (上周五 is last week's).
constexpr int kMostRecent = -100;

struct Atom {
  enum Kind { kDay, kWeekday, kDate, kPart, kClock, kOffset } kind = kDay;
  size_t b = 0, e = 0;
  int day_offset = 0;                // kDay
  int weekday = 0, week_shift = 0;   // kWeekday: 1..7; −1 last, 0 this, 1 next, 2 …
  bool bare_week = false;            // kWeekday without 下/这/next/this
  bool weak = false;                 // kClock 一点 alone: more often "a little"
  int year = 0, month = 0, day = 0;  // kDate (year 0: closest)
  bool relative_month = false;       // kDate: month_shift months from this one
  int month_shift = 0;               // day 0: the month's last day (月底)
  Part part = Part::kNone;           // kPart (also set by 今晚, tonight, …)
  int hour = -1, minute = 0;         // kClock
  int ampm = 0;                      // kClock: 1 am, 2 pm
  int64_t offset_seconds = 0;        // kOffset in hours and minutes
  int offset_days = 0, offset_months = 0;
};

bool WordAt(const std::u32string& s, size_t i, std::u32string_view w) {
  if (!At(s, i, w)) return false;
  bool latin = IsAsciiAlpha(w.front());
  if (!latin) return true;
  if (i > 0 && IsAsciiAlnum(s[i - 1])) return false;
  size_t e = i + w.size();
  return e >= s.size() || !IsAsciiAlnum(s[e]);
}

size_t SkipSpaces(const std::u32string& s, size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

// A whole number at s[i] (no decimal part): its end, or i.
size_t ReadInt(const std::u32string& s, size_t i, int* v) {
  if (i >= s.size()) return i;
  if (IsAsciiDigit(s[i])) {
    size_t j = i;
    int64_t x = 0;
    while (j < s.size() && IsAsciiDigit(s[j]) && j - i < 6) x = x * 10 + (s[j++] - '0');
    if (j < s.size() && IsAsciiDigit(s[j])) return i;  // too long to be a date part
    *v = static_cast<int>(x);
    return j;
  }
  NumberRead n = ReadNumber(s, i);
  if (n.end == i || !n.chinese) return i;
  // ReadNumber reads 三点五 as 3.5; a clock wants the 3.
  double whole = static_cast<double>(static_cast<int64_t>(n.value));
  if (n.decimal) {
    size_t j = i;
    while (j < n.end && s[j] != U'点') ++j;
    *v = static_cast<int>(whole);
    return j;
  }
  if (n.value > 1e6) return i;
  *v = static_cast<int>(whole);
  return n.end;
}

struct DayWord {
  std::u32string_view w;
  int offset;
  Part part;
};
constexpr DayWord kZhDays[] = {
    {U"大后天", 3, Part::kNone},  {U"大後天", 3, Part::kNone},  {U"后天", 2, Part::kNone},
    {U"後天", 2, Part::kNone},    {U"明天", 1, Part::kNone},    {U"明日", 1, Part::kNone},
    {U"明儿", 1, Part::kNone},    {U"明早", 1, Part::kMorning}, {U"明晚", 1, Part::kNight},
    {U"今天", 0, Part::kNone},    {U"今日", 0, Part::kNone},    {U"今儿", 0, Part::kNone},
    {U"今早", 0, Part::kMorning}, {U"今晚", 0, Part::kNight},   {U"大前天", -3, Part::kNone},
    {U"昨天", -1, Part::kNone},   {U"昨日", -1, Part::kNone},   {U"昨晚", -1, Part::kNight},
    {U"前天", -2, Part::kNone},
};
constexpr DayWord kEnDays[] = {
    {U"the day after tomorrow", 2, Part::kNone},
    {U"day after tomorrow", 2, Part::kNone},
    {U"tomorrow", 1, Part::kNone},
    {U"tmrw", 1, Part::kNone},
    {U"tmr", 1, Part::kNone},
    {U"today", 0, Part::kNone},
    {U"tonight", 0, Part::kNight},
    {U"yesterday", -1, Part::kNone},
};

struct PartWord {
  std::u32string_view w;
  Part part;
};
constexpr PartWord kParts[] = {
    {U"凌晨", Part::kEarly},      {U"半夜", Part::kNight},      {U"早上", Part::kMorning},
    {U"早晨", Part::kMorning},    {U"清晨", Part::kMorning},    {U"上午", Part::kMorning},
    {U"中午", Part::kNoon},       {U"下午", Part::kAfternoon},  {U"傍晚", Part::kEvening},
    {U"晚上", Part::kNight},      {U"晚间", Part::kNight},      {U"夜里", Part::kNight},
    {U"夜间", Part::kNight},      {U"morning", Part::kMorning}, {U"afternoon", Part::kAfternoon},
    {U"evening", Part::kEvening}, {U"night", Part::kNight},
};

struct WeekPrefix {
  std::u32string_view w;
  int shift;
};
constexpr WeekPrefix kZhWeekPrefixes[] = {
    {U"下下个", 2}, {U"下下", 2},  {U"下个", 1}, {U"下個", 1}, {U"下", 1},
    {U"这个", 0},   {U"這個", 0},  {U"这", 0},   {U"這", 0},   {U"本", 0},
    {U"上个", -1},  {U"上個", -1}, {U"上", -1},
};
constexpr std::u32string_view kZhWeekWords[] = {U"星期", U"礼拜", U"禮拜", U"周", U"週"};

int ZhWeekday(char32_t c) {
  switch (c) {
    case U'一':
    case '1':
      return 1;
    case U'二':
    case '2':
      return 2;
    case U'三':
    case '3':
      return 3;
    case U'四':
    case '4':
      return 4;
    case U'五':
    case '5':
      return 5;
    case U'六':
    case '6':
      return 6;
    case U'日':
    case U'天':
    case '7':
      return 7;
    default:
      return 0;
  }
}

constexpr std::u32string_view kEnWeekdays[][2] = {
    {U"monday", U"mon"}, {U"tuesday", U"tue"},  {U"wednesday", U"wed"}, {U"thursday", U"thu"},
    {U"friday", U"fri"}, {U"saturday", U"sat"}, {U"sunday", U"sun"},
};
constexpr std::u32string_view kEnMonths[][2] = {
    {U"january", U"jan"},   {U"february", U"feb"}, {U"march", U"mar"},    {U"april", U"apr"},
    {U"may", U"may"},       {U"june", U"jun"},     {U"july", U"jul"},     {U"august", U"aug"},
    {U"september", U"sep"}, {U"october", U"oct"},  {U"november", U"nov"}, {U"december", U"dec"},
};

int EnMonthAt(const std::u32string& s, size_t i, size_t* end) {
  for (int m = 0; m < 12; ++m)
    for (std::u32string_view w : kEnMonths[m])
      if (WordAt(s, i, w)) {
        *end = i + w.size();
        if (*end < s.size() && s[*end] == '.') ++*end;
        return m + 1;
      }
  if (WordAt(s, i, U"sept")) {
    *end = i + 4;
    return 9;
  }
  return 0;
}

size_t SkipOrdinal(const std::u32string& s, size_t i) {
  for (std::u32string_view w : {U"st", U"nd", U"rd", U"th"})
    if (At(s, i, w) && (i + 2 >= s.size() || !IsAsciiAlpha(s[i + 2]))) return i + 2;
  return i;
}

// Units of an offset, longest first.
struct OffsetUnit {
  std::u32string_view w;
  int64_t seconds;
  int days, months;
};
constexpr OffsetUnit kZhOffsetUnits[] = {
    {U"个小时", 3600, 0, 0}, {U"個小時", 3600, 0, 0}, {U"个钟头", 3600, 0, 0},
    {U"个星期", 0, 7, 0},    {U"个礼拜", 0, 7, 0},    {U"个月", 0, 0, 1},
    {U"個月", 0, 0, 1},      {U"小时", 3600, 0, 0},   {U"小時", 3600, 0, 0},
    {U"钟头", 3600, 0, 0},   {U"分钟", 60, 0, 0},     {U"分鐘", 60, 0, 0},
    {U"星期", 0, 7, 0},      {U"礼拜", 0, 7, 0},      {U"天", 0, 1, 0},
    {U"日", 0, 1, 0},        {U"周", 0, 7, 0},        {U"月", 0, 0, 1},
};
constexpr OffsetUnit kEnOffsetUnits[] = {
    {U"minutes", 60, 0, 0}, {U"minute", 60, 0, 0}, {U"mins", 60, 0, 0},  {U"min", 60, 0, 0},
    {U"hours", 3600, 0, 0}, {U"hour", 3600, 0, 0}, {U"hrs", 3600, 0, 0}, {U"hr", 3600, 0, 0},
    {U"days", 0, 1, 0},     {U"day", 0, 1, 0},     {U"weeks", 0, 7, 0},  {U"week", 0, 7, 0},
    {U"months", 0, 0, 1},   {U"month", 0, 0, 1},
};

// one … twelve, fifteen, twenty, thirty as a word at s[i]: its end, or i.
size_t EnNumberWord(const std::u32string& s, size_t i, int* v) {
  static constexpr std::pair<std::u32string_view, int> kWords[] = {
      {U"one", 1},     {U"two", 2},     {U"three", 3},    {U"four", 4},    {U"five", 5},
      {U"six", 6},     {U"seven", 7},   {U"eight", 8},    {U"nine", 9},    {U"ten", 10},
      {U"eleven", 11}, {U"twelve", 12}, {U"fifteen", 15}, {U"twenty", 20}, {U"thirty", 30},
  };
  for (auto [w, n] : kWords)
    if (WordAt(s, i, w)) {
      *v = n;
      return i + w.size();
    }
  return i;
}

void SetOffset(Atom* a, const OffsetUnit& u, double n, int sign) {
  a->kind = Atom::kOffset;
  if (u.seconds) a->offset_seconds = static_cast<int64_t>(sign * n * u.seconds);
  a->offset_days = static_cast<int>(sign * n * u.days);
  a->offset_months = static_cast<int>(sign * n * u.months);
}

// "<unit> ago" / "<unit> later" after a number n that ends at s[at]
// ("3 days ago", "two hours later"): sets the offset atom and its end.
bool EnOffsetAt(const std::u32string& s, size_t at, int n, Atom* a) {
  size_t u_at = SkipSpaces(s, at);
  for (const OffsetUnit& u : kEnOffsetUnits) {
    if (!WordAt(s, u_at, u.w)) continue;
    size_t after = SkipSpaces(s, u_at + u.w.size());
    int sign = WordAt(s, after, U"ago") ? -1 : WordAt(s, after, U"later") ? 1 : 0;
    if (sign == 0) return false;
    SetOffset(a, u, n, sign);
    a->e = after + (sign < 0 ? 3 : 5);
    return true;
  }
  return false;
}

// The atom starting at s[i], if any.
bool ReadAtom(const std::u32string& s, size_t i, Atom* a) {
  *a = Atom{};
  a->b = i;
  const char32_t c = s[i];
  if (c >= 0x3000) {  // Chinese
    for (const DayWord& d : kZhDays)
      if (At(s, i, d.w)) {
        a->kind = Atom::kDay;
        a->day_offset = d.offset;
        a->part = d.part;
        a->e = i + d.w.size();
        return true;
      }
    for (const PartWord& p : kParts)
      if (!IsAsciiAlpha(p.w.front()) && At(s, i, p.w)) {
        a->kind = Atom::kPart;
        a->part = p.part;
        a->e = i + p.w.size();
        return true;
      }
    // (下|这|上)?(周|星期|礼拜)(一…日|末)
    size_t j = i;
    int shift = 0;
    bool prefixed = false;
    for (const WeekPrefix& p : kZhWeekPrefixes)
      if (At(s, i, p.w)) {
        j = i + p.w.size();
        shift = p.shift;
        prefixed = true;
        break;
      }
    for (std::u32string_view w : kZhWeekWords) {
      if (!At(s, j, w)) continue;
      size_t k = j + w.size();
      if (k >= s.size()) break;
      int wd = ZhWeekday(s[k]);
      if (s[k] == U'末') wd = 6;
      if (wd == 0) break;
      a->kind = Atom::kWeekday;
      a->weekday = wd;
      a->week_shift = shift;
      a->bare_week = !prefixed;
      a->e = k + 1;
      return true;
    }
    // 下个月5号, 这个月底, 月底
    {
      size_t k = i;
      int shift = 0;
      bool month_word = false;
      for (auto [w, sh] : {std::pair<std::u32string_view, int>{U"下下个月", 2},
                           {U"下个月", 1},
                           {U"下個月", 1},
                           {U"下月", 1},
                           {U"这个月", 0},
                           {U"這個月", 0},
                           {U"本月", 0},
                           {U"这月", 0},
                           {U"上个月", -1},
                           {U"上個月", -1},
                           {U"上月", -1}})
        if (At(s, i, w)) {
          k = i + w.size();
          shift = sh;
          month_word = true;
          break;
        }
      bool end_of_month = false;
      if (At(s, k, U"月底") || At(s, k, U"月末")) {
        k += 2, end_of_month = true;
      } else if (month_word && (At(s, k, U"底") || At(s, k, U"末"))) {
        k += 1, end_of_month = true;
      }
      int d = 0;
      size_t de = end_of_month || !month_word ? k : ReadInt(s, k, &d);
      if (end_of_month || (de > k && d >= 1 && d <= 31 && de < s.size() &&
                           (s[de] == U'号' || s[de] == U'號' || s[de] == U'日'))) {
        a->kind = Atom::kDate;
        a->relative_month = true;
        a->month_shift = shift;
        a->day = end_of_month ? 0 : d;
        a->e = end_of_month ? k : de + 1;
        return true;
      }
    }
    // 过3天, 再过两天
    j = i;
    if (At(s, j, U"再过"))
      j += 2;
    else if (At(s, j, U"过"))
      j += 1;
    if (j > i) {
      NumberRead n = ReadNumber(s, j);
      if (n.end > j)
        for (const OffsetUnit& u : kZhOffsetUnits)
          if (At(s, n.end, u.w)) {
            SetOffset(a, u, n.value, 1);
            a->e = n.end + u.w.size();
            for (std::u32string_view after : {U"以后", U"之后", U"后"})
              if (At(s, a->e, after)) a->e += after.size();
            return true;
          }
    }
    // 半小时后
    if (At(s, i, U"半")) {
      for (std::u32string_view w : {U"个小时", U"小时", U"个钟头"})
        if (At(s, i + 1, w)) {
          size_t k = i + 1 + w.size();
          for (std::u32string_view after : {U"以后", U"之后", U"后"})
            if (At(s, k, after)) {
              a->kind = Atom::kOffset;
              a->offset_seconds = 1800;
              a->e = k + after.size();
              return true;
            }
        }
    }
  }

  if (IsAsciiAlpha(c) && (i == 0 || !IsAsciiAlnum(s[i - 1]))) {  // English words
    for (const DayWord& d : kEnDays)
      if (WordAt(s, i, d.w)) {
        a->kind = Atom::kDay;
        a->day_offset = d.offset;
        a->part = d.part;
        a->e = i + d.w.size();
        return true;
      }
    // (next|this|last|coming)? weekday
    size_t j = i;
    int shift = 0;
    bool prefixed = false;
    for (auto [w, sh] : {std::pair<std::u32string_view, int>{U"next", 1},
                         std::pair<std::u32string_view, int>{U"this", 0},
                         std::pair<std::u32string_view, int>{U"last", kMostRecent},
                         std::pair<std::u32string_view, int>{U"coming", 0}})
      if (WordAt(s, i, w)) {
        j = SkipSpaces(s, i + w.size());
        shift = sh;
        prefixed = std::u32string_view(w) != U"coming";
        break;
      }
    for (int d = 0; d < 7; ++d)
      for (std::u32string_view w : kEnWeekdays[d])
        if (WordAt(s, j, w)) {
          a->kind = Atom::kWeekday;
          a->weekday = d + 1;
          a->week_shift = shift;
          a->bare_week = !prefixed;
          a->e = j + w.size();
          return true;
        }
    // (this|next)? weekend: its Saturday
    {
      size_t k = prefixed ? j : i;
      if (WordAt(s, k, U"weekend")) {
        a->kind = Atom::kWeekday;
        a->weekday = 6;
        a->week_shift = shift == kMostRecent ? -1 : shift;
        a->bare_week = !prefixed;
        a->e = k + 7;
        return true;
      }
    }
    // end of the month, end of next month: its last day
    if (WordAt(s, i, U"end")) {
      size_t k = SkipSpaces(s, i + 3);
      if (WordAt(s, k, U"of")) {
        k = SkipSpaces(s, k + 2);
        int shift_m = 0;
        if (WordAt(s, k, U"the"))
          k = SkipSpaces(s, k + 3);
        else if (WordAt(s, k, U"this"))
          k = SkipSpaces(s, k + 4);
        else if (WordAt(s, k, U"next"))
          k = SkipSpaces(s, k + 4), shift_m = 1;
        if (WordAt(s, k, U"month")) {
          a->kind = Atom::kDate;
          a->relative_month = true;
          a->month_shift = shift_m;
          a->day = 0;
          a->e = k + 5;
          return true;
        }
      }
    }
    // two days ago, three hours later
    {
      int w = 0;
      size_t we = EnNumberWord(s, i, &w);
      if (we > i && EnOffsetAt(s, we, w, a)) return true;
    }
    // next week / next month: not a date on their own.
    for (const PartWord& p : kParts)
      if (IsAsciiAlpha(p.w.front()) && WordAt(s, i, p.w)) {
        a->kind = Atom::kPart;
        a->part = p.part;
        a->e = i + p.w.size();
        return true;
      }
    if (WordAt(s, i, U"noon") || WordAt(s, i, U"midnight")) {
      a->kind = Atom::kClock;
      a->hour = s[i] == 'n' ? 12 : 0;
      a->e = i + (s[i] == 'n' ? 4 : 8);
      return true;
    }
    // Dec 5th, December 5, 2026
    size_t k = 0;
    if (int m = EnMonthAt(s, i, &k)) {
      size_t dpos = SkipSpaces(s, k);
      int day = 0;
      size_t de = ReadInt(s, dpos, &day);
      if (de > dpos && IsAsciiDigit(s[dpos]) && day >= 1 && day <= 31) {
        de = SkipOrdinal(s, de);
        a->kind = Atom::kDate;
        a->month = m;
        a->day = day;
        a->e = de;
        size_t y = de;
        if (y < s.size() && s[y] == ',') ++y;
        y = SkipSpaces(s, y);
        int year = 0;
        size_t ye = ReadInt(s, y, &year);
        if (ye == y + 4 && year >= 1900 && year <= 2200) a->year = year, a->e = ye;
        return true;
      }
    }
    // in 2 days, in an hour, in half an hour
    if (WordAt(s, i, U"in")) {
      size_t n_at = SkipSpaces(s, i + 2);
      double n = 0;
      size_t n_end = n_at;
      if (WordAt(s, n_at, U"half")) {
        size_t k2 = SkipSpaces(s, n_at + 4);
        if (WordAt(s, k2, U"an")) {
          size_t h = SkipSpaces(s, k2 + 2);
          if (WordAt(s, h, U"hour")) {
            a->kind = Atom::kOffset;
            a->offset_seconds = 1800;
            a->e = h + 4;
            return true;
          }
        }
      } else if (WordAt(s, n_at, U"a") || WordAt(s, n_at, U"an")) {
        n = 1;
        n_end = n_at + (s[n_at + 1] == 'n' ? 2 : 1);
      } else if (n_at < s.size() && IsAsciiDigit(s[n_at])) {
        NumberRead r = ReadNumber(s, n_at);
        n = r.value;
        n_end = r.end;
      } else {
        int w = 0;
        n_end = EnNumberWord(s, n_at, &w);
        n = w;
      }
      if (n_end > n_at) {
        size_t u_at = SkipSpaces(s, n_end);
        for (const OffsetUnit& u : kEnOffsetUnits)
          if (WordAt(s, u_at, u.w)) {
            SetOffset(a, u, n, 1);
            a->e = u_at + u.w.size();
            return true;
          }
      }
    }
  }

  if (IsAsciiDigit(c) || c >= 0x3000) {
    // 2026-12-05, 2026/12/05, 2026.12.05
    if (IsAsciiDigit(c) && (i == 0 || !IsAsciiAlnum(s[i - 1]))) {
      int y = 0, m = 0, d = 0;
      size_t ye = ReadInt(s, i, &y);
      if (ye == i + 4 && ye < s.size() && (s[ye] == '-' || s[ye] == '/' || s[ye] == '.')) {
        char32_t sep = s[ye];
        size_t me = ReadInt(s, ye + 1, &m);
        if (me > ye + 1 && me - ye - 1 <= 2 && me < s.size() && s[me] == sep) {
          size_t de = ReadInt(s, me + 1, &d);
          if (de > me + 1 && de - me - 1 <= 2 && m >= 1 && m <= 12 && d >= 1 &&
              d <= DaysInMonth(y, m) && (de >= s.size() || !IsAsciiDigit(s[de]))) {
            a->kind = Atom::kDate;
            a->year = y, a->month = m, a->day = d;
            a->e = de;
            if (de < s.size() && (s[de] == U'日' || s[de] == U'号')) ++a->e;
            return true;
          }
        }
      }
      // 15:00, 3:30pm
      int h = 0, mi = 0;
      size_t he = ReadInt(s, i, &h);
      if (he > i && he - i <= 2 && he + 2 < s.size() + 1 && he < s.size() && s[he] == ':') {
        size_t mie = ReadInt(s, he + 1, &mi);
        if (mie == he + 3 && h <= 24 && mi <= 59) {
          a->kind = Atom::kClock;
          a->hour = h % 24, a->minute = mi;
          a->e = mie;
          size_t k = SkipSpaces(s, mie);
          for (auto [w, ap] : {std::pair<std::u32string_view, int>{U"a.m.", 1},
                               std::pair<std::u32string_view, int>{U"p.m.", 2},
                               std::pair<std::u32string_view, int>{U"am", 1},
                               std::pair<std::u32string_view, int>{U"pm", 2}})
            if (At(s, k, w) && (k + std::u32string_view(w).size() >= s.size() ||
                                !IsAsciiAlpha(s[k + std::u32string_view(w).size()]))) {
              a->ampm = ap;
              a->e = k + std::u32string_view(w).size();
              break;
            }
          return true;
        }
      }
      // at 3, at 10:30 (after "at", a bare hour is a clock time)
      if (he > i && he - i <= 2 && h <= 23 && i >= 3 && s[i - 1] == ' ' &&
          WordAt(s, i - 3, U"at") && (he >= s.size() || s[he] != ':')) {
        size_t k = SkipSpaces(s, he);
        bool ampm_follows =
            At(s, k, U"am") || At(s, k, U"pm") || At(s, k, U"a.m.") || At(s, k, U"p.m.");
        bool unit_follows = IsAsciiAlpha(k < s.size() ? s[k] : 0) && !ampm_follows &&
                            !WordAt(s, k, U"tomorrow") && !WordAt(s, k, U"today") &&
                            !WordAt(s, k, U"tonight") && !WordAt(s, k, U"on");
        if (!ampm_follows && !unit_follows && (k >= s.size() || !IsAsciiDigit(s[k]))) {
          a->kind = Atom::kClock;
          a->hour = h;
          a->e = he;
          return true;
        }
      }
      // 3pm, 11 am
      if (he > i && he - i <= 2 && h >= 1 && h <= 12) {
        size_t k = SkipSpaces(s, he);
        for (auto [w, ap] : {std::pair<std::u32string_view, int>{U"a.m.", 1},
                             std::pair<std::u32string_view, int>{U"p.m.", 2},
                             std::pair<std::u32string_view, int>{U"am", 1},
                             std::pair<std::u32string_view, int>{U"pm", 2}})
          if (At(s, k, w) && (k + std::u32string_view(w).size() >= s.size() ||
                              !IsAsciiAlpha(s[k + std::u32string_view(w).size()]))) {
            a->kind = Atom::kClock;
            a->hour = h, a->ampm = ap;
            a->e = k + std::u32string_view(w).size();
            return true;
          }
      }
      // 5 December, 5th of Dec
      if (he > i && he - i <= 2 && h >= 1 && h <= 31) {
        size_t k = SkipSpaces(s, SkipOrdinal(s, he));
        if (WordAt(s, k, U"of")) k = SkipSpaces(s, k + 2);
        size_t me = 0;
        if (int m = EnMonthAt(s, k, &me)) {
          a->kind = Atom::kDate;
          a->month = m, a->day = h;
          a->e = me;
          return true;
        }
      }
      // 3 days ago, 2 hours later
      if (he > i && EnOffsetAt(s, he, h, a)) return true;
    }
    // Chinese: [N年]N月N(日|号), N号, N点…, N天后
    int n = 0;
    size_t ne = ReadInt(s, i, &n);
    if (ne > i && !(i > 0 && IsAsciiDigit(c) && IsAsciiAlnum(s[i - 1]))) {
      size_t k = ne;
      // year
      int year = 0;
      if (k < s.size() && s[k] == U'年' && n >= 1900 && n <= 2200) {
        int m = 0;
        size_t me = ReadInt(s, k + 1, &m);
        if (me > k + 1 && me < s.size() && s[me] == U'月') {
          year = n;
          n = m;
          k = me;
        }
      }
      if (k < s.size() && s[k] == U'月' && n >= 1 && n <= 12) {
        int d = 0;
        size_t de = ReadInt(s, k + 1, &d);
        if (de > k + 1 && d >= 1 && d <= 31) {
          a->kind = Atom::kDate;
          a->year = year, a->month = n, a->day = d;
          a->e = de;
          if (de < s.size() && (s[de] == U'日' || s[de] == U'号' || s[de] == U'號')) ++a->e;
          return true;
        }
      }
      if (k < s.size() && (s[k] == U'号' || s[k] == U'號') && n >= 1 && n <= 31 && year == 0) {
        constexpr std::u32string_view kNotDay = U"楼线门床房机位窗柜台码店仓车厅馆口";
        if (k + 1 >= s.size() || kNotDay.find(s[k + 1]) == std::u32string_view::npos) {
          a->kind = Atom::kDate;
          a->day = n;
          a->e = k + 1;
          return true;
        }
      }
      // N点[半|一刻|三刻|M分], N时; not 零点五 or 三点五, which are numbers.
      bool decimal = !IsAsciiDigit(c) && ReadNumber(s, i).decimal;
      if (!decimal && k < s.size() &&
          (s[k] == U'点' || s[k] == U'點' || s[k] == U'时' || s[k] == U'時') && n <= 24) {
        a->kind = Atom::kClock;
        a->hour = n;
        a->e = k + 1;
        if (At(s, a->e, U"钟") || At(s, a->e, U"鐘")) ++a->e;
        if (At(s, a->e, U"半")) {
          a->minute = 30, ++a->e;
        } else if (At(s, a->e, U"一刻")) {
          a->minute = 15, a->e += 2;
        } else if (At(s, a->e, U"三刻")) {
          a->minute = 45, a->e += 2;
        } else if (At(s, a->e, U"整")) {
          ++a->e;
        } else {
          int m = 0;
          size_t me = ReadInt(s, a->e, &m);
          if (me > a->e && m <= 59) {
            bool unit = me < s.size() && (s[me] == U'分');
            bool arabic_two = IsAsciiDigit(s[a->e]) && me - a->e == 2;
            bool zh_tens = !IsAsciiDigit(s[a->e]) && m >= 10;
            if (unit || arabic_two || zh_tens) {
              a->minute = m;
              a->e = unit ? me + 1 : me;
            }
          }
        }
        if (a->hour == 24) a->hour = 0;
        a->weak = a->hour == 1 && a->minute == 0 && a->e == k + 1 && s[i] == U'一';
        return true;
      }
      // N天后, 3小时以后, 两天前
      for (const OffsetUnit& u : kZhOffsetUnits) {
        if (!At(s, ne, u.w)) continue;
        size_t m = ne + u.w.size();
        for (auto [w, sign] : {std::pair<std::u32string_view, int>{U"以后", 1},
                               std::pair<std::u32string_view, int>{U"之后", 1},
                               std::pair<std::u32string_view, int>{U"以後", 1},
                               std::pair<std::u32string_view, int>{U"后", 1},
                               std::pair<std::u32string_view, int>{U"後", 1},
                               std::pair<std::u32string_view, int>{U"以前", -1},
                               std::pair<std::u32string_view, int>{U"之前", -1},
                               std::pair<std::u32string_view, int>{U"前", -1}})
          if (At(s, m, w)) {
            SetOffset(a, u, n, sign);
            a->e = m + std::u32string_view(w).size();
            return true;
          }
        break;
      }
    }
  }
  return false;
}

bool GapJoins(const std::u32string& s, size_t b, size_t e) {
  size_t i = b;
  while (i < e) {
    if (s[i] == ' ' || s[i] == ',' || s[i] == U'的' || s[i] == U'在' || s[i] == U'，') {
      ++i;
      continue;
    }
    bool word = false;
    for (std::u32string_view w : {U"at", U"on", U"the", U"by", U"around"})
      if (WordAt(s, i, w)) {
        i += w.size();
        word = true;
        break;
      }
    if (!word) return false;
  }
  return true;
}

std::string FormatDate(int64_t days) {
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

// One entity from atoms [first, last].
bool Resolve(const std::vector<Atom>& atoms, size_t first, size_t last, int64_t now,
             const Zone& zone, Span* out) {
  const int off_now = zone.OffsetAt(now);
  const int64_t local_now = now + off_now;
  const int64_t today = FloorDiv(local_now, 86400);
  const int64_t now_sec = local_now - today * 86400;
  int64_t date = today;
  bool has_date = false, has_time = false;
  int hour = 0, minute = 0, second = 0, ampm = 0;
  Part part = Part::kNone;
  for (size_t k = first; k <= last; ++k) {
    const Atom& a = atoms[k];
    switch (a.kind) {
      case Atom::kDay:
        date = today + a.day_offset;
        has_date = true;
        if (a.part != Part::kNone) part = a.part;
        break;
      case Atom::kWeekday: {
        int w0 = Weekday(today);
        int64_t monday = today - (w0 - 1);
        if (a.bare_week) {
          date = today + ((a.weekday - w0 + 7) % 7);
        } else if (a.week_shift == kMostRecent) {
          date = today - ((w0 - a.weekday + 6) % 7 + 1);
        } else {
          date = monday + 7 * a.week_shift + (a.weekday - 1);
        }
        has_date = true;
        break;
      }
      case Atom::kDate: {
        int y0, m0, d0;
        CivilFromDays(today, &y0, &m0, &d0);
        if (a.relative_month) {
          int total = y0 * 12 + (m0 - 1) + a.month_shift;
          int y = total / 12, m = total % 12 + 1;
          int d = a.day == 0 ? DaysInMonth(y, m) : a.day;
          if (d > DaysInMonth(y, m)) return false;
          date = DaysFromCivil(y, m, d);
        } else if (a.year) {
          if (a.day > DaysInMonth(a.year, a.month)) return false;
          date = DaysFromCivil(a.year, a.month, a.day);
        } else if (a.month) {
          int64_t best = 0;
          bool found = false;
          for (int y = y0 - 1; y <= y0 + 1; ++y) {
            if (a.day > DaysInMonth(y, a.month)) continue;
            int64_t c = DaysFromCivil(y, a.month, a.day);
            if (!found || std::llabs(c - today) < std::llabs(best - today)) best = c, found = true;
          }
          if (!found) return false;
          date = best;
        } else {  // 5号: the closest such day of this, last or next month
          int64_t best = 0;
          bool found = false;
          for (int dm = -1; dm <= 1; ++dm) {
            int y = y0, m = m0 + dm;
            if (m < 1) m = 12, --y;
            if (m > 12) m = 1, ++y;
            if (a.day > DaysInMonth(y, m)) continue;
            int64_t c = DaysFromCivil(y, m, a.day);
            if (!found || std::llabs(c - today) < std::llabs(best - today)) best = c, found = true;
          }
          if (!found) return false;
          date = best;
        }
        has_date = true;
        break;
      }
      case Atom::kPart:
        part = a.part;
        break;
      case Atom::kClock:
        hour = a.hour, minute = a.minute, ampm = a.ampm;
        has_time = true;
        break;
      case Atom::kOffset:
        if (a.offset_seconds) {
          int64_t t = local_now + a.offset_seconds;
          date = FloorDiv(t, 86400);
          int64_t sec = t - date * 86400;
          hour = static_cast<int>(sec / 3600), minute = static_cast<int>(sec / 60 % 60);
          second = static_cast<int>(sec % 60);
          has_time = true;
        } else {
          date = (has_date ? date : today) + a.offset_days;
          if (a.offset_months) {
            int y, m, d;
            CivilFromDays(date, &y, &m, &d);
            int total = y * 12 + (m - 1) + a.offset_months;
            y = total / 12, m = total % 12 + 1;
            date = DaysFromCivil(y, m, std::min(d, DaysInMonth(y, m)));
          }
        }
        has_date = true;
        break;
    }
  }
  if (!has_date && !has_time) return false;  // a part of the day alone (morning)
  if (has_time) {
    if (ampm == 2 && hour < 12) hour += 12;
    if (ampm == 1 && hour == 12) hour = 0;
    if (ampm == 0) {
      if ((part == Part::kAfternoon || part == Part::kEvening) && hour < 12) hour += 12;
      if (part == Part::kNight) {
        if (hour == 12)
          hour = 0, ++date;
        else if (hour >= 5 && hour < 12)
          hour += 12;
        else if (hour < 5)
          ++date;  // 今晚1点: after midnight
      }
      if (part == Part::kNoon && hour >= 1 && hour <= 5) hour += 12;
      if (part == Part::kNone && hour >= 1 && hour <= 6) {
        hour += 12;  // 明天三点, tomorrow at 3: in the afternoon, not at night
      } else if (part == Part::kNone && !has_date && hour >= 7 && hour <= 11) {
        int64_t at = hour * 3600 + minute * 60;
        if (at < now_sec && at + 43200 > now_sec) hour += 12;
      }
    }
  }
  char buf[64];
  if (!has_time) {
    out->value = FormatDate(date);
    out->unit = "date";
  } else {
    int64_t local = date * 86400 + hour * 3600 + minute * 60 + second;
    int off = zone.OffsetAt(local - off_now);
    if (off != off_now) off = zone.OffsetAt(local - off);
    int a = off < 0 ? -off : off;
    std::snprintf(buf, sizeof buf, "T%02d:%02d:%02d%c%02d:%02d", hour, minute, second,
                  off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    out->value = FormatDate(date) + buf;
    out->unit = "datetime";
  }
  out->b = atoms[first].b;
  out->e = atoms[last].e;
  out->type = EntityType::kDateTime;
  return true;
}

}  // namespace

void FindDateTimes(const FoldedText& t, int64_t now_unix, const Zone& zone,
                   std::vector<Span>* out) {
  const std::u32string& s = t.cps;
  std::vector<Atom> atoms;
  for (size_t i = 0; i < s.size();) {
    Atom a;
    if (ReadAtom(s, i, &a) && a.e > i) {
      atoms.push_back(a);
      i = a.e;
    } else {
      ++i;
    }
  }
  for (size_t k = 0; k < atoms.size();) {
    size_t last = k;
    // Join neighbours, at most one atom of each kind (下周一下午三点).
    unsigned kinds = 1u << atoms[k].kind;
    while (last + 1 < atoms.size() && !(kinds & (1u << atoms[last + 1].kind)) &&
           GapJoins(s, atoms[last].e, atoms[last + 1].b)) {
      kinds |= 1u << atoms[++last].kind;
    }
    Span span;
    bool weak_alone = k == last && atoms[k].weak;  // 补一点, 快一点: not one o'clock
    if (!weak_alone && Resolve(atoms, k, last, now_unix, zone, &span))
      out->push_back(std::move(span));
    k = last + 1;
  }
}

}  // namespace kefu::nlu::entities
