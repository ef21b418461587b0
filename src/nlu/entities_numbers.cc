// Numbers (Arabic and Chinese numerals) and amounts of money.
#include <cmath>
#include <cstdio>

#include "nlu/entities_internal.h"

namespace kefu::nlu::entities {

namespace {

int ZhDigit(char32_t c) {
  switch (c) {
    case U'零':
    case U'〇':
      return 0;
    case U'一':
    case U'壹':
      return 1;
    case U'二':
    case U'贰':
    case U'貳':
    case U'两':
    case U'兩':
      return 2;
    case U'三':
    case U'叁':
      return 3;
    case U'四':
    case U'肆':
      return 4;
    case U'五':
    case U'伍':
      return 5;
    case U'六':
    case U'陆':
    case U'陸':
      return 6;
    case U'七':
    case U'柒':
      return 7;
    case U'八':
    case U'捌':
      return 8;
    case U'九':
    case U'玖':
      return 9;
    default:
      return -1;
  }
}

int ZhSmallUnit(char32_t c) {
  switch (c) {
    case U'十':
    case U'拾':
      return 10;
    case U'百':
    case U'佰':
      return 100;
    case U'千':
    case U'仟':
      return 1000;
    default:
      return 0;
  }
}

double ZhBigUnit(char32_t c) {
  switch (c) {
    case U'万':
    case U'萬':
      return 1e4;
    case U'亿':
    case U'億':
      return 1e8;
    default:
      return 0;
  }
}

NumberRead ReadChinese(const std::u32string& s, size_t i) {
  NumberRead r;
  r.end = i;
  r.chinese = true;
  size_t j = i;
  // A run of digits without units reads digit by digit: 二零二六 → 2026.
  size_t k = j;
  while (k < s.size() && ZhDigit(s[k]) >= 0) ++k;
  if (k - j >= 2 && (k == s.size() || (!ZhSmallUnit(s[k]) && !ZhBigUnit(s[k])))) {
    double v = 0;
    for (size_t m = j; m < k; ++m) v = v * 10 + ZhDigit(s[m]);
    r.end = k;
    r.value = v;
    r.digits = static_cast<int>(k - j);
    return r;
  }
  double result = 0, section = 0, number = 0;
  bool has_number = false, after_zero = false;
  int last_unit = 0;  // the unit just before a trailing digit (for 两千五)
  double last_big = 0;
  for (; j < s.size(); ++j) {
    char32_t c = s[j];
    int d = ZhDigit(c);
    if (d >= 0) {
      if (has_number) break;  // two digits in a row after units: stop
      number = d;
      has_number = true;
      after_zero = after_zero || d == 0;
      ++r.digits;
      if (d == 0) has_number = false, after_zero = true;
      continue;
    }
    if (int u = ZhSmallUnit(c)) {
      if (!has_number && u != 10) break;  // 百 alone is no number
      if (!has_number && u == 10) number = 1;
      section += number * u;
      number = 0;
      has_number = false;
      after_zero = false;
      last_unit = u;
      last_big = 0;
      ++r.digits;
      continue;
    }
    if (double big = ZhBigUnit(c)) {
      if (!has_number && section == 0 && result == 0) break;
      section += number;
      if (big == 1e8) {
        result = (result + section) * big;
      } else {
        result += section * big;
      }
      section = number = 0;
      has_number = false;
      after_zero = false;
      last_unit = 0;
      last_big = big;
      ++r.digits;
      continue;
    }
    break;
  }
  if (r.digits == 0) return r;
  // A trailing digit right after a unit stands for the next lower unit:
  // 两千五 = 2500, 一万二 = 12000, 三百二 = 320.
  if (has_number && !after_zero) {
    if (last_unit >= 100)
      number *= last_unit / 10;
    else if (last_big > 0 && last_unit == 0)
      number *= last_big / 10;
  }
  r.value = result + section + number;
  r.end = j;
  // 零点五, 三点五: a decimal part (a single digit run after 点 that no
  // minute or unit follows: 三点五十分 and 三点半 are times).
  if (j + 1 < s.size() && s[j] == U'点' && ZhDigit(s[j + 1]) >= 0) {
    size_t m = j + 1;
    std::string frac;
    while (m < s.size() && ZhDigit(s[m]) >= 0)
      frac.push_back(static_cast<char>('0' + ZhDigit(s[m++])));
    bool time_like = m < s.size() && (s[m] == U'分' || ZhSmallUnit(s[m]));
    if (!time_like && (frac.size() == 1 || r.value == 0)) {
      r.value += std::stod("0." + frac);
      r.decimal = true;
      r.end = m;
      r.digits += static_cast<int>(frac.size());
    }
  }
  return r;
}

}  // namespace

NumberRead ReadNumber(const std::u32string& s, size_t i) {
  NumberRead r;
  r.end = i;
  if (i >= s.size()) return r;
  if (!IsAsciiDigit(s[i])) return ReadChinese(s, i);
  std::string digits;
  size_t j = i;
  while (j < s.size()) {
    if (IsAsciiDigit(s[j])) {
      digits.push_back(static_cast<char>(s[j++]));
    } else if (s[j] == ',' && !r.decimal && !digits.empty() && j + 3 < s.size() &&
               IsAsciiDigit(s[j + 1]) && IsAsciiDigit(s[j + 2]) && IsAsciiDigit(s[j + 3]) &&
               (j + 4 >= s.size() || !IsAsciiDigit(s[j + 4]))) {
      ++j;  // a thousands separator: exactly three digits follow
    } else if (s[j] == '.' && !r.decimal && j + 1 < s.size() && IsAsciiDigit(s[j + 1])) {
      r.decimal = true;
      digits.push_back('.');
      ++j;
    } else {
      break;
    }
  }
  r.digits = static_cast<int>(digits.size()) - (r.decimal ? 1 : 0);
  r.value = std::strtod(digits.c_str(), nullptr);
  r.end = j;
  // 1.5万, 3千, 2亿
  if (j < s.size()) {
    if (double big = ZhBigUnit(s[j])) {
      r.value *= big;
      r.end = j + 1;
    } else if (s[j] == U'千' || s[j] == U'仟') {
      r.value *= 1000;
      r.end = j + 1;
    }
  }
  return r;
}

std::string FormatNumber(double v) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

namespace {

struct Currency {
  std::u32string_view word;
  std::string_view code;
  bool latin;  // a Latin word: must end at a word boundary
};

// After the number (skipping spaces): 300元, 25 dollars.
constexpr Currency kSuffixes[] = {
    {U"元钱", "CNY", false},   {U"块钱", "CNY", false},  {U"人民币", "CNY", false},
    {U"美元", "USD", false},   {U"美金", "USD", false},  {U"欧元", "EUR", false},
    {U"英镑", "GBP", false},   {U"港币", "HKD", false},  {U"港元", "HKD", false},
    {U"日元", "JPY", false},   {U"元", "CNY", false},    {U"块", "CNY", false},
    {U"圆", "CNY", false},     {U"塊", "CNY", false},    {U"rmb", "CNY", true},
    {U"cny", "CNY", true},     {U"yuan", "CNY", true},   {U"usd", "USD", true},
    {U"dollars", "USD", true}, {U"dollar", "USD", true}, {U"bucks", "USD", true},
    {U"eur", "EUR", true},     {U"euros", "EUR", true},  {U"euro", "EUR", true},
    {U"gbp", "GBP", true},     {U"pounds", "GBP", true}, {U"hkd", "HKD", true},
    {U"jpy", "JPY", true},     {U"yen", "JPY", true},
};

// Before the number: ¥300, $25, RMB 100.
constexpr Currency kPrefixes[] = {
    {U"us$", "USD", false}, {U"hk$", "HKD", false}, {U"¥", "CNY", false},  {U"￥", "CNY", false},
    {U"$", "USD", false},   {U"€", "EUR", false},   {U"£", "GBP", false},  {U"rmb", "CNY", true},
    {U"cny", "CNY", true},  {U"usd", "USD", true},  {U"eur", "EUR", true}, {U"hkd", "HKD", true},
};

// Chinese words that hold a numeral without being a number.
constexpr std::u32string_view kNotNumbers[] = {
    U"一下",     U"一起",     U"一些",   U"一直",   U"一定",   U"一点", U"一样", U"一般",
    U"一切",     U"一致",     U"一会",   U"一边",   U"一共",   U"一旦", U"一向", U"一味",
    U"一再",     U"一律",     U"一丝",   U"万一",   U"十分",   U"一路", U"一同", U"一贯",
    U"统一",     U"唯一",     U"之一",   U"一刻",   U"三刻",   U"一时", U"千万", U"万分",
    U"一模一样", U"一直以来", U"百分百", U"一口气", U"一方面",
};

// Measure words and units after a number that make one Chinese digit a number.
constexpr std::u32string_view kMeasures =
    U"个件台张次天元块斤岁号份瓶盒箱单位人本条只双套包袋米克吨年月周小分秒层楼期";

bool LatinBoundary(const std::u32string& s, size_t i) {
  return i >= s.size() || !IsAsciiAlnum(s[i]);
}

bool NotANumber(const std::u32string& s, size_t b) {
  for (std::u32string_view w : kNotNumbers) {
    // The numeral may sit anywhere in the word (统一, 万一).
    for (size_t k = 0; k < w.size(); ++k)
      if (b >= k && At(s, b - k, w)) return true;
  }
  return false;
}

}  // namespace

void FindNumbersAndAmounts(const FoldedText& t, std::vector<Span>* out) {
  const std::u32string& s = t.cps;
  for (size_t i = 0; i < s.size();) {
    // A currency sign or code before the number.
    std::string_view prefix_code;
    size_t start = i, num_at = i;
    for (const Currency& c : kPrefixes) {
      if (!At(s, i, c.word)) continue;
      if (c.latin && i > 0 && IsAsciiAlpha(s[i - 1])) continue;
      size_t j = i + c.word.size();
      while (j < s.size() && s[j] == ' ') ++j;
      if (j < s.size() && IsAsciiDigit(s[j])) {
        prefix_code = c.code;
        num_at = j;
      }
      break;
    }
    bool digit_start = num_at < s.size() && IsAsciiDigit(s[num_at]);
    if (digit_start && num_at == i && i > 0 && (IsAsciiAlnum(s[i - 1]) || s[i - 1] == '.')) {
      // Inside a word or a longer number (A12, v2.0): skip the whole token.
      while (i < s.size() && (IsAsciiAlnum(s[i]) || s[i] == '.')) ++i;
      continue;
    }
    NumberRead n = ReadNumber(s, num_at);
    if (n.end == num_at) {
      ++i;
      continue;
    }
    size_t end = n.end;
    double value = n.value;
    std::string_view code = prefix_code;
    if (code.empty()) {
      size_t j = end;
      while (j < s.size() && s[j] == ' ') ++j;
      for (const Currency& c : kSuffixes) {
        if (!At(s, j, c.word)) continue;
        if (c.latin && !LatinBoundary(s, j + c.word.size())) continue;
        code = c.code;
        end = j + c.word.size();
        // 三块五, 3块5毛: tenths after 块/元.
        if (!c.latin && (c.word == U"块" || c.word == U"元" || c.word == U"塊")) {
          NumberRead tenth = ReadNumber(s, end);
          if (tenth.end == end + 1 && tenth.value < 10 && !tenth.decimal) {
            size_t m = tenth.end;
            bool unit = m < s.size() && (s[m] == U'毛' || s[m] == U'角');
            bool alone = m >= s.size() || !(ZhSmallUnit(s[m]) || IsAsciiDigit(s[m]) ||
                                            s[m] == U'个' || s[m] == U'天');
            if (unit || alone) {
              value += tenth.value / 10;
              end = unit ? m + 1 : m;
            }
          }
        }
        break;
      }
      // 5毛, 八角: tenths of a yuan.
      if (code.empty() && j < s.size() && (s[j] == U'毛' || s[j] == U'角') && j == end) {
        code = "CNY";
        value /= 10;
        end = j + 1;
      }
    }
    if (!code.empty()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f", value);
      out->push_back({start, end, EntityType::kAmount, buf, std::string(code)});
      i = end;
      continue;
    }
    // A plain number. Chinese numerals need to look like one: two or more
    // characters, or a measure word after them, and not a word like 一下.
    bool keep = true;
    if (n.chinese) {
      bool measured = n.end < s.size() && kMeasures.find(s[n.end]) != std::u32string_view::npos;
      keep =
          (n.end - num_at >= 2 || measured) && !NotANumber(s, num_at) && !NotANumber(s, n.end - 1);
    } else if (n.end < s.size() && IsAsciiAlpha(s[n.end])) {
      // 15cm is a number; 3a6b is not. Keep when letters are a short unit.
      size_t m = n.end;
      while (m < s.size() && IsAsciiAlpha(s[m])) ++m;
      keep = m - n.end <= 3 && (m >= s.size() || !IsAsciiDigit(s[m]));
    }
    if (keep) out->push_back({num_at, n.end, EntityType::kNumber, FormatNumber(value), ""});
    i = n.end > i ? n.end : i + 1;
  }
}

}  // namespace kefu::nlu::entities
