// Normalisation for matching: NFKC + case folding (ICU nfkc_cf), Traditional
// → Simplified (OpenCC t2s), punctuation unified, whitespace collapsed, emoji
// and symbols kept as themselves between spaces.
//
// Three passes over the text: (1) fold the runs between emoji (emoji go
// through untouched: nfkc_cf would drop their joiners and variation
// selectors); (2) t2s when there is any Han character; (3) map punctuation,
// collapse whitespace, put spaces around emoji.
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <opencc/Converter.hpp>

#include "text/analyzer_impl.h"

namespace kefu::text {
namespace {

// What a Chinese (or typographic) punctuation mark becomes, or 0 to keep the
// code point. NFKC already turned the full-width forms (，？！：；（）～) into
// ASCII; these are the marks it leaves alone.
uint32_t UnifiedPunctuation(uint32_t cp) {
  switch (cp) {
    case 0x3002:  // 。
    case 0xFF61:  // ｡
      return '.';
    case 0x3001:  // 、
      return ',';
    case 0x201C:  // “
    case 0x201D:  // ”
    case 0x201E:  // „
    case 0x201F:  // ‟
    case 0x300C:  // 「
    case 0x300D:  // 」
    case 0x300E:  // 『
    case 0x300F:  // 』
    case 0x300A:  // 《
    case 0x300B:  // 》
    case 0x3008:  // 〈
    case 0x3009:  // 〉
    case 0x301D:  // 〝
    case 0x301E:  // 〞
    case 0x00AB:  // «
    case 0x00BB:  // »
      return '"';
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x201A:  // ‚
    case 0x201B:  // ‛
    case 0x00B4:  // ´
    case 0x0060:  // `
      return '\'';
    case 0x3010:  // 【
    case 0x3014:  // 〔
    case 0x3016:  // 〖
    case 0x3018:  // 〘
      return '[';
    case 0x3011:  // 】
    case 0x3015:  // 〕
    case 0x3017:  // 〗
    case 0x3019:  // 〙
      return ']';
    case 0x2010:  // ‐
    case 0x2011:  // ‑
    case 0x2012:  // ‒
    case 0x2013:  // –
    case 0x2014:  // —
    case 0x2015:  // ―
    case 0x2212:  // −
      return '-';
    case 0x301C:  // 〜
    case 0x3030:  // 〰
      return '~';
    case 0x00B7:  // ·
    case 0x30FB:  // ・
    case 0x2027:  // ‧
      return 0xB7;
    case 0x00A1:  // ¡
      return '!';
    case 0x00BF:  // ¿
      return '?';
    default:
      return 0;
  }
}

bool IsSpaceLike(uint32_t cp) {
  if (cp < 0x80) return cp <= 0x20 || cp == 0x7F;
  return cp == 0xFFFD || u_isUWhiteSpace(cp) || u_charType(cp) == U_CONTROL_CHAR;
}

// Pass 3 for text that is valid UTF-8.
std::string Tidy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;  // a space is owed before the next visible character
  auto emit_space = [&] {
    if (space && !out.empty()) out.push_back(' ');
    space = false;
  };
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 && !(i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                      SymbolClusterAt(s, i) > 0)) {  // not a keycap
      if (c <= 0x20 || c == 0x7F) {
        space = true;
      } else {
        emit_space();
        out.push_back(c == '`' ? '\'' : static_cast<char>(c));
      }
      ++i;
      continue;
    }
    if (size_t cluster = SymbolClusterAt(s, i); cluster > 0) {
      space = true;
      emit_space();
      out.append(s.substr(i, cluster));
      space = true;
      i += cluster;
      continue;
    }
    size_t len = 0;
    uint32_t cp = DecodeAt(s, i, &len);
    i += len;
    if (IsSpaceLike(cp)) {
      space = true;
      continue;
    }
    emit_space();
    if (uint32_t p = UnifiedPunctuation(cp); p != 0)
      AppendUtf8(p, &out);
    else
      AppendUtf8(cp, &out);
  }
  return out;
}

}  // namespace

void AnalyzerImpl::FoldRun(std::string_view run, std::string* out) const {
  if (run.empty()) return;
  if (IsAscii(run)) {
    for (char c : run) out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    return;
  }
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(run.data(), static_cast<int32_t>(run.size())));
  icu::UnicodeString folded = nfkc_cf_->normalize(u, err);
  if (U_FAILURE(err)) {  // only on memory exhaustion: keep the text as it came
    out->append(run);
    return;
  }
  folded.toUTF8String(*out);
}

std::string AnalyzerImpl::Normalize(std::string_view raw) const {
  return NormalizeValid(SanitizeUtf8(raw));
}

std::string AnalyzerImpl::NormalizeValid(std::string_view s) const {
  if (IsAscii(s)) {
    std::string folded;
    FoldRun(s, &folded);
    return Tidy(folded);
  }
  std::string folded;
  folded.reserve(s.size() + 8);
  size_t run_start = 0;
  for (size_t i = 0; i < s.size();) {
    size_t cluster = static_cast<unsigned char>(s[i]) < 0x80 && !(s[i] >= '0' && s[i] <= '9') &&
                             s[i] != '#' && s[i] != '*'
                         ? 0
                         : SymbolClusterAt(s, i);
    if (cluster == 0) {
      size_t len = 0;
      DecodeAt(s, i, &len);
      i += len;
      continue;
    }
    FoldRun(s.substr(run_start, i - run_start), &folded);
    folded.push_back(' ');
    folded.append(s.substr(i, cluster));
    folded.push_back(' ');
    i += cluster;
    run_start = i;
  }
  FoldRun(s.substr(run_start), &folded);
  if (NeedsT2s(folded))
    folded = fast_t2s_.ready() ? fast_t2s_.Convert(folded) : ConvertWhole(*t2s_, folded);
  return Tidy(folded);
}

}  // namespace kefu::text
