#include "kb/terms.h"

#include <algorithm>
#include <map>

namespace kefu::kb {
namespace {

constexpr uint32_t kUnknown = UINT32_MAX;

std::string Key(TermKind kind, std::string_view term) {
  std::string key;
  key.reserve(term.size() + 1);
  key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
  key.append(term);
  return key;
}

bool IsNegationWord(std::string_view w) {
  static const std::string_view kWords[] = {"not",     "no",      "never", "cannot", "can't",
                                            "don't",   "without", "nor",   "none",   "didn't",
                                            "doesn't", "isn't",   "won't", "n't"};
  for (auto n : kWords) {
    if (w == n) return true;
  }
  return w.size() > 3 && w.substr(w.size() - 3) == "n't";
}

// English function words: they say little about what is asked. Negations
// are not among them.
bool IsStopword(std::string_view w) {
  static const std::string_view kWords[] = {
      "a",     "an",    "the",  "to",   "of",   "in",      "on",     "at",      "for",   "by",
      "with",  "from",  "and",  "or",   "is",   "are",     "was",    "be",      "been",  "am",
      "do",    "doe",   "does", "did",  "i",    "me",      "my",     "you",     "your",  "we",
      "our",   "it",    "it'",  "this", "that", "these",   "those",  "there",   "here",  "what",
      "how",   "which", "who",  "whom", "can",  "could",   "would",  "should",  "will",  "shall",
      "may",   "might", "must", "have", "has",  "had",     "if",     "so",      "as",    "into",
      "about", "any",   "some", "way",  "want", "like",    "get",    "s",       "'s",    "d",
      "i'd",   "i'm",   "im",   "it's", "is",   "possibl", "there'", "there's", "anyon", "someth"};
  for (auto s : kWords) {
    if (w == s) return true;
  }
  return false;
}

bool IsHanNegation(char32_t c) {
  return c == U'不' || c == U'没' || c == U'无' || c == U'未' || c == U'别' || c == U'非';
}

template <typename AddFn>
QuestionTerms Analyze(const text::Analyzer& analyzer, std::string_view raw,
                      std::string_view language, AddFn&& id_of) {
  QuestionTerms q;
  q.normalized = analyzer.Normalize(raw);
  std::string lang(language);
  if (lang.empty()) lang = analyzer.DetectLanguage(raw, "zh");
  std::map<uint32_t, uint16_t> counts[kTermKinds];
  std::vector<std::string> unknown[kTermKinds];
  auto count = [&](TermKind kind, std::string_view term) {
    uint32_t id = id_of(kind, term);
    if (id == kUnknown) {
      unknown[static_cast<int>(kind)].emplace_back(term);
      return;
    }
    uint16_t& n = counts[static_cast<int>(kind)][id];
    if (n < UINT16_MAX) ++n;
  };
  for (const auto& token : analyzer.Tokenize(q.normalized, lang)) {
    if (token.empty()) continue;
    if (IsNegationWord(token)) q.negated = true;
    if (IsStopword(token)) continue;
    count(TermKind::kWord, token);
    q.words.push_back(token);
    ++q.total[0];
  }
  // Latin 4-grams of the words as written (before stemming).
  {
    std::string word = "^";
    auto flush_word = [&] {
      if (word.size() >= 4) {
        word.push_back('$');
        for (size_t i = 0; i + 4 <= word.size(); ++i) {
          count(TermKind::kLatinGram, std::string_view(word).substr(i, 4));
          ++q.total[3];
        }
      }
      word = "^";
    };
    for (char c : q.normalized) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        word.push_back(c);
      } else {
        flush_word();
      }
    }
    flush_word();
  }
  std::u32string cps = DecodeUtf8(q.normalized);
  std::string digits;
  auto flush_digits = [&] {
    if (!digits.empty()) q.numbers.push_back(std::move(digits));
    digits.clear();
  };
  char32_t prev_han = 0;
  for (char32_t c : cps) {
    if (c != U' ') ++q.length;
    if (c >= U'0' && c <= U'9') {
      digits.push_back(static_cast<char>(c));
    } else {
      flush_digits();
    }
    if (!IsHan(c)) {
      prev_han = 0;
      continue;
    }
    if (IsHanNegation(c)) q.negated = true;
    std::string ch;
    text::AppendUtf8(c, &ch);
    count(TermKind::kHanChar, ch);
    ++q.total[1];
    q.han_chars.push_back(ch);
    if (prev_han != 0) {
      std::string bigram;
      text::AppendUtf8(prev_han, &bigram);
      bigram += ch;
      count(TermKind::kHanBigram, bigram);
      ++q.total[2];
    }
    prev_han = c;
  }
  flush_digits();
  auto unique_sorted = [](std::vector<std::string>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  for (int k = 0; k < kTermKinds; ++k) {
    q.terms[k].assign(counts[k].begin(), counts[k].end());
    unique_sorted(unknown[k]);
    q.unknown[k] = static_cast<int>(unknown[k].size());
  }
  unique_sorted(q.words);
  unique_sorted(q.han_chars);
  std::sort(q.numbers.begin(), q.numbers.end());
  return q;
}

}  // namespace

uint32_t Vocabulary::Add(TermKind kind, std::string_view term) {
  auto [it, inserted] = ids_.try_emplace(Key(kind, term), static_cast<uint32_t>(ids_.size()));
  return it->second;
}

uint32_t Vocabulary::Lookup(TermKind kind, std::string_view term) const {
  auto it = ids_.find(Key(kind, term));
  return it == ids_.end() ? kUnknown : it->second;
}

QuestionTerms AnalyzeQuestion(const text::Analyzer& analyzer, std::string_view raw,
                              std::string_view language, Vocabulary& vocab, bool add) {
  if (!add) return AnalyzeQuestion(analyzer, raw, language, std::as_const(vocab));
  return Analyze(analyzer, raw, language,
                 [&](TermKind kind, std::string_view t) { return vocab.Add(kind, t); });
}

QuestionTerms AnalyzeQuestion(const text::Analyzer& analyzer, std::string_view raw,
                              std::string_view language, const Vocabulary& vocab) {
  return Analyze(analyzer, raw, language,
                 [&](TermKind kind, std::string_view t) { return vocab.Lookup(kind, t); });
}

bool IsHan(char32_t c) {
  return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x2FFFF);
}

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t len = text::DecodeUtf8(s, i, &cp);
    if (len == 0) {
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

}  // namespace kefu::kb
