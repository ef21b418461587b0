#include "kb/reranker.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string_view>

namespace kefu::kb {
namespace {

constexpr uint32_t kSparseBits = 20;
constexpr uint32_t kSparseSize = 1u << kSparseBits;
constexpr int kEpochs = 6;
constexpr double kLearningRate = 0.08;
constexpr double kL2 = 1e-6;
constexpr size_t kMaxUnsharedForPairs = 6;

// Untrained weights, in the order of Dense(): BM25 alone (over its bound,
// so the log-odds compare across queries). On StackFAQ the other features
// with hand-set weights only lowered recall; trained weights replace these.
constexpr std::array<double, kDenseFeatures> kDefaultWeights = {
    -4.0,                 // bias
    0,    0, 0, 0, 0, 0,  // coverage of words, Han chars, bigrams
    0,                    // length ratio (shorter / longer)
    0,                    // one side negated, the other not
    0,    0,              // numbers: different / on one side only
    0,                    // word Jaccard
    0,                    // share of Han characters in the query
    8.0,                  // BM25 of the question over its bound
};

// Score() skips the other features while untrained.
static_assert([] {
  for (int i = 1; i + 1 < kDenseFeatures; ++i) {
    if (kDefaultWeights[i] != 0) return false;
  }
  return true;
}());

uint32_t Hash(char tag, std::string_view a, std::string_view b = {}) {
  uint32_t h = 2166136261u;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 16777619u;
  };
  mix(static_cast<unsigned char>(tag));
  for (unsigned char c : a) mix(c);
  if (!b.empty()) {
    mix(0x1F);
    for (unsigned char c : b) mix(c);
  }
  return h & (kSparseSize - 1);
}

// Share of `a`'s idf mass that `b` also has.
float Coverage(const std::vector<std::pair<uint32_t, uint16_t>>& a, int a_unknown,
               const std::vector<std::pair<uint32_t, uint16_t>>& b, const TermWeights& w) {
  double total = a_unknown * w.max_idf(), shared = 0;
  size_t j = 0;
  for (const auto& [id, count] : a) {
    double idf = w.Idf(id);
    total += idf;
    while (j < b.size() && b[j].first < id) ++j;
    if (j < b.size() && b[j].first == id) shared += idf;
  }
  return total > 0 ? static_cast<float>(shared / total) : 0.f;
}

// Elements of sorted `a` not in sorted `b`.
std::vector<std::string_view> Only(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b) {
  std::vector<std::string_view> out;
  size_t j = 0;
  for (const auto& x : a) {
    while (j < b.size() && b[j] < x) ++j;
    if (j >= b.size() || b[j] != x) out.push_back(x);
  }
  return out;
}

std::vector<std::string_view> Shared(const std::vector<std::string>& a,
                                     const std::vector<std::string>& b) {
  std::vector<std::string_view> out;
  size_t j = 0;
  for (const auto& x : a) {
    while (j < b.size() && b[j] < x) ++j;
    if (j < b.size() && b[j] == x) out.push_back(x);
  }
  return out;
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TermWeights::TermWeights(std::vector<uint32_t> df, uint32_t docs) {
  idf_.resize(df.size());
  max_idf_ = static_cast<float>(std::log((docs + 1.0) / 0.5));
  for (size_t i = 0; i < df.size(); ++i) {
    idf_[i] = static_cast<float>(std::log((docs + 1.0) / (df[i] + 0.5)));
  }
}

Reranker::Reranker(const TermWeights* weights) : weights_(weights), dense_(kDefaultWeights) {}

std::array<float, kDenseFeatures> Reranker::Dense(const QuestionTerms& a, const QuestionTerms& b,
                                                  float bm25) const {
  std::array<float, kDenseFeatures> f{};
  const TermWeights& w = *weights_;
  f[0] = 1;
  for (int k = 0; k < 3; ++k) {  // words, Han characters, Han bigrams
    f[1 + 2 * k] = Coverage(a.terms[k], a.unknown[k], b.terms[k], w);
    f[2 + 2 * k] = Coverage(b.terms[k], b.unknown[k], a.terms[k], w);
  }
  int lo = std::min(a.length, b.length), hi = std::max(a.length, b.length);
  f[7] = hi > 0 ? static_cast<float>(lo) / hi : 0;
  f[8] = a.negated != b.negated ? 1 : 0;
  bool an = !a.numbers.empty(), bn = !b.numbers.empty();
  f[9] = an && bn && a.numbers != b.numbers ? 1 : 0;
  f[10] = an != bn ? 1 : 0;
  size_t shared = Shared(a.words, b.words).size();
  size_t uni = a.words.size() + b.words.size() - shared;
  f[11] = uni > 0 ? static_cast<float>(shared) / uni : 0;
  f[12] = a.length > 0 ? static_cast<float>(a.total[1]) / a.length : 0;
  f[13] = bm25;
  return f;
}

// Hashed features of two term sets: each shared term (`tags[0]`), each term
// only one side has (`tags[1]`) and, when both sides have few of those, each
// pair of unshared terms, one from each side (`tags[2]`).
void AddSetFeatures(const std::vector<std::string>& a, const std::vector<std::string>& b,
                    const char tags[3], std::vector<uint32_t>& out) {
  for (auto t : Shared(a, b)) out.push_back(Hash(tags[0], t));
  auto only_a = Only(a, b), only_b = Only(b, a);
  for (auto t : only_a) out.push_back(Hash(tags[1], t));
  for (auto t : only_b) out.push_back(Hash(tags[1], t));
  if (only_a.size() <= kMaxUnsharedForPairs && only_b.size() <= kMaxUnsharedForPairs) {
    for (auto x : only_a) {
      for (auto y : only_b) out.push_back(x < y ? Hash(tags[2], x, y) : Hash(tags[2], y, x));
    }
  }
}

void Reranker::Sparse(const QuestionTerms& a, const QuestionTerms& b,
                      std::vector<uint32_t>& out) const {
  out.clear();
  AddSetFeatures(a.words, b.words, "sup", out);
  AddSetFeatures(a.han_chars, b.han_chars, "SUP", out);
}

double Reranker::Score(const QuestionTerms& a, const QuestionTerms& b, float bm25) const {
  // Untrained, only the bias and BM25 weigh: the other features are not
  // computed (they were two thirds of a search's time).
  if (!trained_) return dense_[0] + dense_[kDenseFeatures - 1] * bm25;
  auto f = Dense(a, b, bm25);
  double z = 0;
  for (int i = 0; i < kDenseFeatures; ++i) z += dense_[i] * f[i];
  thread_local std::vector<uint32_t> sparse;
  Sparse(a, b, sparse);
  for (uint32_t h : sparse) z += sparse_[h];
  return z;
}

void Reranker::Train(const std::vector<PairExample>& examples, uint64_t seed) {
  if (examples.empty()) return;
  // Dense weights start from the defaults (BM25): few examples refine them.
  sparse_.assign(kSparseSize, 0.f);
  trained_ = true;
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> sparse;
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double lr = kLearningRate / (1.0 + epoch);
    for (size_t i : order) {
      const auto& ex = examples[i];
      // Both directions: the model is used with the query on either side.
      for (int dir = 0; dir < 2; ++dir) {
        const QuestionTerms& a = dir == 0 ? *ex.a : *ex.b;
        const QuestionTerms& b = dir == 0 ? *ex.b : *ex.a;
        auto f = Dense(a, b, dir == 0 ? ex.bm25_ab : ex.bm25_ba);
        Sparse(a, b, sparse);
        double z = 0;
        for (int k = 0; k < kDenseFeatures; ++k) z += dense_[k] * f[k];
        for (uint32_t h : sparse) z += sparse_[h];
        double g = Sigmoid(z) - (ex.same ? 1.0 : 0.0);
        for (int k = 0; k < kDenseFeatures; ++k) dense_[k] -= lr * (g * f[k] + kL2 * dense_[k]);
        for (uint32_t h : sparse) {
          sparse_[h] -= static_cast<float>(lr * (g + kL2 * sparse_[h]));
        }
      }
    }
  }
}

}  // namespace kefu::kb
