#include "nlu/entities.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kefu::nlu {
namespace {

// 2026-12-02 (a Wednesday) 10:00 in Asia/Shanghai.
constexpr int64_t kNow = 1796176800000;

std::unique_ptr<EntityExtractor> Make(EntityConfig config = {}) {
  auto x = EntityExtractor::Create(config);
  EXPECT_TRUE(x.ok()) << x.status().ToString();
  return std::move(*x);
}

struct Case {
  const char* text;
  EntityType type;
  const char* span;  // the text the entity covers
  const char* value;
  const char* unit = "";
};

// Every case must yield exactly one entity of its type, with that span and value.
void ExpectEach(const EntityExtractor& x, const std::vector<Case>& cases,
                const char* zone = "Asia/Shanghai") {
  for (const Case& c : cases) {
    std::vector<Entity> found = x.Extract(c.text, {kNow, zone});
    std::vector<Entity> of_type;
    for (const Entity& e : found)
      if (e.type == c.type) of_type.push_back(e);
    ASSERT_EQ(of_type.size(), 1u) << c.text << " (found " << found.size() << ")";
    const Entity& e = of_type[0];
    EXPECT_EQ(e.text, c.span) << c.text;
    EXPECT_EQ(e.value, c.value) << c.text;
    EXPECT_EQ(e.unit, c.unit) << c.text;
    EXPECT_EQ(std::string(c.text).substr(e.begin, e.end - e.begin), e.text) << c.text;
    if (c.type != EntityType::kLookup && c.type != EntityType::kPattern) {
      EXPECT_EQ(e.name, EntityTypeName(c.type));
    }
  }
}

TEST(EntitiesTest, PhoneNumbers) {
  ExpectEach(
      *Make(),
      {
          {"我的手机是13812345678", EntityType::kPhone, "13812345678", "+8613812345678"},
          {"电话 138 0013 8000 谢谢", EntityType::kPhone, "138 0013 8000", "+8613800138000"},
          {"+86 138-0013-8000", EntityType::kPhone, "+86 138-0013-8000", "+8613800138000"},
          {"手机：＋８６１３８００１３８０００", EntityType::kPhone, "＋８６１３８００１３８０００",
           "+8613800138000"},
          {"008613912345678", EntityType::kPhone, "008613912345678", "+8613912345678"},
          {"座机010-12345678", EntityType::kPhone, "010-12345678", "+861012345678"},
          {"客服电话400-820-8820", EntityType::kPhone, "400-820-8820", "+864008208820"},
          {"电话13812345678 2号楼", EntityType::kPhone, "13812345678", "+8613812345678"},
          {"call me at +1 (415) 555-2671", EntityType::kPhone, "+1 (415) 555-2671", "+14155552671"},
          {"UK: +44 20 7946 0958.", EntityType::kPhone, "+44 20 7946 0958", "+442079460958"},
      });
  auto x = Make();
  // Not phones: too short, a 12-digit run, a number starting 12.
  for (const char* text : {"1381234567", "138123456789", "12012345678", "+12"}) {
    for (const Entity& e : x->Extract(text, {kNow, ""}))
      EXPECT_NE(e.type, EntityType::kPhone) << text;
  }
}

TEST(EntitiesTest, Emails) {
  ExpectEach(*Make(),
             {
                 {"邮箱 Zhang.San@Example.COM 谢谢", EntityType::kEmail, "Zhang.San@Example.COM",
                  "zhang.san@example.com"},
                 {"mail me: a_b+tag@mail.co.uk.", EntityType::kEmail, "a_b+tag@mail.co.uk",
                  "a_b+tag@mail.co.uk"},
                 {"发到ｌｉ＠ｑｑ．ｃｏｍ", EntityType::kEmail, "ｌｉ＠ｑｑ．ｃｏｍ", "li@qq.com"},
             });
  auto x = Make();
  for (const char* text : {"@home", "a@b", "me@localhost", "x@y.1"}) {
    for (const Entity& e : x->Extract(text, {kNow, ""}))
      EXPECT_NE(e.type, EntityType::kEmail) << text;
  }
}

TEST(EntitiesTest, OrderNumbersWithADefaultAndATenantPattern) {
  ExpectEach(
      *Make(),
      {
          {"订单号SF1234567890，还没到", EntityType::kOrderNumber, "SF1234567890", "SF1234567890"},
          {"order 2026120212345678 please", EntityType::kOrderNumber, "2026120212345678",
           "2026120212345678"},
          {"单号 jd0012345678", EntityType::kOrderNumber, "jd0012345678", "JD0012345678"},
      });
  EntityConfig config;
  config.order_number_pattern = "KF-[0-9]{6}";
  ExpectEach(*Make(config),
             {
                 {"my order kf-123456 is late", EntityType::kOrderNumber, "kf-123456", "KF123456"},
             });
  // A phone number is a phone, not an order number.
  for (const Entity& e : Make()->Extract("13812345678", {kNow, ""}))
    EXPECT_EQ(e.type, EntityType::kPhone);
}

TEST(EntitiesTest, AmountsAndCurrencies) {
  ExpectEach(*Make(),
             {
                 {"退我三百块", EntityType::kAmount, "三百块", "300.00", "CNY"},
                 {"一共1,299.00元", EntityType::kAmount, "1,299.00元", "1299.00", "CNY"},
                 {"it cost $25", EntityType::kAmount, "$25", "25.00", "USD"},
                 {"$1,299.99 is too much", EntityType::kAmount, "$1,299.99", "1299.99", "USD"},
                 {"three is 25 dollars", EntityType::kAmount, "25 dollars", "25.00", "USD"},
                 {"€30 too much", EntityType::kAmount, "€30", "30.00", "EUR"},
                 {"￥99", EntityType::kAmount, "￥99", "99.00", "CNY"},
                 {"RMB 100", EntityType::kAmount, "RMB 100", "100.00", "CNY"},
                 {"100块钱", EntityType::kAmount, "100块钱", "100.00", "CNY"},
                 {"三块五", EntityType::kAmount, "三块五", "3.50", "CNY"},
                 {"5毛", EntityType::kAmount, "5毛", "0.50", "CNY"},
                 {"1.5万元", EntityType::kAmount, "1.5万元", "15000.00", "CNY"},
                 {"50美元", EntityType::kAmount, "50美元", "50.00", "USD"},
             });
}

TEST(EntitiesTest, NumbersIncludingChineseNumerals) {
  ExpectEach(*Make(), {
                          {"三百二十", EntityType::kNumber, "三百二十", "320"},
                          {"两千五", EntityType::kNumber, "两千五", "2500"},
                          {"一万二", EntityType::kNumber, "一万二", "12000"},
                          {"十五", EntityType::kNumber, "十五", "15"},
                          {"零点五", EntityType::kNumber, "零点五", "0.5"},
                          {"买三件", EntityType::kNumber, "三", "3"},
                          {"一千零五", EntityType::kNumber, "一千零五", "1005"},
                          {"I need 12 of them", EntityType::kNumber, "12", "12"},
                          {"about 3.75 kg", EntityType::kNumber, "3.75", "3.75"},
                          {"１２３", EntityType::kNumber, "１２３", "123"},
                      });
  // Words that hold a numeral are not numbers.
  auto x = Make();
  for (const char* text : {"等一下", "一起买", "一些问题", "十分满意", "万一丢了", "统一", "A12"}) {
    for (const Entity& e : x->Extract(text, {kNow, ""}))
      EXPECT_NE(e.type, EntityType::kNumber) << text << ": " << e.text;
  }
}

TEST(EntitiesTest, DatesAndTimesAgainstTheConversationClock) {
  ExpectEach(
      *Make(),
      {
          {"明天下午三点", EntityType::kDateTime, "明天下午三点", "2026-12-03T15:00:00+08:00",
           "datetime"},
          {"下周一送到", EntityType::kDateTime, "下周一", "2026-12-07", "date"},
          {"后天", EntityType::kDateTime, "后天", "2026-12-04", "date"},
          {"3月5日", EntityType::kDateTime, "3月5日", "2027-03-05", "date"},
          {"11月28日下的单", EntityType::kDateTime, "11月28日", "2026-11-28", "date"},
          {"周五晚上8点", EntityType::kDateTime, "周五晚上8点", "2026-12-04T20:00:00+08:00",
           "datetime"},
          {"今晚8点半", EntityType::kDateTime, "今晚8点半", "2026-12-02T20:30:00+08:00",
           "datetime"},
          {"明天上午十点半", EntityType::kDateTime, "明天上午十点半", "2026-12-03T10:30:00+08:00",
           "datetime"},
          {"3天后", EntityType::kDateTime, "3天后", "2026-12-05", "date"},
          {"两个小时后", EntityType::kDateTime, "两个小时后", "2026-12-02T12:00:00+08:00",
           "datetime"},
          {"半小时后", EntityType::kDateTime, "半小时后", "2026-12-02T10:30:00+08:00", "datetime"},
          {"2026年12月25日", EntityType::kDateTime, "2026年12月25日", "2026-12-25", "date"},
          {"十二月五日", EntityType::kDateTime, "十二月五日", "2026-12-05", "date"},
          {"下下周三", EntityType::kDateTime, "下下周三", "2026-12-16", "date"},
          {"星期天", EntityType::kDateTime, "星期天", "2026-12-06", "date"},
          {"5号能到吗", EntityType::kDateTime, "5号", "2026-12-05", "date"},
          {"下个月5号", EntityType::kDateTime, "下个月5号", "2027-01-05", "date"},
          {"月底前发货", EntityType::kDateTime, "月底", "2026-12-31", "date"},
          {"下个月底", EntityType::kDateTime, "下个月底", "2027-01-31", "date"},
          {"上个月28号买的", EntityType::kDateTime, "上个月28号", "2026-11-28", "date"},
          {"next Monday", EntityType::kDateTime, "next Monday", "2026-12-07", "date"},
          {"tomorrow at 3pm", EntityType::kDateTime, "tomorrow at 3pm", "2026-12-03T15:00:00+08:00",
           "datetime"},
          {"in 2 days", EntityType::kDateTime, "in 2 days", "2026-12-04", "date"},
          {"in 3 hours", EntityType::kDateTime, "in 3 hours", "2026-12-02T13:00:00+08:00",
           "datetime"},
          {"in two days", EntityType::kDateTime, "in two days", "2026-12-04", "date"},
          {"ordered it three weeks ago", EntityType::kDateTime, "three weeks ago", "2026-11-11",
           "date"},
          {"2026-12-05", EntityType::kDateTime, "2026-12-05", "2026-12-05", "date"},
          {"3 days ago", EntityType::kDateTime, "3 days ago", "2026-11-29", "date"},
          {"last Monday", EntityType::kDateTime, "last Monday", "2026-11-30", "date"},
          {"Dec 5th", EntityType::kDateTime, "Dec 5th", "2026-12-05", "date"},
          {"this weekend", EntityType::kDateTime, "this weekend", "2026-12-05", "date"},
          {"next weekend", EntityType::kDateTime, "next weekend", "2026-12-12", "date"},
          {"by the end of the month", EntityType::kDateTime, "end of the month", "2026-12-31",
           "date"},
          {"end of next month", EntityType::kDateTime, "end of next month", "2027-01-31", "date"},
          {"这周末", EntityType::kDateTime, "这周末", "2026-12-05", "date"},
          {"5 December", EntityType::kDateTime, "5 December", "2026-12-05", "date"},
          {"at 15:00", EntityType::kDateTime, "15:00", "2026-12-02T15:00:00+08:00", "datetime"},
          {"三点", EntityType::kDateTime, "三点", "2026-12-02T15:00:00+08:00", "datetime"},
          {"明天三点", EntityType::kDateTime, "明天三点", "2026-12-03T15:00:00+08:00", "datetime"},
          {"凌晨三点", EntityType::kDateTime, "凌晨三点", "2026-12-02T03:00:00+08:00", "datetime"},
          {"明天早上8点", EntityType::kDateTime, "明天早上8点", "2026-12-03T08:00:00+08:00",
           "datetime"},
          {"tomorrow at 3", EntityType::kDateTime, "tomorrow at 3", "2026-12-03T15:00:00+08:00",
           "datetime"},
          {"see you at 10:30 tomorrow", EntityType::kDateTime, "10:30 tomorrow",
           "2026-12-03T10:30:00+08:00", "datetime"},
          {"下午一点", EntityType::kDateTime, "下午一点", "2026-12-02T13:00:00+08:00", "datetime"},
          {"一点半", EntityType::kDateTime, "一点半", "2026-12-02T13:30:00+08:00", "datetime"},
      });
}

TEST(EntitiesTest, TimeZonesComeFromTzdata) {
  // The same instant, 2026-12-02T02:00Z, is still 2026-12-01 in New York (EST).
  ExpectEach(*Make(),
             {
                 {"tomorrow at 3pm", EntityType::kDateTime, "tomorrow at 3pm",
                  "2026-12-02T15:00:00-05:00", "datetime"},
                 {"in 3 hours", EntityType::kDateTime, "in 3 hours", "2026-12-02T00:00:00-05:00",
                  "datetime"},
             },
             "America/New_York");
  // Daylight saving time: a date in July is resolved with its own offset.
  ExpectEach(*Make(),
             {{"2027-07-01 at 9am", EntityType::kDateTime, "2027-07-01 at 9am",
               "2027-07-01T09:00:00-04:00", "datetime"}},
             "America/New_York");
  auto summer = UtcOffsetSeconds("Europe/Berlin", 1782000000);  // 2026-06-21
  ASSERT_TRUE(summer.ok());
  EXPECT_EQ(*summer, 7200);
  EXPECT_EQ(*UtcOffsetSeconds("Asia/Shanghai", 1796176800), 8 * 3600);
  EXPECT_EQ(UtcOffsetSeconds("Mars/Olympus", 0).status().code(), Code::kNotFound);
  EXPECT_EQ(UtcOffsetSeconds("../../etc/passwd", 0).status().code(), Code::kNotFound);
  // An unknown zone in the context falls back to the default.
  ExpectEach(*Make(), {{"明天", EntityType::kDateTime, "明天", "2026-12-03", "date"}},
             "Nowhere/Atlantis");
  EntityConfig bad;
  bad.default_time_zone = "Nowhere/Atlantis";
  EXPECT_EQ(EntityExtractor::Create(bad).status().code(), Code::kNotFound);
}

TEST(EntitiesTest, TenantLookupsAndPatterns) {
  EntityConfig config;
  config.lookups.push_back(
      {"carrier",
       {{"sf", {"顺丰", "SF Express", "顺丰速运"}}, {"jd", {"京东物流", "JD Logistics"}}}});
  config.patterns.push_back({"membership_id", "VIP[0-9]{6}"});
  auto x = Make(config);
  std::vector<Entity> found =
      x->Extract("我用顺丰速运寄的，不是SF Express吗？sfx不算，会员vip123456", {kNow, ""});
  std::vector<std::string> got;
  for (const Entity& e : found) got.push_back(e.name + ":" + e.text + "=" + e.value);
  EXPECT_EQ(got, (std::vector<std::string>{"carrier:顺丰速运=sf", "carrier:SF Express=sf",
                                           "membership_id:vip123456=vip123456"}));
  ExpectEach(
      *x, {{"ship with jd logistics", EntityType::kLookup, "jd logistics", "jd"},
           {"会员号ＶＩＰ１２３４５６", EntityType::kPattern, "ＶＩＰ１２３４５６", "VIP123456"}});

  // A pattern with alternatives in Chinese and a word boundary, as a shop writes one.
  EntityConfig shoes;
  shoes.patterns.push_back(
      {"shoe_size", "(3[4-9]|4[0-7])(\\.5)? ?(码|碼|号|號)|size ?(3[4-9]|4[0-7])(\\.5)?\\b"});
  ExpectEach(*Make(shoes), {{"我要换42码", EntityType::kPattern, "42码", "42码"},
                            {"38.5碼有嗎", EntityType::kPattern, "38.5碼", "38.5碼"},
                            {"do you have Size 41?", EntityType::kPattern, "Size 41", "Size 41"}});

  EntityConfig broken;
  broken.patterns.push_back({"bad", "([unclosed"});
  auto e = EntityExtractor::Create(broken);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("bad"), std::string::npos);
  EntityConfig nameless;
  nameless.lookups.push_back({"", {{"x", {}}}});
  EXPECT_FALSE(EntityExtractor::Create(nameless).ok());
}

TEST(EntitiesTest, SpansDoNotOverlapAndAreOrdered) {
  auto x = Make();
  std::vector<Entity> found = x->Extract(
      "订单SF1234567890，明天下午三点前退我1,299.00元，电话13812345678，邮箱a@b.com", {kNow, ""});
  std::vector<EntityType> types;
  for (size_t i = 0; i < found.size(); ++i) {
    types.push_back(found[i].type);
    if (i > 0) {
      EXPECT_LE(found[i - 1].end, found[i].begin);
    }
  }
  EXPECT_EQ(types,
            (std::vector<EntityType>{EntityType::kOrderNumber, EntityType::kDateTime,
                                     EntityType::kAmount, EntityType::kPhone, EntityType::kEmail}));
}

TEST(EntitiesTest, BadInputGivesADefinedResult) {
  auto x = Make();
  for (const char* text :
       {"", "   ", "\t\n", "😀😡🙏", "\xff\xfe\xc3", "一下子买了一些", "能便宜一点吗"}) {
    EXPECT_TRUE(x->Extract(text, {kNow, ""}).empty()) << text;
  }
  // Invalid bytes never join a span, and offsets still point into the input.
  std::string broken =
      "\xff"
      "13812345678\xc3";
  auto found = x->Extract(broken, {kNow, ""});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].begin, 1u);
  EXPECT_EQ(found[0].text, "13812345678");
  // 10,000 characters: the entities in it are found, fast enough not to matter.
  std::string big;
  for (int i = 0; i < 1000; ++i) big += "我想问一下 ";
  big += "明天 13812345678";
  auto in_big = x->Extract(big, {kNow, ""});
  ASSERT_EQ(in_big.size(), 2u);
  EXPECT_EQ(in_big[1].value, "+8613812345678");
  // Past 64 KiB nothing more is read.
  std::string huge(70 * 1024, 'x');
  huge += " 13812345678";
  EXPECT_TRUE(x->Extract(huge, {kNow, ""}).empty());
  std::string digits(20000, '9');
  EXPECT_LE(x->Extract(digits, {kNow, ""}).size(), 1u);
}

}  // namespace
}  // namespace kefu::nlu
