// The Chinese script of a text, told by its Han characters.
//
// A character that OpenCC's t2s changes is Traditional (貨, 發); one that s2t
// changes is Simplified (货, 发); one both leave alone (你, 好) says nothing.
// Converting every message twice would cost tens of microseconds, so Create
// reads the loaded converters' dictionaries once into a table of flags per
// code point (HanTable), which also tells Normalize when t2s has nothing to do.
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Lexicon.hpp>

#include "text/analyzer_impl.h"

namespace kefu::text {
namespace {

// Calls visit(key, default value) for every entry of the dictionaries a
// converter's conversion chain applies (groups opened).
template <typename Visit>
void VisitEntries(const opencc::Dict& dict, Visit& visit) {
  if (const auto* group = dynamic_cast<const opencc::DictGroup*>(&dict)) {
    for (const opencc::DictPtr& d : group->GetDicts())
      if (d != nullptr) VisitEntries(*d, visit);
    return;
  }
  opencc::LexiconPtr lexicon = dict.GetLexicon();
  if (lexicon == nullptr) return;
  for (const auto& entry : *lexicon) visit(entry->Key(), entry->GetDefault());
}

template <typename Visit>
void VisitEntries(const opencc::Converter& converter, Visit&& visit) {
  opencc::ConversionChainPtr chain = converter.GetConversionChain();
  if (chain == nullptr) return;
  for (const opencc::ConversionPtr& conversion : chain->GetConversions())
    if (conversion != nullptr && conversion->GetDict() != nullptr)
      VisitEntries(*conversion->GetDict(), visit);
}

}  // namespace

void HanTable::Build(const opencc::Converter& t2s, const opencc::Converter& s2t) {
  flags_.assign(kSize, 0);
  auto mark = [&](std::string_view s, uint8_t flag) {
    for (size_t i = 0; i < s.size();) {
      size_t len = 0;
      uint32_t cp = DecodeAt(s, i, &len);
      if (cp < kSize) flags_[cp] |= flag;
      i += len;
    }
  };
  auto one_char = [](const std::string& s) {
    if (s.empty()) return false;
    size_t len = 0;
    DecodeAt(s, 0, &len);
    return len == s.size();
  };
  VisitEntries(t2s, [&](const std::string& k, const std::string& v) {
    if (k == v) return;
    if (one_char(k)) {
      mark(k, kTraditional | kChangesInT2s);
      return;
    }
    // A phrase (回覆 → 回复) needs t2s for the characters it changes (覆);
    // all of them when it changes the length.
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    size_t i = 0, j = 0;
    while (i < k.size() && j < v.size()) {
      size_t a = 0, b = 0;
      pairs.emplace_back(DecodeAt(k, i, &a), DecodeAt(v, j, &b));
      i += a;
      j += b;
    }
    if (i != k.size() || j != v.size()) {
      mark(k, kChangesInT2s);
      return;
    }
    for (auto [from, to] : pairs)
      if (from != to && from < kSize) flags_[from] |= kChangesInT2s;
  });
  VisitEntries(s2t, [&](const std::string& k, const std::string& v) {
    if (k != v && one_char(k)) mark(k, kSimplified);
  });
}

Script AnalyzerImpl::DetectScriptValid(std::string_view s) const {
  int traditional = 0, simplified = 0;
  if (han_.ready()) {
    for (size_t i = 0; i < s.size();) {
      if (static_cast<unsigned char>(s[i]) < 0x80) {
        ++i;
        continue;
      }
      size_t len = 0;
      uint32_t cp = DecodeAt(s, i, &len);
      i += len;
      traditional += han_.Traditional(cp);
      simplified += han_.Simplified(cp);
    }
  } else {
    // No table: convert each Han character (one string, a space between
    // them so no phrase spans two) both ways and compare position by position.
    std::string han;
    for (size_t i = 0; i < s.size();) {
      size_t len = 0;
      uint32_t cp = DecodeAt(s, i, &len);
      if (IsHan(cp)) {
        han.append(s.substr(i, len));
        han.push_back(' ');
      }
      i += len;
    }
    if (han.empty()) return Script::kNone;
    auto count_changes = [&](const std::string& converted, int* changed) {
      for (size_t i = 0, j = 0; i < han.size() && j < converted.size();) {
        size_t a = 0, b = 0;
        uint32_t x = DecodeAt(han, i, &a);
        uint32_t y = DecodeAt(converted, j, &b);
        if (x != y) ++*changed;
        i += a;
        j += b;
      }
    };
    count_changes(t2s_->Convert(han), &traditional);
    count_changes(s2t_->Convert(han), &simplified);
  }
  if (traditional > simplified) return Script::kTraditional;
  if (simplified > traditional) return Script::kSimplified;
  return Script::kNone;
}

bool AnalyzerImpl::NeedsT2s(std::string_view s) const {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = DecodeAt(s, i, &len);
    i += len;
    if (han_.ready() ? han_.ChangesInT2s(cp) : IsHan(cp)) return true;
  }
  return false;
}

}  // namespace kefu::text
