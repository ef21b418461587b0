// Knowledge base: what the bot can answer from — FAQ entries (question
// variants, an answer per locale) and Markdown articles chunked by heading —
// and the search that finds the answer to a customer's question.
//
// Ranking. FAQ questions are found by an in-memory BM25 index of our own
// over words (text::Analyzer's tokens: Snowball stems for English, ICU words
// for Chinese) and, for Han text, character 1- and 2-grams; the best
// candidates are reranked by a logistic "same question" model over pair
// features (coverage of the query's words, character n-gram overlap, length
// ratio, negation and number mismatches, and — when labelled question pairs
// are given — learned weights of the words the two questions share or do not
// share). Articles are indexed by Xapian (in memory, BM25, stemmed English,
// CJK n-grams) one chunk per heading.
//
// Calibration. Every hit carries `probability`: the chance that this hit is
// the right answer, comparable across queries, so one threshold
// (kDefaultAnswerThreshold) decides between answering and abstaining. It is
// a logistic regression from (reranker score of the hit, its margin over the
// best other candidate) to "right", fitted when the index is built on
// questions whose answer is known, each asked twice — once with its entry in
// the index and once with the entry left out (the top hit is then wrong):
//   - FAQs with variants (20 entries or more with two questions or more):
//     one variant is asked, its entry answers through the others;
//   - otherwise: stand-ins for a paraphrase of a question (about a third of
//     its words or Han characters dropped, half as many of another question
//     mixed in);
//   - with labelled pairs: held-out positive pairs, as "the FAQ plus the
//     pair's other question" (a pair one of whose questions is the FAQ's
//     own: the other is asked of the FAQ, its partner's entry answers it).
// Pairs of two of the FAQ's own questions are neither trained on nor
// calibrated with: they say only what the FAQ's entries say already. A
// held-out pair with one question in the FAQ also checks the training: the
// trained reranker is used only if it finds that entry first clearly more
// often than BM25 alone. The fit is monotone (a higher score or a wider
// lead never lowers the probability), so sorting hits by probability keeps
// the reranker's order.
// The two kinds are weighted so that unanswerable questions make up
// BuildOptions::unanswerable_share (0.3) of the mix. The stand-ins are
// harder to get wrong than real paraphrases, so the probabilities lean low:
// an answer given at 0.5 is right more often than half the time.
// Articles are calibrated the same way from their chunks' headings and
// first sentences.
//
// Thread-safety: a KnowledgeBase is immutable once built; Search may be
// called from any number of threads at once. Rebuilding means building a new
// KnowledgeBase (on a job pool, never on an I/O thread) and swapping it into
// a LiveKnowledgeBase; searches in flight keep the old one alive.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "text/text.h"

namespace kefu::kb {

// A question the business answers. `questions` are the ways customers ask it
// (the first is the canonical one); any language, any script.
struct FaqEntry {
  std::string id;                              // unique in the knowledge base
  std::vector<std::string> questions;          // at least one
  std::map<std::string, std::string> answers;  // locale ("zh-CN", "en") → answer
  std::vector<std::string> tags;
  bool locked = false;  // compliance-locked: the answer is sent word for word
};

// A Markdown document; it is searched by chunks, one per heading.
struct Article {
  std::string id;  // unique among articles
  std::string locale;
  std::string markdown;
  std::vector<std::string> tags;
  bool locked = false;
};

// One section of an article: the text under a heading, up to the next
// heading of any level. Text before the first heading is a chunk with an
// empty heading.
struct Chunk {
  std::string heading;  // "Returns > Refund time" (the path of headings)
  std::string text;     // the section's Markdown, heading line excluded
};

// Splits Markdown into chunks at ATX headings ("#" to "######"); headings
// inside fenced code blocks do not split. Chunks with no text and no heading
// are dropped.
std::vector<Chunk> ChunkMarkdown(std::string_view markdown);

// Two questions and whether they ask the same thing (paraphrase data).
struct QuestionPair {
  std::string a;
  std::string b;
  bool same = false;
};

struct BuildOptions {
  // Labelled pairs the reranker learns "same question" from (optional). They
  // are the tenant's own (or a public set the operator chooses to use at run
  // time); nothing learned from them is stored.
  std::vector<QuestionPair> pairs;
  // The tenant's synonyms: each group's phrases ("快递", "物流"; "parcel",
  // "package") are read as its first one, in questions, answers, articles
  // and queries alike.
  std::vector<std::vector<std::string>> synonyms;
  // Language of texts too short to tell (the tenant's default).
  std::string default_language = "zh";
  // The share of questions reaching the knowledge base that it cannot
  // answer, assumed by the calibration: the probability of a hit is "right
  // given this mix". Raise it for a bot whose traffic is mostly off-topic.
  double unanswerable_share = 0.3;
  // FAQ candidates reranked per query.
  int rerank_depth = 30;
  // Seed of the training and calibration sampling (results are reproducible).
  uint64_t seed = 1;
};

enum class HitKind { kFaq, kArticle };

struct Hit {
  HitKind kind = HitKind::kFaq;
  std::string id;          // FaqEntry::id or Article::id
  int chunk = -1;          // index into the article's chunks; -1 for a FAQ
  std::string matched;     // the question variant or the chunk's heading
  double probability = 0;  // calibrated: P(this hit answers the query)
  double score = 0;        // the raw ranking score (for diagnostics)
  bool locked = false;
};

// The default answer threshold: answer with the top hit when its probability
// is at least this, otherwise abstain (ask, fall back or hand off). 0.5 means
// "more likely right than wrong"; a tenant that would rather abstain than be
// wrong raises it.
inline constexpr double kDefaultAnswerThreshold = 0.5;

// How the index was built (for logs and the eval tool).
struct BuildReport {
  int faq_entries = 0;
  int faq_questions = 0;
  int articles = 0;
  int chunks = 0;
  int pairs_used = 0;        // pairs the reranker was trained on (0: not used)
  double pair_accuracy = 0;  // its accuracy on the pairs held out from training
  int calibration_samples = 0;
  double build_s = 0;
};

class KnowledgeBase {
 public:
  virtual ~KnowledgeBase() = default;

  // Builds the indexes, trains the reranker (from options.pairs, if any) and
  // fits the calibration. CPU-heavy: call it off the I/O threads.
  // Errors: kInvalidArgument for an entry without id or questions, or a
  // duplicate id (the message names it).
  static Result<std::shared_ptr<const KnowledgeBase>> Build(
      std::shared_ptr<const text::Analyzer> analyzer, std::vector<FaqEntry> faq,
      std::vector<Article> articles, const BuildOptions& options = {});

  // The k best hits for `query` (FAQ entries and article chunks together),
  // best first, by probability. `language` is the query's language ("zh",
  // "en"; empty: detected). Any bytes are accepted: empty, whitespace-only or
  // symbol-only queries give no hits; invalid UTF-8 is replaced; queries are
  // cut at 1,000 characters.
  virtual std::vector<Hit> Search(std::string_view query, std::string_view language,
                                  int k) const = 0;

  // The entry or article a hit names, or nullptr.
  virtual const FaqEntry* FindFaq(std::string_view id) const = 0;
  virtual const Article* FindArticle(std::string_view id) const = 0;
  // The chunks of an article (empty for an unknown id).
  virtual const std::vector<Chunk>& ChunksOf(std::string_view article_id) const = 0;

  virtual const BuildReport& report() const = 0;
};

// The knowledge base a tenant's bot answers from now. Get and Swap may be
// called from any thread; a search holding the old one keeps it alive.
class LiveKnowledgeBase {
 public:
  std::shared_ptr<const KnowledgeBase> Get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Swap(std::shared_ptr<const KnowledgeBase> next) {
    std::lock_guard lock(mu_);
    current_.swap(next);
  }  // the old one is released outside the lock, when `next` goes

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const KnowledgeBase> current_;
};

}  // namespace kefu::kb
