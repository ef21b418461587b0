// The Responder answers a customer message: the bot (app/bot_responder.h)
// or, for load tests and as the simplest stand-in, an echo.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/executor.h"
#include "core/json.h"
#include "core/status.h"
#include "store/store.h"

namespace kefu::conversation {

struct Reply {
  std::string text;
  std::string payload_json = "{}";  // e.g. NLU annotations, the dialogue state
  // Stored with the reply, in its transaction: the conversation's new status
  // (e.g. "queued" when the bot hands over to a person) and events.
  std::optional<std::string> set_status;
  // A handoff's queue, reason, priority and follow-up mark (the conversation's columns).
  std::optional<std::string> set_queue;
  std::optional<std::string> set_handoff_reason;
  std::optional<int> set_priority;
  std::optional<bool> set_follow_up;
  std::vector<store::NewEvent> events;
};

struct Turn {
  store::Conversation conversation;
  store::Message message;  // the customer's message being answered
};

using RespondCallback = std::function<void(std::vector<Reply>)>;

// Thread-safe. Respond must not block: slow work (LLM, HTTP actions) is
// asynchronous and calls `done` exactly once, on any thread, possibly with no
// replies (nothing to say).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Respond(const Turn& turn, RespondCallback done) = 0;

  // The first message of a new conversation (the bot's greeting), if any.
  virtual std::optional<Reply> Greeting(const store::Conversation& /*conversation*/) {
    return std::nullopt;
  }

  // What answers, for GET /api/v1/bot: {"kind": ..., ...}.
  virtual Json Describe() const { return Json{{"kind", "none"}}; }

  // Loads the responder's configuration again (the bot: its package) and
  // swaps it in; on any error the previous one keeps serving. Blocking
  // (seconds: the bot trains): call it off the I/O threads. Returns what
  // Describe() says after it. Errors: kNotFound (nothing to reload),
  // kInvalidArgument with the package's `file:line: …` lines.
  virtual Result<Json> Reload() { return Status::NotFound("this server runs no bot to reload"); }

  // Agent assist for a customer's `message` in `conversation`, which people
  // handle: {"intent", "emotion", "entities", "language", "suggestions":
  // [{"kind","id","title","text","confidence","locked"}]} (docs/protocol.md,
  // "suggest"), or null when this responder has nothing to suggest.
  // Synchronous and CPU-bound (a bot turn's understanding, no HTTP).
  virtual Json Suggest(const store::Conversation& /*conversation*/,
                       const store::Message& /*message*/) const {
    return nullptr;
  }

  // ---- the knowledge base, per tenant (docs/protocol.md, "Knowledge") ----
  // A tenant's FAQ entries as its customers are answered with them:
  // [{"id","tags","locked","questions":{lang:[…]},"answer":{lang:text},
  //   "edited","updated_at","updated_by"}].
  virtual Result<Json> ListFaq(int64_t /*tenant_id*/) const { return NoKnowledge(); }
  // Replaces answers of the tenant's FAQ entries ({id: {lang: text}}), all or
  // none, durably, and answers the tenant's customers with them at once
  // (no training). Returns the edited entries as ListFaq shows them.
  // Blocking (a store write): call it off the I/O threads. Errors:
  // kNotFound (an unknown entry), kInvalidArgument (an unknown language,
  // an empty text), the store's.
  virtual Result<Json> EditFaqAnswers(int64_t /*tenant_id*/, const Json& /*answers*/,
                                      const std::string& /*by*/) {
    return NoKnowledge();
  }
  // Searches the tenant's knowledge base: [{"kind","id","title","text",
  // "probability","locked"}], best first, at most `k`.
  virtual Result<Json> SearchKnowledge(int64_t /*tenant_id*/, std::string_view /*query*/,
                                       std::string_view /*language*/, int /*k*/) const {
    return NoKnowledge();
  }

 protected:
  static Status NoKnowledge() { return Status::NotFound("this server runs no bot (no knowledge base)"); }
};

// Answers "echo: <text>" after `delay_ms` (0: at once). `executor` is used
// only for the delay and must outlive the responder.
std::unique_ptr<Responder> MakeEchoResponder(Executor* executor, int64_t delay_ms);

}  // namespace kefu::conversation
