#include "llm/pii.h"

#include <algorithm>

namespace kefu::llm {
namespace {

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A digit at text[i]: its ASCII value in *d and its length in bytes (1 for
// ASCII, 3 for full width U+FF10–U+FF19), or 0.
size_t DigitAt(std::string_view s, size_t i, char* d) {
  if (IsAsciiDigit(s[i])) {
    *d = s[i];
    return 1;
  }
  if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xEF &&
      static_cast<unsigned char>(s[i + 1]) == 0xBC) {
    const unsigned char c = static_cast<unsigned char>(s[i + 2]);
    if (c >= 0x90 && c <= 0x99) {
      *d = static_cast<char>('0' + (c - 0x90));
      return 3;
    }
  }
  return 0;
}

// A run of digits: bytes [begin, end), the digits as ASCII.
struct Group {
  size_t begin = 0;
  size_t end = 0;
  std::string digits;
};

bool ValidDate(int y, int m, int d) {
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

bool IsMobile(std::string_view d) {
  return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

// What the digits of one or more groups are, if personal data. `plus`: a
// '+' stands before them (a country code).
bool Classify(const std::string& d, bool plus, PiiKind* kind) {
  std::string_view v = d;
  if (v.starts_with("0086") && IsMobile(v.substr(4))) v.remove_prefix(4);
  else if (v.starts_with("86") && (plus || v.size() == 13) && IsMobile(v.substr(2)))
    v.remove_prefix(2);
  if (IsMobile(v)) {
    *kind = PiiKind::kPhone;
    return true;
  }
  if (plus) return false;
  if (v.size() == 18 && IdCardValid(v)) {
    *kind = PiiKind::kIdCard;
    return true;
  }
  if (v.size() >= 13 && v.size() <= 19 && LuhnValid(v) &&
      v.find_first_not_of(v[0]) != std::string_view::npos) {
    *kind = PiiKind::kBankCard;
    return true;
  }
  return false;
}

void FindEmails(std::string_view s, std::vector<PiiSpan>* out) {
  auto local = [](char c) {
    return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
           c == '-';
  };
  auto domain = [](char c) { return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '.' || c == '-'; };
  size_t from = 0;
  for (size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', from)) {
    from = at + 1;
    size_t b = at;
    while (b > 0 && local(s[b - 1])) --b;
    while (b < at && s[b] == '.') ++b;
    size_t e = at + 1;
    while (e < s.size() && domain(s[e])) ++e;
    while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;
    if (b == at || e == at + 1) continue;
    std::string_view dom = s.substr(at + 1, e - at - 1);
    const size_t dot = dom.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    std::string_view tld = dom.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), IsAsciiLetter)) continue;
    out->push_back({PiiKind::kEmail, b, e});
    from = e;
  }
}

// Digit runs joined by one space or hyphen form a chain; within a chain the
// longest stretch of groups that is personal data wins, then the rest of
// the chain is searched again.
void FindNumbers(std::string_view s, std::vector<PiiSpan>* out) {
  size_t i = 0;
  while (i < s.size()) {
    char d;
    size_t n = DigitAt(s, i, &d);
    if (n == 0) {
      ++i;
      continue;
    }
    // A chain from i.
    std::vector<Group> chain;
    size_t p = i;
    while (true) {
      Group g{p, p, {}};
      while (p < s.size() && (n = DigitAt(s, p, &d)) > 0) {
        g.digits.push_back(d);
        p += n;
      }
      g.end = p;
      chain.push_back(std::move(g));
      if (p + 1 < s.size() && (s[p] == ' ' || s[p] == '-') && DigitAt(s, p + 1, &d) > 0) {
        ++p;
        continue;
      }
      break;
    }
    const size_t chain_end = p;
    // An identifier (SO20261130001, v2) or a decimal (3.14) is not taken apart.
    const bool glued_before =
        i > 0 && (IsAsciiLetter(s[i - 1]) || s[i - 1] == '_' ||
                  (s[i - 1] == '.' && i > 1 && IsAsciiDigit(s[i - 2])));
    bool x_after = false;  // an ID number's checksum X
    bool glued_after = false;
    if (chain_end < s.size()) {
      const char c = s[chain_end];
      if ((c == 'X' || c == 'x') &&
          (chain_end + 1 == s.size() || !IsAsciiLetter(s[chain_end + 1]))) {
        x_after = true;
      } else if (IsAsciiLetter(c) || c == '_' ||
                 (c == '.' && chain_end + 1 < s.size() && IsAsciiDigit(s[chain_end + 1]))) {
        glued_after = true;
      }
    }
    const bool plus_before = i > 0 && s[i - 1] == '+';
    if (!glued_before && !glued_after) {
      size_t a = 0;
      while (a < chain.size()) {
        bool found = false;
        for (size_t b = chain.size(); b-- > a;) {
          // Groups of a written-out number have 3 digits or more, apart from
          // a leading country code.
          bool shaped = true;
          for (size_t k = a; k <= b && b > a; ++k) {
            const bool code = k == a && (chain[k].digits == "86" || chain[k].digits == "0086");
            if (chain[k].digits.size() < 3 && !code) shaped = false;
          }
          if (!shaped) continue;
          std::string digits;
          for (size_t k = a; k <= b; ++k) digits += chain[k].digits;
          const bool plus = a == 0 && plus_before;
          const bool x = b + 1 == chain.size() && x_after;
          PiiKind kind;
          bool hit = false;
          if (x && digits.size() == 17 && IdCardValid(digits + "X")) {
            kind = PiiKind::kIdCard;
            hit = true;
          } else if (!(x && b + 1 == chain.size())) {
            hit = Classify(digits, plus, &kind);
          }
          if (!hit) continue;
          const size_t begin = plus ? chain[a].begin - 1 : chain[a].begin;
          const size_t end = chain[b].end + (x && kind == PiiKind::kIdCard ? 1 : 0);
          out->push_back({kind, begin, end});
          a = b + 1;
          found = true;
          break;
        }
        if (!found) ++a;
      }
    }
    i = chain_end;
  }
}

}  // namespace

const char* PiiKindName(PiiKind kind) {
  switch (kind) {
    case PiiKind::kPhone: return "PHONE";
    case PiiKind::kIdCard: return "ID";
    case PiiKind::kBankCard: return "CARD";
    case PiiKind::kEmail: return "EMAIL";
    case PiiKind::kCustom: return "PRIVATE";
  }
  return "PRIVATE";
}

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsAsciiDigit(digits[i])) return false;
    int v = digits[i] - '0';
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool IdCardValid(std::string_view id) {
  if (id.size() != 18) return false;
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    if (!IsAsciiDigit(id[i])) return false;
    sum += (id[i] - '0') * kWeights[i];
  }
  const char last = id[17] == 'x' ? 'X' : id[17];
  if (last != kCheck[sum % 11]) return false;
  if (id[0] < '1' || id[0] > '8') return false;  // region codes 11–82
  auto num = [&](size_t at, size_t len) {
    int v = 0;
    for (size_t k = at; k < at + len; ++k) v = v * 10 + (id[k] - '0');
    return v;
  };
  return ValidDate(num(6, 4), num(10, 2), num(12, 2));
}

std::string PiiVault::PlaceholderFor(PiiKind kind, std::string_view original) {
  std::string key = std::string(PiiKindName(kind)) + '\n' + std::string(original);
  auto it = placeholder_of_.find(key);
  if (it != placeholder_of_.end()) return it->second;
  std::string p = "[" + std::string(PiiKindName(kind)) + "_" + std::to_string(++count_[kind]) + "]";
  placeholder_of_.emplace(std::move(key), p);
  original_of_.emplace(p, std::string(original));
  return p;
}

std::string PiiVault::Restore(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '[') {
      const size_t close = text.find(']', i);
      if (close != std::string_view::npos && close - i < 32) {
        auto it = original_of_.find(std::string(text.substr(i, close - i + 1)));
        if (it != original_of_.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

std::string StreamRestorer::Feed(std::string_view piece) {
  held_.append(piece);
  // Keep from the last '[' that has no ']' after it, while it could still
  // become a placeholder (they are short).
  const size_t open = held_.rfind('[');
  size_t keep = held_.size();
  if (open != std::string::npos && held_.find(']', open) == std::string::npos &&
      held_.size() - open < 32) {
    keep = open;
  }
  std::string out = vault_->Restore(std::string_view(held_).substr(0, keep));
  held_.erase(0, keep);
  return out;
}

std::string StreamRestorer::Flush() {
  std::string out = vault_->Restore(held_);
  held_.clear();
  return out;
}

Result<PiiMasker> PiiMasker::Create(const std::vector<PiiPattern>& tenant_patterns) {
  PiiMasker m;
  for (const PiiPattern& p : tenant_patterns) {
    if (p.regex.empty()) return Status::InvalidArgument("pattern " + p.name + ": empty");
    try {
      m.patterns_.emplace_back(p.regex, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("pattern " + p.name + ": " + e.what());
    }
  }
  return m;
}

std::vector<PiiSpan> PiiMasker::Find(std::string_view text) const {
  std::vector<PiiSpan> found;
  FindEmails(text, &found);
  for (const std::regex& re : patterns_) {
    for (std::cregex_iterator it(text.data(), text.data() + text.size(), re), end; it != end;
         ++it) {
      if (it->length(0) == 0) continue;
      const size_t b = static_cast<size_t>(it->position(0));
      found.push_back({PiiKind::kCustom, b, b + static_cast<size_t>(it->length(0))});
    }
  }
  FindNumbers(text, &found);
  // Earlier finders win an overlap: an e-mail holding digits stays whole.
  std::vector<PiiSpan> out;
  for (const PiiSpan& s : found) {
    bool overlaps = false;
    for (const PiiSpan& o : out) overlaps = overlaps || (s.begin < o.end && o.begin < s.end);
    if (!overlaps) out.push_back(s);
  }
  std::sort(out.begin(), out.end(),
            [](const PiiSpan& a, const PiiSpan& b) { return a.begin < b.begin; });
  return out;
}

std::string PiiMasker::Replace(std::string_view text,
                               const std::function<std::string(const PiiSpan&)>& with) const {
  std::string out;
  size_t at = 0;
  for (const PiiSpan& s : Find(text)) {
    out.append(text.substr(at, s.begin - at));
    out += with(s);
    at = s.end;
  }
  out.append(text.substr(at));
  return out;
}

std::string PiiMasker::Mask(std::string_view text, PiiVault* vault) const {
  return Replace(text, [&](const PiiSpan& s) {
    return vault->PlaceholderFor(s.kind, text.substr(s.begin, s.end - s.begin));
  });
}

std::string PiiMasker::MaskForLog(std::string_view text) const {
  return Replace(text,
                 [](const PiiSpan& s) { return "[" + std::string(PiiKindName(s.kind)) + "]"; });
}

}  // namespace kefu::llm
