// Segmentation: ICU word break (dictionary-based for Han and kana), Snowball
// stems for letter words, numbers kept, emoji kept, punctuation and spaces
// dropped; and character n-grams.
//
// ICU break iterators and Snowball stemmers are not thread-safe: each thread
// keeps its own (ThreadSegmenter), made on its first call and freed when the
// thread ends.
#include <libstemmer.h>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>
#include <unicode/unistr.h>

#include <map>

#include "text/analyzer_impl.h"

namespace kefu::text {
namespace {

class ThreadSegmenter {
 public:
  ThreadSegmenter() {
    UErrorCode err = U_ZERO_ERROR;
    words_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), err));
    if (U_FAILURE(err)) words_.reset();
  }
  ~ThreadSegmenter() {
    for (auto& [lang, stemmer] : stemmers_) sb_stemmer_delete(stemmer);
  }
  ThreadSegmenter(const ThreadSegmenter&) = delete;
  ThreadSegmenter& operator=(const ThreadSegmenter&) = delete;

  icu::BreakIterator* words() { return words_.get(); }
  // The text words() is set to (it must outlive the iterator's use of it) and
  // the byte offset in the UTF-8 original of each of its UTF-16 indexes.
  icu::UnicodeString& text() { return text_; }
  std::vector<int32_t>& byte_offsets() { return byte_offsets_; }

  // This thread's stemmer for an ISO 639 code ("en", "fr", "ru"), or null
  // when Snowball has none (zh, ja, ko) or `language` is not a code (2 or 3
  // lower-case letters): the cache then holds at most 26³ + 26² entries.
  sb_stemmer* Stemmer(std::string_view language) {
    if (language.size() < 2 || language.size() > 3) return nullptr;
    for (char c : language)
      if (c < 'a' || c > 'z') return nullptr;
    auto it = stemmers_.find(language);
    if (it != stemmers_.end()) return it->second;
    std::string name(language);
    sb_stemmer* s = sb_stemmer_new(name.c_str(), "UTF_8");
    stemmers_.emplace(std::move(name), s);
    return s;
  }

 private:
  icu::UnicodeString text_;  // declared first: it outlives words_, which points into it
  std::unique_ptr<icu::BreakIterator> words_;
  std::vector<int32_t> byte_offsets_;
  std::map<std::string, sb_stemmer*, std::less<>> stemmers_;
};

ThreadSegmenter& ThisThreadSegmenter() {
  thread_local ThreadSegmenter segmenter;
  return segmenter;
}

// The language of a code or locale, lower case: "en-US" → "en", "ZH_TW" → "zh".
std::string PrimaryLanguage(std::string_view language) {
  std::string code;
  for (char c : language) {
    if (c == '-' || c == '_') break;
    code.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  }
  return code;
}

// Languages written without Latin letters, whose messages still carry
// English words ("我的order还没到"): those words get English stems.
bool LatinWordsAreEnglish(std::string_view language) {
  return language == "zh" || language == "ja" || language == "ko" || language.empty();
}

void AppendFolded(std::string_view word, std::string* out) {
  if (IsAscii(word)) {
    for (char c : word) out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    return;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(word.data(), static_cast<int32_t>(word.size())));
  u.foldCase();
  u.toUTF8String(*out);
}

bool StartsLatin(std::string_view word) {
  unsigned char c = static_cast<unsigned char>(word[0]);
  if (c < 0x80) return true;
  size_t len = 0;
  uint32_t cp = DecodeAt(word, 0, &len);
  return cp < 0x250 || (cp >= 0x1E00 && cp <= 0x1EFF);  // Latin blocks
}

// Joins the last tokens of a run of ideographs (tokens[run_begin..], which
// spell text[..run_end) without a gap) into the longest service word they
// spell together, if any.
void JoinServiceWord(std::string_view text, size_t run_end, size_t run_begin,
                     std::vector<std::string>* tokens) {
  constexpr size_t kMaxBytes = 15;
  size_t n = tokens->size();
  size_t bytes = (*tokens)[n - 1].size();
  size_t first = n - 1;
  while (first > run_begin && bytes + (*tokens)[first - 1].size() <= kMaxBytes)
    bytes += (*tokens)[--first].size();
  for (size_t k = first; k + 1 < n; ++k) {
    std::string_view joined = text.substr(run_end - bytes, bytes);
    if (IsServiceWord(joined)) {
      tokens->resize(k);
      tokens->emplace_back(joined);
      return;
    }
    bytes -= (*tokens)[k].size();
  }
}

}  // namespace

bool WordBreakAvailable() { return ThisThreadSegmenter().words() != nullptr; }

std::vector<std::string> AnalyzerImpl::Tokenize(std::string_view normalized,
                                                std::string_view language) const {
  return TokenizeValid(SanitizeUtf8(normalized), language);
}

std::vector<std::string> AnalyzerImpl::TokenizeValid(std::string_view s,
                                                     std::string_view language) const {
  std::vector<std::string> tokens;
  if (s.empty()) return tokens;
  ThreadSegmenter& seg = ThisThreadSegmenter();
  icu::BreakIterator* bi = seg.words();
  if (bi == nullptr) return tokens;  // Create checked this; a thread cannot lose ICU data
  // ICU breaks UTF-16 twice as fast as UTF-8 through UText: convert, and
  // keep the byte offset of each UTF-16 index to cut the words out of `s`.
  icu::UnicodeString& text = seg.text();
  text = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  std::vector<int32_t>& byte_at = seg.byte_offsets();
  byte_at.clear();
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    uint32_t cp = DecodeAt(s, i, &len);
    byte_at.push_back(static_cast<int32_t>(i));
    if (cp >= 0x10000) byte_at.push_back(static_cast<int32_t>(i));  // a surrogate pair
    i += len;
  }
  byte_at.push_back(static_cast<int32_t>(s.size()));
  if (static_cast<int32_t>(byte_at.size()) != text.length() + 1) return tokens;  // not valid UTF-8
  bi->setText(text);
  std::string code = PrimaryLanguage(language);
  sb_stemmer* stemmer = seg.Stemmer(code);
  sb_stemmer* english = LatinWordsAreEnglish(code) ? seg.Stemmer("en") : nullptr;
  std::string folded;
  size_t han_run_begin = 0;  // the first token of the run of ideographs that ends at han_run_end
  int32_t han_run_end = -1;
  int32_t start16 = bi->first();
  for (int32_t end16 = bi->next(); end16 != icu::BreakIterator::DONE;
       start16 = end16, end16 = bi->next()) {
    int32_t start = byte_at[static_cast<size_t>(start16)];
    int32_t end = byte_at[static_cast<size_t>(end16)];
    std::string_view word(s.data() + start, static_cast<size_t>(end - start));
    int32_t status = bi->getRuleStatus();
    if (status < UBRK_WORD_NONE_LIMIT) {  // spaces, punctuation — and emoji
      for (size_t i = 0; i < word.size();) {
        size_t cluster = SymbolClusterAt(word, i);
        if (cluster > 0) {
          tokens.emplace_back(word.substr(i, cluster));
          i += cluster;
        } else {
          size_t len = 0;
          DecodeAt(word, i, &len);
          i += len;
        }
      }
      continue;
    }
    if (status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT) {
      folded.clear();
      AppendFolded(word, &folded);
      sb_stemmer* st = stemmer != nullptr ? stemmer : (StartsLatin(folded) ? english : nullptr);
      if (st != nullptr) {
        const sb_symbol* stem = sb_stemmer_stem(
            st, reinterpret_cast<const sb_symbol*>(folded.data()), static_cast<int>(folded.size()));
        if (stem != nullptr) {
          tokens.emplace_back(reinterpret_cast<const char*>(stem),
                              static_cast<size_t>(sb_stemmer_length(st)));
          continue;
        }
      }
      tokens.push_back(folded);
      continue;
    }
    if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT) {
      // ICU splits many words of the trade (退货 → 退 货): join the pieces
      // back when, together, they are exactly one of ours.
      if (start != han_run_end) han_run_begin = tokens.size();
      han_run_end = end;
      tokens.emplace_back(word);
      JoinServiceWord(s, static_cast<size_t>(end), han_run_begin, &tokens);
      continue;
    }
    tokens.emplace_back(word);  // numbers, kana
  }
  return tokens;
}

std::vector<std::string> CharNgrams(std::string_view text, int n_min, int n_max) {
  std::vector<std::string> grams;
  if (n_min < 1) n_min = 1;
  if (n_max < n_min) return grams;
  std::string s = SanitizeUtf8(text);
  std::vector<size_t> starts;  // byte offset of each code point of the word, then its end
  auto flush_word = [&](size_t word_end) {
    if (starts.empty()) return;
    starts.push_back(word_end);
    int cps = static_cast<int>(starts.size()) - 1;
    for (int n = n_min; n <= n_max && n <= cps; ++n) {
      for (int i = 0; i + n <= cps; ++i)
        grams.emplace_back(s.substr(starts[i], starts[i + n] - starts[i]));
    }
    starts.clear();
  };
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    uint32_t cp = DecodeAt(s, i, &len);
    bool space = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000;
    if (space)
      flush_word(i);
    else
      starts.push_back(i);
    i += len;
  }
  flush_word(s.size());
  return grams;
}

}  // namespace kefu::text
