// The support check: is a generated answer backed by the passages it cites?
//
// A language model asked to answer from numbered passages must cite them as
// [n]. The answer is judged supported when
//   1. it cites at least one passage and every citation exists;
//   2. each of its sentences (courtesy lines such as "还有问题随时联系我们"
//      or "hope this helps" aside, and lines too short to claim anything) is
//      covered by the passages it cites (or, with no citation of its own, by
//      those the answer cites): the share of its content units found in them
//      reaches the threshold. Units are character bigrams of Chinese
//      (Traditional folded to Simplified) and stemmed English words without
//      stop words;
//   3. every number it states appears in those passages ("7 天" is not
//      backed by "15 天");
//   4. it keeps the passages' "not"s: each "not" it says, with the word it
//      negates (不支, "not cover"), is in a cited passage; and it does not
//      repeat what a passage denies — the word right after the passage's
//      "not", or two of the three after it, when the passage never says them
//      without it — while leaving the "not" out (定制商品支持退货 is not backed
//      by 定制商品不支持退货).
// Anything else is refused: a wrong refusal costs a human's answer; a wrong
// "supported" puts words in the business's mouth.
//
// Scored on tests/llm/support_cases.jsonl (src/llm/support_test.cc): 78
// cases in 简体, 繁體 and English; precision 0.97, recall 0.94.
//
// Thread-safety: immutable after construction; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text/text.h"

namespace kefu::llm {

struct SupportOptions {
  double threshold = 0.7;  // share of a sentence's units found in its passages
};

struct SentenceSupport {
  std::string sentence;
  std::vector<int> cites;  // 1-based passage numbers it is judged against
  double coverage = 0;     // share of its units found there
  bool checked = false;    // false: courtesy or too short, not judged
  bool supported = true;
  std::string why;         // when not supported
};

struct SupportVerdict {
  bool supported = false;
  std::string reason;            // when not supported: the first failure
  std::vector<int> cited;        // every [n] of the answer, in order, unique
  std::vector<SentenceSupport> sentences;
};

// The 1-based passage numbers cited as [n], [n, m] or [n][m], in order of
// first appearance.
std::vector<int> Citations(std::string_view text);
// `text` without its citation marks.
std::string StripCitations(std::string_view text);

class SupportJudge {
 public:
  // `analyzer` must outlive the judge.
  explicit SupportJudge(const text::Analyzer* analyzer, SupportOptions options = {});

  // `passages[0]` is passage [1].
  SupportVerdict Judge(std::string_view answer, const std::vector<std::string>& passages) const;

 private:
  struct Units;
  Units UnitsOf(std::string_view raw) const;

  const text::Analyzer* analyzer_;
  SupportOptions options_;
};

}  // namespace kefu::llm
