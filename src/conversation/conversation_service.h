// ConversationService: the one way messages enter a conversation. A channel
// adapter (widget, REST, WeChat…) calls Receive; the service persists the
// message (idempotent on client_id), acknowledges it once durable, publishes
// it on the bus and asks the responder for replies, which it stores and
// publishes the same way. Stored-but-unanswered messages are answered after
// a restart (Recover).
//
// Thread-safety: thread-safe. Work after a commit (publishing, answering,
// the caller's callback) runs on the executor, in each conversation's order
// (Executor::PostOrdered), never on the store's writer thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "conversation/responder.h"
#include "core/clock.h"
#include "core/executor.h"
#include "core/metrics.h"
#include "store/store.h"

namespace kefu::conversation {

struct Inbound {
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  // Who wrote it: the contact (contact_id is theirs) or an agent (contact_id
  // is the agent's user id; never answered by the bot).
  store::Sender sender = store::Sender::kContact;
  int64_t contact_id = 0;
  std::string client_id;  // idempotency key; may be empty
  std::string text;
  std::string attachments_json = "[]";
  uint64_t origin = 0;    // the widget session, for its ack; 0 for none
  bool bot_mode = true;   // the bot answers (the conversation's status is "bot")
  // The conversation's status from this message on, in its transaction (a
  // customer writing in a resolved conversation reopens it with the bot).
  std::optional<std::string> set_status;
};

struct Deps {
  store::Store* store = nullptr;
  bus::Bus* bus = nullptr;
  Responder* responder = nullptr;  // null: nobody answers (humans only)
  Executor* executor = nullptr;
  Clock* clock = nullptr;
  metrics::Registry* metrics = nullptr;
  // The tenant's human-takeover switch (empty: never on): while on, a
  // customer message in a bot conversation goes to the line, unanswered by
  // the bot (reason "takeover", queue kTakeoverQueue).
  std::function<bool(int64_t tenant_id)> takeover;
};

inline constexpr const char* kTakeoverQueue = "general";

struct OpenedConversation {
  store::Conversation conversation;
  bool created = false;  // by this call (its messages are all new to the caller)
};

class ConversationService {
 public:
  explicit ConversationService(Deps deps) : d_(deps) {}

  // Persist → done(result) → publish → respond. On success with
  // duplicate=false the message was new and has been published with
  // `origin`; duplicate=true means it was stored before (nothing new
  // published). Errors: Busy (shed load), IoError, NotFound.
  void Receive(Inbound in, store::Callback<store::AppendResult> done);

  // The contact's open (not resolved) conversation on `channel`, or a new
  // one in `language`, whose first message is then the responder's greeting
  // (when it has one). `done` may run on the caller's thread (found) or the
  // store's writer (created). Errors: NotFound (contact), Busy, IoError.
  void OpenConversation(int64_t tenant_id, int64_t contact_id, const std::string& channel,
                        const std::string& language, store::Callback<OpenedConversation> done);

  // Answers every stored customer message that has no reply yet (after a
  // crash between storing and answering). Returns how many were resumed.
  Result<int> Recover();

  // Replies being produced or stored right now (for graceful shutdown).
  int64_t RepliesInFlight() const { return replies_in_flight_.load(); }

 private:
  void Answer(const store::NewMessage& m, const store::AppendResult& r);
  void Answer(store::Conversation conversation, store::Message message);
  void StoreReplies(const store::Message& question, std::vector<Reply> replies);
  void StoreReply(std::shared_ptr<std::vector<store::NewMessage>> chain, size_t i, int attempt);
  void Publish(const store::NewMessage& m, const store::AppendResult& r, uint64_t origin);
  // conversation.status_changed, when the message set the status.
  void PublishStatus(const store::NewMessage& m);

  // The front turn's last reply is queued (or the turn given up): the next
  // turn's replies may be stored.
  void NextTurn(int64_t conversation_id);

  Deps d_;
  std::atomic<int64_t> replies_in_flight_{0};
  // Per conversation, the turns whose replies wait to be queued, in order
  // (the front one is being queued).
  std::mutex chains_mu_;
  std::unordered_map<int64_t, std::deque<std::shared_ptr<std::vector<store::NewMessage>>>>
      chains_;  // guarded by chains_mu_
};

}  // namespace kefu::conversation
