#include <gtest/gtest.h>

#include "text/text.h"

namespace kefu::text {
namespace {

TEST(Utf8, DecodeGivesLengthAndCodePointOrZeroForInvalidBytes) {
  struct Case {
    std::string bytes;
    size_t len;
    char32_t cp;
  } cases[] = {
      {"a", 1, U'a'},
      {"\xC3\xA9", 2, U'é'},
      {"退", 3, U'退'},
      {"\xF0\x9F\x98\xA1", 4, U'😡'},
      {"\x80", 0, 0},              // a continuation byte alone
      {"\xE9\x80", 0, 0},          // cut off by the end
      {"\xC0\xAF", 0, 0},          // overlong '/'
      {"\xED\xA0\x80", 0, 0},      // a surrogate
      {"\xF4\x90\x80\x80", 0, 0},  // past U+10FFFF
      {"\xE9\x41\x80", 0, 0},      // a missing continuation byte
  };
  for (const auto& c : cases) {
    char32_t cp = 0;
    EXPECT_EQ(DecodeUtf8(c.bytes, 0, &cp), c.len) << c.bytes;
    if (c.len > 0) {
      EXPECT_EQ(cp, c.cp) << c.bytes;
    }
  }
}

TEST(Utf8, AppendRoundTripsThroughDecode) {
  for (char32_t cp : {U'a', U'é', U'退', U'😡', char32_t{0x10FFFF}}) {
    std::string s;
    AppendUtf8(cp, &s);
    char32_t back = 0;
    ASSERT_EQ(DecodeUtf8(s, 0, &back), s.size());
    EXPECT_EQ(back, cp);
  }
}

TEST(Utf8, SanitizeReplacesEachInvalidByte) {
  EXPECT_EQ(SanitizeUtf8("ok"), "ok");
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeUtf8("\xE9\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("退货"), "退货");
}

}  // namespace
}  // namespace kefu::text
