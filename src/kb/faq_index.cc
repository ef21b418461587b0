#include "kb/faq_index.h"

#include <algorithm>
#include <cmath>

namespace kefu::kb {

void FaqIndex::Field::Add(uint32_t doc, const QuestionTerms& terms) {
  if (length.size() <= doc) length.resize(doc + 1, {0, 0, 0, 0});
  for (int k = 0; k < kTermKinds; ++k) {
    uint32_t len = 0;
    for (const auto& [id, tf] : terms.terms[k]) {
      if (postings.size() <= id) postings.resize(id + 1);
      postings[id].push_back({doc, tf});
      len += tf;
    }
    length[doc][k] = static_cast<uint16_t>(std::min<uint32_t>(len, UINT16_MAX));
  }
}

void FaqIndex::Field::Finish(size_t vocabulary_size) {
  postings.resize(std::max(postings.size(), vocabulary_size));
  size_t docs = length.size();
  for (int k = 0; k < kTermKinds; ++k) {
    double sum = 0;
    for (const auto& l : length) sum += l[k];
    avg_length[k] = docs > 0 && sum > 0 ? static_cast<float>(sum / docs) : 1.f;
  }
  idf.resize(postings.size());
  df.resize(postings.size());
  for (size_t t = 0; t < postings.size(); ++t) {
    double n = static_cast<double>(postings[t].size());
    df[t] = static_cast<uint32_t>(n);
    idf[t] = static_cast<float>(std::log(1.0 + (docs - n + 0.5) / (n + 0.5)));
  }
}

void FaqIndex::Field::Accumulate(const QuestionTerms& q, const Bm25Weights& w, float scale,
                                 std::vector<float>& scores) const {
  for (int k = 0; k < kTermKinds; ++k) {
    float kind_weight = w.kind[k] * scale;
    if (kind_weight == 0) continue;
    for (const auto& [id, qtf] : q.terms[k]) {
      if (id >= postings.size()) continue;
      float weight = kind_weight * idf[id];
      for (const auto& p : postings[id]) {
        float norm = w.k1 * (1 - w.b + w.b * length[p.doc][k] / avg_length[k]);
        scores[p.doc] += weight * p.tf * (w.k1 + 1) / (p.tf + norm);
      }
    }
  }
}

uint32_t FaqIndex::AddQuestion(uint32_t entry, const QuestionTerms& terms) {
  uint32_t doc = static_cast<uint32_t>(question_entry_.size());
  question_entry_.push_back(entry);
  questions_.Add(doc, terms);
  return doc;
}

void FaqIndex::AddAnswer(uint32_t entry, const QuestionTerms& terms) { answers_.Add(entry, terms); }

void FaqIndex::Finish(size_t vocabulary_size, size_t entries) {
  entries_ = entries;
  if (answers_.length.size() < entries) answers_.length.resize(entries, {0, 0, 0, 0});
  questions_.Finish(vocabulary_size);
  answers_.Finish(vocabulary_size);
}

std::vector<Candidate> FaqIndex::Candidates(const QuestionTerms& query, size_t n,
                                            uint32_t skip_entry, uint32_t skip_question,
                                            std::vector<float>* scores_out) const {
  thread_local std::vector<float> own_scores, answer_scores;
  std::vector<float>& question_scores = scores_out ? *scores_out : own_scores;
  question_scores.assign(question_entry_.size(), 0.f);
  answer_scores.assign(entries_, 0.f);
  questions_.Accumulate(query, weights_, 1.f, question_scores);
  if (weights_.answer > 0) answers_.Accumulate(query, weights_, weights_.answer, answer_scores);

  // Best variant per entry.
  thread_local std::vector<Candidate> best;
  best.assign(entries_, Candidate{0, UINT32_MAX, 0.f});
  for (uint32_t doc = 0; doc < question_scores.size(); ++doc) {
    if (doc == skip_question) continue;
    Candidate& c = best[question_entry_[doc]];
    if (c.variant == UINT32_MAX || question_scores[doc] > c.bm25) {
      c.bm25 = question_scores[doc];
      c.variant = doc;
    }
  }
  std::vector<Candidate> out;
  for (uint32_t e = 0; e < entries_; ++e) {
    if (e == skip_entry || best[e].variant == UINT32_MAX) continue;
    float total = best[e].bm25 + answer_scores[e];
    if (total <= 0) continue;
    out.push_back({e, best[e].variant, total, best[e].bm25, answer_scores[e]});
  }
  size_t keep = std::min(n, out.size());
  std::partial_sort(out.begin(), out.begin() + keep, out.end(),
                    [](const Candidate& a, const Candidate& b) {
                      return a.bm25 != b.bm25 ? a.bm25 > b.bm25 : a.entry < b.entry;
                    });
  out.resize(keep);
  return out;
}

}  // namespace kefu::kb

namespace kefu::kb {

float FaqIndex::QuestionScore(const QuestionTerms& query, const QuestionTerms& doc) const {
  const Bm25Weights& w = weights_;
  float score = 0;
  for (int k = 0; k < kTermKinds; ++k) {
    uint32_t len = 0;
    for (const auto& t : doc.terms[k]) len += t.second;
    float norm = w.k1 * (1 - w.b + w.b * len / questions_.avg_length[k]);
    size_t j = 0;
    const auto& d = doc.terms[k];
    for (const auto& [id, qtf] : query.terms[k]) {
      while (j < d.size() && d[j].first < id) ++j;
      if (j >= d.size() || d[j].first != id || id >= questions_.idf.size()) continue;
      float tf = d[j].second;
      score += w.kind[k] * questions_.idf[id] * tf * (w.k1 + 1) / (tf + norm);
    }
  }
  return score;
}

float FaqIndex::Bound(const QuestionTerms& query) const {
  const Bm25Weights& w = weights_;
  float max_idf = static_cast<float>(std::log(1.0 + (questions() + 0.5) / 0.5));
  float bound = 0;
  for (int k = 0; k < kTermKinds; ++k) {
    float sum = query.unknown[k] * max_idf;
    for (const auto& [id, qtf] : query.terms[k]) {
      sum += id < questions_.idf.size() ? questions_.idf[id] : max_idf;
    }
    bound += w.kind[k] * sum * (w.k1 + 1);
  }
  return bound;
}

}  // namespace kefu::kb
