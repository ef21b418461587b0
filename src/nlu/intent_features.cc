#include "nlu/intent_features.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kefu::nlu {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * kFnvPrime;
  return h;
}

// Kinds of keys; the top byte of a key says its group.
constexpr uint64_t kWord = 1, kBigram = 2, kChar = 3;

uint64_t Key(uint64_t kind, uint64_t hash) { return (kind << 56) | (hash & ((1ull << 56) - 1)); }

uint8_t GroupOf(uint64_t key) { return (key >> 56) == kChar ? 1 : 0; }

// Byte offsets of the code points of `s` (and s.size() at the end).
std::vector<size_t> CodePointStarts(std::string_view s) {
  std::vector<size_t> starts;
  starts.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(s.size());
  return starts;
}

}  // namespace

std::vector<uint64_t> FeatureKeys(const IntentTokens& tokens) {
  std::vector<uint64_t> keys;
  const auto& w = tokens.words;
  keys.reserve(w.size() * 2 + tokens.letters.size() * 5);
  for (size_t i = 0; i < w.size(); ++i) {
    keys.push_back(Key(kWord, Fnv(kFnvOffset, w[i])));
    if (i + 1 < w.size()) {
      keys.push_back(Key(kBigram, Fnv(Fnv(Fnv(kFnvOffset, w[i]), " "), w[i + 1])));
    }
  }
  // Character n-grams of " letters ", so that the first and last letters of
  // the text are marked; single characters only outside ASCII (a Han
  // character is a word of its own, a Latin letter is not).
  std::string padded = " " + tokens.letters + " ";
  std::vector<size_t> starts = CodePointStarts(padded);
  size_t count = starts.size() - 1;
  for (size_t i = 0; i < count; ++i) {
    for (size_t n = 1; n <= 5 && i + n <= count; ++n) {
      std::string_view gram(padded.data() + starts[i], starts[i + n] - starts[i]);
      if (n == 1 && static_cast<unsigned char>(gram[0]) < 0x80) continue;
      if (n == 2 && gram == "  ") continue;
      keys.push_back(Key(kChar, Fnv(kFnvOffset, gram)));
    }
  }
  return keys;
}

TfidfVocabulary TfidfVocabulary::Build(std::span<const std::vector<uint64_t>> texts, int min_df) {
  std::unordered_map<uint64_t, int> df;
  std::vector<uint64_t> unique;
  for (const auto& keys : texts) {
    unique.assign(keys.begin(), keys.end());
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    for (uint64_t k : unique) ++df[k];
  }
  // Ids in key order, so that a vocabulary is the same whatever the hash
  // map's iteration order.
  std::vector<std::pair<uint64_t, int>> kept;
  for (const auto& [key, count] : df) {
    if (GroupOf(key) == 0 || count >= min_df) kept.emplace_back(key, count);
  }
  std::sort(kept.begin(), kept.end());
  TfidfVocabulary v;
  double n = static_cast<double>(texts.size());
  for (const auto& [key, count] : kept) {
    v.ids_.emplace(key, static_cast<int32_t>(v.idf_.size()));
    v.idf_.push_back(static_cast<float>(std::log((n + 1) / (count + 1)) + 1));
    v.group_.push_back(GroupOf(key));
  }
  return v;
}

SparseVector TfidfVocabulary::Vectorize(std::span<const uint64_t> keys) const {
  std::vector<int32_t> ids;
  ids.reserve(keys.size());
  for (uint64_t k : keys) {
    auto it = ids_.find(k);
    if (it != ids_.end()) ids.push_back(it->second);
  }
  std::sort(ids.begin(), ids.end());
  SparseVector x;
  double norm[2] = {0, 0};
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    float tf = 1 + std::log(static_cast<float>(j - i));
    float v = tf * idf_[ids[i]];
    x.index.push_back(ids[i]);
    x.value.push_back(v);
    norm[group_[ids[i]]] += double(v) * v;
    i = j;
  }
  // Each group normalised on its own, then the whole to unit length, so that
  // the many character n-grams do not drown the few words.
  double scale[2];
  int groups = (norm[0] > 0) + (norm[1] > 0);
  for (int g = 0; g < 2; ++g) {
    scale[g] = norm[g] > 0 ? 1 / std::sqrt(norm[g] * groups) : 0;
  }
  for (size_t i = 0; i < x.index.size(); ++i) {
    x.value[i] = static_cast<float>(x.value[i] * scale[group_[x.index[i]]]);
  }
  return x;
}

void TfidfVocabulary::Write(ModelWriter& out) const {
  std::vector<uint64_t> keys(idf_.size());
  for (const auto& [key, id] : ids_) keys[id] = key;
  out.U64(keys.size());
  for (uint64_t k : keys) out.U64(k);
  out.Floats(idf_);
}

bool TfidfVocabulary::Read(ModelReader& in) {
  uint64_t n = in.Count(1ull << 28);
  std::vector<uint64_t> keys(n);
  for (auto& k : keys) k = in.U64();
  idf_ = in.Floats(1ull << 28);
  if (!in.ok() || idf_.size() != n) return false;
  ids_.clear();
  group_.clear();
  for (size_t i = 0; i < n; ++i) {
    ids_.emplace(keys[i], static_cast<int32_t>(i));
    group_.push_back(GroupOf(keys[i]));
  }
  return ids_.size() == n;
}

namespace {

// Four floats at once; rows are padded to a multiple of four.
typedef float Float4 __attribute__((vector_size(16)));

int Padded(int classes) { return (classes + 3) / 4 * 4; }

}  // namespace

SoftmaxRegression SoftmaxRegression::Train(std::span<const SparseVector> x,
                                           std::span<const int> labels, int32_t num_features,
                                           int num_classes, const SoftmaxTraining& options) {
  SoftmaxRegression m;
  m.features_ = num_features;
  m.classes_ = num_classes;
  m.stride_ = Padded(num_classes);
  m.weights_.assign(size_t(num_features) * m.stride_, 0.f);
  m.bias_.assign(m.stride_, 0.f);
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(options.seed);
  std::vector<float> p;
  std::vector<float> grad(m.stride_, 0.f);
  std::vector<int> active;
  const double total = double(options.epochs) * x.size();
  double step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      const SparseVector& v = x[i];
      float lr = static_cast<float>(options.lr * (1 - step / total));
      ++step;
      if (v.index.empty()) continue;
      m.Logits(v, &p);
      float top = *std::max_element(p.begin(), p.end());
      float sum = 0;
      for (float& z : p) sum += (z = std::exp(z - top));
      for (int c = 0; c < num_classes; ++c) {
        grad[c] = lr * (p[c] / sum - (c == labels[i] ? 1.f : 0.f));
      }
      // Only blocks of four classes with a gradient worth the update: once
      // training has separated the classes, most have none.
      active.clear();
      for (int j = 0; j < m.stride_ / 4; ++j) {
        const float* b = &grad[4 * j];
        if (std::fabs(b[0]) + std::fabs(b[1]) + std::fabs(b[2]) + std::fabs(b[3]) > 1e-6f) {
          active.push_back(j);
        }
      }
      const Float4* g = reinterpret_cast<const Float4*>(grad.data());
      for (size_t k = 0; k < v.index.size(); ++k) {
        Float4* row = reinterpret_cast<Float4*>(&m.weights_[size_t(v.index[k]) * m.stride_]);
        float xv = v.value[k];
        for (int j : active) row[j] -= xv * g[j];
      }
      for (int c = 0; c < num_classes; ++c) m.bias_[c] -= 0.1f * grad[c];
    }
  }
  return m;
}

void SoftmaxRegression::Logits(const SparseVector& x, std::vector<float>* out) const {
  std::vector<float> z(bias_.begin(), bias_.end());  // stride_ wide
  Float4* z4 = reinterpret_cast<Float4*>(z.data());
  for (size_t k = 0; k < x.index.size(); ++k) {
    if (x.index[k] >= features_) continue;
    const Float4* row = reinterpret_cast<const Float4*>(&weights_[size_t(x.index[k]) * stride_]);
    float xv = x.value[k];
    for (int j = 0; j < stride_ / 4; ++j) z4[j] += xv * row[j];
  }
  z.resize(classes_);
  *out = std::move(z);
}

void SoftmaxRegression::Write(ModelWriter& out) const {
  out.U32(static_cast<uint32_t>(features_));
  out.U32(static_cast<uint32_t>(classes_));
  out.Floats(weights_);
  out.Floats(bias_);
}

bool SoftmaxRegression::Read(ModelReader& in) {
  features_ = static_cast<int32_t>(in.U32());
  classes_ = static_cast<int>(in.U32());
  if (!in.ok() || features_ < 0 || classes_ <= 0 || classes_ > 100000) return false;
  weights_ = in.Floats(1ull << 32);
  bias_ = in.Floats(100000);
  stride_ = Padded(classes_);
  return in.ok() && weights_.size() == size_t(features_) * stride_ &&
         bias_.size() == size_t(stride_);
}

}  // namespace kefu::nlu
