#include "kb/synonyms.h"

#include <algorithm>

namespace kefu::kb {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

SynonymRewriter::SynonymRewriter(const text::Analyzer& analyzer,
                                 const std::vector<std::vector<std::string>>& groups) {
  for (const auto& group : groups) {
    std::string first;
    for (const auto& phrase : group) {
      std::string p = analyzer.Normalize(phrase);
      if (p.empty()) continue;
      if (first.empty()) {
        first = p;
        continue;
      }
      if (p != first) canonical_.emplace(p, first);
    }
  }
  for (const auto& [phrase, _] : canonical_) lengths_.push_back(phrase.size());
  std::sort(lengths_.begin(), lengths_.end(), std::greater<>());
  lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
}

std::string SynonymRewriter::Rewrite(std::string_view text) const {
  if (canonical_.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    bool left_boundary = i == 0 || !IsAlnum(text[i - 1]);
    for (size_t len : lengths_) {
      if (i + len > text.size()) continue;
      if (i + len < text.size() && IsContinuation(text[i + len])) continue;
      auto it = canonical_.find(std::string(text.substr(i, len)));
      if (it == canonical_.end()) continue;
      if (IsAlnum(text[i]) && !left_boundary) continue;
      if (IsAlnum(text[i + len - 1]) && i + len < text.size() && IsAlnum(text[i + len])) continue;
      out += it->second;
      i += len;
      replaced = true;
      break;
    }
    if (replaced) continue;
    // Copy one code point.
    size_t next = i + 1;
    while (next < text.size() && IsContinuation(text[next])) ++next;
    out.append(text.substr(i, next - i));
    i = next;
  }
  return out;
}

}  // namespace kefu::kb
