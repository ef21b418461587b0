// KnowledgeBase::Build and Search: the FAQ index, the reranker, the article
// index (Xapian) and the calibration that turns their scores into the
// probability that a hit answers the query.
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <string_view>
#include <unordered_map>

#include "kb/faq_index.h"
#include "kb/kb.h"
#include "kb/reranker.h"
#include "kb/synonyms.h"
#include "kb/terms.h"

namespace kefu::kb {
namespace {

constexpr size_t kMaxQueryCodePoints = 1000;
constexpr size_t kCalibrationEntries = 1500;  // FAQ entries sampled for calibration
constexpr size_t kCalibrationPairs = 1500;    // held-out positive pairs used
constexpr double kHeldOutPairs = 0.1;         // share of pairs kept from training
constexpr double kSignTestZ = 1.645;  // the trained reranker must beat BM25 by this many sigmas
constexpr size_t kMinVariantEntries = 20;   // entries with variants needed to calibrate on them
constexpr size_t kCalibrationVariants = 3;  // variants asked per calibration entry
constexpr double kDropShare = 0.35;  // units of a question dropped from its stand-in paraphrase
constexpr double kMixShare = 0.5;    // units of another question mixed in, per unit dropped

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// A logistic map from (score, margin) to a probability, fitted by gradient
// descent on the log loss (Platt scaling with a margin term).
struct Calibration {
  double w_score = 1, w_margin = 0, bias = 0;

  double operator()(double score, double margin) const {
    return Sigmoid(w_score * score + w_margin * margin + bias);
  }

  struct Sample {
    double score, margin;
    bool right;
    bool answerable = true;  // the asked entry (or chunk) was in the index
  };

  // Features are centred and scaled before fitting, folded back afterwards.
  // Samples are weighted so that unanswerable ones make up
  // `unanswerable_share` of the total, whatever their number.
  static Calibration Fit(const std::vector<Sample>& samples, double unanswerable_share,
                         Calibration fallback) {
    size_t pos = 0;
    for (const auto& s : samples) pos += s.right;
    if (samples.size() < 20 || pos == 0 || pos == samples.size()) return fallback;
    size_t unanswerable = 0;
    for (const auto& s : samples) unanswerable += !s.answerable;
    double share = std::clamp(unanswerable_share, 0.0, 1.0);
    double w_in = unanswerable < samples.size() ? (1 - share) / (samples.size() - unanswerable) : 0;
    double w_out = unanswerable > 0 ? share / unanswerable : 0;
    if (unanswerable == 0) w_in = 1.0 / samples.size();
    if (unanswerable == samples.size()) w_out = 1.0 / samples.size();
    auto weight = [&](const Sample& s) { return s.answerable ? w_in : w_out; };
    double ms = 0, mm = 0, vs = 0, vm = 0, total = 0;
    for (const auto& s : samples) ms += weight(s) * s.score, mm += weight(s) * s.margin;
    for (const auto& s : samples) total += weight(s);
    ms /= total, mm /= total;
    for (const auto& s : samples) {
      vs += weight(s) * (s.score - ms) * (s.score - ms);
      vm += weight(s) * (s.margin - mm) * (s.margin - mm);
    }
    double ss = std::sqrt(vs / total) + 1e-9, sm = std::sqrt(vm / total) + 1e-9;
    double a = 0, b = 0, c = 0;
    for (int iter = 0; iter < 2000; ++iter) {
      double ga = 0, gb = 0, gc = 0;
      for (const auto& s : samples) {
        double x1 = (s.score - ms) / ss, x2 = (s.margin - mm) / sm;
        double g = weight(s) * (Sigmoid(a * x1 + b * x2 + c) - (s.right ? 1 : 0));
        ga += g * x1, gb += g * x2, gc += g;
      }
      double n = total;
      a -= 0.5 * (ga / n + 1e-4 * a), b -= 0.5 * (gb / n + 1e-4 * b), c -= 0.5 * gc / n;
      // Hits are sorted by probability, so it must keep the reranker's
      // order: a wider lead never lowers it (w_margin >= 0), and neither
      // does a higher score with the lead over the top hit falling as much
      // (w_score + w_margin >= 0).
      b = std::max(b, 0.0);
      a = std::max(a, -b * ss / sm);
    }
    Calibration out;
    out.w_score = a / ss;
    out.w_margin = b / sm;
    out.bias = c - a * ms / ss - b * mm / sm;
    return out;
  }
};

// Valid UTF-8, at most kMaxQueryCodePoints code points.
std::string CleanQuery(std::string_view raw) {
  std::string clean = text::SanitizeUtf8(raw);
  size_t cps = 0;
  for (size_t i = 0; i < clean.size(); ++i) {
    if ((static_cast<unsigned char>(clean[i]) & 0xC0) != 0x80 && ++cps > kMaxQueryCodePoints) {
      clean.resize(i);
      break;
    }
  }
  return clean;
}

// The units of a normalised text: Latin words and single Han characters.
std::vector<std::string> Units(std::string_view normalized) {
  std::vector<std::string> units;
  std::string word;
  for (char32_t c : DecodeUtf8(normalized)) {
    if (c == U' ' || IsHan(c)) {
      if (!word.empty()) units.push_back(std::move(word)), word.clear();
      if (c != U' ') {
        std::string han;
        text::AppendUtf8(c, &han);
        units.push_back(std::move(han));
      }
    } else {
      text::AppendUtf8(c, &word);
    }
  }
  if (!word.empty()) units.push_back(std::move(word));
  return units;
}

// A stand-in for a customer asking the question of `normalized` in their
// own words: about kDropShare of its units (Latin words, Han characters) are
// left out (at least one is kept) and about half as many units of another
// question (`donor`) are mixed in at random places.
std::string Paraphrase(std::string_view normalized, std::string_view donor, std::mt19937_64& rng) {
  std::vector<std::string> units = Units(normalized), extra = Units(donor);
  std::bernoulli_distribution drop(kDropShare);
  std::vector<std::string> kept;
  for (size_t i = 0; i < units.size(); ++i) {
    bool last_chance = kept.empty() && i + 1 == units.size();
    if (units.size() > 1 && !last_chance && drop(rng)) continue;
    kept.push_back(units[i]);
  }
  size_t mix = static_cast<size_t>(std::lround((units.size() - kept.size()) * kMixShare));
  for (size_t i = 0; i < mix && !extra.empty(); ++i) {
    const std::string& u = extra[std::uniform_int_distribution<size_t>(0, extra.size() - 1)(rng)];
    kept.insert(kept.begin() + std::uniform_int_distribution<size_t>(0, kept.size())(rng), u);
  }
  std::string out;
  for (const auto& u : kept) {
    if (!out.empty()) out.push_back(' ');
    out += u;
  }
  return out;
}

class KnowledgeBaseImpl final : public KnowledgeBase {
 public:
  KnowledgeBaseImpl(std::shared_ptr<const text::Analyzer> analyzer, std::vector<FaqEntry> faq,
                    std::vector<Article> articles, const BuildOptions& options)
      : analyzer_(std::move(analyzer)),
        faq_(std::move(faq)),
        articles_(std::move(articles)),
        options_(options),
        reranker_(&term_weights_),
        xapian_db_(std::string(), Xapian::DB_BACKEND_INMEMORY) {}

  Status Init();

  std::vector<Hit> Search(std::string_view query, std::string_view language, int k) const override;
  const FaqEntry* FindFaq(std::string_view id) const override {
    auto it = faq_by_id_.find(std::string(id));
    return it == faq_by_id_.end() ? nullptr : &faq_[it->second];
  }
  const Article* FindArticle(std::string_view id) const override {
    auto it = article_by_id_.find(std::string(id));
    return it == article_by_id_.end() ? nullptr : &articles_[it->second];
  }
  const std::vector<Chunk>& ChunksOf(std::string_view article_id) const override {
    static const std::vector<Chunk> kNone;
    auto it = article_by_id_.find(std::string(article_id));
    return it == article_by_id_.end() ? kNone : chunks_[it->second];
  }
  const BuildReport& report() const override { return report_; }

 private:
  struct Ranked {
    uint32_t entry;
    uint32_t variant;  // question document
    double score;      // reranker log-odds
  };
  struct ArticleHit {
    uint32_t article, chunk;
    double score, margin;
  };

  float NormalizedBm25(const QuestionTerms& a, const QuestionTerms& b) const {
    return index_.QuestionScore(a, b) / std::max(index_.Bound(a), 1e-6f);
  }
  // The text with the tenant's synonyms rewritten (normalised when there
  // are any; AnalyzeQuestion normalises again, which changes nothing).
  std::string Prepare(std::string text) const {
    if (synonyms_.empty()) return text;
    return synonyms_.Rewrite(analyzer_->Normalize(text));
  }
  std::string LanguageOf(std::string_view text) const {
    return analyzer_->DetectLanguage(text, options_.default_language);
  }
  // FAQ entries for `q`, reranked, best first.
  std::vector<Ranked> RankFaq(const QuestionTerms& q, uint32_t skip_entry = UINT32_MAX,
                              uint32_t skip_question = UINT32_MAX) const;
  std::vector<ArticleHit> SearchArticles(const std::string& normalized, int k,
                                         int skip_doc = -1) const;
  // Trains the reranker on options_.pairs (analysed in `pair_terms`, a and
  // b of pair i at 2i and 2i + 1); returns calibration samples from the
  // held-out ones.
  std::vector<Calibration::Sample> TrainReranker(std::mt19937_64& rng,
                                                 const std::vector<QuestionTerms>& pair_terms);
  // A calibration sample from the ranking of a question whose answer is
  // `entry` (`answerable`: the entry was in the ranking's index).
  static void AddSample(std::vector<Calibration::Sample>& samples,
                        const std::vector<Ranked>& ranked, uint32_t entry, bool answerable);
  void Calibrate(std::mt19937_64& rng, std::vector<Calibration::Sample> samples,
                 std::vector<uint32_t> variant_entries);
  void BuildArticles();
  void CalibrateArticles(std::mt19937_64& rng);

  std::shared_ptr<const text::Analyzer> analyzer_;
  std::vector<FaqEntry> faq_;
  std::vector<Article> articles_;
  BuildOptions options_;
  std::unordered_map<std::string, size_t> faq_by_id_, article_by_id_;

  SynonymRewriter synonyms_;
  Vocabulary vocab_;
  FaqIndex index_;
  std::vector<QuestionTerms> question_terms_;  // by question document
  std::vector<std::vector<uint32_t>> entry_questions_;
  TermWeights term_weights_;
  Reranker reranker_;
  Calibration faq_calibration_;

  std::vector<std::vector<Chunk>> chunks_;                   // by article
  std::vector<std::pair<uint32_t, uint32_t>> chunk_of_doc_;  // Xapian docid - 1 → (article, chunk)
  mutable std::mutex xapian_mu_;  // Xapian objects are not safe to share between threads
  Xapian::WritableDatabase xapian_db_;
  Xapian::Stem stemmer_{"english"};
  Calibration article_calibration_{1, 0, -3};

  BuildReport report_;
};

Status KnowledgeBaseImpl::Init() {
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < faq_.size(); ++i) {
    const auto& e = faq_[i];
    if (e.id.empty()) return Status::InvalidArgument("FAQ entry " + std::to_string(i) + ": no id");
    if (e.questions.empty()) return Status::InvalidArgument("FAQ entry " + e.id + ": no question");
    if (!faq_by_id_.emplace(e.id, i).second) {
      return Status::InvalidArgument("FAQ entry " + e.id + ": duplicate id");
    }
  }
  for (size_t i = 0; i < articles_.size(); ++i) {
    const auto& a = articles_[i];
    if (a.id.empty()) return Status::InvalidArgument("article " + std::to_string(i) + ": no id");
    if (!article_by_id_.emplace(a.id, i).second) {
      return Status::InvalidArgument("article " + a.id + ": duplicate id");
    }
  }

  synonyms_ = SynonymRewriter(*analyzer_, options_.synonyms);

  // FAQ: analyse every question and answer once.
  entry_questions_.resize(faq_.size());
  std::vector<QuestionTerms> answer_terms(faq_.size());
  for (uint32_t e = 0; e < faq_.size(); ++e) {
    for (const auto& q : faq_[e].questions) {
      auto terms = AnalyzeQuestion(*analyzer_, Prepare(CleanQuery(q)), LanguageOf(q), vocab_, true);
      entry_questions_[e].push_back(index_.AddQuestion(e, terms));
      question_terms_.push_back(std::move(terms));
    }
    std::string answers;
    for (const auto& [locale, answer] : faq_[e].answers) answers += answer + "\n";
    if (!answers.empty()) {
      answer_terms[e] = AnalyzeQuestion(*analyzer_, Prepare(text::SanitizeUtf8(answers)),
                                        LanguageOf(answers), vocab_, true);
    }
  }

  // Pairs: analysed with the same vocabulary so their terms get weights.
  std::mt19937_64 rng(options_.seed);
  std::vector<QuestionTerms> pair_terms;
  pair_terms.reserve(options_.pairs.size() * 2);
  for (const auto& p : options_.pairs) {
    for (const std::string* t : {&p.a, &p.b}) {
      pair_terms.push_back(
          AnalyzeQuestion(*analyzer_, Prepare(CleanQuery(*t)), LanguageOf(*t), vocab_, true));
    }
  }
  for (uint32_t e = 0; e < faq_.size(); ++e) index_.AddAnswer(e, answer_terms[e]);
  index_.Finish(vocab_.size(), faq_.size());

  // Term weights: document frequencies over FAQ questions and pair texts.
  std::vector<uint32_t> df(index_.question_df());
  df.resize(vocab_.size(), 0);
  for (const auto& t : pair_terms) {
    for (const auto& kind : t.terms) {
      for (const auto& [id, tf] : kind) ++df[id];
    }
  }
  term_weights_ =
      TermWeights(std::move(df), static_cast<uint32_t>(question_terms_.size() + pair_terms.size()));

  // Entries with variants: one variant asked, the others answer it.
  std::vector<uint32_t> variant_entries;
  for (uint32_t e = 0; e < faq_.size(); ++e) {
    if (entry_questions_[e].size() > 1) variant_entries.push_back(e);
  }
  std::shuffle(variant_entries.begin(), variant_entries.end(), rng);

  std::vector<Calibration::Sample> pair_samples = TrainReranker(rng, pair_terms);
  Calibrate(rng, std::move(pair_samples), std::move(variant_entries));

  BuildArticles();
  CalibrateArticles(rng);

  report_.faq_entries = static_cast<int>(faq_.size());
  report_.faq_questions = static_cast<int>(question_terms_.size());
  report_.articles = static_cast<int>(articles_.size());
  report_.chunks = static_cast<int>(chunk_of_doc_.size());
  report_.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

std::vector<Calibration::Sample> KnowledgeBaseImpl::TrainReranker(
    std::mt19937_64& rng, const std::vector<QuestionTerms>& pair_terms) {
  // Reranker: trained on most of the labelled pairs; the held-out ones
  // simulate "the FAQ plus one paraphrase" for calibration. A pair of two of
  // the FAQ's own questions is left out: it says only what the FAQ's entries
  // say already, and trained on such pairs the model learns the index's own
  // questions (the candidate side of every search) instead of how
  // paraphrases differ: on the demo shop's FAQ, one variant of each entry
  // asked with pairs made from the others (three draws), R@1 fell by 19 to
  // 29 points (zh) and 9 to 12 points (en).
  std::unordered_map<std::string_view, uint32_t> faq_doc;  // normalised question → document
  for (uint32_t d = 0; d < question_terms_.size(); ++d) {
    faq_doc.emplace(question_terms_[d].normalized, d);
  }
  auto doc_of = [&](const QuestionTerms& t) {
    auto it = faq_doc.find(t.normalized);
    return it == faq_doc.end() ? UINT32_MAX : it->second;
  };
  std::vector<PairExample> train;
  std::vector<Calibration::Sample> pair_samples;
  std::vector<size_t> order;
  for (size_t p = 0; p < options_.pairs.size(); ++p) {
    if (doc_of(pair_terms[2 * p]) == UINT32_MAX || doc_of(pair_terms[2 * p + 1]) == UINT32_MAX) {
      order.push_back(p);
    }
  }
  std::shuffle(order.begin(), order.end(), rng);
  // The first kHeldOutPairs of them are held out; a question paired with
  // one of the FAQ's is held out with all its pairs or none (at the same
  // rate), so the check below asks questions the model has not seen.
  size_t first_held = static_cast<size_t>(order.size() * kHeldOutPairs);
  std::unordered_map<std::string_view, bool> held_question;
  std::vector<size_t> held_pairs, train_pairs;
  for (size_t i = 0; i < order.size(); ++i) {
    size_t p = order[i];
    bool is_held = i < first_held;
    const QuestionTerms& a = pair_terms[2 * p];
    const QuestionTerms& b = pair_terms[2 * p + 1];
    if (doc_of(a) != UINT32_MAX || doc_of(b) != UINT32_MAX) {
      const QuestionTerms& outside = doc_of(a) == UINT32_MAX ? a : b;
      auto [it, added] = held_question.emplace(outside.normalized, false);
      if (added) it->second = std::bernoulli_distribution(kHeldOutPairs)(rng);
      is_held = it->second;
    }
    (is_held ? held_pairs : train_pairs).push_back(p);
  }
  size_t held = held_pairs.size();
  order = std::move(held_pairs);
  order.insert(order.end(), train_pairs.begin(), train_pairs.end());
  for (size_t i = held; i < order.size(); ++i) {
    size_t p = order[i];
    const QuestionTerms& a = pair_terms[2 * p];
    const QuestionTerms& b = pair_terms[2 * p + 1];
    train.push_back({&a, &b, options_.pairs[p].same, NormalizedBm25(a, b), NormalizedBm25(b, a)});
  }
  report_.pairs_used = static_cast<int>(train.size());
  if (!train.empty()) reranker_.Train(train, options_.seed);
  if (held > 0) {
    size_t right = 0;
    for (size_t i = 0; i < held; ++i) {
      size_t p = order[i];
      const QuestionTerms& a = pair_terms[2 * p];
      const QuestionTerms& b = pair_terms[2 * p + 1];
      right += (reranker_.Score(a, b, NormalizedBm25(a, b)) > 0) == options_.pairs[p].same;
    }
    report_.pair_accuracy = static_cast<double>(right) / held;
  }
  // A held-out positive pair with one question in the FAQ says which entry
  // answers the other. The trained reranker is kept only if it puts that
  // entry first clearly more often than BM25 alone: pairs picked for the
  // words they share can teach it that sharing words means a different
  // question (kb_test's shop FAQ with such pairs against its questions:
  // 7 of 20 paraphrases found first instead of 19).
  if (reranker_.trained()) {
    std::vector<std::pair<const QuestionTerms*, uint32_t>> checks;  // asked, its entry
    for (size_t i = 0; i < held && checks.size() < kCalibrationPairs; ++i) {
      size_t p = order[i];
      if (!options_.pairs[p].same) continue;
      uint32_t doc_a = doc_of(pair_terms[2 * p]), doc_b = doc_of(pair_terms[2 * p + 1]);
      if (doc_a == UINT32_MAX && doc_b == UINT32_MAX) continue;
      bool ask_a = doc_b != UINT32_MAX;
      checks.push_back(
          {&pair_terms[2 * p + (ask_a ? 0 : 1)], index_.EntryOfQuestion(ask_a ? doc_b : doc_a)});
    }
    // Which checks the current reranker gets right.
    auto right_at_1 = [&] {
      std::vector<bool> right;
      for (const auto& [asked, entry] : checks) {
        auto ranked = RankFaq(*asked);
        right.push_back(!ranked.empty() && ranked[0].entry == entry);
      }
      return right;
    };
    if (!checks.empty()) {
      std::vector<bool> trained_right = right_at_1();
      Reranker trained = reranker_;
      reranker_ = Reranker(&term_weights_);
      std::vector<bool> plain_right = right_at_1();
      // Kept when it wins clearly more checks than it loses (a one-sided
      // sign test at about 5 %): a few dozen checks, often several of one
      // question, are too few to trust a small lead.
      double wins = 0, losses = 0;
      for (size_t i = 0; i < checks.size(); ++i) {
        wins += trained_right[i] && !plain_right[i];
        losses += plain_right[i] && !trained_right[i];
      }
      if (wins - losses >= kSignTestZ * std::sqrt(wins + losses) && wins > losses) {
        reranker_ = std::move(trained);
      } else {
        report_.pairs_used = 0;
      }
    }
  }
  // Held-out positive pairs as calibration questions. A pair question that
  // is one of the FAQ's own questions finds itself in the index, so "the FAQ
  // plus the pair's other question" would label its own entry wrong (and
  // the fit would turn the probability against the score); then the other
  // question is asked of the FAQ as it is, and the entry of its partner is
  // the answer.
  size_t used = 0;
  for (size_t i = 0; i < held && used < kCalibrationPairs; ++i) {
    size_t p = order[i];
    if (!options_.pairs[p].same) continue;
    const QuestionTerms& a = pair_terms[2 * p];
    const QuestionTerms& b = pair_terms[2 * p + 1];
    uint32_t doc_a = doc_of(a), doc_b = doc_of(b);
    if (doc_a != UINT32_MAX || doc_b != UINT32_MAX) {  // one of them (never both)
      const QuestionTerms& asked = doc_b != UINT32_MAX ? a : b;
      uint32_t entry = index_.EntryOfQuestion(doc_b != UINT32_MAX ? doc_b : doc_a);
      ++used;
      AddSample(pair_samples, RankFaq(asked), entry, true);
      AddSample(pair_samples, RankFaq(asked, entry), entry, false);
      continue;
    }
    ++used;
    double right = reranker_.Score(a, b, NormalizedBm25(a, b));
    auto ranked = RankFaq(a);
    double best_other = ranked.empty() ? -1e9 : ranked[0].score;
    double second = ranked.size() > 1 ? ranked[1].score : -1e9;
    // With the paraphrase present: the top hit is right when it wins.
    if (right >= best_other) {
      pair_samples.push_back({right, std::min(right - best_other, 20.0), true});
    } else {
      pair_samples.push_back(
          {best_other, std::min(best_other - std::max(right, second), 20.0), false});
    }
    // Without it: whatever is on top is wrong.
    if (!ranked.empty()) {
      pair_samples.push_back({best_other, std::min(best_other - second, 20.0), false, false});
    }
  }
  return pair_samples;
}

std::vector<KnowledgeBaseImpl::Ranked> KnowledgeBaseImpl::RankFaq(const QuestionTerms& q,
                                                                  uint32_t skip_entry,
                                                                  uint32_t skip_question) const {
  thread_local std::vector<float> question_bm25;
  auto candidates = index_.Candidates(q, static_cast<size_t>(std::max(1, options_.rerank_depth)),
                                      skip_entry, skip_question, &question_bm25);
  std::vector<Ranked> ranked;
  ranked.reserve(candidates.size());
  float bound = std::max(index_.Bound(q), 1e-6f);
  for (const auto& c : candidates) {
    Ranked r{c.entry, c.variant, -1e9};
    double answer = reranker_.bm25_weight() * c.answer / bound;
    for (uint32_t doc : entry_questions_[c.entry]) {
      if (doc == skip_question) continue;
      const QuestionTerms& d = question_terms_[doc];
      double s = reranker_.Score(q, d, question_bm25[doc] / bound) + answer;
      if (s > r.score) r.score = s, r.variant = doc;
    }
    ranked.push_back(r);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  return ranked;
}

void KnowledgeBaseImpl::AddSample(std::vector<Calibration::Sample>& samples,
                                  const std::vector<Ranked>& ranked, uint32_t entry,
                                  bool answerable) {
  if (ranked.empty()) return;
  double second = ranked.size() > 1 ? ranked[1].score : ranked[0].score - 20;
  samples.push_back({ranked[0].score, std::min(ranked[0].score - second, 20.0),
                     ranked[0].entry == entry, answerable});
}

void KnowledgeBaseImpl::Calibrate(std::mt19937_64& rng, std::vector<Calibration::Sample> samples,
                                  std::vector<uint32_t> variant_entries) {
  auto add = [&](const std::vector<Ranked>& ranked, uint32_t entry, bool answerable) {
    AddSample(samples, ranked, entry, answerable);
  };
  if (variant_entries.size() >= kMinVariantEntries) {
    // Leave one variant out: it is asked of the index without itself (its
    // entry still answers through its other variants), then without its
    // entry at all (whatever comes first is wrong).
    if (variant_entries.size() > kCalibrationEntries) variant_entries.resize(kCalibrationEntries);
    for (uint32_t e : variant_entries) {
      const auto& docs = entry_questions_[e];
      for (size_t i = 0; i < docs.size() && i < kCalibrationVariants; ++i) {
        const QuestionTerms& asked = question_terms_[docs[i]];
        add(RankFaq(asked, UINT32_MAX, docs[i]), e, true);
        add(RankFaq(asked, e), e, false);
      }
    }
  } else {
    // Too few variants: stand-in paraphrases of sampled questions.
    std::vector<uint32_t> entries(faq_.size());
    std::iota(entries.begin(), entries.end(), 0);
    std::shuffle(entries.begin(), entries.end(), rng);
    if (entries.size() > kCalibrationEntries) entries.resize(kCalibrationEntries);
    for (uint32_t e : entries) {
      const auto& docs = entry_questions_[e];
      for (size_t i = 0; i < docs.size() && i < kCalibrationVariants; ++i) {
        const QuestionTerms& asked = question_terms_[docs[i]];
        const QuestionTerms& donor = question_terms_[std::uniform_int_distribution<size_t>(
            0, question_terms_.size() - 1)(rng)];
        std::string shorter = Paraphrase(asked.normalized, donor.normalized, rng);
        auto q = AnalyzeQuestion(*analyzer_, shorter, LanguageOf(shorter), vocab_);
        add(RankFaq(q), e, true);
        add(RankFaq(q, e), e, false);  // its entry left out: the top is wrong
      }
    }
  }
  report_.calibration_samples = static_cast<int>(samples.size());
  // Too few samples: log-odds as they are, shifted to be cautious.
  faq_calibration_ =
      Calibration::Fit(samples, options_.unanswerable_share, Calibration{1, 0.5, -1});
}

void KnowledgeBaseImpl::BuildArticles() {
  chunks_.resize(articles_.size());
  Xapian::TermGenerator generator;
  generator.set_stemmer(stemmer_);
  generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  for (uint32_t a = 0; a < articles_.size(); ++a) {
    chunks_[a] = ChunkMarkdown(text::SanitizeUtf8(articles_[a].markdown));
    for (uint32_t c = 0; c < chunks_[a].size(); ++c) {
      const Chunk& chunk = chunks_[a][c];
      Xapian::Document doc;
      generator.set_document(doc);
      // The heading counts twice: it names what the section is about.
      generator.index_text(Prepare(analyzer_->Normalize(chunk.heading)), 2);
      generator.increase_termpos();
      generator.index_text(Prepare(analyzer_->Normalize(chunk.text)));
      xapian_db_.add_document(doc);
      chunk_of_doc_.push_back({a, c});
    }
  }
}

std::vector<KnowledgeBaseImpl::ArticleHit> KnowledgeBaseImpl::SearchArticles(
    const std::string& normalized, int k, int skip_doc) const {
  std::vector<ArticleHit> hits;
  if (chunk_of_doc_.empty() || normalized.empty()) return hits;
  std::lock_guard lock(xapian_mu_);
  try {
    // Latin text through the query parser (stemmed, OR); Han runs as an OR
    // of their characters and bigrams — the parser would AND them.
    std::string latin;
    std::vector<Xapian::Query> parts;
    char32_t prev = 0;
    for (char32_t c : DecodeUtf8(normalized)) {
      if (!IsHan(c)) {
        text::AppendUtf8(c, &latin);
        prev = 0;
        continue;
      }
      latin.push_back(' ');
      std::string ch;
      text::AppendUtf8(c, &ch);
      parts.emplace_back(ch);
      if (prev != 0) {
        std::string bigram;
        text::AppendUtf8(prev, &bigram);
        parts.emplace_back(bigram + ch);
      }
      prev = c;
    }
    Xapian::QueryParser parser;
    parser.set_stemmer(stemmer_);
    parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    parser.set_default_op(Xapian::Query::OP_OR);
    parser.set_database(xapian_db_);
    Xapian::Query latin_query = parser.parse_query(latin, 0);
    if (!latin_query.empty()) parts.push_back(latin_query);
    if (parts.empty()) return hits;
    Xapian::Query query(Xapian::Query::OP_OR, parts.begin(), parts.end());
    Xapian::Enquire enquire(xapian_db_);
    enquire.set_query(query);
    Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(k + 2));
    double max_possible = mset.get_max_possible();
    if (max_possible <= 0) return hits;
    std::vector<std::pair<uint32_t, double>> found;
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      int doc = static_cast<int>(*it) - 1;
      if (doc == skip_doc) continue;
      found.push_back({static_cast<uint32_t>(doc), it.get_weight() / max_possible});
    }
    for (size_t i = 0; i < found.size() && static_cast<int>(i) < k; ++i) {
      double other = i == 0 ? (found.size() > 1 ? found[1].second : 0) : found[0].second;
      auto [article, chunk] = chunk_of_doc_[found[i].first];
      hits.push_back({article, chunk, found[i].second, found[i].second - other});
    }
  } catch (const Xapian::Error&) {
    hits.clear();  // a query Xapian cannot parse finds nothing
  }
  return hits;
}

void KnowledgeBaseImpl::CalibrateArticles(std::mt19937_64& rng) {
  std::vector<Calibration::Sample> samples;
  for (int doc = 0; doc < static_cast<int>(chunk_of_doc_.size()) && doc < 2000; ++doc) {
    auto [a, c] = chunk_of_doc_[doc];
    const Chunk& chunk = chunks_[a][c];
    std::string asked = Paraphrase(
        analyzer_->Normalize(chunk.heading + " " +
                             chunk.text.substr(0, std::min<size_t>(chunk.text.size(), 200))),
        {}, rng);
    std::string normalized = Prepare(asked);
    for (int skip : {-1, doc}) {
      auto hits = SearchArticles(normalized, 1, skip);
      if (hits.empty()) continue;
      bool right = hits[0].article == a && hits[0].chunk == c;
      samples.push_back({hits[0].score, hits[0].margin, right, skip < 0});
    }
  }
  article_calibration_ =
      Calibration::Fit(samples, options_.unanswerable_share, article_calibration_);
}

std::vector<Hit> KnowledgeBaseImpl::Search(std::string_view query, std::string_view language,
                                           int k) const {
  std::vector<Hit> hits;
  if (k <= 0) return hits;
  std::string clean = CleanQuery(query);
  std::string lang = language.empty() ? LanguageOf(clean) : std::string(language);
  auto q = AnalyzeQuestion(*analyzer_, Prepare(clean), lang, vocab_);
  if (q.normalized.empty()) return hits;

  auto ranked = RankFaq(q);
  for (size_t i = 0; i < ranked.size() && static_cast<int>(i) < k; ++i) {
    double other =
        i == 0 ? (ranked.size() > 1 ? ranked[1].score : ranked[0].score - 20) : ranked[0].score;
    const FaqEntry& e = faq_[ranked[i].entry];
    Hit h;
    h.kind = HitKind::kFaq;
    h.id = e.id;
    h.score = ranked[i].score;
    h.probability = faq_calibration_(ranked[i].score, std::min(ranked[i].score - other, 20.0));
    size_t variant = ranked[i].variant - entry_questions_[ranked[i].entry].front();
    h.matched = e.questions[variant];
    h.locked = e.locked;
    hits.push_back(std::move(h));
  }
  for (const auto& a : SearchArticles(q.normalized, k)) {
    Hit h;
    h.kind = HitKind::kArticle;
    h.id = articles_[a.article].id;
    h.chunk = static_cast<int>(a.chunk);
    h.matched = chunks_[a.article][a.chunk].heading;
    h.score = a.score;
    h.probability = article_calibration_(a.score, a.margin);
    h.locked = articles_[a.article].locked;
    hits.push_back(std::move(h));
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& a, const Hit& b) { return a.probability > b.probability; });
  if (static_cast<int>(hits.size()) > k) hits.resize(k);
  return hits;
}

}  // namespace

Result<std::shared_ptr<const KnowledgeBase>> KnowledgeBase::Build(
    std::shared_ptr<const text::Analyzer> analyzer, std::vector<FaqEntry> faq,
    std::vector<Article> articles, const BuildOptions& options) {
  if (!analyzer) return Status::InvalidArgument("no text analyzer");
  auto kb = std::make_shared<KnowledgeBaseImpl>(std::move(analyzer), std::move(faq),
                                                std::move(articles), options);
  try {
    Status s = kb->Init();
    if (!s.ok()) return s;
  } catch (const Xapian::Error& e) {
    return Status::Internal("article index: " + e.get_msg());
  }
  return std::shared_ptr<const KnowledgeBase>(std::move(kb));
}

}  // namespace kefu::kb
