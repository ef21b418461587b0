// IntentClassifier: fastText and a logistic regression of ours, combined
// and calibrated on held-out examples; one file on disk.
#include "nlu/intents.h"

#include <fasttext/fasttext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "nlu/intent_features.h"
#include "text/text.h"

namespace kefu::nlu {
namespace {

constexpr uint32_t kMagic = 0x6b664931;  // "kfI1"
constexpr uint32_t kVersion = 2;
// fastText's own file header: its magic number and version.
constexpr int32_t kFastTextMagic = 793712314;
constexpr int32_t kFastTextVersion = 12;
constexpr size_t kMaxCodePoints = 2000;

// The first `max` code points of valid UTF-8 text.
std::string_view CutCodePoints(std::string_view s, size_t max) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && count++ == max) return s.substr(0, i);
  }
  return s;
}

// What both models read of a text.
IntentTokens Tokens(const text::Analyzer& analyzer, std::string_view raw) {
  std::string clean = text::SanitizeUtf8(raw);
  text::Analysis a = analyzer.Analyze(CutCodePoints(clean, kMaxCodePoints), "en");
  IntentTokens t;
  t.words = std::move(a.tokens);
  t.letters.reserve(a.normalized.size());
  for (char c : a.normalized) {
    bool punct =
        static_cast<unsigned char>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c));
    if (punct) c = ' ';
    if (c == ' ' && (t.letters.empty() || t.letters.back() == ' ')) continue;
    t.letters.push_back(c);
  }
  while (!t.letters.empty() && t.letters.back() == ' ') t.letters.pop_back();
  return t;
}

// fastText's input: the words, one line; labels are our label indexes.
std::string FastTextLine(const IntentTokens& t) {
  std::string line;
  for (const std::string& w : t.words) {
    if (!line.empty()) line.push_back(' ');
    for (char c : w) line.push_back(std::isspace(static_cast<unsigned char>(c)) ? '_' : c);
  }
  return line;
}

// The two models' scores of one text: logistic-regression logits and
// fastText log-probabilities, both indexed by our label index.
struct Scores {
  std::vector<float> linear;
  std::vector<float> fasttext;
  bool known = false;  // the text had a feature the linear model knows
};

void Softmax(std::vector<double>* z) {
  double top = *std::max_element(z->begin(), z->end());
  double sum = 0;
  for (double& v : *z) sum += (v = std::exp(v - top));
  for (double& v : *z) v /= sum;
}

// How the two models' scores are combined into probabilities:
// softmax(linear_weight · linear + fasttext_weight · fasttext).
struct Combination {
  double linear_weight = 1;
  double fasttext_weight = 1;

  std::vector<double> Probabilities(const Scores& s) const {
    std::vector<double> z(s.linear.size());
    for (size_t c = 0; c < z.size(); ++c) {
      z[c] = linear_weight * s.linear[c] + fasttext_weight * s.fasttext[c];
    }
    Softmax(&z);
    return z;
  }
};

// Mean negative log-likelihood of the true labels.
double Nll(const Combination& comb, std::span<const Scores> scores, std::span<const int> labels) {
  double sum = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    sum -= std::log(std::max(comb.Probabilities(scores[i])[labels[i]], 1e-12));
  }
  return sum / std::max<size_t>(1, scores.size());
}

// The weights of least NLL on a grid, refined once around the best.
Combination FitCombination(std::span<const Scores> scores, std::span<const int> labels) {
  Combination best;
  double best_nll = Nll(best, scores, labels);
  auto search = [&](std::span<const double> lw, std::span<const double> fw) {
    Combination base = best;
    for (double a : lw) {
      for (double b : fw) {
        Combination c{base.linear_weight * a, base.fasttext_weight * b};
        if (base.fasttext_weight == 0) c.fasttext_weight = b;
        double nll = Nll(c, scores, labels);
        if (nll < best_nll) best_nll = nll, best = c;
      }
    }
  };
  const double coarse_l[] = {0.25, 0.5, 1, 2, 4, 8};
  const double coarse_f[] = {0, 0.25, 0.5, 1, 2};
  search(coarse_l, coarse_f);
  const double fine[] = {0.7, 0.85, 1, 1.2, 1.4};
  search(fine, fine);
  return best;
}

// The threshold on the top confidence that maximises the accuracy a bot
// would see if `oos_share` of its messages were out of scope:
// (1 - oos_share) · in-scope accuracy + oos_share · out-of-scope recall.
// `top` is each example's top label and confidence.
double TuneThreshold(std::span<const std::pair<int, double>> top, std::span<const int> labels,
                     int oos, double oos_share) {
  std::vector<double> candidates = {0};
  for (const auto& [label, conf] : top) candidates.push_back(conf);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  double in_count = 0, oos_count = 0;
  for (int y : labels) (y == oos ? oos_count : in_count) += 1;
  if (in_count == 0 || oos_count == 0) return 0;
  double best_score = -1, best = 0;
  for (size_t k = 0; k < candidates.size(); ++k) {
    // Midway between neighbouring confidences: robust to ties.
    double t = k == 0 ? 0 : (candidates[k - 1] + candidates[k]) / 2;
    double correct = 0, rejected = 0;
    for (size_t i = 0; i < top.size(); ++i) {
      bool refuse = top[i].first == oos || top[i].second < t;
      if (labels[i] == oos)
        rejected += refuse;
      else
        correct += !refuse && top[i].first == labels[i];
    }
    double score = (1 - oos_share) * correct / in_count + oos_share * rejected / oos_count;
    if (score > best_score) best_score = score, best = t;
  }
  return best;
}

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("kefu-intents-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_, ec_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  bool ok() const { return !ec_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::error_code ec_;
};

// Small sets need more passes: at least `epochs`, and as many as it takes
// to see 200,000 examples, up to 200.
int EpochsFor(int epochs, size_t examples) {
  size_t wanted = (200000 + std::max<size_t>(examples, 1) - 1) / std::max<size_t>(examples, 1);
  return std::max(epochs, int(std::min<size_t>(wanted, 200)));
}

// Both models, trained on one set of examples.
struct Models {
  TfidfVocabulary vocabulary;
  SoftmaxRegression linear;
  std::unique_ptr<fasttext::FastText> fasttext;
  std::vector<int> fasttext_to_label;  // fastText label id → our label index
};

Result<Models> TrainModels(std::span<const IntentTokens> tokens, std::span<const int> labels,
                           int num_labels, const IntentOptions& options) {
  Models m;
  TempDir dir;
  if (!dir.ok()) return Status::IoError("cannot create a temporary directory");
  std::string input = (dir.path() / "train.txt").string();
  {
    std::ofstream out(input);
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string line = FastTextLine(tokens[i]);
      if (line.empty()) continue;
      out << "__label__" << labels[i] << ' ' << line << '\n';
    }
    if (!out) return Status::IoError("cannot write " + input);
  }

  // The logistic regression on a thread of its own while fastText trains:
  // each is deterministic on its own thread.
  std::thread linear([&] {
    std::vector<std::vector<uint64_t>> keys;
    keys.reserve(tokens.size());
    for (const IntentTokens& t : tokens) keys.push_back(FeatureKeys(t));
    m.vocabulary = TfidfVocabulary::Build(keys, tokens.size() >= 1000 ? 2 : 1);
    std::vector<SparseVector> x;
    x.reserve(keys.size());
    for (const auto& k : keys) x.push_back(m.vocabulary.Vectorize(k));
    SoftmaxTraining training{EpochsFor(options.linear_epochs, tokens.size()), options.linear_lr,
                             options.seed};
    m.linear = SoftmaxRegression::Train(x, labels, m.vocabulary.size(), num_labels, training);
  });

  Status status;
  try {
    fasttext::Args args;
    args.input = input;
    args.model = fasttext::model_name::sup;
    args.loss = fasttext::loss_name::softmax;
    args.dim = options.fasttext_dim;
    args.epoch = EpochsFor(options.fasttext_epochs, tokens.size());
    args.lr = options.fasttext_lr;
    args.minn = options.fasttext_minn;
    args.maxn = options.fasttext_maxn;
    args.wordNgrams = options.fasttext_word_ngrams;
    args.minCount = 1;
    args.bucket = 1 << 16;  // word bigrams hashed; 2^16 × dim floats on disk
    args.thread = 1;
    args.seed = static_cast<int>(options.seed);
    args.verbose = 0;
    m.fasttext = std::make_unique<fasttext::FastText>();
    m.fasttext->train(args);
    auto dict = m.fasttext->getDictionary();
    m.fasttext_to_label.assign(dict->nlabels(), -1);
    for (int32_t i = 0; i < dict->nlabels(); ++i) {
      m.fasttext_to_label[i] = std::stoi(dict->getLabel(i).substr(9));
    }
  } catch (const std::exception& e) {
    status = Status::Internal(std::string("fastText: ") + e.what());
  }
  linear.join();
  if (!status.ok()) return status;
  return m;
}

Scores Score(const Models& m, const IntentTokens& t, int num_labels) {
  Scores s;
  SparseVector x = m.vocabulary.Vectorize(FeatureKeys(t));
  s.known = !x.index.empty();
  m.linear.Logits(x, &s.linear);
  // Labels fastText never saw (every example empty for it) keep a very low
  // log-probability.
  s.fasttext.assign(num_labels, -30.f);
  std::string line = FastTextLine(t);
  if (!line.empty()) {
    std::istringstream in(line + "\n");
    std::vector<int32_t> words, ft_labels;
    auto dict = m.fasttext->getDictionary();
    dict->getLine(in, words, ft_labels);
    fasttext::Predictions p;
    if (!words.empty()) {
      m.fasttext->predict(-1, words, p, 0.0);
      for (const auto& [logp, id] : p) {
        if (id >= 0 && size_t(id) < m.fasttext_to_label.size()) {
          s.fasttext[m.fasttext_to_label[id]] = std::max(logp, -30.f);
        }
      }
    } else {
      // No known word or subword: fastText says nothing; be uniform.
      std::fill(s.fasttext.begin(), s.fasttext.end(), -std::log(float(num_labels)));
    }
  } else {
    std::fill(s.fasttext.begin(), s.fasttext.end(), -std::log(float(num_labels)));
  }
  return s;
}

class IntentClassifierImpl final : public IntentClassifier {
 public:
  IntentClassifierImpl(std::shared_ptr<const text::Analyzer> analyzer,
                       std::vector<std::string> labels, std::string oos_label, Models models)
      : analyzer_(std::move(analyzer)),
        labels_(std::move(labels)),
        oos_label_(std::move(oos_label)),
        models_(std::move(models)) {
    auto it = std::find(labels_.begin(), labels_.end(), oos_label_);
    oos_ = oos_label_.empty() || it == labels_.end() ? -1 : int(it - labels_.begin());
  }

  static Result<std::unique_ptr<IntentClassifier>> Train(std::span<const IntentExample> examples,
                                                         const IntentOptions& options);
  static Result<std::unique_ptr<IntentClassifier>> Load(
      const std::string& path, std::shared_ptr<const text::Analyzer> analyzer);

  Status Save(const std::string& path) const override;
  IntentPrediction Classify(std::string_view text, int k) const override;
  Status Calibrate(std::span<const IntentExample> examples) override;

  double oos_threshold() const override { return threshold_; }
  void set_oos_threshold(double t) override { threshold_ = t; }
  std::vector<std::string> labels() const override { return labels_; }
  const std::string& oos_label() const override { return oos_label_; }

 private:
  // Fits the combination on scores of examples the models did not see, and
  // the threshold when out-of-scope examples are among them.
  void Fit(std::span<const Scores> scores, std::span<const int> labels, double default_threshold,
           double oos_share);

  std::shared_ptr<const text::Analyzer> analyzer_;
  std::vector<std::string> labels_;  // sorted
  std::string oos_label_;
  int oos_ = -1;  // index of oos_label_ in labels_, or -1
  Models models_;
  Combination combination_;
  double threshold_ = 0;
  double oos_share_ = 0.1;  // IntentOptions::oos_share
};

void IntentClassifierImpl::Fit(std::span<const Scores> scores, std::span<const int> labels,
                               double default_threshold, double oos_share) {
  // Out-of-scope examples of a classifier without an out-of-scope class
  // carry the label index labels_.size(): they tune the threshold only.
  const int unknown_oos = int(labels_.size());
  const int oos = oos_ >= 0 ? oos_ : unknown_oos;
  std::vector<Scores> known_scores;
  std::vector<int> known_labels;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] == unknown_oos) continue;
    known_scores.push_back(scores[i]);
    known_labels.push_back(labels[i]);
  }
  if (!known_scores.empty()) combination_ = FitCombination(known_scores, known_labels);
  std::vector<std::pair<int, double>> top;
  bool has_oos = false;
  for (size_t i = 0; i < scores.size(); ++i) {
    std::vector<double> p = combination_.Probabilities(scores[i]);
    int best = int(std::max_element(p.begin(), p.end()) - p.begin());
    top.emplace_back(best, p[best]);
    has_oos |= labels[i] == oos;
  }
  threshold_ = has_oos ? TuneThreshold(top, labels, oos, oos_share) : default_threshold;
}

Result<std::shared_ptr<const text::Analyzer>> AnalyzerOrDefault(
    std::shared_ptr<const text::Analyzer> analyzer) {
  if (analyzer) return analyzer;
  Result<std::unique_ptr<text::Analyzer>> created = text::Analyzer::Create();
  if (!created.ok()) return created.status();
  return std::shared_ptr<const text::Analyzer>(std::move(created).value());
}

Result<std::unique_ptr<IntentClassifier>> IntentClassifierImpl::Train(
    std::span<const IntentExample> examples, const IntentOptions& options) {
  if (options.calibration_fraction < 0 || options.calibration_fraction >= 1) {
    return Status::InvalidArgument("calibration_fraction must be in [0, 1)");
  }
  if (options.fasttext_dim <= 0 || options.fasttext_epochs <= 0 || options.linear_epochs <= 0 ||
      options.fasttext_lr <= 0 || options.linear_lr <= 0) {
    return Status::InvalidArgument("dimensions, epochs and learning rates must be positive");
  }
  auto analyzer = AnalyzerOrDefault(options.analyzer);
  if (!analyzer.ok()) return analyzer.status();

  std::vector<IntentTokens> tokens;
  std::vector<std::string> texts, label_names;
  std::vector<std::string> raw_labels;
  for (const IntentExample& e : examples) {
    IntentTokens t = Tokens(**analyzer, e.text);
    if (t.words.empty() && t.letters.empty()) continue;
    tokens.push_back(std::move(t));
    texts.push_back(e.text);
    raw_labels.push_back(e.label);
  }
  label_names = raw_labels;
  std::sort(label_names.begin(), label_names.end());
  label_names.erase(std::unique(label_names.begin(), label_names.end()), label_names.end());
  if (label_names.size() < 2) {
    return Status::InvalidArgument("intents need examples of at least two labels");
  }
  std::map<std::string, int, std::less<>> index;
  for (size_t i = 0; i < label_names.size(); ++i) index[label_names[i]] = int(i);
  std::vector<int> labels;
  for (const std::string& l : raw_labels) labels.push_back(index[l]);
  int num_labels = int(label_names.size());

  // Held-out examples: per label, a fixed fraction chosen by a hash of the
  // text (stable whatever the order of the examples).
  std::vector<bool> held(tokens.size(), false);
  if (options.calibration_fraction > 0) {
    std::vector<std::vector<std::pair<uint64_t, size_t>>> by_label(num_labels);
    for (size_t i = 0; i < tokens.size(); ++i) {
      uint64_t h =
          std::hash<std::string>()(texts[i]) ^ (uint64_t(options.seed) * 0x9E3779B97F4A7C15ull);
      by_label[labels[i]].emplace_back(h * 0xff51afd7ed558ccdull, i);
    }
    for (auto& members : by_label) {
      if (members.size() < 5) continue;
      std::sort(members.begin(), members.end());
      size_t n = size_t(members.size() * options.calibration_fraction);
      for (size_t k = 0; k < n; ++k) held[members[k].second] = true;
    }
  }
  bool calibrate = std::count(held.begin(), held.end(), true) > 0;

  std::unique_ptr<IntentClassifierImpl> classifier;
  if (calibrate) {
    std::vector<IntentTokens> fit_tokens, cal_tokens;
    std::vector<int> fit_labels, cal_labels;
    for (size_t i = 0; i < tokens.size(); ++i) {
      (held[i] ? cal_tokens : fit_tokens).push_back(tokens[i]);
      (held[i] ? cal_labels : fit_labels).push_back(labels[i]);
    }
    Result<Models> partial = TrainModels(fit_tokens, fit_labels, num_labels, options);
    if (!partial.ok()) return partial.status();
    std::vector<Scores> scores;
    for (const IntentTokens& t : cal_tokens) scores.push_back(Score(*partial, t, num_labels));
    classifier =
        std::make_unique<IntentClassifierImpl>(*analyzer, label_names, options.oos_label, Models{});
    classifier->Fit(scores, cal_labels, options.default_oos_threshold, options.oos_share);
  }
  Result<Models> models = TrainModels(tokens, labels, num_labels, options);
  if (!models.ok()) return models.status();
  auto result = std::make_unique<IntentClassifierImpl>(*analyzer, label_names, options.oos_label,
                                                       std::move(models).value());
  result->oos_share_ = options.oos_share;
  if (classifier) {
    result->combination_ = classifier->combination_;
    result->threshold_ = classifier->threshold_;
  } else {
    result->threshold_ = options.default_oos_threshold;
  }
  return std::unique_ptr<IntentClassifier>(std::move(result));
}

IntentPrediction IntentClassifierImpl::Classify(std::string_view text, int k) const {
  IntentPrediction out;
  IntentTokens t = Tokens(*analyzer_, text);
  Scores s = Score(models_, t, int(labels_.size()));
  if (!s.known) return out;  // nothing the models know: out of scope
  std::vector<double> p = combination_.Probabilities(s);
  std::vector<int> order(p.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  size_t n = std::min<size_t>(std::max(k, 1), order.size());
  std::partial_sort(order.begin(), order.begin() + n, order.end(),
                    [&](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  for (size_t i = 0; i < n; ++i) out.ranked.push_back({labels_[order[i]], p[order[i]]});
  out.confidence = p[order[0]];
  out.out_of_scope = order[0] == oos_ || out.confidence < threshold_;
  if (!out.out_of_scope) out.intent = labels_[order[0]];
  return out;
}

Status IntentClassifierImpl::Calibrate(std::span<const IntentExample> examples) {
  std::vector<Scores> scores;
  std::vector<int> labels;
  for (const IntentExample& e : examples) {
    auto it = std::lower_bound(labels_.begin(), labels_.end(), e.label);
    int label = int(it - labels_.begin());
    if (it == labels_.end() || *it != e.label) {
      // Out-of-scope examples count even when none was trained on.
      if (oos_label_.empty() || e.label != oos_label_) continue;
      label = int(labels_.size());
    }
    scores.push_back(Score(models_, Tokens(*analyzer_, e.text), int(labels_.size())));
    labels.push_back(label);
  }
  if (scores.size() == size_t(std::count(labels.begin(), labels.end(), int(labels_.size())))) {
    return Status::InvalidArgument("no example has a label of this classifier");
  }
  Fit(scores, labels, threshold_, oos_share_);
  return Status::Ok();
}

Status IntentClassifierImpl::Save(const std::string& path) const {
  TempDir dir;
  if (!dir.ok()) return Status::IoError("cannot create a temporary directory");
  std::string ft_path = (dir.path() / "fasttext.bin").string();
  try {
    // saveModel is not const in fastText's API, though it changes nothing.
    const_cast<fasttext::FastText&>(*models_.fasttext).saveModel(ft_path);
  } catch (const std::exception& e) {
    return Status::IoError(std::string("fastText: ") + e.what());
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ModelWriter w(out);
    w.U32(kMagic);
    w.U32(kVersion);
    w.Str(oos_label_);
    w.U64(labels_.size());
    for (const std::string& l : labels_) w.Str(l);
    w.F64(combination_.linear_weight);
    w.F64(combination_.fasttext_weight);
    w.F64(threshold_);
    w.F64(oos_share_);
    models_.vocabulary.Write(w);
    models_.linear.Write(w);
    w.U64(models_.fasttext_to_label.size());
    for (int l : models_.fasttext_to_label) w.U32(static_cast<uint32_t>(l));
    std::ifstream ft(ft_path, std::ios::binary);
    out << ft.rdbuf();
    out.flush();
    if (!out || !ft) return Status::IoError(tmp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IoError(path + ": " + ec.message());
  return Status::Ok();
}

Result<std::unique_ptr<IntentClassifier>> IntentClassifierImpl::Load(
    const std::string& path, std::shared_ptr<const text::Analyzer> analyzer_in) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  auto bad = [&](std::string_view what) {
    return Status::InvalidArgument(path + ": not an intent model (" + std::string(what) + ")");
  };
  ModelReader r(in);
  if (r.U32() != kMagic) return bad("magic");
  if (r.U32() != kVersion) return bad("version");
  std::string oos = r.Str();
  uint64_t n = r.Count(1 << 20);
  std::vector<std::string> labels;
  for (uint64_t i = 0; i < n && r.ok(); ++i) labels.push_back(r.Str());
  Combination comb{r.F64(), r.F64()};
  double threshold = r.F64();
  double oos_share = r.F64();
  Models m;
  if (!r.ok() || labels.size() < 2 || !std::is_sorted(labels.begin(), labels.end())) {
    return bad("labels");
  }
  if (!m.vocabulary.Read(r) || !m.linear.Read(r)) return bad("linear model");
  if (m.linear.num_classes() != int(labels.size())) return bad("linear model");
  uint64_t nft = r.Count(labels.size());
  for (uint64_t i = 0; i < nft; ++i) {
    uint32_t l = r.U32();
    if (l >= labels.size()) r.Fail();
    m.fasttext_to_label.push_back(int(l));
  }
  int32_t magic = 0, version = 0;
  in.read(reinterpret_cast<char*>(&magic), sizeof magic);
  in.read(reinterpret_cast<char*>(&version), sizeof version);
  if (!r.ok() || !in || magic != kFastTextMagic || version != kFastTextVersion) {
    return bad("fastText header");
  }
  try {
    m.fasttext = std::make_unique<fasttext::FastText>();
    m.fasttext->loadModel(in);
  } catch (const std::exception& e) {
    return bad(std::string("fastText: ") + e.what());
  }
  if (!in || m.fasttext->getDictionary()->nlabels() != int32_t(nft)) return bad("fastText model");
  auto analyzer = AnalyzerOrDefault(std::move(analyzer_in));
  if (!analyzer.ok()) return analyzer.status();
  auto result =
      std::make_unique<IntentClassifierImpl>(*analyzer, std::move(labels), oos, std::move(m));
  result->combination_ = comb;
  result->threshold_ = threshold;
  result->oos_share_ = oos_share;
  return std::unique_ptr<IntentClassifier>(std::move(result));
}

}  // namespace

Result<std::unique_ptr<IntentClassifier>> IntentClassifier::Train(
    std::span<const IntentExample> examples, const IntentOptions& options) {
  return IntentClassifierImpl::Train(examples, options);
}

Result<std::unique_ptr<IntentClassifier>> IntentClassifier::Load(
    const std::string& path, std::shared_ptr<const text::Analyzer> analyzer) {
  return IntentClassifierImpl::Load(path, std::move(analyzer));
}

}  // namespace kefu::nlu
