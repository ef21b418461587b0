// OpenCC's conversion as hash tables (see TableConverter in analyzer_impl.h).
//
// What OpenCC does for a one-stage configuration such as t2s.json: its
// segmentation takes, at each position, the longest key of the segmentation
// dictionary (TSPhrases) that starts there, else one character; the stage then
// converts each segment, at each position taking the longest prefix found in
// the first dictionary of its group that has one (TSPhrases, then
// TSCharacters), else the character itself. When the segmentation dictionary
// is the group's first, segments never change what the stage matches, so both
// steps are one scan: at each position, the first dictionary (in group order)
// with a key starting there gives its longest such key. The same answers
// without OpenCC's per-call segment lists: about ten times faster.
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Lexicon.hpp>
#include <opencc/MaxMatchSegmentation.hpp>

#include <algorithm>

#include "text/analyzer_impl.h"

namespace kefu::text {

bool TableConverter::Build(const opencc::Converter& converter) {
  tables_.clear();
  ascii_keys_ = false;
  opencc::ConversionChainPtr chain = converter.GetConversionChain();
  if (chain == nullptr) return false;
  auto conversions = chain->GetConversions();
  if (conversions.size() != 1 || conversions.front() == nullptr) return false;
  opencc::DictPtr dict = conversions.front()->GetDict();
  if (dict == nullptr) return false;
  std::vector<opencc::DictPtr> dicts;
  if (auto group = std::dynamic_pointer_cast<opencc::DictGroup>(dict)) {
    for (const opencc::DictPtr& d : group->GetDicts()) dicts.push_back(d);
  } else {
    dicts.push_back(dict);
  }
  if (dicts.empty()) return false;
  // The segmentation must be a maximal match over the first dictionary.
  auto segmentation =
      std::dynamic_pointer_cast<opencc::MaxMatchSegmentation>(converter.GetSegmentation());
  if (segmentation == nullptr || segmentation->GetDict() != dicts.front()) return false;

  for (const opencc::DictPtr& d : dicts) {
    if (d == nullptr) return false;
    opencc::LexiconPtr lexicon = d->GetLexicon();
    if (lexicon == nullptr) return false;
    Table table;
    table.starts.assign((0x110000 + 63) / 64, 0);
    for (const auto& entry : *lexicon) {
      std::string key = entry->Key();
      if (key.empty() || SanitizeUtf8(key) != key) continue;
      size_t len = 0, chars = 0;
      uint32_t first = DecodeAt(key, 0, &len);
      for (size_t i = 0; i < key.size(); i += len, ++chars) DecodeAt(key, i, &len);
      table.starts[first / 64] |= uint64_t{1} << (first % 64);
      if (first < 0x80) ascii_keys_ = true;
      table.max_chars = std::max(table.max_chars, chars);
      table.entries.emplace(std::move(key), entry->GetDefault());
    }
    tables_.push_back(std::move(table));
  }
  return true;
}

std::string TableConverter::Convert(std::string_view s) const {
  std::vector<size_t> starts;  // byte offset of each code point, then s.size()
  starts.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  starts.push_back(s.size());
  size_t n = starts.size() - 1;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < n;) {
    if (static_cast<unsigned char>(s[starts[i]]) < 0x80 && !ascii_keys_) {
      out.push_back(s[starts[i]]);
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = DecodeAt(s, starts[i], &len);
    bool matched = false;
    for (const Table& t : tables_) {
      if ((t.starts[cp / 64] >> (cp % 64) & 1) == 0) continue;
      for (size_t chars = std::min(t.max_chars, n - i); chars > 0; --chars) {
        auto it = t.entries.find(s.substr(starts[i], starts[i + chars] - starts[i]));
        if (it != t.entries.end()) {
          out += it->second;
          i += chars;
          matched = true;
          break;
        }
      }
      if (matched) break;
    }
    if (!matched) {
      out.append(s.substr(starts[i], len));
      ++i;
    }
  }
  return out;
}

}  // namespace kefu::text
