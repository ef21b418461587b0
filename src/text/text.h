// Text: what every matcher in kefu sees of a customer's message.
//
// Normalisation for matching (NFKC, full/half width, case folding,
// Traditional→Simplified through OpenCC, punctuation and emoji), the script
// of the customer's Chinese (so replies go back in it), language
// identification (CLD2, with a sane answer for very short texts),
// segmentation (ICU word break for Chinese/Japanese, Snowball stems for
// English and other Latin-script languages) and character n-grams.
//
// Every function takes any bytes: invalid UTF-8 is replaced (U+FFFD) and
// never crashes; empty or whitespace-only input gives empty results.
//
// Thread-safety: an Analyzer is immutable after Create and may be used from
// any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu::text {

// The Chinese script of a text, told from its Han characters themselves
// (an OpenCC round trip), not from CLD2.
enum class Script {
  kNone,         // no Han characters, or none that differ between the scripts
  kSimplified,   // 简体
  kTraditional,  // 繁體
};

// How a reply written in Simplified Chinese goes back to the customer.
enum class Variant {
  kSimplified,   // as is
  kTraditional,  // OpenCC s2t
  kHongKong,     // OpenCC s2hk
  kTaiwan,       // OpenCC s2tw
};

std::string_view ScriptName(Script s);    // "none", "hans", "hant"
std::string_view VariantName(Variant v);  // "zh-CN", "zh-Hant", "zh-HK", "zh-TW"

// What the matchers use of one message.
struct Analysis {
  std::string normalized;  // Normalize(raw)
  std::string language;    // ISO 639-1 ("zh", "en", "ja", …); DetectLanguage
  Script script = Script::kNone;
  std::vector<std::string> tokens;  // Tokenize(normalized, language)
};

struct AnalyzerOptions {
  // Where OpenCC's configuration files live (t2s.json, s2t.json, …).
  std::string opencc_dir = "/usr/share/opencc";
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;

  // Loads OpenCC's converters and ICU's break rules.
  // Errors: kUnavailable when a converter or ICU data cannot be loaded.
  static Result<std::unique_ptr<Analyzer>> Create(const AnalyzerOptions& options = {});

  // For matching: NFKC (full width → half width), case folded, Traditional →
  // Simplified, whitespace collapsed to single spaces and trimmed, Chinese and
  // Latin punctuation unified (，→ , 。→ . ？→ ? …), emoji and symbols kept as
  // themselves (they carry emotion) but separated by spaces.
  virtual std::string Normalize(std::string_view raw) const = 0;

  // The script of the Han characters in `raw` (before normalisation).
  virtual Script DetectScript(std::string_view raw) const = 0;

  // ISO 639-1 code. For texts too short for CLD2 to be reliable (a few
  // characters, or CLD2 unsure) it answers from the characters when they are
  // unambiguous (Han without kana → "zh", kana → "ja", Hangul → "ko"), else
  // `fallback` (the conversation's last language, or the tenant's default).
  // With an empty fallback, unsure Latin text answers "en". Text without
  // letters (digits, emoji) answers `fallback` as is.
  virtual std::string DetectLanguage(std::string_view raw, std::string_view fallback) const = 0;

  // Words of a normalised text: ICU word break for Han/kana runs (each word
  // as one token), lower-cased Snowball stems for Latin-script words in
  // `language` ("en" → English stemmer; unknown → no stemming), numbers kept
  // as they are; punctuation and spaces dropped. Emoji are tokens of their
  // own. Latin words in a "zh", "ja" or "ko" (or "") text get English stems
  // ("我的refunds呢" → 我的 refund 呢). Words of customer service that ICU's
  // dictionary splits (退货, 客服, 优惠券) are joined back into one token.
  // `language` may also be a locale ("en-US", "zh_TW": its language counts).
  virtual std::vector<std::string> Tokenize(std::string_view normalized,
                                            std::string_view language) const = 0;

  // A Simplified Chinese reply in the customer's variant.
  virtual std::string ToVariant(std::string_view simplified, Variant v) const = 0;

  // Normalize + DetectScript + DetectLanguage + Tokenize in one call.
  virtual Analysis Analyze(std::string_view raw, std::string_view fallback_language) const = 0;
};

// The variant replies should use for a customer who wrote in `script`
// (kTraditional → kTraditional; a tenant may prefer kHongKong or kTaiwan).
Variant VariantFor(Script script);

// The language and Chinese variant a reply to a customer should use.
struct ReplyLocale {
  std::string language;                    // ISO 639-1, e.g. "zh", "en"
  Variant variant = Variant::kSimplified;  // how a Simplified reply is converted (zh only)
};

// The reply locale after one more customer message, given the one before it
// (the tenant's default for a new conversation). The language is the
// message's (Analyze already answers the conversation's language, passed as
// its fallback, for texts too short to tell). The variant follows the
// message's script: kTraditional → `traditional` (a tenant may prefer
// kHongKong or kTaiwan), kSimplified → kSimplified, kNone (你好, or no Chinese
// at all) keeps the previous variant, so "我想退貨" then "好的" stays Traditional.
// An empty message language keeps the previous language.
ReplyLocale NextReplyLocale(const ReplyLocale& previous, const Analysis& message,
                            Variant traditional = Variant::kTraditional);

// NextReplyLocale over a conversation's customer messages, oldest first.
ReplyLocale ReplyLocaleFor(const std::vector<Analysis>& history, const ReplyLocale& tenant_default,
                           Variant traditional = Variant::kTraditional);

// Character n-grams of `s` (code points, not bytes), for n in [n_min, n_max],
// spaces excluded from n-grams that would span two words.
std::vector<std::string> CharNgrams(std::string_view s, int n_min, int n_max);

// `s` with invalid UTF-8 sequences replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view s);

// The code point of UTF-8 at s[i] into *cp: its length in bytes (1–4), or 0
// when the bytes there are not valid UTF-8 (a stray or missing continuation
// byte, an overlong form, a surrogate, past U+10FFFF, cut off by the end).
// REQUIRES: i < s.size().
size_t DecodeUtf8(std::string_view s, size_t i, char32_t* cp);

// Appends `cp` as UTF-8. REQUIRES: cp ≤ U+10FFFF.
void AppendUtf8(char32_t cp, std::string* out);

}  // namespace kefu::text
