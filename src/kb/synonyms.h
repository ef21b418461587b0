// Internal to kb/: a tenant's synonyms, applied to normalised text before
// it is indexed or searched, so every term kind (words, Han characters and
// bigrams, Latin n-grams) and the article index see one spelling.
//
// Thread-safety: Rewrite is const and safe from many threads.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "text/text.h"

namespace kefu::kb {

class SynonymRewriter {
 public:
  SynonymRewriter() = default;
  // Each group's phrases mean the same; all are rewritten to the group's
  // first one. Phrases are normalised with `analyzer`; empty ones are skipped.
  SynonymRewriter(const text::Analyzer& analyzer,
                  const std::vector<std::vector<std::string>>& groups);

  bool empty() const { return canonical_.empty(); }

  // `normalized` with every synonym replaced by its group's first phrase,
  // longest match first, left to right. A phrase that begins or ends with a
  // Latin letter or digit matches only at word boundaries there.
  std::string Rewrite(std::string_view normalized) const;

 private:
  std::unordered_map<std::string, std::string> canonical_;
  std::vector<size_t> lengths_;  // distinct phrase lengths in bytes, longest first
};

}  // namespace kefu::kb
