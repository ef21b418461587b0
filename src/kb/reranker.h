// Internal to kb/: the "same question" model that reranks FAQ candidates.
//
// A logistic regression over features of a (query, question) pair: dense
// ones (idf-weighted coverage of words, Han characters and Han bigrams in
// both directions, length ratio, negation and number mismatches) and, when
// it was trained on labelled pairs, hashed sparse ones (the words and
// characters the two questions share, those only one of them has, and pairs
// of unshared words, one from each side: learned synonyms and contrasts).
// Without training it uses documented default weights on the dense features.
//
// Thread-safety: Score is const and safe from many threads after Train.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kb/terms.h"

namespace kefu::kb {

// Inverse document frequencies of the vocabulary's terms.
class TermWeights {
 public:
  // `df[id]` documents of `docs` contain term id.
  TermWeights(std::vector<uint32_t> df, uint32_t docs);
  TermWeights() = default;
  // log((docs + 1) / (df + 0.5)); unknown terms get the largest weight.
  float Idf(uint32_t id) const { return id < idf_.size() ? idf_[id] : max_idf_; }
  float max_idf() const { return max_idf_; }

 private:
  std::vector<float> idf_;
  float max_idf_ = 1;
};

inline constexpr int kDenseFeatures = 14;

struct PairExample {
  const QuestionTerms* a;
  const QuestionTerms* b;
  bool same;
  float bm25_ab, bm25_ba;  // BM25 of b for query a (and of a for b), over the bound
};

class Reranker {
 public:
  explicit Reranker(const TermWeights* weights);  // not owned; must outlive this

  // Learns from labelled pairs (SGD on the log loss, L2, a fixed number of
  // epochs, examples shuffled with `seed`). Replaces the default weights.
  void Train(const std::vector<PairExample>& examples, uint64_t seed);
  bool trained() const { return trained_; }
  // The weight of the BM25 feature (answers' BM25 is added with it).
  double bm25_weight() const { return dense_[kDenseFeatures - 1]; }

  // The log-odds that `a` and `b` ask the same question.
  // `bm25` is FaqIndex::QuestionScore(a, b) / FaqIndex::Bound(a).
  double Score(const QuestionTerms& a, const QuestionTerms& b, float bm25) const;

  // The dense features (exposed for tests and diagnostics).
  std::array<float, kDenseFeatures> Dense(const QuestionTerms& a, const QuestionTerms& b,
                                          float bm25) const;

 private:
  void Sparse(const QuestionTerms& a, const QuestionTerms& b, std::vector<uint32_t>& out) const;

  const TermWeights* weights_;
  std::array<double, kDenseFeatures> dense_{};
  std::vector<float> sparse_;  // hashed; empty until trained
  bool trained_ = false;
};

}  // namespace kefu::kb
