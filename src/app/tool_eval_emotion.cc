// kefu eval-emotion --test TEST.csv [--train TRAIN.csv] [--folds K] [--lexicon FILE]…
//
// Scores the emotion of every row of TEST (CSV with `text` and `label`
// columns; labels anger, anxiety, sadness, joy, neutral) with the built-in
// lexicons, plus a model trained on TRAIN when given. With --folds K and no
// TRAIN, TEST is cut into K folds (row i in fold i mod K after a fixed
// shuffle) and each fold is scored by a model trained on the other K − 1, so
// every row is predicted once by a model that never saw it.
// Prints one JSON line: accuracy, macro_f1 (over the labels present in TEST),
// recall_<label>, precision_<label>, f1_<label> for all five labels (null for
// a label TEST does not hold), rows, trained, train_s, detect_per_s; a
// confusion matrix on stderr. Labels are read case-insensitively.
// Exit codes: 0 done, 1 bad input (a file missing, a column missing, an
// unknown label), 2 bad options.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/tools.h"
#include "core/csv.h"
#include "nlu/emotion.h"
#include "text/text.h"

namespace kefu::app {
namespace {

using nlu::Emotion;
using nlu::kEmotionCount;

Result<std::vector<nlu::LabelledText>> ReadLabelled(const std::string& path) {
  auto table = ReadCsvFile(path);
  if (!table.ok()) return table.status();
  int text = table->Column("text");
  int label = table->Column("label");
  if (text < 0 || label < 0)
    return Status::InvalidArgument(path + ": the header must name a `text` and a `label` column");
  std::vector<nlu::LabelledText> out;
  out.reserve(table->rows.size());
  for (size_t i = 0; i < table->rows.size(); ++i) {
    const auto& row = table->rows[i];
    // " Anger" and "anger" are the same label.
    std::string name = row[label];
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t\r") + 1);
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto e = nlu::ParseEmotion(name);
    if (!e.ok())
      return Status::InvalidArgument(path + ": row " + std::to_string(i + 2) + ": " +
                                     e.status().message());
    out.push_back({row[text], *e});
  }
  if (out.empty()) return Status::InvalidArgument(path + ": no rows");
  return out;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int RunEvalEmotion(int argc, char** argv) {
  CLI::App app{
      "Score emotions of a labelled CSV (text,label): accuracy, macro-F1, recall per label",
      "kefu eval-emotion"};
  std::string test_path, train_path;
  std::vector<std::string> lexicons;
  int folds = 0, epochs = nlu::EmotionOptions{}.epochs;
  app.add_option("--test", test_path, "CSV to evaluate (text,label)")->required();
  app.add_option("--train", train_path, "CSV of labelled examples to train on (text,label)");
  app.add_option("--folds", folds, "cross-validate on TEST in K folds (without --train)")
      ->check(CLI::Range(2, 100));
  app.add_option("--lexicon", lexicons, "extra lexicon file (term<TAB>kind<TAB>weight)");
  app.add_option("--epochs", epochs, "training passes")->check(CLI::Range(1, 100));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (folds > 0 && !train_path.empty()) {
    std::fprintf(stderr, "kefu eval-emotion: --folds and --train exclude each other\n");
    return 2;
  }

  auto test = ReadLabelled(test_path);
  if (!test.ok()) {
    std::fprintf(stderr, "kefu eval-emotion: %s\n", test.status().message().c_str());
    return 1;
  }
  // 繁體 reads like 简体 through the text layer.
  auto analyzer = text::Analyzer::Create();
  if (!analyzer.ok()) {
    std::fprintf(stderr, "kefu eval-emotion: %s\n", analyzer.status().ToString().c_str());
    return 1;
  }
  std::vector<nlu::LabelledText> train;
  if (!train_path.empty()) {
    auto t = ReadLabelled(train_path);
    if (!t.ok()) {
      std::fprintf(stderr, "kefu eval-emotion: %s\n", t.status().message().c_str());
      return 1;
    }
    train = std::move(*t);
  }

  // Which fold each test row belongs to (all in fold 0 without --folds).
  const size_t n = test->size();
  const int k = std::max(folds, 1);
  std::vector<int> fold(n, 0);
  if (folds > 0) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(20261202));
    for (size_t i = 0; i < n; ++i) fold[order[i]] = static_cast<int>(i % folds);
  }

  std::vector<Emotion> predicted(n, Emotion::kNeutral);
  double train_s = 0, detect_s = 0;
  for (int f = 0; f < k; ++f) {
    nlu::EmotionOptions options;
    options.lexicon_paths = lexicons;
    options.epochs = epochs;
    options.analyzer = analyzer->get();
    if (folds > 0) {
      for (size_t i = 0; i < n; ++i)
        if (fold[i] != f) options.examples.push_back((*test)[i]);
    } else {
      options.examples = train;
    }
    auto start = std::chrono::steady_clock::now();
    auto detector = nlu::EmotionDetector::Create(options);
    if (!detector.ok()) {
      std::fprintf(stderr, "kefu eval-emotion: %s\n", detector.status().message().c_str());
      return 1;
    }
    train_s += Seconds(start);
    start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i)
      if (fold[i] == f) predicted[i] = (*detector)->Detect((*test)[i].text).label;
    detect_s += Seconds(start);
  }

  // confusion[truth][predicted]
  std::vector<std::vector<int>> confusion(kEmotionCount, std::vector<int>(kEmotionCount, 0));
  int correct = 0;
  for (size_t i = 0; i < n; ++i) {
    int t = static_cast<int>((*test)[i].label), p = static_cast<int>(predicted[i]);
    ++confusion[t][p];
    correct += t == p;
  }
  nlohmann::ordered_json out;
  out["accuracy"] = static_cast<double>(correct) / n;
  double f1_sum = 0;
  int labels = 0;
  nlohmann::ordered_json per_label;
  for (int e = 0; e < kEmotionCount; ++e) {
    int truth = 0, said = 0;
    for (int j = 0; j < kEmotionCount; ++j) truth += confusion[e][j], said += confusion[j][e];
    double tp = confusion[e][e];
    double recall = truth ? tp / truth : 0, precision = said ? tp / said : 0;
    double f1 = recall + precision > 0 ? 2 * recall * precision / (recall + precision) : 0;
    std::string name(nlu::EmotionName(static_cast<Emotion>(e)));
    if (truth == 0) {  // absent from TEST: null, and not in the macro average
      per_label["recall_" + name] = nullptr;
      per_label["precision_" + name] = said ? nlohmann::ordered_json(0.0) : nullptr;
      per_label["f1_" + name] = nullptr;
      continue;
    }
    f1_sum += f1;
    ++labels;
    per_label["recall_" + name] = recall;
    per_label["precision_" + name] = precision;
    per_label["f1_" + name] = f1;
  }
  out["macro_f1"] = labels ? f1_sum / labels : 0;
  for (auto& [key, value] : per_label.items()) out[key] = value;
  out["rows"] = n;
  if (folds > 0) out["folds"] = folds;
  out["trained"] = folds > 0 || !train.empty();
  out["train_s"] = train_s;
  out["detect_per_s"] = detect_s > 0 ? n / detect_s : 0;
  std::printf("%s\n", out.dump().c_str());

  std::fprintf(stderr, "confusion (rows: truth, columns: predicted)\n%9s", "");
  for (int j = 0; j < kEmotionCount; ++j)
    std::fprintf(stderr, "%9s", std::string(nlu::EmotionName(static_cast<Emotion>(j))).c_str());
  std::fprintf(stderr, "\n");
  for (int e = 0; e < kEmotionCount; ++e) {
    std::fprintf(stderr, "%9s", std::string(nlu::EmotionName(static_cast<Emotion>(e))).c_str());
    for (int j = 0; j < kEmotionCount; ++j) std::fprintf(stderr, "%9d", confusion[e][j]);
    std::fprintf(stderr, "\n");
  }
  return 0;
}

}  // namespace kefu::app
