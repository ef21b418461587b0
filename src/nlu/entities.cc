// Entities: folding, phone numbers, e-mail, order numbers, the tenant's
// patterns and lookups, overlaps, and time zones. See entities.h.
#include "nlu/entities.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <unordered_map>

#include "nlu/entities_internal.h"

namespace kefu::nlu {

std::string_view EntityTypeName(EntityType t) {
  switch (t) {
    case EntityType::kPhone:
      return "phone";
    case EntityType::kEmail:
      return "email";
    case EntityType::kOrderNumber:
      return "order_number";
    case EntityType::kAmount:
      return "amount";
    case EntityType::kNumber:
      return "number";
    case EntityType::kDateTime:
      return "datetime";
    case EntityType::kPattern:
      return "pattern";
    case EntityType::kLookup:
      return "lookup";
  }
  return "number";
}

namespace entities {

constexpr size_t kMaxBytes = 64 * 1024;

FoldedText Fold(std::string_view raw) {
  FoldedText t;
  raw = raw.substr(0, kMaxBytes);
  t.cps.reserve(raw.size());
  t.raw.reserve(raw.size() + 1);
  for (size_t i = 0; i < raw.size();) {
    char32_t cp = 0;
    size_t len = text::DecodeUtf8(raw, i, &cp);
    t.raw.push_back(i);
    if (len == 0) {
      t.cps.push_back(0xFFFD);
      ++i;
      continue;
    }
    i += len;
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full width → ASCII
    if (cp == 0x3000 || cp == 0xA0 || cp == '\t' || cp == '\n' || cp == '\r') cp = ' ';
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    t.cps.push_back(cp);
  }
  t.raw.push_back(raw.size());
  t.utf8.reserve(raw.size());
  t.cp_at_byte.reserve(raw.size() + 1);
  for (size_t k = 0; k < t.cps.size(); ++k) {
    size_t before = t.utf8.size();
    text::AppendUtf8(t.cps[k], &t.utf8);
    t.cp_at_byte.insert(t.cp_at_byte.end(), t.utf8.size() - before, static_cast<uint32_t>(k));
  }
  t.cp_at_byte.push_back(static_cast<uint32_t>(t.cps.size()));
  return t;
}

namespace {

// ---- phone numbers ---------------------------------------------------------

bool IsSeparator(char32_t c) { return c == ' ' || c == '-' || c == '.'; }

// Digits from s[i], allowing single separators between digit groups and one
// pair of parentheses; stops after `max_digits`. Returns the end (after the
// last digit) and the digits read.
size_t ReadDigits(const std::u32string& s, size_t i, size_t max_digits, std::string* digits) {
  size_t end = i, j = i;
  while (j < s.size() && digits->size() < max_digits) {
    if (IsAsciiDigit(s[j])) {
      digits->push_back(static_cast<char>(s[j]));
      end = ++j;
    } else if ((IsSeparator(s[j]) || s[j] == '(' || s[j] == ')') && j + 1 < s.size() &&
               (IsAsciiDigit(s[j + 1]) || (s[j + 1] == '(' && s[j] != '('))) {
      ++j;
    } else if (s[j] == ')' && j + 2 < s.size() && IsSeparator(s[j + 1]) && IsAsciiDigit(s[j + 2])) {
      j += 2;
    } else {
      break;
    }
  }
  return end;
}

bool DigitBefore(const std::u32string& s, size_t i) {
  return i > 0 && (IsAsciiAlnum(s[i - 1]) || (s[i - 1] == '+'));
}

bool DigitAfter(const std::u32string& s, size_t e) { return e < s.size() && IsAsciiAlnum(s[e]); }

bool IsCnMobile(std::string_view d) {
  return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

void FindPhones(const std::u32string& s, std::vector<Span>* out) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '+' && i + 1 < s.size() && (IsAsciiDigit(s[i + 1]) || s[i + 1] == '(') &&
        !(i > 0 && IsAsciiAlnum(s[i - 1]))) {
      std::string d;
      size_t e = ReadDigits(s, i + 1, 15, &d);
      if (!DigitAfter(s, e) && d.size() >= 8 && d.size() <= 15) {
        // +86 138 0013 8000: a CN mobile after the country code.
        if (d.rfind("86", 0) == 0 && d.size() == 13 && !IsCnMobile(d.substr(2))) {
          i = e;
          continue;
        }
        out->push_back({i, e, EntityType::kPhone, "+" + d, ""});
        i = e;
        continue;
      }
      ++i;
      continue;
    }
    if (IsAsciiDigit(s[i]) && !DigitBefore(s, i)) {
      std::string d;
      size_t e = ReadDigits(s, i, 16, &d);
      if (!DigitAfter(s, e)) {
        std::string_view v = d;
        if (v.rfind("0086", 0) == 0)
          v.remove_prefix(4);
        else if (v.size() == 13 && v.rfind("86", 0) == 0)
          v.remove_prefix(2);
        if (IsCnMobile(v)) {
          out->push_back({i, e, EntityType::kPhone, "+86" + std::string(v), ""});
          i = e;
          continue;
        }
        // A CN service number: 400-820-8820, 800 810 8888.
        if (v.size() == 10 && (v.rfind("400", 0) == 0 || v.rfind("800", 0) == 0)) {
          out->push_back({i, e, EntityType::kPhone, "+86" + std::string(v), ""});
          i = e;
          continue;
        }
        // A CN landline with its area code: 010-12345678, 0755 8765 4321.
        if (v.size() >= 10 && v.size() <= 12 && v[0] == '0' && v[1] != '0') {
          bool separated = false;
          for (size_t k = i; k < e; ++k) separated |= !IsAsciiDigit(s[k]);
          if (separated) {
            out->push_back({i, e, EntityType::kPhone, "+86" + std::string(v.substr(1)), ""});
            i = e;
            continue;
          }
        }
      }
      // A mobile number with another number after it: 13812345678 2.
      std::string first;
      size_t e11 = ReadDigits(s, i, 11, &first);
      if (IsCnMobile(first) && !DigitAfter(s, e11)) {
        out->push_back({i, e11, EntityType::kPhone, "+86" + first, ""});
        i = e11;
        continue;
      }
      while (i < s.size() && IsAsciiDigit(s[i])) ++i;
      continue;
    }
    ++i;
  }
}

// ---- e-mail ----------------------------------------------------------------

bool IsLocalChar(char32_t c) {
  return IsAsciiAlnum(c) || std::strchr("._%+-", static_cast<int>(c < 128 ? c : 1)) != nullptr;
}
bool IsDomainChar(char32_t c) { return IsAsciiAlnum(c) || c == '-' || c == '.'; }

void FindEmails(const FoldedText& t, std::vector<Span>* out) {
  const std::u32string& s = t.cps;
  size_t last_end = 0;
  for (size_t at = 0; at < s.size(); ++at) {
    if (s[at] != '@' || at < last_end) continue;
    size_t b = at;
    while (b > last_end && IsLocalChar(s[b - 1])) --b;
    while (b < at && s[b] == '.') ++b;
    if (b == at) continue;
    size_t e = at + 1;
    while (e < s.size() && IsDomainChar(s[e])) ++e;
    while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;
    // The domain needs a dot and a top-level part of two letters or more.
    size_t dot = std::u32string_view(s).substr(at + 1, e - at - 1).rfind('.');
    if (dot == std::u32string_view::npos) continue;
    size_t tld = at + 1 + dot + 1;
    if (e - tld < 2 || !std::all_of(s.begin() + tld, s.begin() + e, IsAsciiAlpha)) continue;
    std::string value;
    for (size_t k = b; k < e; ++k) value.push_back(static_cast<char>(s[k]));
    out->push_back({b, e, EntityType::kEmail, value, ""});
    last_end = e;
  }
}

// ---- regular expressions (order numbers, tenant patterns) -----------------

struct CompiledPattern {
  std::string name;
  EntityType type;
  std::regex re;
};

void FindPattern(const FoldedText& t, const CompiledPattern& p, std::vector<Span>* out) {
  const std::string& u = t.utf8;
  auto begin = std::sregex_iterator(u.begin(), u.end(), p.re);
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    size_t bb = static_cast<size_t>(it->position(0)), be = bb + it->length(0);
    if (be == bb) continue;
    size_t b = t.cp_at_byte[bb], e = t.cp_at_byte[be];
    if (p.type == EntityType::kOrderNumber) {
      // Stand-alone only: not inside a longer word or number.
      if ((b > 0 && IsAsciiAlnum(t.cps[b - 1])) || DigitAfter(t.cps, e)) continue;
      std::string v;
      for (size_t k = b; k < e; ++k) {
        char32_t c = t.cps[k];
        if (IsAsciiAlnum(c)) v.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
      }
      out->push_back({b, e, p.type, v, ""});
    } else {
      out->push_back({b, e, p.type, "", ""});  // the value is set from the raw text
    }
  }
}

// ---- lookups ---------------------------------------------------------------

struct LookupHit {
  int entity;  // index into the lookups
  std::string value;
};

}  // namespace
}  // namespace entities

namespace {

using entities::FoldedText;
using entities::Span;

// ---- the extractor ---------------------------------------------------------

class EntityExtractorImpl final : public EntityExtractor {
 public:
  Status Build(const EntityConfig& config) {
    zoneinfo_dir_ = config.zoneinfo_dir;
    auto zone = TimeZone::Load(config.default_time_zone, zoneinfo_dir_);
    if (!zone.ok()) return zone.status();
    default_zone_ = *zone;
    zones_[config.default_time_zone] = default_zone_;
    auto compile = [&](const std::string& name, EntityType type, const std::string& re) -> Status {
      try {
        patterns_.push_back(
            {name, type,
             std::regex(re, std::regex::ECMAScript | std::regex::icase | std::regex::optimize)});
      } catch (const std::regex_error& e) {
        return Status::InvalidArgument("entity \"" + name +
                                       "\": pattern does not compile: " + e.what());
      }
      return Status::Ok();
    };
    if (!config.order_number_pattern.empty()) {
      Status s = compile("order_number", EntityType::kOrderNumber, config.order_number_pattern);
      if (!s.ok()) return s;
    }
    for (const PatternEntity& p : config.patterns) {
      if (p.name.empty()) return Status::InvalidArgument("a pattern entity has no name");
      if (p.regex.empty())
        return Status::InvalidArgument("entity \"" + p.name + "\": empty pattern");
      Status s = compile(p.name, EntityType::kPattern, p.regex);
      if (!s.ok()) return s;
    }
    for (size_t k = 0; k < config.lookups.size(); ++k) {
      const LookupEntity& l = config.lookups[k];
      if (l.name.empty()) return Status::InvalidArgument("a lookup entity has no name");
      lookup_names_.push_back(l.name);
      for (const LookupEntity::Value& v : l.values) {
        if (v.value.empty())
          return Status::InvalidArgument("entity \"" + l.name + "\": a value without text");
        AddSynonym(static_cast<int>(k), v.value, v.value);
        for (const std::string& syn : v.synonyms)
          if (!syn.empty()) AddSynonym(static_cast<int>(k), syn, v.value);
      }
    }
    return Status::Ok();
  }

  std::vector<Entity> Extract(std::string_view text, const ExtractContext& context) const override {
    FoldedText t = entities::Fold(text);
    std::vector<Span> builtin;
    entities::FindEmails(t, &builtin);
    entities::FindPhones(t.cps, &builtin);
    entities::FindDateTimes(t, FloorSeconds(context.now_millis), ZoneFor(context.time_zone),
                            &builtin);
    entities::FindNumbersAndAmounts(t, &builtin);
    for (const auto& p : patterns_)
      if (p.type == EntityType::kOrderNumber) entities::FindPattern(t, p, &builtin);
    builtin = NonOverlapping(std::move(builtin));

    std::vector<Entity> out;
    for (Span& s : builtin)
      out.push_back(ToEntity(text, t, s, std::string(EntityTypeName(s.type))));
    for (const auto& p : patterns_) {
      if (p.type != EntityType::kPattern) continue;
      std::vector<Span> found;
      entities::FindPattern(t, p, &found);
      for (Span& s : NonOverlapping(std::move(found))) {
        out.push_back(ToEntity(text, t, s, p.name));
        out.back().value = FoldWidth(out.back().text);
      }
    }
    FindLookups(text, t, &out);
    std::stable_sort(out.begin(), out.end(), [](const Entity& a, const Entity& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.type < b.type;
    });
    return out;
  }

 private:
  static int64_t FloorSeconds(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

  const entities::Zone& ZoneFor(const std::string& name) const {
    if (name.empty()) return *default_zone_;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = zones_.find(name);
    if (it != zones_.end()) return *it->second;
    if (zones_.size() >= kMaxZones) return *default_zone_;  // the cache stays bounded
    auto zone = TimeZone::Load(name, zoneinfo_dir_);
    // An unknown zone is remembered as the default, so it is looked up once.
    auto& slot = zones_[name];
    slot = zone.ok() ? *zone : default_zone_;
    return *slot;
  }

  // Built-in spans in priority order; a span overlapping an earlier kept one
  // is dropped (at equal priority the longer, then the first, wins).
  static std::vector<Span> NonOverlapping(std::vector<Span> spans) {
    auto rank = [](EntityType t) {
      switch (t) {
        case EntityType::kEmail:
          return 0;
        case EntityType::kPhone:
          return 1;
        case EntityType::kDateTime:
          return 2;
        case EntityType::kAmount:
          return 3;
        case EntityType::kOrderNumber:
          return 4;
        case EntityType::kNumber:
          return 5;
        default:
          return 6;
      }
    };
    std::stable_sort(spans.begin(), spans.end(), [&](const Span& a, const Span& b) {
      if (rank(a.type) != rank(b.type)) return rank(a.type) < rank(b.type);
      if (a.e - a.b != b.e - b.b) return a.e - a.b > b.e - b.b;
      return a.b < b.b;
    });
    std::vector<Span> kept;
    for (Span& s : spans) {
      bool overlaps = std::any_of(kept.begin(), kept.end(),
                                  [&](const Span& k) { return s.b < k.e && k.b < s.e; });
      if (!overlaps) kept.push_back(std::move(s));
    }
    return kept;
  }

  // `s` with full-width ASCII and the ideographic space as ASCII, case kept.
  static std::string FoldWidth(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      char32_t cp = 0;
      size_t len = text::DecodeUtf8(s, i, &cp);
      if (len == 0) {
        ++i;
        continue;
      }
      if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
      if (cp == 0x3000) cp = ' ';
      text::AppendUtf8(cp, &out);
      i += len;
    }
    return out;
  }

  static Entity ToEntity(std::string_view text, const FoldedText& t, Span& s, std::string name) {
    Entity e;
    e.type = s.type;
    e.name = std::move(name);
    e.begin = t.raw[s.b];
    e.end = t.raw[s.e];
    e.text = std::string(text.substr(e.begin, e.end - e.begin));
    e.value = std::move(s.value);
    e.unit = std::move(s.unit);
    return e;
  }

  void AddSynonym(int entity, const std::string& synonym, const std::string& value) {
    FoldedText f = entities::Fold(synonym);
    std::u32string key = f.cps;
    while (!key.empty() && key.back() == ' ') key.pop_back();
    while (!key.empty() && key.front() == ' ') key.erase(key.begin());
    if (key.empty()) return;
    max_synonym_ = std::max(max_synonym_, key.size());
    synonyms_.try_emplace(std::move(key), entities::LookupHit{entity, value});
  }

  void FindLookups(std::string_view text, const FoldedText& t, std::vector<Entity>* out) const {
    if (synonyms_.empty()) return;
    const std::u32string& s = t.cps;
    for (size_t i = 0; i < s.size();) {
      bool latin_start = entities::IsAsciiAlnum(s[i]);
      if (latin_start && i > 0 && entities::IsAsciiAlnum(s[i - 1])) {
        ++i;
        continue;
      }
      size_t best = 0;
      const entities::LookupHit* hit = nullptr;
      for (size_t len = std::min(max_synonym_, s.size() - i); len > 0; --len) {
        auto it = synonyms_.find(s.substr(i, len));
        if (it == synonyms_.end()) continue;
        bool latin_end = entities::IsAsciiAlnum(s[i + len - 1]);
        if (latin_end && i + len < s.size() && entities::IsAsciiAlnum(s[i + len])) continue;
        best = len;
        hit = &it->second;
        break;
      }
      if (!hit) {
        ++i;
        continue;
      }
      Entity e;
      e.type = EntityType::kLookup;
      e.name = lookup_names_[hit->entity];
      e.begin = t.raw[i];
      e.end = t.raw[i + best];
      e.text = std::string(text.substr(e.begin, e.end - e.begin));
      e.value = hit->value;
      out->push_back(std::move(e));
      i += best;
    }
  }

  static constexpr size_t kMaxZones = 1024;  // tzdata has about 600 names
  std::string zoneinfo_dir_;
  std::shared_ptr<const TimeZone> default_zone_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const TimeZone>> zones_;  // guarded by mu_
  std::vector<entities::CompiledPattern> patterns_;
  std::vector<std::string> lookup_names_;
  std::unordered_map<std::u32string, entities::LookupHit> synonyms_;
  size_t max_synonym_ = 0;
};

}  // namespace

Result<std::unique_ptr<EntityExtractor>> EntityExtractor::Create(const EntityConfig& config) {
  auto x = std::make_unique<EntityExtractorImpl>();
  Status s = x->Build(config);
  if (!s.ok()) return s;
  return std::unique_ptr<EntityExtractor>(std::move(x));
}

Result<int> UtcOffsetSeconds(std::string_view name, int64_t unix_seconds,
                             std::string_view zoneinfo_dir) {
  auto zone = TimeZone::Load(name, zoneinfo_dir);
  if (!zone.ok()) return zone.status();
  return (*zone)->OffsetAt(unix_seconds);
}

}  // namespace kefu::nlu
