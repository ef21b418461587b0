// The bot behind the server's Responder interface (`kefu serve --bot DIR`):
// each customer message becomes a dialog::Bot turn, whose replies are stored
// with what the bot understood and did, and whose dialogue state travels
// with the turn's last reply, so a restart (or another node) resumes the
// conversation where it was.
//
//   payload of every bot reply: {"nlu": <annotations, dialog/bot.h>}
//   the turn's last reply also:  {"dialog": <DialogState JSON>}
//   a handoff: the last reply sets the conversation's status to "queued",
//   its queue (the routing rule's, else "general"), handoff reason,
//   priority (handoff::HandoffPriority: the rule's, VIP, distress) and
//   follow-up mark (outside business hours or nobody online), and carries a
//   conversation.handoff_requested event ({reason, queue, priority,
//   follow_up, intent, emotion, language, slots}) in its transaction.
//   VIP: a package with handoff.vip_tiers reads the contact's `tier`
//   attribute for each turn.
//
// One conversation's turns run one at a time, in order (a message that
// arrives while an HTTP action of the previous turn is under way waits for
// it). States are cached in memory and read back from the store on a miss.
//
// Thread-safety: thread-safe. Reload may run while turns are answered:
// turns already started finish on the bot they started with.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "app/bot_runtime.h"
#include "conversation/responder.h"
#include "core/executor.h"
#include "store/store.h"

namespace kefu::app {

inline constexpr const char* kHandoffRequested = "conversation.handoff_requested";

class BotResponder final : public conversation::Responder {
 public:
  // `store` (states after a restart) and `executor` must outlive the
  // responder; the runtime's I/O executor must keep running while it lives.
  // `agents_online` (may be empty: always yes) tells whether a handoff
  // will be taken soon; when not, the turn's replies end with the
  // "handoff_offline" notice (nobody online, leave a message).
  // `queue_open` (may be empty: always) tells whether a queue is within its
  // business hours; when not, the replies end with "handoff_closed". Either
  // notice marks the conversation for a follow-up.
  BotResponder(std::unique_ptr<BotRuntime> runtime, store::Store* store, Executor* executor,
               std::function<bool(int64_t tenant_id)> agents_online = {},
               std::function<bool(int64_t tenant_id, const std::string& queue)> queue_open = {});
  ~BotResponder() override;

  void Respond(const conversation::Turn& turn, conversation::RespondCallback done) override;
  std::optional<conversation::Reply> Greeting(const store::Conversation& conversation) override;
  // {"kind":"bot","name","version","languages","intents","faq","flows",
  //  "loaded_at","reloads","dir"}
  Json Describe() const override;
  Result<Json> Reload() override;
  // The knowledge base's best answers to the message (at most 3), in the
  // conversation's language and script, with what the bot understood.
  Json Suggest(const store::Conversation& conversation,
               const store::Message& message) const override;
  // FAQ answers a tenant edited are kept in the store (setting
  // "bot.faq_answers.<tenant id>") and laid over the package for that
  // tenant's conversations only, also after a reload or restart.
  Result<Json> ListFaq(int64_t tenant_id) const override;
  Result<Json> EditFaqAnswers(int64_t tenant_id, const Json& answers,
                              const std::string& by) override;
  Result<Json> SearchKnowledge(int64_t tenant_id, std::string_view query,
                               std::string_view language, int k) const override;

  // Conversations whose state is cached now (for tests).
  size_t CachedStates() const;

 private:
  // The contact's attribute `tier` ("" when none or unreadable).
  std::string ContactTier(const conversation::Turn& turn) const;

 private:
  struct Pending {
    conversation::Turn turn;
    conversation::RespondCallback done;
  };
  struct Slot {
    std::optional<dialog::DialogState> state;
    bool busy = false;
    std::deque<Pending> waiting;
  };

  // A tenant's FAQ edits: {id: {"answer": {lang: text}, "updated_at", "updated_by"}}.
  struct TenantBot {
    Json edits = Json::object();
    std::shared_ptr<const dialog::Bot> bot;  // the base bot with the edits; null: none
  };
  std::shared_ptr<const dialog::Bot> CurrentBot(int64_t tenant_id) const;
  // The tenant's entry, its edits read from the store the first time.
  // REQUIRES: bot_mu_ not held.
  const TenantBot& Tenant(int64_t tenant_id, std::unique_lock<std::mutex>& lock) const;
  static std::shared_ptr<const dialog::Bot> Overlay(const dialog::Bot& base, const Json& edits);
  Json FaqJson(const dialog::FaqDefinition& f, const Json& edits) const;
  void Run(Pending p);
  void Finish(int64_t conversation_id, dialog::DialogState state);
  // The state stored with the newest bot reply before `turn`'s message.
  dialog::DialogState LoadState(const conversation::Turn& turn) const;

  std::unique_ptr<BotRuntime> runtime_;
  store::Store* store_;
  Executor* executor_;
  std::function<bool(int64_t)> agents_online_;
  std::function<bool(int64_t, const std::string&)> queue_open_;

  mutable std::mutex bot_mu_;
  std::shared_ptr<const dialog::Bot> bot_;  // guarded by bot_mu_
  int64_t loaded_at_ = 0;                   // guarded by bot_mu_
  int reloads_ = 0;                         // guarded by bot_mu_
  std::mutex reload_mu_;                    // one reload at a time
  mutable std::unordered_map<int64_t, TenantBot> tenants_;  // guarded by bot_mu_
  std::mutex edit_mu_;                                      // one FAQ edit at a time

  mutable std::mutex mu_;
  std::unordered_map<int64_t, Slot> slots_;  // guarded by mu_
};

// For ServerOptions::make_responder: starts the runtime (trains the bot,
// starts the demo order service when asked) on the server's I/O executor.
Result<std::unique_ptr<conversation::Responder>> MakeBotResponder(
    const BotRuntimeOptions& options, boost::asio::any_io_executor io, store::Store* store,
    Executor* executor, std::function<bool(int64_t tenant_id)> agents_online = {},
    std::function<bool(int64_t tenant_id, const std::string& queue)> queue_open = {});

}  // namespace kefu::app
