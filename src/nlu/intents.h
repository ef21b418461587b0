// Intents: which of a bot's intents a customer's message expresses, how sure
// kefu is of it, and whether the message is out of scope for the bot.
//
// An IntentClassifier is trained per bot from its examples (text, label).
// It is an ensemble of two models over the text layer's view of a message
// (text::Analyzer: normalised, segmented, stemmed):
//  - fastText (in-process): word vectors with character n-grams and word
//    bigrams, softmax;
//  - a multinomial logistic regression of ours over sparse TF-IDF features
//    (words, word bigrams, character 1–5-grams).
// Their scores are combined and calibrated on examples held out of training
// (or on a validation set, Calibrate) so that `confidence` is the
// probability that the top intent is right. A message is out of scope when
// its top intent is the out-of-scope label (when the bot has examples of it)
// or when its confidence is below one threshold, tuned on out-of-scope
// examples when there are some.
//
// Training is deterministic: fixed seeds, one thread per model.
//
// Thread-safety: Classify, Save and the accessors are const and may run from
// any number of threads at once; Calibrate and set_oos_threshold must not
// run concurrently with anything else on the same classifier.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu::text {
class Analyzer;
}

namespace kefu::nlu {

struct IntentExample {
  std::string text;
  std::string label;
};

struct IntentOptions {
  // Label of out-of-scope examples ("oos"). When examples carry it they
  // train a class of their own, and the threshold is tuned on them.
  // Empty: the bot has no out-of-scope examples.
  std::string oos_label;

  // Fraction of each label's examples held out to calibrate confidences and
  // tune the threshold; the models are then retrained on every example.
  // Labels with fewer than 5 examples hold out none. 0 skips this step
  // (calibrate later with Calibrate, or keep the uncalibrated defaults).
  double calibration_fraction = 0.2;

  // The out-of-scope threshold used when no out-of-scope example is there
  // to tune it: a calibrated confidence below it means "not sure enough".
  double default_oos_threshold = 0.3;

  // How the threshold is tuned: to the best accuracy of a bot that gets
  // this share of out-of-scope messages, whatever their share among the
  // examples: a refused in-scope message and an answered out-of-scope one
  // cost the same, and most of a bot's messages are in scope.
  double oos_share = 0.1;

  uint32_t seed = 1;

  // fastText: dimension, epochs, learning rate, character n-gram lengths
  // (code points; 0 = none: the logistic regression has them already, and
  // they triple fastText's training time) and word n-grams.
  int fasttext_dim = 30;
  int fasttext_epochs = 25;
  double fasttext_lr = 1.5;
  int fasttext_minn = 0;
  int fasttext_maxn = 0;
  int fasttext_word_ngrams = 2;

  // Logistic regression: SGD epochs and initial learning rate.
  // Both models make at least as many epochs as it takes to see 200,000
  // examples (up to 200 epochs), so that small bots are trained enough.
  int linear_epochs = 20;
  double linear_lr = 1.0;

  // The text layer; null: the classifier creates the default Analyzer.
  std::shared_ptr<const text::Analyzer> analyzer;
};

struct RankedIntent {
  std::string label;
  double confidence = 0;  // calibrated probability of this label
};

struct IntentPrediction {
  // The top intent, or empty when out of scope.
  std::string intent;
  // Calibrated probability that the top-ranked label is right.
  double confidence = 0;
  bool out_of_scope = true;
  // Labels best first (the out-of-scope label included when trained), at
  // most the `k` asked for.
  std::vector<RankedIntent> ranked;
};

class IntentClassifier {
 public:
  virtual ~IntentClassifier() = default;

  // Trains on `examples`. Empty texts are skipped.
  // Errors: kInvalidArgument when fewer than two distinct labels have a
  // non-empty example, or an option is out of range; kUnavailable when the
  // text layer cannot be created; kIoError when the temporary training file
  // cannot be written; kInternal when fastText fails.
  static Result<std::unique_ptr<IntentClassifier>> Train(std::span<const IntentExample> examples,
                                                         const IntentOptions& options = {});

  // Reads a model written by Save. `analyzer` as in IntentOptions.
  // Errors: kNotFound when the file cannot be opened; kInvalidArgument when
  // it is not a model of this version or is truncated; kUnavailable when the
  // text layer cannot be created.
  static Result<std::unique_ptr<IntentClassifier>> Load(
      const std::string& path, std::shared_ptr<const text::Analyzer> analyzer = nullptr);

  // Writes the whole model (both models, calibration, threshold) to one file,
  // through a temporary file renamed into place.
  // Errors: kIoError when the file cannot be written.
  virtual Status Save(const std::string& path) const = 0;

  // Any bytes: empty, whitespace-only or symbol-only text (nothing the
  // models know) is out of scope with a low confidence; invalid UTF-8 is
  // replaced; very long texts are cut to their first 2,000 code points.
  virtual IntentPrediction Classify(std::string_view text, int k = 5) const = 0;

  // Refits the combination and calibration of the two models, and the
  // threshold when some examples carry the out-of-scope label (also when
  // the classifier was trained without out-of-scope examples), on labelled
  // examples not used in training (a validation set). Examples of labels
  // the classifier does not know are skipped.
  // Errors: kInvalidArgument when no example has a label the classifier
  // knows.
  virtual Status Calibrate(std::span<const IntentExample> examples) = 0;

  virtual double oos_threshold() const = 0;
  virtual void set_oos_threshold(double threshold) = 0;

  // Every label trained, the out-of-scope one included; sorted.
  virtual std::vector<std::string> labels() const = 0;
  virtual const std::string& oos_label() const = 0;
};

}  // namespace kefu::nlu
