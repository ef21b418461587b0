// Shared by the entity scanners (entities*.cc); not part of the contract.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time_zone.h"
#include "nlu/entities.h"
#include "text/text.h"

namespace kefu::nlu::entities {

// The text as the scanners read it: one folded code point per input code
// point (full-width ASCII → ASCII, ideographic space → space, ASCII letters
// lower case; an invalid byte → U+FFFD, which no scanner accepts), with the
// byte offset of each in the raw text.
struct FoldedText {
  std::u32string cps;
  std::vector<size_t> raw;           // raw[i]: offset of cps[i]; raw[cps.size()]: end of the scan
  std::string utf8;                  // cps as UTF-8 (for regular expressions)
  std::vector<uint32_t> cp_at_byte;  // utf8 byte → index in cps; one more for the end
};

FoldedText Fold(std::string_view raw);

// A found entity in code-point indices [b, e) of FoldedText::cps.
struct Span {
  size_t b = 0, e = 0;
  EntityType type = EntityType::kNumber;
  std::string value, unit;
};

inline bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char32_t c) { return c >= 'a' && c <= 'z'; }
inline bool IsAsciiAlnum(char32_t c) { return IsAsciiDigit(c) || IsAsciiAlpha(c); }

// Whether s[i, i + word.size()) is `word` (ASCII or CJK, already folded).
inline bool At(const std::u32string& s, size_t i, std::u32string_view word) {
  if (i >= s.size() || word.empty() || s[i] != word[0]) return false;
  return i + word.size() <= s.size() && std::u32string_view(s).substr(i, word.size()) == word;
}

// A number at s[i]: Arabic digits (1,299.00; 3.5; with a trailing 千/万/亿
// multiplier: 1.5万) or Chinese numerals (三百二十, 两千五, 一万二, 十五,
// 零点五, 二零二六). Returns the index after it, or i when there is none.
// `chinese` tells whether it was written in Chinese numerals; `digits` is
// the count of digit characters read.
struct NumberRead {
  size_t end = 0;
  double value = 0;
  bool chinese = false;
  bool decimal = false;  // had a decimal point
  int digits = 0;
};
NumberRead ReadNumber(const std::u32string& s, size_t i);

// "320", "0.5", "12000", "1299.5".
std::string FormatNumber(double v);

void FindNumbersAndAmounts(const FoldedText& t, std::vector<Span>* out);

// Dates and times resolved at `now_unix` in `zone` (its offset at any instant).
using Zone = kefu::TimeZone;
void FindDateTimes(const FoldedText& t, int64_t now_unix, const Zone& zone, std::vector<Span>* out);

}  // namespace kefu::nlu::entities
