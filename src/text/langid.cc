// Language identification: the characters first where they decide (kana →
// ja, Hangul → ko, Han → zh), CLD2 for the rest when it is reliable, and the
// caller's fallback (the conversation's last language, the tenant's default)
// when it is not: CLD2 answers nothing sure for "hi" or "ok thanks".
#include <cstdio>  // compact_lang_det.h uses FILE without including it

#include <cld2/public/compact_lang_det.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <cstring>

#include "text/analyzer_impl.h"

namespace kefu::text {
namespace {

struct LetterCounts {
  int han = 0, kana = 0, hangul = 0, latin = 0, other = 0;
  int letters() const { return han + kana + hangul + latin + other; }
};

LetterCounts CountLetters(std::string_view s) {
  LetterCounts n;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ++n.latin;
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = DecodeAt(s, i, &len);
    i += len;
    if (IsHan(cp)) {
      ++n.han;
    } else if (IsKana(cp)) {
      ++n.kana;
    } else if (IsHangul(cp)) {
      ++n.hangul;
    } else if (u_isalpha(cp)) {
      UErrorCode err = U_ZERO_ERROR;
      if (uscript_getScript(cp, &err) == USCRIPT_LATIN)
        ++n.latin;
      else
        ++n.other;
    }
  }
  return n;
}

}  // namespace

std::string AnalyzerImpl::DetectLanguage(std::string_view raw, std::string_view fallback) const {
  return DetectLanguageValid(SanitizeUtf8(raw), fallback);
}

std::string AnalyzerImpl::DetectLanguageValid(std::string_view s, std::string_view fallback) const {
  LetterCounts n = CountLetters(s);
  if (n.letters() == 0) return std::string(fallback);  // digits, emoji, punctuation
  // Kana only occur in Japanese, and Hangul only in Korean.
  if (n.kana > 0 && n.kana * 4 >= n.han) return "ja";
  if (n.hangul > 0 && n.hangul >= n.latin + n.han) return "ko";
  // Chinese customers mix in English words ("我的order还没到"): a Han
  // character carries about as much as a short Latin word.
  if (n.han > 0 && n.han * 3 >= n.latin) return "zh";

  CLD2::Language top3[3];
  int percent3[3];
  double score3[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::Language lang = CLD2::ExtDetectLanguageSummary(
      s.data(), static_cast<int>(s.size()), /*is_plain_text=*/true, nullptr, 0,
      CLD2::UNKNOWN_LANGUAGE, top3, percent3, score3, &text_bytes, &reliable);
  if (reliable && lang != CLD2::UNKNOWN_LANGUAGE) {
    std::string code = CLD2::LanguageCode(lang);
    if (code.rfind("zh", 0) == 0) return "zh";  // "zh-Hant": the script is DetectScript's
    if (code.size() >= 2 && code != "un" && code != "xx") {
      size_t dash = code.find('-');
      return dash == std::string::npos ? code : code.substr(0, dash);
    }
  }
  if (!fallback.empty()) return std::string(fallback);
  // No fallback: name the script we saw.
  if (n.han > 0) return "zh";
  if (n.latin >= n.other) return "en";
  return std::string(fallback);
}

}  // namespace kefu::text
