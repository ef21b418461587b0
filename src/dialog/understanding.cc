// Understanding: NLU and knowledge base of a bot package, and steps 2, 3, 5
// and 6 of the policy.
#include "dialog/understanding.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

namespace kefu::dialog {
namespace {

constexpr int kRanked = 12;  // classifier labels looked at per message
constexpr int kHits = 5;     // knowledge-base hits per message
constexpr size_t kCandidates = 10;

constexpr std::string_view kFaqPrefix = "faq:";

std::string Format(const char* fmt, double a, double b) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), fmt, a, b);
  return buf;
}

bool InUnit(double v) { return v >= 0 && v <= 1; }

}  // namespace

std::string FaqLabel(std::string_view id) { return std::string(kFaqPrefix) + std::string(id); }

std::string DecisionLabel(const Decision& d) {
  switch (d.policy) {
    case Policy::kIntent:
      return d.target;
    case Policy::kFaq:
      return FaqLabel(d.target);
    case Policy::kArticle:
      return "article:" + d.target;
    case Policy::kClarify:
      return "clarify";
    case Policy::kFallback:
      return std::string(kOutOfScopeIntent);
  }
  return "";
}

std::string_view PolicyName(Policy p) {
  switch (p) {
    case Policy::kIntent:
      return "intent";
    case Policy::kFaq:
      return "faq";
    case Policy::kArticle:
      return "article";
    case Policy::kClarify:
      return "clarify";
    case Policy::kFallback:
      return "fallback";
  }
  return "fallback";
}

Result<std::unique_ptr<Understanding>> Understanding::Build(const BotPackage& package,
                                                            const UnderstandingOptions& options) {
  if (!InUnit(options.intent_threshold) || !InUnit(options.faq_threshold) ||
      !InUnit(options.faq_classifier_weight) || !InUnit(options.article_threshold) ||
      !InUnit(options.clarify_floor) || !InUnit(options.clarify_margin)) {
    return Status::InvalidArgument("understanding options: thresholds and weights are in [0, 1]");
  }
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Understanding> u(new Understanding());
  u->options_ = options;
  u->default_language_ = package.default_language;
  u->time_zone_ = package.time_zone;
  u->analyzer_ = options.analyzer;
  if (!u->analyzer_) {
    auto analyzer = text::Analyzer::Create();
    if (!analyzer.ok()) return analyzer.status();
    u->analyzer_ = std::move(analyzer).value();
  }

  std::vector<nlu::IntentExample> examples;
  for (const auto& intent : package.intents) {
    for (const auto& [lang, texts] : intent.examples) {
      for (const auto& t : texts) examples.push_back({t, intent.name});
    }
  }
  if (options.faq_as_intents) {
    for (const auto& f : package.faq) {
      for (const auto& [lang, qs] : f.questions) {
        for (const auto& q : qs) examples.push_back({q, FaqLabel(f.id)});
      }
    }
  }
  nlu::IntentOptions intent_options;
  intent_options.oos_label = package.has_out_of_scope() ? std::string(kOutOfScopeIntent) : "";
  intent_options.seed = options.seed;
  intent_options.analyzer = u->analyzer_;
  auto classifier = nlu::IntentClassifier::Train(examples, intent_options);
  if (!classifier.ok()) return classifier.status();
  u->classifier_ = std::move(classifier).value();

  kb::BuildOptions kb_options;
  kb_options.default_language = package.default_language;
  kb_options.seed = options.seed;
  auto knowledge =
      kb::KnowledgeBase::Build(u->analyzer_, package.FaqEntries(), package.Articles(), kb_options);
  if (!knowledge.ok()) return knowledge.status();
  u->kb_ = std::move(knowledge).value();

  auto extractor = nlu::EntityExtractor::Create(package.EntityConfig());
  if (!extractor.ok()) return extractor.status();
  u->entities_ = std::move(extractor).value();

  nlu::EmotionOptions emotion_options;
  emotion_options.analyzer = u->analyzer_.get();  // owned by u, destroyed after emotion_
  auto emotion = nlu::EmotionDetector::Create(emotion_options);
  if (!emotion.ok()) return emotion.status();
  u->emotion_ = std::move(emotion).value();

  u->train_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return u;
}

Understood Understanding::Understand(std::string_view text, std::string_view fallback_language,
                                     int64_t now_millis) const {
  Understood out;
  std::string fallback(fallback_language.empty() ? std::string_view(default_language_)
                                                 : fallback_language);
  out.analysis = analyzer_->Analyze(text, fallback);
  nlu::IntentPrediction prediction = classifier_->Classify(text, kRanked);
  out.ranked = prediction.ranked;
  out.kb_hits = kb_->Search(text, out.analysis.language, kHits);
  out.entities = entities_->Extract(text, {now_millis, time_zone_});
  out.emotion = emotion_->Detect(text);

  Rescore(&out, options_.faq_classifier_weight);
  return out;
}

void Understanding::Rescore(Understood* out, double faq_classifier_weight) const {
  out->candidates.clear();
  out->out_of_scope_score = 0;
  // Candidates: intents by their probability; FAQ entries by the classifier's
  // faq:<id> probability joined with the knowledge base's.
  const double w = options_.faq_as_intents ? faq_classifier_weight : 0.0;
  std::map<std::string, double> faq_classifier, faq_kb;
  const std::string& oos = classifier_->oos_label();
  for (const auto& r : out->ranked) {
    if (!oos.empty() && r.label == oos) {
      out->out_of_scope_score = r.confidence;
    } else if (r.label.rfind(kFaqPrefix, 0) == 0) {
      faq_classifier[r.label.substr(kFaqPrefix.size())] = r.confidence;
    } else {
      out->candidates.push_back({Candidate::Kind::kIntent, r.label, r.confidence});
    }
  }
  for (const auto& h : out->kb_hits) {
    if (h.kind != kb::HitKind::kFaq) continue;
    double& p = faq_kb[h.id];
    p = std::max(p, h.probability);
  }
  std::map<std::string, double> faq_score;
  for (const auto& [id, p] : faq_classifier) faq_score[id] += w * p;
  for (const auto& [id, p] : faq_kb) faq_score[id] += (1 - w) * p;
  for (const auto& [id, s] : faq_score) out->candidates.push_back({Candidate::Kind::kFaq, id, s});
  std::stable_sort(out->candidates.begin(), out->candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  if (out->candidates.size() > kCandidates) out->candidates.resize(kCandidates);
  double best = out->candidates.empty() ? 0 : out->candidates.front().score;
  out->out_of_scope = out->candidates.empty() || (!oos.empty() && out->out_of_scope_score > best);
}

Decision Understanding::Decide(const Understood& u, const UnderstandingOptions& options) const {
  Decision d;
  if (u.candidates.empty()) {
    d.reason = "nothing recognised";
    return d;
  }
  const Candidate& top = u.candidates.front();
  if (u.out_of_scope) {
    d.confidence = u.out_of_scope_score;
    d.reason = Format("out of scope %.2f > best candidate %.2f", u.out_of_scope_score, top.score);
    return d;
  }
  // Steps 2 and 3: the top candidate, when confident.
  const bool intent = top.kind == Candidate::Kind::kIntent;
  const double threshold = intent ? options.intent_threshold : options.faq_threshold;
  if (top.score >= threshold) {
    d.policy = intent ? Policy::kIntent : Policy::kFaq;
    d.target = top.name;
    d.confidence = top.score;
    d.reason = Format(intent ? "intent %.2f >= %.2f" : "faq %.2f >= %.2f", top.score, threshold);
    return d;
  }
  for (const auto& h : u.kb_hits) {
    if (!options.answer_from_articles) break;
    if (h.kind == kb::HitKind::kArticle && h.probability >= options.article_threshold) {
      d.policy = Policy::kArticle;
      d.target = h.id;
      d.chunk = h.chunk;
      d.confidence = h.probability;
      d.reason = Format("article %.2f >= %.2f", h.probability, options.article_threshold);
      return d;
    }
  }
  // Step 5: two close candidates.
  if (u.candidates.size() >= 2) {
    const Candidate& second = u.candidates[1];
    if (second.score >= options.clarify_floor &&
        top.score - second.score <= options.clarify_margin) {
      d.policy = Policy::kClarify;
      d.options = {top, second};
      d.confidence = top.score;
      d.reason = Format("two close candidates %.2f and %.2f", top.score, second.score);
      return d;
    }
  }
  // Step 6.
  d.confidence = top.score;
  d.reason = Format(
      "best candidate %.2f below its threshold (%.2f)", top.score,
      top.kind == Candidate::Kind::kIntent ? options.intent_threshold : options.faq_threshold);
  return d;
}

}  // namespace kefu::dialog
