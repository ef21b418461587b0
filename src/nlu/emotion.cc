// Emotion: lexicon and cue scores, and a logistic regression trained from a
// tenant's examples. See emotion.h for the contract.
#include "nlu/emotion.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <unordered_map>

#include "nlu/emotion_lexicons.h"
#include "text/text.h"

namespace kefu::nlu {

std::string_view EmotionName(Emotion e) {
  switch (e) {
    case Emotion::kNeutral:
      return "neutral";
    case Emotion::kAnger:
      return "anger";
    case Emotion::kAnxiety:
      return "anxiety";
    case Emotion::kSadness:
      return "sadness";
    case Emotion::kJoy:
      return "joy";
  }
  return "neutral";
}

Result<Emotion> ParseEmotion(std::string_view name) {
  struct Name {
    std::string_view name;
    Emotion emotion;
  };
  static constexpr Name kNames[] = {
      {"neutral", Emotion::kNeutral}, {"anger", Emotion::kAnger},  {"angry", Emotion::kAnger},
      {"anxiety", Emotion::kAnxiety}, {"fear", Emotion::kAnxiety}, {"sadness", Emotion::kSadness},
      {"sad", Emotion::kSadness},     {"joy", Emotion::kJoy},      {"happy", Emotion::kJoy},
  };
  for (const Name& n : kNames)
    if (n.name == name) return n.emotion;
  return Status::InvalidArgument("unknown emotion \"" + std::string(name) +
                                 "\" (anger, anxiety, sadness, joy, neutral)");
}

namespace {

// ---- units ------------------------------------------------------------------

constexpr size_t kMaxBytes = 64 * 1024;
constexpr int kMaxTermUnits = 8;

using text::AppendUtf8;
using text::DecodeUtf8;

bool IsHanLike(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2FFFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF);
}

bool IsWordChar(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

bool IsSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c == 0xA0 ||
         c == 0x200B || c == '\v' || c == '\f';
}

// Joiners and variation selectors carry nothing of their own.
bool IsIgnorable(char32_t c) {
  return c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) || c == 0x200C || c == 0xFEFF;
}

// Punctuation that ends the reach of a degree word or a negator.
bool IsClauseBreak(char32_t c) {
  switch (c) {
    case ',':
    case '.':
    case '!':
    case '?':
    case ';':
    case ':':
    case '\n':
    case 0x3002:
    case 0x3001:
    case 0xFF61:
    case 0x2026:
      return true;
    default:
      return false;
  }
}

char32_t Fold(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full width → ASCII
  if (c == 0x2019 || c == 0x2018 || c == 0xFF07) c = '\'';
  if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) c += 0x20;  // Latin-1 capitals
  return c;
}

struct Unit {
  uint32_t begin = 0, size = 0;  // into Units::folded
  bool han = false;              // a Han (or kana, Hangul) character
  bool word = false;             // a Latin word
  bool clause_break = false;     // , . ! ? …
  char32_t cp = 0;               // the code point of a one-character unit
};

struct Units {
  std::string folded;
  std::vector<Unit> units;
  int exclamations = 0;   // '!' units
  int max_questions = 0;  // longest run of '?' units
  int caps_words = 0;     // Latin words of 3+ letters written in capitals
  int long_words = 0;     // Latin words of 3+ letters
  bool repeated = false;  // a letter or character three times in a row

  std::string_view Text(size_t i) const {
    return std::string_view(folded).substr(units[i].begin, units[i].size);
  }
};

Units SplitUnits(std::string_view raw) {
  Units out;
  raw = raw.substr(0, kMaxBytes);
  out.folded.reserve(raw.size());
  out.units.reserve(raw.size() / 2 + 1);
  bool in_word = false;
  int word_letters = 0, word_caps = 0;
  char32_t prev = 0;
  int run = 0, question_run = 0;
  auto end_word = [&] {
    if (!in_word) return;
    in_word = false;
    if (word_letters >= 3) {
      ++out.long_words;
      if (word_caps == word_letters) ++out.caps_words;
    }
  };
  for (size_t i = 0; i < raw.size();) {
    char32_t cp = 0;
    size_t len = DecodeUtf8(raw, i, &cp);
    if (len == 0) {  // an invalid byte: skipped, and it separates words
      end_word();
      ++i;
      continue;
    }
    i += len;
    if (IsIgnorable(cp)) continue;
    char32_t f = Fold(cp);
    run = (f == prev) ? run + 1 : 1;
    prev = f;
    if (run >= 3 && (IsHanLike(f) || (f >= 'a' && f <= 'z'))) out.repeated = true;
    if (IsSpace(cp)) {
      end_word();
      continue;
    }
    if (IsWordChar(f)) {
      bool letter = f != '\'' && !(f >= '0' && f <= '9');
      if (!in_word) {
        in_word = true;
        word_letters = word_caps = 0;
        out.units.push_back({static_cast<uint32_t>(out.folded.size()), 0, false, true});
      }
      if (letter) {
        ++word_letters;
        char32_t u = cp >= 0xFF01 && cp <= 0xFF5E ? cp - 0xFEE0 : cp;
        if ((u >= 'A' && u <= 'Z') || (u >= 0xC0 && u <= 0xDE)) ++word_caps;
      }
      size_t before = out.folded.size();
      AppendUtf8(f, &out.folded);
      out.units.back().size += static_cast<uint32_t>(out.folded.size() - before);
      continue;
    }
    end_word();
    Unit u;
    u.begin = static_cast<uint32_t>(out.folded.size());
    AppendUtf8(f, &out.folded);
    u.size = static_cast<uint32_t>(out.folded.size() - u.begin);
    u.han = IsHanLike(f);
    u.clause_break = IsClauseBreak(f);
    u.cp = f;
    out.units.push_back(u);
    if (f == '!') ++out.exclamations;
    question_run = f == '?' ? question_run + 1 : 0;
    out.max_questions = std::max(out.max_questions, question_run);
  }
  end_word();
  return out;
}

// ---- lexicon ----------------------------------------------------------------

struct Term {
  std::vector<std::pair<Emotion, float>> emotions;
  float degree = 0;  // 0: not a degree word
  bool negator = false;
  bool escalation = false;  // an anger entry of weight ≥ 1.8
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<LexiconEntry>> ParseEmotionLexicon(std::string_view text,
                                                      std::string_view source) {
  std::vector<LexiconEntry> out;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto where = [&] { return std::string(source) + ":" + std::to_string(line_no) + ": "; };
    std::vector<std::string_view> fields;
    while (true) {
      size_t tab = line.find('\t');
      fields.push_back(Trim(line.substr(0, tab)));
      if (tab == std::string_view::npos) break;
      line = line.substr(tab + 1);
    }
    if (fields.size() < 2 || fields[0].empty())
      return Status::InvalidArgument(where() + "expected term<TAB>kind<TAB>weight");
    LexiconEntry e;
    e.term = std::string(fields[0]);
    std::string_view kind = fields[1];
    if (kind == "degree") {
      e.kind = LexiconEntry::Kind::kDegree;
    } else if (kind == "negator") {
      e.kind = LexiconEntry::Kind::kNegator;
    } else {
      Result<Emotion> em = ParseEmotion(kind);
      if (!em.ok())
        return Status::InvalidArgument(
            where() + "unknown kind \"" + std::string(kind) +
            "\" (anger, anxiety, sadness, joy, neutral, degree, negator)");
      e.emotion = *em;
    }
    if (fields.size() >= 3 && !fields[2].empty()) {
      float w = 0;
      auto [p, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), w);
      if (ec != std::errc() || p != fields[2].data() + fields[2].size() || !(w > 0) || w > 10)
        return Status::InvalidArgument(where() + "weight \"" + std::string(fields[2]) +
                                       "\" is not a number in (0, 10]");
      e.weight = w;
    } else if (e.kind == LexiconEntry::Kind::kDegree ||
               (e.kind == LexiconEntry::Kind::kEmotion && e.emotion != Emotion::kNeutral)) {
      return Status::InvalidArgument(where() + "missing weight");
    }
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

// Terms keyed by their units joined with '\x1f'. Every proper prefix of a
// term is a key too (index -1), so matching stops as soon as no term can
// continue.
class Lexicon {
 public:
  void Add(const LexiconEntry& e) {
    Units u = SplitUnits(e.term);
    if (u.units.empty()) return;
    size_t n = std::min<size_t>(u.units.size(), kMaxTermUnits);
    std::string key;
    for (size_t i = 0; i < n; ++i) {
      if (i) key.push_back('\x1f');
      key.append(u.Text(i));
      if (i + 1 < n) keys_.try_emplace(key, -1);
    }
    auto [it, inserted] = keys_.try_emplace(key, -1);
    if (it->second < 0) {
      it->second = static_cast<int>(terms_.size());
      terms_.emplace_back();
    }
    Term& t = terms_[it->second];
    switch (e.kind) {
      case LexiconEntry::Kind::kDegree:
        t.degree = e.weight;
        break;
      case LexiconEntry::Kind::kNegator:
        t.negator = true;
        break;
      case LexiconEntry::Kind::kEmotion: {
        if (e.emotion == Emotion::kNeutral) break;  // matches, scores nothing
        auto same = std::find_if(t.emotions.begin(), t.emotions.end(),
                                 [&](const auto& p) { return p.first == e.emotion; });
        if (same != t.emotions.end())
          same->second = e.weight;  // a later entry replaces an earlier one
        else
          t.emotions.emplace_back(e.emotion, e.weight);
        if (e.emotion == Emotion::kAnger && e.weight >= 1.8f) t.escalation = true;
        break;
      }
    }
  }

  // The longest term starting at unit i: its index (or -1) and its length.
  std::pair<int, int> Longest(const Units& u, size_t i, std::string* key) const {
    key->clear();
    int best = -1, best_len = 0;
    for (size_t j = i; j < u.units.size() && j - i < kMaxTermUnits; ++j) {
      if (j > i) key->push_back('\x1f');
      key->append(u.Text(j));
      auto it = keys_.find(*key);
      if (it == keys_.end()) break;
      if (it->second >= 0) best = it->second, best_len = static_cast<int>(j - i + 1);
    }
    return {best, best_len};
  }

  const Term& term(int i) const { return terms_[i]; }
  size_t size() const { return terms_.size(); }

 private:
  std::unordered_map<std::string, int> keys_;
  std::vector<Term> terms_;
};

// ---- scoring ----------------------------------------------------------------

// What the lexicon and the cues make of one message.
struct Evidence {
  std::array<float, kEmotionCount> score{};      // raw sums, ≥ 0
  std::array<float, kEmotionCount> intensity{};  // squashed to [0, 1)
  std::vector<int> terms;                        // matched emotion terms
  int negations = 0;                             // negated emotion terms
  bool escalation = false;
};

constexpr int kModifierReach = 2;  // units between a modifier and its term
constexpr float kScale = 1.4f;     // score → intensity: 1 − exp(−score / kScale)
constexpr float kLexiconThreshold = 0.25f;

Evidence Score(const Lexicon& lex, const Units& u) {
  Evidence ev;
  std::string key;
  float mult = 1;
  bool negated = false;
  int mod_end = -100;
  auto reset = [&] {
    mult = 1;
    negated = false;
    mod_end = -100;
  };
  const int n = static_cast<int>(u.units.size());
  for (int i = 0; i < n;) {
    auto [t, len] = lex.Longest(u, i, &key);
    if (t < 0) {
      if (u.units[i].clause_break) reset();
      ++i;
      continue;
    }
    const Term& term = lex.term(t);
    bool in_reach = i - mod_end <= kModifierReach;
    if (term.emotions.empty() && !term.negator && term.degree == 0) {
      i += len;  // a neutral term (麻烦, no problem): its parts do not count
      continue;
    }
    if (term.emotions.empty()) {  // a modifier
      if (!in_reach) reset();
      if (term.negator) negated = !negated;
      if (term.degree > 0) mult = std::clamp(mult * term.degree, 0.2f, 3.0f);
      mod_end = i + len;
    } else {
      float m = in_reach ? mult : 1;
      bool neg = in_reach && negated;
      if (neg) ++ev.negations;
      for (auto [e, w] : term.emotions) {
        int k = static_cast<int>(e);
        if (!neg) {
          ev.score[k] += w * m;
        } else if (e == Emotion::kJoy) {  // 不满意, not happy
          ev.score[static_cast<int>(Emotion::kSadness)] += 0.5f * w * m;
          ev.score[static_cast<int>(Emotion::kAnger)] += 0.4f * w * m;
        } else {  // 不生气, not worried
          ev.score[k] += 0.1f * w;
        }
      }
      if (term.escalation && !neg) ev.escalation = true;
      ev.terms.push_back(t);
      reset();
    }
    i += len;
  }

  // Cues over the whole message.
  float any = 0;
  for (int k = 1; k < kEmotionCount; ++k) any += ev.score[k];
  float amp = 1 + 0.12f * std::min(u.exclamations, 5);
  if (u.repeated) amp *= 1.15f;
  bool shouting = u.caps_words >= 2 && u.caps_words * 2 >= u.long_words;
  if (shouting) amp *= 1.3f;
  for (float& s : ev.score) s *= amp;
  const int kAnger = static_cast<int>(Emotion::kAnger);
  const int kAnxiety = static_cast<int>(Emotion::kAnxiety);
  if (u.max_questions >= 2) {
    ev.score[kAnger] += 0.3f * std::min(u.max_questions, 4) / 2;
    ev.score[kAnxiety] += 0.2f;
  }
  if (any == 0 && (u.exclamations >= 3 || shouting)) ev.score[kAnger] += 0.4f;

  float strongest = 0;
  for (int k = 1; k < kEmotionCount; ++k) {
    ev.intensity[k] = 1 - std::exp(-ev.score[k] / kScale);
    strongest = std::max(strongest, ev.intensity[k]);
  }
  ev.intensity[0] = 1 - strongest;
  return ev;
}

// ---- the model --------------------------------------------------------------

constexpr uint32_t kHashBits = 19;
constexpr uint32_t kHashSize = 1u << kHashBits;
// Dense features come first: the lexicon intensities and the cues.
enum Dense : uint32_t {
  kDenseAnger,
  kDenseAnxiety,
  kDenseSadness,
  kDenseJoy,
  kDenseNegation,
  kDenseExclamation,
  kDenseQuestions,
  kDenseShouting,
  kDenseEscalation,
  kDenseRepeated,
  kDenseNoTerm,
  kDenseBias,
  kDenseCount
};
constexpr uint32_t kFeatureCount = kDenseCount + kHashSize;

uint64_t Fnv(std::string_view s, uint64_t h) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

struct Feature {
  uint32_t index;
  float value;
};

std::vector<Feature> Features(const Units& u, const Evidence& ev) {
  std::vector<Feature> f;
  f.reserve(u.units.size() * 3 + ev.terms.size() + kDenseCount);
  auto hashed = [&](uint64_t h) {
    f.push_back({kDenseCount + static_cast<uint32_t>(h >> (64 - kHashBits)), 1.0f});
  };
  constexpr uint64_t kBasis = 0xcbf29ce484222325ull;
  const size_t n = u.units.size();
  for (size_t i = 0; i < n; ++i) {
    uint64_t h1 = Fnv(u.Text(i), kBasis);
    hashed(h1);
    // A crude stem, so annoyed, annoying and annoys share a feature.
    if (u.units[i].word && u.units[i].size >= 6)
      hashed(Fnv(u.Text(i).substr(0, 5), kBasis ^ 0x51ed27aull));
    if (i + 1 < n) {
      uint64_t h2 = Fnv(u.Text(i + 1), h1 ^ 0x9e3779b97f4a7c15ull);
      hashed(h2);
      if (i + 2 < n && u.units[i].han && u.units[i + 1].han && u.units[i + 2].han)
        hashed(Fnv(u.Text(i + 2), h2 ^ 0x7f4a7c159e3779b9ull));
    }
  }
  for (int t : ev.terms) hashed((static_cast<uint64_t>(t) + 1) * 0x9e3779b97f4a7c15ull);
  // Each text weighs the same whatever its length.
  if (!f.empty()) {
    float norm = 1.0f / std::sqrt(static_cast<float>(f.size()));
    for (Feature& x : f) x.value = norm;
  }
  f.push_back({kDenseAnger, ev.intensity[1]});
  f.push_back({kDenseAnxiety, ev.intensity[2]});
  f.push_back({kDenseSadness, ev.intensity[3]});
  f.push_back({kDenseJoy, ev.intensity[4]});
  if (ev.negations) f.push_back({kDenseNegation, 1});
  if (u.exclamations) f.push_back({kDenseExclamation, std::min(u.exclamations, 3) / 3.0f});
  if (u.max_questions >= 2) f.push_back({kDenseQuestions, 1});
  if (u.caps_words >= 2 && u.caps_words * 2 >= u.long_words) f.push_back({kDenseShouting, 1});
  if (ev.escalation) f.push_back({kDenseEscalation, 1});
  if (u.repeated) f.push_back({kDenseRepeated, 1});
  if (ev.terms.empty()) f.push_back({kDenseNoTerm, 1});
  f.push_back({kDenseBias, 1});
  return f;
}

class Model {
 public:
  Model() : w_(static_cast<size_t>(kFeatureCount) * kEmotionCount, 0.0f) {}

  std::array<float, kEmotionCount> Probabilities(const std::vector<Feature>& f) const {
    std::array<float, kEmotionCount> z{};
    for (const Feature& x : f) {
      const float* w = &w_[static_cast<size_t>(x.index) * kEmotionCount];
      for (int k = 0; k < kEmotionCount; ++k) z[k] += w[k] * x.value;
    }
    float mx = *std::max_element(z.begin(), z.end()), sum = 0;
    for (float& v : z) sum += (v = std::exp(v - mx));
    for (float& v : z) v /= sum;
    return z;
  }

  // AdaGrad on the class-weighted log loss. Classes are weighted by
  // (mean count / their count)^0.5, so rare emotions are not drowned by
  // neutral and joy, without trusting a handful of examples too much.
  void Train(const std::vector<std::vector<Feature>>& xs, const std::vector<Emotion>& ys,
             int epochs, uint64_t seed) {
    std::array<double, kEmotionCount> count{};
    for (Emotion y : ys) count[static_cast<int>(y)] += 1;
    int present = 0;
    for (double c : count) present += c > 0;
    std::array<float, kEmotionCount> cw{};
    for (int k = 0; k < kEmotionCount; ++k)
      cw[k] =
          count[k] > 0 ? static_cast<float>(std::pow(ys.size() / (present * count[k]), 0.5)) : 0.0f;
    std::vector<float> g2(w_.size(), 0.0f);
    std::vector<size_t> order(xs.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    constexpr float kRate = 0.1f;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t i : order) {
        auto p = Probabilities(xs[i]);
        int y = static_cast<int>(ys[i]);
        for (int k = 0; k < kEmotionCount; ++k) p[k] = (p[k] - (k == y)) * cw[y];
        for (const Feature& x : xs[i]) {
          size_t base = static_cast<size_t>(x.index) * kEmotionCount;
          for (int k = 0; k < kEmotionCount; ++k) {
            float g = p[k] * x.value;
            if (g == 0) continue;
            g2[base + k] += g * g;
            w_[base + k] -= kRate * g / std::sqrt(g2[base + k] + 1e-6f);
          }
        }
      }
    }
  }

 private:
  std::vector<float> w_;  // [feature][emotion]
};

class EmotionDetectorImpl final : public EmotionDetector {
 public:
  Status Build(const EmotionOptions& options) {
    analyzer_ = options.analyzer;
    if (options.builtin_lexicons) {
      for (auto [text, name] : {std::pair{BuiltinEmotionLexiconZh(), "emotion_lexicon_zh"},
                                std::pair{BuiltinEmotionLexiconEn(), "emotion_lexicon_en"}}) {
        auto entries = ParseEmotionLexicon(text, name);
        if (!entries.ok()) return Status::Internal(entries.status().message());
        for (const LexiconEntry& e : *entries) lexicon_.Add(e);
      }
    }
    for (const std::string& path : options.lexicon_paths) {
      std::ifstream in(path, std::ios::binary);
      if (!in) return Status::NotFound("cannot open lexicon " + path);
      std::stringstream ss;
      ss << in.rdbuf();
      if (in.bad()) return Status::IoError("cannot read lexicon " + path);
      auto entries = ParseEmotionLexicon(ss.str(), path);
      if (!entries.ok()) return entries.status();
      for (const LexiconEntry& e : *entries) lexicon_.Add(e);
    }
    for (const LexiconEntry& e : options.lexicon_entries) lexicon_.Add(e);
    if (!options.examples.empty()) {
      std::vector<std::vector<Feature>> xs;
      std::vector<Emotion> ys;
      xs.reserve(options.examples.size());
      ys.reserve(options.examples.size());
      for (const LabelledText& ex : options.examples) {
        Units u = Read(ex.text);
        xs.push_back(Features(u, Score(lexicon_, u)));
        ys.push_back(ex.label);
      }
      const int epochs = std::max(1, options.epochs);
      if (options.anger_recall > 0)
        anger_boost_ = AngerBoost(xs, ys, options.anger_recall, epochs, options.seed);
      model_ = std::make_unique<Model>();
      model_->Train(xs, ys, epochs, options.seed);
    }
    return Status::Ok();
  }

  EmotionResult Detect(std::string_view text) const override {
    Units u = Read(text);
    Evidence ev = Score(lexicon_, u);
    EmotionResult r;
    if (!model_) {
      r.intensities = ev.intensity;
      int best = 1;
      for (int k = 2; k < kEmotionCount; ++k)
        if (ev.intensity[k] > ev.intensity[best]) best = k;
      if (ev.intensity[best] < kLexiconThreshold) best = 0;
      r.label = static_cast<Emotion>(best);
      r.intensity = r.intensities[best];
      return r;
    }
    auto p = model_->Probabilities(Features(u, ev));
    p[1] *= anger_boost_;
    int best = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
    r.intensities[0] = p[0];
    for (int k = 1; k < kEmotionCount; ++k) r.intensities[k] = 0.5f * (p[k] + ev.intensity[k]);
    r.label = static_cast<Emotion>(best);
    r.intensity = r.intensities[best];
    return r;
  }

  bool trained() const override { return model_ != nullptr; }

 private:
  // How much the model's probability of anger is multiplied by before the
  // label is chosen, so that `recall` of angry examples held out of training
  // (every fifth, after a shuffle) are labelled anger: a missed angry customer
  // costs more than a calm one asked once too often whether all is well.
  // 1 (no boost) with fewer than 25 angry examples; at most 5.
  static float AngerBoost(const std::vector<std::vector<Feature>>& xs,
                          const std::vector<Emotion>& ys, float recall, int epochs, uint64_t seed) {
    std::vector<size_t> order(xs.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(seed ^ 0x5eed));
    std::vector<std::vector<Feature>> fit_x;
    std::vector<Emotion> fit_y;
    std::vector<size_t> held;
    int held_anger = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      size_t j = order[i];
      if (i % 5 == 4) {
        held.push_back(j);
        held_anger += ys[j] == Emotion::kAnger;
      } else {
        fit_x.push_back(xs[j]);
        fit_y.push_back(ys[j]);
      }
    }
    if (held_anger < 5) return 1;  // fewer than ~25 angry examples in all
    Model m;
    m.Train(fit_x, fit_y, epochs, seed);
    // The boost each held-out angry example needs to be labelled anger.
    std::vector<float> needed;
    for (size_t j : held) {
      if (ys[j] != Emotion::kAnger) continue;
      auto p = m.Probabilities(xs[j]);
      float rival = 0;
      for (int k = 0; k < kEmotionCount; ++k)
        if (k != static_cast<int>(Emotion::kAnger)) rival = std::max(rival, p[k]);
      needed.push_back(rival / std::max(p[static_cast<int>(Emotion::kAnger)], 1e-6f));
    }
    std::sort(needed.begin(), needed.end());
    size_t at =
        std::min(needed.size() - 1, static_cast<size_t>(std::ceil(recall * needed.size())) - 1);
    return std::clamp(needed[at] * 1.01f, 1.0f, 5.0f);
  }

  // The units of a text: matched after Normalize when there is an analyzer
  // and the text is not plain ASCII; capitals counted as written.
  Units Read(std::string_view text) const {
    text = text.substr(0, kMaxBytes);
    bool ascii = std::all_of(text.begin(), text.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!analyzer_ || ascii) return SplitUnits(text);
    Units as_written = SplitUnits(text);
    Units u = SplitUnits(analyzer_->Normalize(text));
    u.caps_words = as_written.caps_words;
    u.long_words = as_written.long_words;
    return u;
  }

  const text::Analyzer* analyzer_ = nullptr;
  Lexicon lexicon_;
  std::unique_ptr<Model> model_;
  float anger_boost_ = 1;
};

}  // namespace

Result<std::unique_ptr<EmotionDetector>> EmotionDetector::Create(const EmotionOptions& options) {
  auto d = std::make_unique<EmotionDetectorImpl>();
  Status s = d->Build(options);
  if (!s.ok()) return s;
  return std::unique_ptr<EmotionDetector>(std::move(d));
}

}  // namespace kefu::nlu
