// kefu eval-intents: trains an IntentClassifier on one CSV, calibrates it on
// a validation CSV when given, evaluates it on a test CSV and prints one
// JSON line; the most frequent confusions go to stderr.
//
// accuracy: over test rows not labelled with --oos-label (a row refused as
// out of scope counts as wrong); macro_f1: the mean F1 of the in-scope
// labels of the test set; oos_precision / oos_recall: of the refusals;
// ece: expected calibration error of the top label's confidence over every
// row, 10 equal-width bins; train_s: training plus calibration;
// classify_per_s: one thread, one message at a time.
// Exit codes: 0, 1 for an unreadable or malformed file, 2 for bad usage.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "app/tools.h"
#include "core/csv.h"
#include "nlu/intents.h"

namespace kefu::app {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The (text, label) rows of an intent CSV: a `text` column and a `label`
// (or `category`) column.
Result<std::vector<nlu::IntentExample>> ReadExamples(const std::string& path) {
  Result<CsvTable> table = ReadCsvFile(path);
  if (!table.ok()) return table.status();
  int text = table->Column("text");
  int label = table->Column("label");
  if (label < 0) label = table->Column("category");
  if (text < 0 || label < 0) {
    return Status::InvalidArgument(path + ": the header must name a `text` and a `label` (or " +
                                   "`category`) column");
  }
  std::vector<nlu::IntentExample> out;
  for (auto& row : table->rows) {
    out.push_back({std::move(row[text]), std::move(row[label])});
  }
  if (out.empty()) return Status::InvalidArgument(path + ": no rows");
  return out;
}

double Round(double v, int digits = 4) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

}  // namespace

int RunEvalIntents(int argc, char** argv) {
  CLI::App app{"Train intents on a CSV, evaluate on another", "kefu eval-intents"};
  std::string train_path, test_path, valid_path, oos_label, save_path;
  int confusions = 10;
  uint32_t seed = 1;
  app.add_option("--train", train_path, "CSV with text,label (or category) to train on")
      ->required();
  app.add_option("--test", test_path, "CSV with text,label to evaluate")->required();
  app.add_option("--valid", valid_path,
                 "CSV with text,label to calibrate confidences and tune the out-of-scope "
                 "threshold on (default: a fifth of each label of --train, held out)");
  app.add_option("--oos-label", oos_label, "the label of out-of-scope rows (e.g. oos)");
  app.add_option("--save", save_path, "write the trained model to this file");
  app.add_option("--seed", seed, "random seed of training")->capture_default_str();
  app.add_option("--confusions", confusions, "how many top confusions to print on stderr")
      ->capture_default_str();
  nlu::IntentOptions options;
  // Hyper-parameters, for experiments; the defaults are IntentOptions'.
  app.add_option("--ft-dim", options.fasttext_dim, "fastText: vector dimension")
      ->capture_default_str()
      ->group("Model");
  app.add_option("--ft-epochs", options.fasttext_epochs, "fastText: epochs")
      ->capture_default_str()
      ->group("Model");
  app.add_option("--ft-lr", options.fasttext_lr, "fastText: learning rate")
      ->capture_default_str()
      ->group("Model");
  app.add_option("--ft-minn", options.fasttext_minn, "fastText: shortest character n-gram")
      ->capture_default_str()
      ->group("Model");
  app.add_option("--ft-maxn", options.fasttext_maxn, "fastText: longest character n-gram")
      ->capture_default_str()
      ->group("Model");
  app.add_option("--lr-epochs", options.linear_epochs, "logistic regression: epochs")
      ->capture_default_str()
      ->group("Model");
  app.add_option("--lr-rate", options.linear_lr, "logistic regression: learning rate")
      ->capture_default_str()
      ->group("Model");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help, or a usage error
  }

  auto fail = [](const Status& s) {
    std::fprintf(stderr, "kefu eval-intents: %s\n", s.message().c_str());
    return 1;
  };
  auto train = ReadExamples(train_path);
  if (!train.ok()) return fail(train.status());
  auto test = ReadExamples(test_path);
  if (!test.ok()) return fail(test.status());
  std::vector<nlu::IntentExample> valid;
  if (!valid_path.empty()) {
    auto v = ReadExamples(valid_path);
    if (!v.ok()) return fail(v.status());
    valid = std::move(v).value();
  }

  options.oos_label = oos_label;
  options.seed = seed;
  if (!valid.empty()) options.calibration_fraction = 0;
  Clock::time_point start = Clock::now();
  auto classifier = nlu::IntentClassifier::Train(*train, options);
  if (!classifier.ok()) return fail(classifier.status());
  if (!valid.empty()) {
    if (Status s = (*classifier)->Calibrate(valid); !s.ok()) return fail(s);
  }
  double train_s = Seconds(start);
  if (!save_path.empty()) {
    if (Status s = (*classifier)->Save(save_path); !s.ok()) return fail(s);
  }

  // Classify every test row, timed apart from scoring.
  std::vector<nlu::IntentPrediction> predictions;
  predictions.reserve(test->size());
  start = Clock::now();
  for (const nlu::IntentExample& e : *test)
    predictions.push_back((*classifier)->Classify(e.text, 1));
  double classify_s = Seconds(start);

  const bool with_oos = !oos_label.empty();
  size_t in_scope = 0, correct = 0, oos_true = 0, oos_predicted = 0, oos_hit = 0;
  std::map<std::string, std::array<size_t, 3>> per_label;  // true positives, predicted, gold
  std::map<std::pair<std::string, std::string>, size_t> confused;
  // Calibration: confidence of the top-ranked label against whether it is
  // the gold label, in 10 equal-width bins.
  std::array<double, 10> bin_conf{}, bin_right{}, bin_count{};
  for (size_t i = 0; i < test->size(); ++i) {
    const std::string& gold = (*test)[i].label;
    const nlu::IntentPrediction& p = predictions[i];
    std::string top = p.ranked.empty() ? "" : p.ranked[0].label;
    std::string predicted = with_oos ? (p.out_of_scope ? oos_label : p.intent) : top;
    bool gold_oos = with_oos && gold == oos_label;
    if (gold_oos) {
      ++oos_true;
    } else {
      ++in_scope;
      correct += predicted == gold;
      per_label[gold][2]++;
    }
    if (with_oos && predicted == oos_label) {
      ++oos_predicted;
      oos_hit += gold_oos;
    } else if (!predicted.empty()) {
      per_label[predicted][1]++;
      per_label[predicted][0] += predicted == gold;
    }
    if (predicted != gold) confused[{gold, predicted.empty() ? "(none)" : predicted}]++;
    int bin = std::min(9, int(p.confidence * 10));
    bin_conf[bin] += p.confidence;
    bin_right[bin] += top == gold;
    bin_count[bin] += 1;
  }
  double f1_sum = 0;
  size_t f1_labels = 0;
  for (const auto& [label, c] : per_label) {
    if (c[2] == 0) continue;  // labels of the test set only
    double precision = c[1] ? double(c[0]) / c[1] : 0, recall = double(c[0]) / c[2];
    f1_sum += precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    ++f1_labels;
  }
  double ece = 0;
  for (int b = 0; b < 10; ++b) {
    if (bin_count[b] > 0) ece += std::fabs(bin_right[b] - bin_conf[b]) / double(test->size());
  }

  nlohmann::ordered_json out;
  out["accuracy"] = Round(in_scope ? double(correct) / in_scope : 0);
  out["macro_f1"] = Round(f1_labels ? f1_sum / f1_labels : 0);
  if (with_oos) {
    out["oos_precision"] = Round(oos_predicted ? double(oos_hit) / oos_predicted : 0);
    out["oos_recall"] = Round(oos_true ? double(oos_hit) / oos_true : 0);
  }
  out["ece"] = Round(ece);
  out["train_s"] = Round(train_s, 3);
  out["classify_per_s"] = std::round(test->size() / std::max(classify_s, 1e-9));
  out["train_rows"] = train->size();
  out["test_rows"] = test->size();
  out["oos_threshold"] = Round((*classifier)->oos_threshold());
  std::printf("%s\n", out.dump().c_str());

  std::vector<std::pair<size_t, std::pair<std::string, std::string>>> worst;
  for (const auto& [pair, n] : confused) worst.emplace_back(n, pair);
  std::sort(worst.begin(), worst.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  if (!worst.empty() && confusions > 0)
    std::fprintf(stderr, "top confusions (gold -> predicted):\n");
  for (size_t i = 0; i < worst.size() && int(i) < confusions; ++i) {
    std::fprintf(stderr, "%6zu  %s -> %s\n", worst[i].first, worst[i].second.first.c_str(),
                 worst[i].second.second.c_str());
  }
  return 0;
}

}  // namespace kefu::app
