// Internal to kb/: the in-memory BM25 index of FAQ questions and answers.
//
// Documents are question variants (each maps to its entry) plus one answer
// document per entry. A query's score for an entry is the BM25 of its best
// variant plus a fraction of the BM25 of its answers; words, Han characters
// and Han bigrams are scored as separate fields with their own weights.
//
// Thread-safety: Candidates is const and safe from many threads once
// Finish has been called.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kb/terms.h"

namespace kefu::kb {

struct Bm25Weights {
  float kind[kTermKinds] = {1.0f, 0.4f, 0.8f, 0.3f};  // words, Han chars, Han bigrams, Latin grams
  float answer = 0.3f;                                // answer documents, relative to questions
  float k1 = 1.2f;
  float b = 0.75f;
};

struct Candidate {
  uint32_t entry = 0;
  uint32_t variant = 0;  // the best-scoring question document of the entry
  float bm25 = 0;        // question + weighted answer score
  float question = 0;    // the best variant's score alone
  float answer = 0;      // the weighted answer score alone
};

class FaqIndex {
 public:
  explicit FaqIndex(Bm25Weights weights = {}) : weights_(weights) {}

  // REQUIRES: before Finish. Returns the question document's number.
  uint32_t AddQuestion(uint32_t entry, const QuestionTerms& terms);
  void AddAnswer(uint32_t entry, const QuestionTerms& terms);
  void Finish(size_t vocabulary_size, size_t entries);

  // The `n` best entries for `query`, best first; entries with no term in
  // common are left out. `skip_entry` (or UINT32_MAX) is left out, and so is
  // question document `skip_question` (or UINT32_MAX) — used by calibration.
  // With `question_scores`, it is left holding every question document's
  // BM25 (what QuestionScore would give each), so a caller reranking the
  // candidates' variants need not score them again.
  std::vector<Candidate> Candidates(const QuestionTerms& query, size_t n,
                                    uint32_t skip_entry = UINT32_MAX,
                                    uint32_t skip_question = UINT32_MAX,
                                    std::vector<float>* question_scores = nullptr) const;

  // BM25 of a question `doc` that need not be in the index (the index's
  // statistics are used), question weights only.
  float QuestionScore(const QuestionTerms& query, const QuestionTerms& doc) const;
  // An upper bound of any document's score for `query` (every term matched
  // with a large frequency): scores divided by it compare across queries.
  float Bound(const QuestionTerms& query) const;

  uint32_t EntryOfQuestion(uint32_t question) const { return question_entry_[question]; }
  size_t questions() const { return question_entry_.size(); }

  // Document frequency of each term among the question documents.
  const std::vector<uint32_t>& question_df() const { return questions_.df; }

 private:
  struct Posting {
    uint32_t doc;
    uint16_t tf;
  };
  struct Field {
    std::vector<std::vector<Posting>> postings;            // by term id
    std::vector<std::array<uint16_t, kTermKinds>> length;  // by doc, per kind
    float avg_length[kTermKinds] = {1, 1, 1, 1};
    std::vector<float> idf;
    std::vector<uint32_t> df;
    void Add(uint32_t doc, const QuestionTerms& terms);
    void Finish(size_t vocabulary_size);
    void Accumulate(const QuestionTerms& q, const Bm25Weights& w, float scale,
                    std::vector<float>& scores) const;
  };

  Bm25Weights weights_;
  Field questions_;
  Field answers_;  // doc = entry
  std::vector<uint32_t> question_entry_;
  size_t entries_ = 0;
};

}  // namespace kefu::kb
