#include "core/time_zone.h"

#include <gtest/gtest.h>

namespace kefu {
namespace {

TEST(CivilCalendar, DaysRoundTripAndKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2026, 5, 1), 20574);
  for (int64_t days = -800'000; days <= 800'000; days += 997) {
    int y = 0, m = 0, d = 0;
    CivilFromDays(days, &y, &m, &d);
    ASSERT_TRUE(IsValidDate(y, m, d)) << days;
    ASSERT_EQ(DaysFromCivil(y, m, d), days);
  }
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2100, 2), 28);
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_FALSE(IsValidDate(2026, 13, 1));
  EXPECT_FALSE(IsValidDate(2026, 4, 31));
  EXPECT_EQ(FloorDiv(-1, 1000), -1);
  EXPECT_EQ(FloorDiv(-1000, 1000), -1);
  EXPECT_EQ(FloorDiv(999, 1000), 0);
}

TEST(CivilCalendar, IsoDatesParseStrictly) {
  EXPECT_EQ(*ParseIsoDate("2026-05-01"), 20574);
  EXPECT_EQ(*ParseIsoDate("2024-02-29"), DaysFromCivil(2024, 2, 29));
  EXPECT_EQ(FormatIsoDate(20574), "2026-05-01");
  EXPECT_EQ(FormatIsoDate(-1), "1969-12-31");
  for (const char* bad : {"", "2026-5-01", "2026-05-1", "2026/05/01", "2026-05-01T00:00",
                          "+026-05-01", "2026-05-0x", " 2026-05-1", "20260501"}) {
    auto r = ParseIsoDate(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("YYYY-MM-DD"), std::string::npos) << r.status().message();
  }
  auto feb30 = ParseIsoDate("2026-02-30");
  ASSERT_FALSE(feb30.ok());
  EXPECT_EQ(feb30.status().message(), "2026-02-30 is no date: there is no day 30 in month 2");
  EXPECT_FALSE(ParseIsoDate("2026-02-29").ok()) << "2026 is no leap year";
  EXPECT_EQ(ParseIsoDate("2026-00-10").status().message(),
            "2026-00-10 is no date: there is no month 0");
}

TEST(TimeZone, OffsetsAndLocalDaysFromTzdata) {
  auto shanghai = TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(shanghai.ok()) << shanghai.status().ToString();
  EXPECT_EQ((*shanghai)->name(), "Asia/Shanghai");
  EXPECT_EQ((*shanghai)->OffsetAt(1'777'593'600), 8 * 3600);  // 2026-05-01T00:00Z
  // 2026-05-01T15:59:59.999Z is the last millisecond of May 1st in Shanghai.
  const int64_t may1_utc_ms = 1'777'593'600'000;
  EXPECT_EQ((*shanghai)->LocalDay(may1_utc_ms + 16 * 3'600'000 - 1), 20574);
  EXPECT_EQ((*shanghai)->LocalDay(may1_utc_ms + 16 * 3'600'000), 20575);
  EXPECT_EQ((*shanghai)->LocalDay(may1_utc_ms - 8 * 3'600'000), 20574);
  EXPECT_EQ((*shanghai)->LocalDay(may1_utc_ms - 8 * 3'600'000 - 1), 20573);

  auto utc = TimeZone::Load("UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ((*utc)->OffsetAt(0), 0);
  EXPECT_EQ((*utc)->LocalDay(-1), -1) << "before the epoch rounds down";
  EXPECT_EQ((*utc)->LocalDay(may1_utc_ms), 20574);

  // Daylight saving time: New York is UTC-4 in July, UTC-5 in January.
  auto ny = TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ((*ny)->OffsetAt(1'782'864'000), -4 * 3600);  // 2026-07-01T00:00Z
  EXPECT_EQ((*ny)->OffsetAt(1'767'225'600), -5 * 3600);  // 2026-01-01T00:00Z
  // 2026-07-01T03:30Z is still June 30th in New York.
  EXPECT_EQ((*ny)->LocalDay(1'782'864'000'000 + 3 * 3'600'000 + 1'800'000),
            DaysFromCivil(2026, 6, 30));
}

TEST(TimeZone, UnknownOrUnsafeNamesAreNotFound) {
  for (const char* name : {"Mars/Olympus", "../../etc/passwd", "/etc/passwd", "Asia", "",
                           "Asia/Sh anghai", "Asia/../Asia/Shanghai"}) {
    auto z = TimeZone::Load(name);
    ASSERT_FALSE(z.ok()) << name;
    EXPECT_EQ(z.status().code(), Code::kNotFound) << name;
  }
  EXPECT_FALSE(TimeZone::Load("Asia/Shanghai", "/nonexistent/zoneinfo").ok());
}

}  // namespace
}  // namespace kefu
