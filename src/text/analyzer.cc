// Analyzer::Create, the Chinese script of a text, replies in the customer's
// variant, and Analyze (the one call a message goes through).
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <exception>
#include <opencc/Config.hpp>
#include <opencc/Converter.hpp>

#include "text/analyzer_impl.h"

#ifndef KEFU_OPENCC_DIR
#define KEFU_OPENCC_DIR "/usr/share/opencc"
#endif

namespace kefu::text {

std::string ConvertWhole(const opencc::Converter& conv, std::string_view s) {
  std::string out;
  for (size_t start = 0;;) {
    size_t nul = s.find('\0', start);
    std::string_view piece = s.substr(start, nul == std::string_view::npos ? nul : nul - start);
    if (!piece.empty()) out += conv.Convert(std::string(piece));
    if (nul == std::string_view::npos) return out;
    out.push_back('\0');
    start = nul + 1;
  }
}

bool IsAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool IsSymbolStart(uint32_t cp) {
  if (cp < 0xA9) return false;
  if (u_hasBinaryProperty(cp, UCHAR_EXTENDED_PICTOGRAPHIC)) return true;
  if (cp >= 0x1F1E6 && cp <= 0x1F1FF) return true;  // regional indicators (flags)
  if (u_charType(cp) != U_OTHER_SYMBOL) return false;
  // Letter-like symbols (℃, №) and CJK symbols (〒, ㎏, ㈱) are text: NFKC
  // turns them into letters. U+FFFD marks bytes that were not UTF-8.
  return !(cp >= 0x2100 && cp <= 0x214F) && !(cp >= 0x2E80 && cp <= 0x33FF) && cp != 0xFFFD;
}

namespace {

bool IsEmojiModifierOrSelector(uint32_t cp) {
  return cp == 0xFE0F || cp == 0xFE0E || (cp >= 0x1F3FB && cp <= 0x1F3FF) || cp == 0x20E3 ||
         (cp >= 0xE0020 && cp <= 0xE007F);
}

}  // namespace

size_t SymbolClusterAt(std::string_view s, size_t i) {
  size_t len = 0;
  uint32_t cp = DecodeAt(s, i, &len);
  if (cp == '#' || cp == '*' || (cp >= '0' && cp <= '9')) {
    // A keycap: digit, optional U+FE0F, U+20E3.
    size_t j = i + 1, l2 = 0;
    if (j < s.size() && DecodeAt(s, j, &l2) == 0xFE0F) j += l2;
    if (j < s.size() && DecodeAt(s, j, &l2) == 0x20E3) return j + l2 - i;
    return 0;
  }
  if (!IsSymbolStart(cp)) return 0;
  size_t j = i + len;
  if (cp >= 0x1F1E6 && cp <= 0x1F1FF) {  // a flag is a pair of indicators
    size_t l2 = 0;
    if (j < s.size()) {
      uint32_t next = DecodeAt(s, j, &l2);
      if (next >= 0x1F1E6 && next <= 0x1F1FF) j += l2;
    }
    return j - i;
  }
  while (j < s.size()) {
    size_t l2 = 0;
    uint32_t next = DecodeAt(s, j, &l2);
    if (IsEmojiModifierOrSelector(next)) {
      j += l2;
    } else if (next == 0x200D && j + l2 < s.size()) {  // ZWJ joins the next pictograph
      size_t l3 = 0;
      uint32_t joined = DecodeAt(s, j + l2, &l3);
      if (!IsSymbolStart(joined)) break;
      j += l2 + l3;
    } else {
      break;
    }
  }
  return j - i;
}

Result<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& options) {
  Result<std::unique_ptr<AnalyzerImpl>> created = CreateAnalyzerImpl(options, /*tables=*/true);
  if (!created.ok()) return created.status();
  return std::unique_ptr<Analyzer>(std::move(created).value());
}

Result<std::unique_ptr<AnalyzerImpl>> CreateAnalyzerImpl(const AnalyzerOptions& options,
                                                         bool tables) {
  std::string dir = options.opencc_dir.empty() ? KEFU_OPENCC_DIR : options.opencc_dir;
  // One Config for the four: it loads each dictionary file once, so s2t, s2hk
  // and s2tw share STPhrases and STCharacters.
  opencc::Config config;
  auto load = [&](const char* name, std::shared_ptr<const opencc::Converter>* out) -> Status {
    std::string path = dir + "/" + name;
    try {
      *out = config.NewFromFile(path);
      if (*out == nullptr) return Status::Unavailable("OpenCC " + path + ": cannot be loaded");
    } catch (const std::exception& e) {
      return Status::Unavailable("OpenCC " + path + ": " + e.what());
    } catch (...) {
      return Status::Unavailable("OpenCC " + path + ": cannot be loaded");
    }
    return Status::Ok();
  };
  std::shared_ptr<const opencc::Converter> t2s, s2t, s2hk, s2tw;
  for (auto [name, conv] : {std::pair{"t2s.json", &t2s}, std::pair{"s2t.json", &s2t},
                            std::pair{"s2hk.json", &s2hk}, std::pair{"s2tw.json", &s2tw}}) {
    if (Status st = load(name, conv); !st.ok()) return st;
  }
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  if (U_FAILURE(err) || nfkc_cf == nullptr)
    return Status::Unavailable(std::string("ICU nfkc_cf: ") + u_errorName(err));
  if (!WordBreakAvailable()) return Status::Unavailable("ICU word break rules cannot be loaded");
  HanTable han;
  TableConverter fast_t2s;
  if (tables) {
    han.Build(*t2s, *s2t);
    fast_t2s.Build(*t2s);  // when it cannot, t2s itself converts
  }
  return std::unique_ptr<AnalyzerImpl>(std::make_unique<AnalyzerImpl>(
      std::move(t2s), std::move(s2t), std::move(s2hk), std::move(s2tw), std::move(han),
      std::move(fast_t2s), nfkc_cf));
}

AnalyzerImpl::AnalyzerImpl(std::shared_ptr<const opencc::Converter> t2s,
                           std::shared_ptr<const opencc::Converter> s2t,
                           std::shared_ptr<const opencc::Converter> s2hk,
                           std::shared_ptr<const opencc::Converter> s2tw, HanTable han,
                           TableConverter fast_t2s, const icu::Normalizer2* nfkc_cf)
    : t2s_(std::move(t2s)),
      s2t_(std::move(s2t)),
      s2hk_(std::move(s2hk)),
      s2tw_(std::move(s2tw)),
      han_(std::move(han)),
      fast_t2s_(std::move(fast_t2s)),
      nfkc_cf_(nfkc_cf) {}

AnalyzerImpl::~AnalyzerImpl() = default;

std::string AnalyzerImpl::ToVariant(std::string_view simplified, Variant v) const {
  std::string s = SanitizeUtf8(simplified);
  const opencc::Converter* conv = nullptr;
  switch (v) {
    case Variant::kSimplified:
      return s;
    case Variant::kTraditional:
      conv = s2t_.get();
      break;
    case Variant::kHongKong:
      conv = s2hk_.get();
      break;
    case Variant::kTaiwan:
      conv = s2tw_.get();
      break;
  }
  if (conv == nullptr || IsAscii(s)) return s;
  return ConvertWhole(*conv, s);
}

Script AnalyzerImpl::DetectScript(std::string_view raw) const {
  return DetectScriptValid(SanitizeUtf8(raw));
}

Analysis AnalyzerImpl::Analyze(std::string_view raw, std::string_view fallback_language) const {
  std::string s = SanitizeUtf8(raw);
  Analysis a;
  a.normalized = NormalizeValid(s);
  if (a.normalized.empty()) {
    a.language = std::string(fallback_language);
    return a;
  }
  a.script = DetectScriptValid(s);
  a.language = DetectLanguageValid(s, fallback_language);
  a.tokens = TokenizeValid(a.normalized, a.language);  // Normalize's output is valid UTF-8
  return a;
}

}  // namespace kefu::text
