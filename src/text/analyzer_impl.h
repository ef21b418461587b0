// The Analyzer behind text.h, and the code-point helpers its parts share.
// Private to src/text/: nothing outside this folder includes it.
//
// Thread-safety: AnalyzerImpl holds only immutable state after construction
// (OpenCC converters are read-only dictionaries; ICU's normaliser is a shared
// singleton). What is not thread-safe (ICU break iterators, Snowball stemmers)
// lives in per-thread caches (segment.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <unicode/utypes.h>

#include "text/text.h"

namespace opencc {
class Converter;
}
U_NAMESPACE_BEGIN
class Normalizer2;
U_NAMESPACE_END

namespace kefu::text {

// The code point at s[i] and its length in bytes.
// REQUIRES: s is valid UTF-8 (SanitizeUtf8) and i < s.size() is a boundary.
inline uint32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  unsigned char c = p[0];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  if ((c & 0xE0) == 0xC0) {
    *len = 2;
    return ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  }
  if ((c & 0xF0) == 0xE0) {
    *len = 3;
    return ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
  }
  *len = 4;
  return ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
}

// conv.Convert over all of `s`: OpenCC reads C strings and stops at a NUL
// byte, so the pieces between NULs are converted one by one.
std::string ConvertWhole(const opencc::Converter& conv, std::string_view s);

// True when every byte is ASCII (no decoding needed).
bool IsAscii(std::string_view s);

// CJK Unified Ideographs (with extensions) and compatibility ideographs.
inline bool IsHan(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x323AF);
}
// Hiragana, Katakana (with the prolonged sound mark), half-width Katakana.
inline bool IsKana(uint32_t cp) {
  return (cp >= 0x3041 && cp <= 0x30FA) || cp == 0x30FC || (cp >= 0x31F0 && cp <= 0x31FF) ||
         (cp >= 0xFF66 && cp <= 0xFF9D);
}
inline bool IsHangul(uint32_t cp) {
  return (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
         (cp >= 0x3131 && cp <= 0x318E);
}

// The length in bytes of the emoji or symbol cluster starting at s[i]
// (an emoji with its modifiers, variation selectors and ZWJ-joined parts, a
// flag, a keycap, or another "So" symbol such as ★), or 0 when s[i] starts
// none. REQUIRES: as DecodeAt.
size_t SymbolClusterAt(std::string_view s, size_t i);

// True for code points that start an emoji or symbol cluster.
bool IsSymbolStart(uint32_t cp);

// Per Han code point, what OpenCC's dictionaries say of it (script.cc).
// Immutable after Build; safe to read from any thread.
class HanTable {
 public:
  // Reads the dictionaries of the loaded t2s and s2t converters.
  void Build(const opencc::Converter& t2s, const opencc::Converter& s2t);
  bool ready() const { return !flags_.empty(); }

  // REQUIRES for the three: ready().
  // A Traditional form: t2s changes it on its own (貨).
  bool Traditional(uint32_t cp) const { return Flag(cp, kTraditional); }
  // A Simplified form: s2t changes it on its own (货).
  bool Simplified(uint32_t cp) const { return Flag(cp, kSimplified); }
  // t2s may change it, alone or in a phrase (覆 in 回覆): a text without any
  // such character is left as it is by t2s.
  bool ChangesInT2s(uint32_t cp) const { return Flag(cp, kChangesInT2s); }

 private:
  static constexpr uint32_t kSize = 0x32400;  // past CJK Extension H
  static constexpr uint8_t kTraditional = 1, kSimplified = 2, kChangesInT2s = 4;
  bool Flag(uint32_t cp, uint8_t f) const { return cp < kSize && (flags_[cp] & f) != 0; }
  std::vector<uint8_t> flags_;
};

// An OpenCC conversion (t2s) run from hash tables of its dictionaries
// (table_converter.cc): the same output as the converter, about ten times
// faster. Immutable after Build; safe to use from any thread.
class TableConverter {
 public:
  // Reads the converter's dictionaries. False (and ready() false) when the
  // configuration is not one stage with a maximal-match segmentation over
  // the stage's first dictionary, the shape the tables reproduce.
  bool Build(const opencc::Converter& converter);
  bool ready() const { return !tables_.empty(); }
  // REQUIRES: ready(); s valid UTF-8.
  std::string Convert(std::string_view s) const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Table {
    std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> entries;
    std::vector<uint64_t> starts;  // bit per code point: some key starts with it
    size_t max_chars = 0;          // the longest key, in code points
  };
  std::vector<Table> tables_;  // in the group's order: the first with a match wins
  bool ascii_keys_ = false;    // some key starts with an ASCII character
};

class AnalyzerImpl final : public Analyzer {
 public:
  // Use Analyzer::Create. Takes ownership of the converters (none null).
  AnalyzerImpl(std::shared_ptr<const opencc::Converter> t2s,
               std::shared_ptr<const opencc::Converter> s2t,
               std::shared_ptr<const opencc::Converter> s2hk,
               std::shared_ptr<const opencc::Converter> s2tw, HanTable han, TableConverter fast_t2s,
               const icu::Normalizer2* nfkc_cf);
  ~AnalyzerImpl() override;

  std::string Normalize(std::string_view raw) const override;
  Script DetectScript(std::string_view raw) const override;
  std::string DetectLanguage(std::string_view raw, std::string_view fallback) const override;
  std::vector<std::string> Tokenize(std::string_view normalized,
                                    std::string_view language) const override;
  std::string ToVariant(std::string_view simplified, Variant v) const override;
  Analysis Analyze(std::string_view raw, std::string_view fallback_language) const override;

 private:
  // The parts of the public calls, on text already valid UTF-8.
  std::string NormalizeValid(std::string_view s) const;
  Script DetectScriptValid(std::string_view s) const;
  std::string DetectLanguageValid(std::string_view s, std::string_view fallback) const;
  std::vector<std::string> TokenizeValid(std::string_view s, std::string_view language) const;
  // Whether t2s could change `s` (any character of HanTable::ChangesInT2s;
  // without a table, any Han character).
  bool NeedsT2s(std::string_view s) const;
  // NFKC + case folding of a run without emoji, appended to *out.
  void FoldRun(std::string_view run, std::string* out) const;

  std::shared_ptr<const opencc::Converter> t2s_, s2t_, s2hk_, s2tw_;
  HanTable han_;                     // empty (not ready) only in tests: the converters answer
  TableConverter fast_t2s_;          // t2s_ from tables; when not ready, t2s_ itself converts
  const icu::Normalizer2* nfkc_cf_;  // ICU's singleton; not owned
};

// Analyzer::Create, with the choice to go without the HanTable (tests
// compare the two: the converters then answer each call, slower). Errors: as Create.
Result<std::unique_ptr<AnalyzerImpl>> CreateAnalyzerImpl(const AnalyzerOptions& options,
                                                         bool han_table);

// Whether `word` (UTF-8, Simplified) is one of the customer-service words
// Tokenize keeps whole where ICU's dictionary splits it (zh_words.cc).
bool IsServiceWord(std::string_view word);

// Creates this thread's ICU word break iterator and returns whether it could
// (segment.cc); Create calls it once to fail early when ICU data is missing.
bool WordBreakAvailable();

}  // namespace kefu::text
