// The bot: one customer turn in, the bot's replies and the conversation's
// next dialogue state out. Built from a bot package; runs the policy of
// DESIGN.md ("The bot") over Understanding (understanding.h):
//
//   0. strong anger, an intent marked human-only, the customer asking for
//      a person, or a VIP contact's first message (handoff.vip_tiers): hand
//      off (say so, emit the handoff with its routing rule's queue and
//      priority);
//   1. a flow waiting for a slot takes the message: the slot is filled, or a
//      cancel stops the flow, or a digression (an FAQ question, another
//      task, small talk) is answered and the flow asks again, or the answer
//      is asked for again (after max_attempts: the step's on_fail);
//   2. a confident intent starts its flow or answers with its response;
//   3. a confident FAQ entry answers (a locked one word for word);
//   5. two close candidates: "did you mean A or B?" (a reply "the first" /
//      "第二个" picks one);
//   6. the fallback, and after handoff.fallback_streak of them, a handoff.
// Replies come in the customer's language and script (a 繁體 customer gets
// 繁體), in the persona's tone, with an empathetic opening when the customer
// is upset (tones warm and formal).
//
// Flows run their steps until they wait for an answer or end; a `call` step
// sends its HTTP request through the HttpClient and the turn continues when
// the answer (or the timeout) comes.
//
// The dialogue state is a plain value the caller keeps per conversation
// (as JSON with the bot's last reply of a turn, so it survives a restart).
//
// Thread-safety: Build is CPU-heavy (it trains). After it, Respond and
// Greeting are const and may run from any number of threads at once, for
// different conversations; one conversation's turns must be given one at a
// time (the next after the previous `done`).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/http_client.h"
#include "core/json.h"
#include "core/status.h"
#include "dialog/package.h"
#include "dialog/responses.h"
#include "dialog/understanding.h"
#include "llm/rag.h"
#include "text/text.h"

namespace kefu::dialog {

// One conversation's dialogue state.
struct DialogState {
  std::string language;  // the reply language; empty: not known yet (the package default)
  text::Variant variant = text::Variant::kSimplified;  // Chinese replies' script
  Json slots = Json::object();                         // slot → value, kept across flows

  struct Frame {
    std::string flow;
    int step = 0;      // the step it is at (an ask: waiting for its answer)
    int attempts = 0;  // misses at that ask step
  };
  std::vector<Frame> stack;  // flows in progress, the one being served last
  int fallback_streak = 0;
  std::vector<Candidate> clarify;  // the options of the last clarifying question
  bool handed_off = false;         // a handoff was emitted in this conversation
  int64_t turns = 0;               // customer turns answered

  Json ToJson() const;
  // The inverse of ToJson; anything malformed reads as a fresh state.
  static DialogState FromJson(const Json& j);
};

// One customer message.
struct BotMessage {
  std::string text;
  std::vector<std::string> attachments;  // upload ids
  int64_t now_millis = 0;                // relative dates resolve against it
  std::string contact_tier;              // the contact's attribute `tier` ("vip"), may be empty
  int64_t tenant_id = 0;                 // for the language model's accounting
  // A generated answer's text as it is written (a draft: the reply in
  // TurnResult is what counts, and may differ when the draft is refused).
  std::function<void(std::string_view)> on_draft;
};

struct TurnResult {
  std::vector<std::string> replies;  // in order; may be empty
  DialogState state;                 // the conversation's next state
  // Texts the customer may send with one tap, offered with the last reply
  // (the clarifying question's options, in the customer's script); each is
  // the option's own wording, which the bot understands as that option.
  std::vector<std::string> quick_replies;
  // What the bot understood and did, stored with every reply:
  // {"language","script","intent","confidence","policy","flow","step",
  //  "entities":[{"name","value","text"}],"emotion":{"label","intensity"},
  //  "out_of_scope","reason","candidates":[{"name","score"}]}
  Json annotations = Json::object();
  // Non-empty: the bot hands the conversation to a person, for this reason
  // ("customer_asked", "anger", "fallback_streak", "human_only:<intent>",
  // "ask_failed:<flow>", "action_failed:<action>", "vip", or a flow's own
  // reason).
  std::string handoff_reason;
  // Where the handoff waits, from the routing rules: the flow handoff
  // step's queue/priority, else the rule of the intent being served (the
  // recognised one, or the trigger of the flow in progress); empty queue:
  // the default one.
  std::string handoff_queue;
  int handoff_priority = 0;
  bool vip = false;  // the contact's tier is one of handoff.vip_tiers
};

using TurnCallback = std::function<void(TurnResult)>;

struct BotOptions {
  UnderstandingOptions understanding;
  // For flows' call steps; not owned, must outlive the bot. Null: every
  // call fails at once (its on_error branch).
  HttpClient* http = nullptr;
  // Replaces integrations.yaml's base_url (a deployment's address of the
  // business's systems; tests point it at their own server).
  std::string base_url;
  // Values of {{secret.NAME}} in integrations.yaml (never in the package).
  std::map<std::string, std::string> secrets;
  // Replaces persona.tone: "warm", "formal", "brief" (empty: the package's).
  std::string tone;
  // How a 繁體 customer's replies are written (kTraditional, kHongKong, kTaiwan).
  text::Variant traditional = text::Variant::kTraditional;
  // The intent names the policy gives a meaning to.
  std::string cancel_intent = "cancel";
  std::string affirm_intent = "affirm";
  std::string deny_intent = "deny";
  std::string human_intent = "human_agent";
  // Emotion intensity from which replies open with an empathetic sentence.
  double empathy_threshold = 0.5;
  // Questions nothing else answers go to a language model with the
  // knowledge base's best passages (llm/rag.h); not owned, must outlive the
  // bot. Null: the fallback, as without one.
  const llm::RagAnswerer* rag = nullptr;
  int64_t rag_budget_ms = 4000;        // the model's deadline per answer
  int rag_passages = 4;                // passages in the prompt, at most
  double rag_min_probability = 0.02;   // a passage below this is not offered
  // When the model fails, is too slow or is refused: the best passage is
  // sent instead when it is at least this likely to answer, else the fallback.
  double extractive_min_probability = 0.25;
};

// Agent assist: what the bot makes of a customer's message in a chat people
// handle, and the knowledge base's best answers to it, written for that
// customer (their language and script), ready to send.
struct Suggestion {
  std::string kind;       // "faq" or "article"
  std::string id;         // the FAQ entry's or the article's id
  std::string title;      // the FAQ entry's question, or the passage's heading
  std::string text;       // the answer
  double confidence = 0;  // FAQ: the combined score the bot answers by; article: calibrated
  bool locked = false;    // compliance-locked: to be sent word for word
};
struct Assist {
  std::string language;                  // the reply language
  text::Variant variant = text::Variant::kSimplified;
  std::string intent;                    // the best intent candidate; empty: none
  double intent_confidence = 0;
  bool out_of_scope = false;
  nlu::EmotionResult emotion;
  std::vector<nlu::Entity> entities;
  std::vector<Suggestion> suggestions;   // best first
};

class Bot {
 public:
  // Agent assist for `text`, a customer's message in a conversation whose
  // replies were in `locale` (its language empty: the package default);
  // at most `k` suggestions, none below `min_confidence`. Const; any thread.
  Assist Suggest(std::string_view text, const text::ReplyLocale& locale, int k,
                 int64_t now_millis, double min_confidence = 0.05) const;

  // The built-in (or the package's) "handoff_offline" response, in the
  // state's language and script: said after a handoff when no agent is
  // online to take it (the conversation waits for one).
  std::string HandoffOffline(const DialogState& state) const;
  // "handoff_closed": said after a handoff outside its queue's business
  // hours (leave a message; the team follows up when it is back).
  std::string HandoffClosed(const DialogState& state) const;

  // Errors: those of Understanding::Build and Responses::Build;
  // kInvalidArgument for a package whose flows call actions without an
  // address (no base_url) or for options out of range.
  static Result<std::unique_ptr<Bot>> Build(const BotPackage& package, BotOptions options = {});

  // The first message of a conversation, in `language` (empty: the default).
  std::string Greeting(std::string_view language, text::Variant variant) const;

  // Answers one customer message of a conversation in `state`. `done` is
  // called exactly once: before Respond returns when no HTTP call is
  // needed, else on the HttpClient's thread. Never fails: any input gives
  // replies (at worst the fallback).
  void Respond(DialogState state, BotMessage message, TurnCallback done) const;

  // This bot with the answers of some FAQ entries replaced (entry id →
  // language → text; ids the package lacks are ignored), sharing its trained
  // understanding: cheap (no training), so an edited answer is used at once.
  std::unique_ptr<Bot> WithFaqAnswers(const std::map<std::string, LocalizedText>& answers) const;

  // This bot with a language model behind its fallback (BotOptions::rag;
  // `budget_ms` > 0 replaces rag_budget_ms), sharing its understanding.
  // The model's judge needs the bot's analyzer, known only once it is built.
  std::unique_ptr<Bot> WithRag(const llm::RagAnswerer* rag, int64_t budget_ms = 0) const;

  const BotPackage& package() const { return package_; }
  const Understanding& understanding() const { return *understanding_; }
  const Responses& responses() const { return responses_; }
  const BotOptions& options() const { return options_; }

 private:
  friend class TurnRun;
  Bot() = default;
  // This bot again, sharing its trained understanding.
  std::unique_ptr<Bot> Copy() const;
  std::string HandoffNotice(const DialogState& state, std::string_view name) const;

  BotPackage package_;
  BotOptions options_;
  std::shared_ptr<const Understanding> understanding_;  // shared by WithFaqAnswers copies
  Responses responses_;
};

}  // namespace kefu::dialog
