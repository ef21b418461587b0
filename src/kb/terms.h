// Internal to kb/: the terms of a question as the FAQ index and the
// reranker see them. Not part of the contract (kb.h is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "text/text.h"

namespace kefu::kb {

// Term kinds, kept apart so a word and a character never collide.
// kLatinGram: character 4-grams of Latin-script words, edges marked, so
// "striked" meets "strikethrough" and "e-mail" meets "email".
enum class TermKind : uint8_t { kWord = 0, kHanChar = 1, kHanBigram = 2, kLatinGram = 3 };
inline constexpr int kTermKinds = 4;

// A question, analysed once.
struct QuestionTerms {
  std::string normalized;
  // Sorted, unique term ids of each kind, with their counts.
  std::vector<std::pair<uint32_t, uint16_t>> terms[kTermKinds];
  // The words themselves (for learned word features), sorted and unique.
  std::vector<std::string> words;
  // Han characters of the question, sorted and unique (as UTF-8).
  std::vector<std::string> han_chars;
  std::vector<std::string> numbers;      // digit runs, sorted
  int length = 0;                        // code points, spaces excluded
  bool negated = false;                  // carries a negation word
  int total[kTermKinds] = {0, 0, 0, 0};  // number of term occurrences per kind
  // Distinct terms of each kind the vocabulary did not know (dropped from
  // `terms`; they match nothing but still count in coverage).
  int unknown[kTermKinds] = {0, 0, 0, 0};
};

// Maps term strings to ids and keeps their document frequencies.
// Not thread-safe while adding; Lookup-only use is.
class Vocabulary {
 public:
  // Id of `term` of `kind`, added if new.
  uint32_t Add(TermKind kind, std::string_view term);
  // Id of `term`, or UINT32_MAX when unknown.
  uint32_t Lookup(TermKind kind, std::string_view term) const;
  size_t size() const { return ids_.size(); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
};

// Analyses `raw` (normalise, tokenize in `language`, Han n-grams). With
// `add` the unknown terms are added to `vocab`; otherwise they are dropped
// from `terms` (they cannot match anything) but kept in `words`/`han_chars`.
QuestionTerms AnalyzeQuestion(const text::Analyzer& analyzer, std::string_view raw,
                              std::string_view language, Vocabulary& vocab, bool add);
QuestionTerms AnalyzeQuestion(const text::Analyzer& analyzer, std::string_view raw,
                              std::string_view language, const Vocabulary& vocab);

// True for U+3400–U+9FFF, U+F900–U+FAFF and U+20000–U+2FFFF.
bool IsHan(char32_t c);

// Code points of valid UTF-8 (invalid bytes are skipped; text::DecodeUtf8
// decides what is valid). Append with text::AppendUtf8.
std::u32string DecodeUtf8(std::string_view s);

}  // namespace kefu::kb
