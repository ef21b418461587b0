// Internal to nlu/: the sparse features of the intent models, and the
// multinomial logistic regression trained on them.
//
// A text becomes IntentTokens (the text layer's words plus its letters for
// character n-grams); the tokens become hashed feature keys (words, word
// bigrams, character 1–5-grams); a TfidfVocabulary, built on the training
// texts, turns keys into an L2-normalised TF-IDF vector; SoftmaxRegression
// scores such vectors against every label.
//
// Thread-safety: everything here is immutable after it is built or read,
// and its const methods may run from any number of threads.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nlu/model_file.h"

namespace kefu::nlu {

struct IntentTokens {
  std::vector<std::string> words;  // normalised, segmented, stemmed
  std::string letters;             // normalised text, punctuation as spaces
};

// Keys of one text, repeated as often as they occur.
std::vector<uint64_t> FeatureKeys(const IntentTokens& tokens);

struct SparseVector {
  std::vector<int32_t> index;  // ascending
  std::vector<float> value;
};

class TfidfVocabulary {
 public:
  // Keeps word features seen at least once and the others seen in at least
  // `min_df` texts.
  static TfidfVocabulary Build(std::span<const std::vector<uint64_t>> texts, int min_df);

  // Unknown keys are ignored; a text with no known key gives an empty vector.
  SparseVector Vectorize(std::span<const uint64_t> keys) const;

  int32_t size() const { return static_cast<int32_t>(idf_.size()); }

  void Write(ModelWriter& out) const;
  // False when the record is malformed.
  bool Read(ModelReader& in);

 private:
  std::unordered_map<uint64_t, int32_t> ids_;
  std::vector<float> idf_;
  std::vector<uint8_t> group_;  // 0: words and bigrams, 1: characters
};

struct SoftmaxTraining {
  int epochs = 30;
  double lr = 1.0;
  uint32_t seed = 1;
};

class SoftmaxRegression {
 public:
  // Stochastic gradient descent on the cross-entropy, with the learning rate
  // decaying linearly to zero. REQUIRES: labels in [0, num_classes).
  static SoftmaxRegression Train(std::span<const SparseVector> x, std::span<const int> labels,
                                 int32_t num_features, int num_classes,
                                 const SoftmaxTraining& options);

  // Raw scores (logits), one per class, into `out` (resized).
  void Logits(const SparseVector& x, std::vector<float>* out) const;

  int num_classes() const { return classes_; }

  void Write(ModelWriter& out) const;
  bool Read(ModelReader& in);

 private:
  int32_t features_ = 0;
  int classes_ = 0;
  int stride_ = 0;              // classes_ rounded up to a multiple of 4
  std::vector<float> weights_;  // features_ × stride_, feature-major
  std::vector<float> bias_;     // stride_
};

}  // namespace kefu::nlu
