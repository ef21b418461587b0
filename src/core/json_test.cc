#include "core/json.h"

#include <gtest/gtest.h>

namespace kefu {
namespace {

TEST(Utf8, AcceptsValidRejectsInvalid) {
  EXPECT_TRUE(IsValidUtf8("hello"));
  EXPECT_TRUE(IsValidUtf8("你好，世界"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // emoji
  EXPECT_FALSE(IsValidUtf8("\xC3"));             // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));         // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));     // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80")); // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("a\xFF" "b"));
}

TEST(ParseJsonObject, PreciseErrors) {
  EXPECT_TRUE(ParseJsonObject(R"({"a":1})").ok());
  EXPECT_EQ(ParseJsonObject("{\"a\":").status().code(), Code::kInvalidJson);
  EXPECT_EQ(ParseJsonObject("[1,2]").status().code(), Code::kInvalidJson);
  EXPECT_EQ(ParseJsonObject("{\"a\":\"\xFF\"}").status().code(), Code::kInvalidUtf8);
}

}  // namespace
}  // namespace kefu
