#include "llm/support.h"

#include <algorithm>
#include <map>
#include <set>

namespace kefu::llm {
namespace {

bool IsHanCp(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2FA1F) || (c >= 0xF900 && c <= 0xFAFF);
}
bool IsDigitCp(char32_t c) { return c >= '0' && c <= '9'; }
bool IsWordCp(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigitCp(c) || c == '\'' ||
         c == 0x2019 || (c >= 0xC0 && c <= 0x24F);
}

std::u32string Decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    size_t n = text::DecodeUtf8(s, i, &cp);
    if (n == 0) {
      cp = 0xFFFD;
      n = 1;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::string Encode(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) text::AppendUtf8(c, &out);
  return out;
}

// Characters that carry no claim of their own: a bigram of two of them is
// not a unit, nor is one of them alone.
bool IsStopHan(char32_t c) {
  static const std::u32string kStop = U"的了是在和与及您你我他她它们吗呢吧啊哦呀请也就都很这那个之其把被给对为着过";
  return kStop.find(c) != std::u32string::npos;
}

bool IsNegationHan(char32_t c) {
  static const std::u32string kNeg = U"不没无未非别勿";
  return kNeg.find(c) != std::u32string::npos;
}

// Words with a negation character that negate nothing: 不过 (but), 无论
// (whatever), 非常 (very)...
bool IsFalseNegation(std::u32string_view bigram) {
  static const std::u32string_view kWords[] = {U"不过", U"不错", U"不仅", U"不管", U"无论",
                                               U"非常", U"别的", U"别人", U"未来", U"不久",
                                               U"不好", U"不同", U"无忧", U"并非"};
  for (std::u32string_view w : kWords) {
    if (bigram == w) return true;
  }
  return false;
}

const std::set<std::string>& EnglishStopWords() {
  static const std::set<std::string> kStop = {
      "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "to", "of", "and",
      "or", "in", "on", "at", "for", "with", "by", "from", "as", "it", "its", "this", "that",
      "these", "those", "you", "your", "yours", "we", "our", "us", "i", "me", "my", "they",
      "their", "them", "he", "she", "his", "her", "can", "could", "will", "would", "shall",
      "should", "may", "might", "do", "does", "did", "have", "has", "had", "please", "just",
      "also", "so", "if", "then", "than", "there", "here", "which", "who", "what", "when",
      "where", "how", "any", "all", "some", "about", "into", "out", "up", "yes", "ok"};
  return kStop;
}

bool IsNegationWord(const std::string& w) {
  static const std::set<std::string> kNeg = {"not", "no", "never", "cannot", "without", "none",
                                             "nor", "neither", "nothing", "nobody"};
  return kNeg.count(w) > 0 || w.ends_with("n't") || w.ends_with("n\u2019t");
}

// Courtesy lines: judged only when they state a number.
bool IsCourtesy(std::string_view normalized) {
  static const char* kMarkers[] = {
      "其他问题", "随时联系", "随时咨询", "为您服务", "感谢您", "谢谢您", "祝您", "欢迎再次",
      "很高兴", "希望能帮", "希望对您", "如有疑问", "如有其他", "还有什么", "let me know",
      "happy to help", "glad to help", "anything else", "hope this helps", "thank you",
      "thanks for", "feel free", "have a nice", "have a great"};
  for (const char* m : kMarkers) {
    if (normalized.find(m) != std::string_view::npos) return true;
  }
  return false;
}

struct Sentence {
  std::string text;  // without citation marks
  std::vector<int> cites;
};

// Sentences of an answer; citation marks right after a sentence's end belong
// to it ("…7 天内申请。[1]").
std::vector<Sentence> SplitSentences(std::string_view answer) {
  std::vector<Sentence> out;
  const std::u32string s = Decode(answer);
  std::u32string cur;
  auto flush = [&]() {
    std::string raw = Encode(cur);
    cur.clear();
    Sentence sentence{StripCitations(raw), Citations(raw)};
    if (sentence.text.find_first_not_of(" \t\r\n") != std::string::npos) {
      out.push_back(std::move(sentence));
    } else if (!out.empty()) {
      for (int c : sentence.cites) out.back().cites.push_back(c);
    }
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    cur.push_back(c);
    bool end = c == U'。' || c == U'！' || c == U'？' || c == U'!' || c == U'?' || c == U'；' ||
               c == U';' || c == U'\n';
    if (c == U'.') {
      const bool digit_before = i > 0 && IsDigitCp(s[i - 1]);
      const bool digit_after = i + 1 < s.size() && IsDigitCp(s[i + 1]);
      end = !(digit_before && digit_after);
    }
    if (!end) continue;
    // Take the citation marks (and spaces) that follow.
    size_t j = i + 1;
    while (j < s.size()) {
      if (s[j] == U' ') {
        ++j;
        continue;
      }
      if (s[j] != U'[') break;
      size_t k = j + 1;
      while (k < s.size() && (IsDigitCp(s[k]) || s[k] == U',' || s[k] == U' ')) ++k;
      if (k >= s.size() || s[k] != U']' || k == j + 1) break;
      j = k + 1;
    }
    cur.append(s.substr(i + 1, j - i - 1));
    i = j - 1;
    flush();
  }
  flush();
  return out;
}

}  // namespace

std::vector<int> Citations(std::string_view text) {
  std::vector<int> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '[') continue;
    size_t k = i + 1;
    std::vector<int> nums;
    int cur = -1;
    while (k < text.size()) {
      const char c = text[k];
      if (c >= '0' && c <= '9') {
        cur = (cur < 0 ? 0 : cur) * 10 + (c - '0');
        if (cur > 100000) break;
      } else if (c == ',' || c == ' ') {
        if (cur >= 0) nums.push_back(cur);
        cur = -1;
      } else {
        break;
      }
      ++k;
    }
    if (k < text.size() && text[k] == ']' && (cur >= 0 || !nums.empty())) {
      if (cur >= 0) nums.push_back(cur);
      for (int n : nums) {
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
      }
      i = k;
    }
  }
  return out;
}

std::string StripCitations(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') {
      size_t k = i + 1;
      while (k < text.size() && ((text[k] >= '0' && text[k] <= '9') || text[k] == ',' ||
                                 text[k] == ' '))
        ++k;
      if (k < text.size() && text[k] == ']' && k > i + 1) {
        i = k;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

struct SupportJudge::Units {
  std::set<std::string> content;  // bigrams, single characters, stems
  std::set<std::string> numbers;
  // Each "not" with what it negates: 不支 for 不支持, "¬cover" for "not covered".
  std::set<std::string> negated;
  // Each "not" and the (up to 3) units after it, for telling when an answer
  // repeats what a passage denies without the "not".
  std::vector<std::pair<std::string, std::vector<std::string>>> denials;
  std::map<std::string, int> count;         // each unit's occurrences
  std::map<std::string, int> denied_count;  // ... right after a "not"
  std::string normalized;
};

SupportJudge::SupportJudge(const text::Analyzer* analyzer, SupportOptions options)
    : analyzer_(analyzer), options_(options) {}

SupportJudge::Units SupportJudge::UnitsOf(std::string_view raw) const {
  Units u;
  u.normalized = analyzer_->Normalize(raw);
  const std::u32string s = Decode(u.normalized);
  std::vector<std::string> english;  // content stems and "¬", in order
  size_t i = 0;
  while (i < s.size()) {
    if (IsHanCp(s[i])) {
      size_t j = i;
      while (j < s.size() && IsHanCp(s[j])) ++j;
      for (size_t k = i; k + 1 < j; ++k) {
        if (!IsNegationHan(s[k]) || IsFalseNegation(s.substr(k, 2)) ||
            (k > i && IsFalseNegation(s.substr(k - 1, 2))))
          continue;
        std::vector<std::string> after;
        for (size_t a = k + 1; a + 1 < j && after.size() < 3; ++a) {
          after.push_back(Encode(s.substr(a, 2)));
        }
        for (const std::string& a : after) ++u.denied_count[a];
        std::string pair = Encode(s.substr(k, 2));
        u.negated.insert(pair);
        if (!after.empty()) u.denials.emplace_back(std::move(pair), std::move(after));
      }
      if (j - i == 1) {
        if (!IsStopHan(s[i])) u.content.insert(Encode(s.substr(i, 1)));
      } else {
        for (size_t k = i; k + 1 < j; ++k) {
          if (IsStopHan(s[k]) && IsStopHan(s[k + 1])) continue;
          std::string bigram = Encode(s.substr(k, 2));
          ++u.count[bigram];
          u.content.insert(std::move(bigram));
        }
      }
      i = j;
    } else if (IsDigitCp(s[i])) {
      // A number: digits, with a decimal point or thousands commas inside.
      std::string num;
      size_t j = i;
      while (j < s.size()) {
        if (IsDigitCp(s[j])) {
          num.push_back(static_cast<char>(s[j]));
        } else if ((s[j] == U'.' || s[j] == U',') && j + 1 < s.size() && IsDigitCp(s[j + 1]) &&
                   !num.empty()) {
          if (s[j] == U'.') num.push_back('.');
        } else {
          break;
        }
        ++j;
      }
      while (num.find('.') != std::string::npos && (num.back() == '0' || num.back() == '.')) {
        const bool dot = num.back() == '.';
        num.pop_back();
        if (dot) break;
      }
      u.numbers.insert(num);
      u.content.insert(num);
      i = j;
    } else if (IsWordCp(s[i])) {
      size_t j = i;
      while (j < s.size() && IsWordCp(s[j]) && !IsDigitCp(s[j])) ++j;
      std::string word = Encode(s.substr(i, j - i));
      i = j;
      if (IsNegationWord(word)) {
        english.push_back("¬");
        continue;
      }
      std::erase(word, '\'');
      if (word.empty() || EnglishStopWords().count(word) > 0) continue;
      std::vector<std::string> stems = analyzer_->Tokenize(word, "en");
      for (std::string& st : stems) {
        ++u.count[st];
        u.content.insert(st);
        english.push_back(std::move(st));
      }
    } else {
      ++i;
    }
  }
  for (size_t k = 0; k < english.size(); ++k) {
    if (english[k] != "¬") continue;
    std::vector<std::string> after;
    for (size_t a = k + 1; a < english.size() && after.size() < 3 && english[a] != "¬"; ++a) {
      after.push_back(english[a]);
    }
    if (after.empty()) continue;
    for (const std::string& a : after) ++u.denied_count[a];
    std::string pair = "¬" + after.front();
    u.negated.insert(pair);
    u.denials.emplace_back(std::move(pair), std::move(after));
  }
  return u;
}

SupportVerdict SupportJudge::Judge(std::string_view answer,
                                   const std::vector<std::string>& passages) const {
  SupportVerdict v;
  v.cited = Citations(answer);
  if (v.cited.empty()) {
    v.reason = "the answer cites no passage";
    return v;
  }
  for (int c : v.cited) {
    if (c < 1 || c > static_cast<int>(passages.size())) {
      v.reason = "the answer cites [" + std::to_string(c) + "], which does not exist";
      return v;
    }
  }
  std::vector<Units> passage_units;
  for (const std::string& p : passages) passage_units.push_back(UnitsOf(p));
  v.supported = true;
  for (const Sentence& s : SplitSentences(answer)) {
    SentenceSupport out;
    out.sentence = s.text;
    out.cites = s.cites.empty() ? v.cited : s.cites;
    for (int c : out.cites) {
      if (c < 1 || c > static_cast<int>(passages.size())) {
        v.supported = false;
        v.reason = "the answer cites [" + std::to_string(c) + "], which does not exist";
        return v;
      }
    }
    const Units u = UnitsOf(s.text);
    if (u.content.size() < 2 || (u.numbers.empty() && IsCourtesy(u.normalized))) {
      v.sentences.push_back(std::move(out));
      continue;
    }
    out.checked = true;
    size_t found = 0;
    for (const std::string& unit : u.content) {
      for (int c : out.cites) {
        if (passage_units[c - 1].content.count(unit) > 0) {
          ++found;
          break;
        }
      }
    }
    out.coverage = static_cast<double>(found) / static_cast<double>(u.content.size());
    if (out.coverage < options_.threshold) {
      out.supported = false;
      out.why = "too little of it is in the cited passages";
    }
    for (const std::string& n : u.numbers) {
      bool seen = false;
      for (int c : out.cites) seen = seen || passage_units[c - 1].numbers.count(n) > 0;
      if (!seen && out.supported) {
        out.supported = false;
        out.why = "the number " + n + " is in no cited passage";
      }
    }
    if (out.supported) {
      // A "not" the passages do not have: the answer denies what they say.
      for (const std::string& n : u.negated) {
        bool seen = false;
        for (int c : out.cites) seen = seen || passage_units[c - 1].negated.count(n) > 0;
        if (!seen) {
          out.supported = false;
          out.why = "it says \"not\" where the cited passages do not";
          break;
        }
      }
    }
    if (out.supported) {
      // What a passage denies (and says nowhere without the "not"),
      // repeated without its "not".
      for (int c : out.cites) {
        const Units& p = passage_units[c - 1];
        for (const auto& [pair, after] : p.denials) {
          // The word right after the "not", or two of the three after it.
          size_t hits = 0;
          bool first = false;
          for (size_t k = 0; k < after.size(); ++k) {
            const std::string& a = after[k];
            auto total = p.count.find(a);
            auto denied = p.denied_count.find(a);
            const bool affirmed = total != p.count.end() && denied != p.denied_count.end() &&
                                  total->second > denied->second;
            const bool hit = u.content.count(a) > 0 && !affirmed;
            hits += hit;
            first = first || (k == 0 && hit);
          }
          if ((first || hits >= 2) && u.negated.count(pair) == 0) {
            out.supported = false;
            out.why = "it leaves out a \"not\" of the cited passages";
          }
        }
      }
    }
    if (!out.supported && v.supported) {
      v.supported = false;
      v.reason = "\"" + out.sentence + "\": " + out.why;
    }
    v.sentences.push_back(std::move(out));
  }
  return v;
}

}  // namespace kefu::llm
