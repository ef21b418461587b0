// Emotion: how a customer feels in one message, for handoff and priority.
//
// Five emotions — anger, anxiety (urgency, worry), sadness (disappointment),
// joy (satisfaction, thanks) and neutral — each with an intensity in [0, 1],
// for Chinese and English.
//
// How it scores:
//  - Lexicons we wrote (src/nlu/emotion_lexicon_zh.cc, emotion_lexicon_en.cc),
//    compiled in and parsed at Create; a tenant adds entries from files or
//    from code in the same format (ParseEmotionLexicon). Each entry is a term
//    with an emotion and a weight, or a modifier: a degree word (非常, 太,
//    very: its weight multiplies the next emotion term) or a negator (不, 没,
//    not: a negated joy term counts as disappointment and anger, a negated
//    negative term almost not at all), or a neutral term, listed so that its
//    parts do not match (麻烦 holds 烦, "no problem" holds "no"). Terms match
//    on units — one per Han character, per Latin word (letters, digits,
//    apostrophes) and per symbol — longest term first, so 不满意 is matched
//    before 满意.
//  - Cues: exclamation marks (! and ！), runs of question marks (？？？),
//    words in capitals, letters or characters repeated three times or more
//    (啊啊啊, sooo), and escalation words (投诉, 12315, 曝光, lawyer,
//    chargeback) which are anger entries with a high weight.
//  - With labelled examples (EmotionOptions::examples) a multinomial logistic
//    regression is trained at Create over 2^19 hashed features — unit 1–2-grams,
//    Han 3-grams, five-letter prefixes of long Latin words, the matched
//    lexicon terms — and the lexicon and cue scores; its probabilities then
//    decide the label (anger's scaled so that angry examples are not missed,
//    see anger_recall), and intensities blend the model's probability with the
//    lexicon's intensity. A trained detector holds 10 MB of weights.
//
// Input: any bytes. Full-width ASCII (！, Ａ, １) is folded to ASCII and Latin
// letters to lower case before matching; invalid UTF-8 bytes are skipped.
// Empty, whitespace-only and emoji-only texts without an emotion term give
// neutral. The lexicons are written in 简体: given a text::Analyzer
// (EmotionOptions::analyzer), non-ASCII text is matched after
// Analyzer::Normalize, so 繁體 (你們這什麼破服務) reads like 简体; capitals are
// still counted on the text as given. Without one, text is matched as
// written. Texts longer than 64 KiB are scored on their first 64 KiB.
//
// Thread-safety: an EmotionDetector is immutable after Create and may be used
// from any number of threads at once (so is the Analyzer it may be given).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu::text {
class Analyzer;
}  // namespace kefu::text

namespace kefu::nlu {

enum class Emotion : uint8_t { kNeutral = 0, kAnger, kAnxiety, kSadness, kJoy };
inline constexpr int kEmotionCount = 5;

// "neutral", "anger", "anxiety", "sadness", "joy".
std::string_view EmotionName(Emotion e);
// The inverse of EmotionName (also accepts "angry", "fear", "sad", "happy").
// Errors: kInvalidArgument for any other name.
Result<Emotion> ParseEmotion(std::string_view name);

// Reading intensities (lexicon alone): one plain term gives about 0.5
// (生气 0.58, 有点生气 0.40); an escalation word or an intensified term 0.7 or
// more (我要投诉 0.79, I will call my lawyer 0.74, 非常生气!!! 0.88); several
// of them 0.9 or more. So 0.7 is a sensible "strong anger" threshold for
// handing a conversation to a human.
struct EmotionResult {
  Emotion label = Emotion::kNeutral;  // the dominant emotion
  float intensity = 0;                // intensities[label]
  // Indexed by Emotion. Non-neutral intensities are independent (a message
  // may be both angry and anxious); neutral is 1 − the strongest of them in
  // lexicon mode and the model's probability of neutral when trained.
  std::array<float, kEmotionCount> intensities{};
};

// One line of a lexicon.
struct LexiconEntry {
  enum class Kind : uint8_t { kEmotion, kDegree, kNegator };
  std::string term;  // as written; matched after folding (lower case, half width)
  Kind kind = Kind::kEmotion;
  Emotion emotion = Emotion::kNeutral;  // kEmotion only; kNeutral: a neutral term
  // kEmotion: strength, typically 0.3 (a hint) … 1.0 (clear) … 2.0 (escalation);
  // kDegree: a multiplier (太 1.6, 有点 0.6); kNegator, neutral terms: unused.
  float weight = 1;
};

// Parses lexicon text: one entry per line, `term<TAB>kind<TAB>weight`, where
// kind is an emotion name (anger, anxiety, sadness, joy, or neutral for a
// neutral term), `degree` or `negator`; weight may be omitted for negators and
// neutral terms. Blank lines and lines
// starting with '#' are skipped. A term may appear on several lines (one per
// emotion).
// Errors: kInvalidArgument "source:line: what is wrong" (missing field,
// unknown kind, weight not a number in (0, 10]).
Result<std::vector<LexiconEntry>> ParseEmotionLexicon(std::string_view text,
                                                      std::string_view source);

struct LabelledText {
  std::string text;
  Emotion label = Emotion::kNeutral;
};

struct EmotionOptions {
  // The compiled-in zh and en lexicons. Off only to test a tenant's lexicon alone.
  bool builtin_lexicons = true;
  // Extra lexicon files (the format of ParseEmotionLexicon), read at Create.
  std::vector<std::string> lexicon_paths;
  // Extra entries given in code; added after the files.
  std::vector<LexiconEntry> lexicon_entries;
  // Normalises non-ASCII text before matching (繁體 → 简体); may be null. Not
  // owned: it must outlive the detector.
  const text::Analyzer* analyzer = nullptr;
  // Labelled examples; when not empty a model is trained on them at Create
  // (about two seconds per 30,000 examples). Every emotion need not be present.
  std::vector<LabelledText> examples;
  // Passes over the examples.
  int epochs = 6;
  // With examples: the share of angry examples, held out of a first training
  // run, that must come out as anger; the model's anger probability is scaled
  // up until they do (at most ×5). Missing an angry customer costs more than
  // a false alarm. 0 disables. Needs 25 angry examples, else no scaling.
  float anger_recall = 0.8f;
  // Shuffling order of training; the same seed and examples give the same model.
  uint64_t seed = 1;
};

class EmotionDetector {
 public:
  virtual ~EmotionDetector() = default;

  // Builds the lexicons and, given examples, trains the model.
  // Errors: kNotFound / kIoError for a lexicon file that cannot be read;
  // kInvalidArgument for a malformed lexicon line (with file and line).
  static Result<std::unique_ptr<EmotionDetector>> Create(const EmotionOptions& options = {});

  // The emotion of one message. Never fails; see the header comment for input.
  virtual EmotionResult Detect(std::string_view text) const = 0;

  // Whether Create trained a model from examples.
  virtual bool trained() const = 0;
};

}  // namespace kefu::nlu
