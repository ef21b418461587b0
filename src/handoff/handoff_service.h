// HandoffService: the conversations the bot handed over, and the agents who
// take them. It learns of handed-over conversations from the bus
// (conversation.status_changed → "queued"; at start-up from the store), of
// agents from their console sessions (presence, capacity), runs the Router
// and applies each decision with a compare-and-set store write (a stale
// decision changes nothing), then tells the bus (the customer's widget
// shows the new status) and the agent's sessions. An agent whose last
// session ends keeps their chats for a grace period (a reload of the
// console); after it, the chats go back to the line, nothing dropped.
// An agent may set a chat pending (waiting on the customer or a third
// party): it stays theirs but frees a seat (router.h); the customer's next
// message makes it assigned again, and the agent's sessions see the status.
//
// Thread-safety: thread-safe. Callbacks to sessions run on the executor.
// Single node: the line lives in this process (a Redis-backed router comes
// with multi-node).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/executor.h"
#include "core/status.h"
#include "handoff/router.h"
#include "handoff/routing.h"
#include "store/store.h"

namespace kefu::handoff {

inline constexpr const char* kConversationAssigned = "conversation.assigned";
inline constexpr const char* kConversationRequeued = "conversation.requeued";
inline constexpr const char* kConversationResolved = "conversation.resolved";
inline constexpr const char* kConversationReturnedToBot = "conversation.returned_to_bot";
inline constexpr const char* kConversationPending = "conversation.pending";
inline constexpr const char* kConversationResumed = "conversation.resumed";
// {"from_agent", "to_agent" | "to_queue", "note"}
inline constexpr const char* kConversationTransferred = "conversation.transferred";
// Bus only (not stored): a waiting customer's place changed. Value:
// {"position": 1-based, "waiting": the line's length, "estimated_wait_s":
// seconds or null when unknown (no agent online, no wait seen yet)}.
inline constexpr const char* kQueuePosition = "conversation.queue_position";

struct HandoffOptions {
  int default_capacity = 5;    // chats per agent unless their session says otherwise
  int64_t requeue_grace_ms = 30000;  // an agent gone this long loses their chats
};

// A transfer by the agent a conversation is assigned to: to another agent
// of the tenant (online or away) or to a queue, with a note for whoever
// takes it (shown in the chat's summary).
struct Transfer {
  int64_t tenant_id = 0;
  int64_t from_user = 0;
  int64_t conversation_id = 0;
  std::optional<int64_t> to_agent;
  std::string to_queue;
  std::string note;  // at most kMaxTransferNote characters
};
inline constexpr size_t kMaxTransferNote = 1000;

struct HandoffDeps {
  store::Store* store = nullptr;
  bus::Bus* bus = nullptr;
  Executor* executor = nullptr;
  Clock* clock = nullptr;
};

// What an agent's session is told.
struct AgentNotice {
  enum class Kind { kAssigned, kUnassigned, kWaiting };
  Kind kind = Kind::kAssigned;
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  std::string status;  // the conversation's status after it
  size_t waiting = 0;  // kWaiting: conversations in the tenant's line now
};
using AgentNotify = std::function<void(const AgentNotice&)>;

class HandoffService {
 public:
  HandoffService(HandoffDeps deps, HandoffOptions options = {});
  ~HandoffService();

  // Reads the queued and assigned conversations of every tenant and
  // subscribes to the bus. Errors: the store's.
  Status Start();
  void Stop();

  // A console session of an agent. Returns its id.
  uint64_t AgentConnected(int64_t tenant_id, int64_t user_id, AgentNotify notify);
  // Errors: NotFound (unknown session).
  Status SetPresence(uint64_t session, Presence presence, int capacity = 0);
  void AgentDisconnected(uint64_t session);

  // The agent is done with a conversation assigned to them: "resolved"
  // (kept as theirs) or "bot" (the bot answers again). Errors: NotFound,
  // PermissionDenied (not theirs), InvalidArgument (another status).
  void Release(int64_t tenant_id, int64_t user_id, int64_t conversation_id,
               const std::string& status, store::StatusCallback done);

  // The agent waits on the customer: an assigned chat of theirs becomes
  // "pending" (still theirs, not counted against their capacity). Errors:
  // NotFound, PermissionDenied (not theirs or not assigned).
  void SetPending(int64_t tenant_id, int64_t user_id, int64_t conversation_id,
                  store::StatusCallback done);

  // The supervisor's view of a tenant: the line in order and the agents.
  struct Snapshot {
    std::vector<Waiting> waiting;
    std::vector<AgentLoad> agents;
  };
  Snapshot SnapshotOf(int64_t tenant_id) const;
  // Moves the conversation (assigned to `from_user`) to another agent or
  // back to a queue, recording a conversation.transferred event. Errors:
  // InvalidArgument (neither or both targets, the note too long, to
  // oneself), NotFound (an unknown queue, an agent not signed in to this
  // tenant's console), PermissionDenied (not assigned to `from_user`).
  void TransferChat(Transfer t, store::StatusCallback done);

  // ---- routing configuration, per tenant (kept in the store's settings) ----
  // The queues (empty: the one default queue, anyone serves it).
  std::vector<QueueConfig> Queues(int64_t tenant_id) const;
  void SetQueues(int64_t tenant_id, std::vector<QueueConfig> queues, store::StatusCallback done);
  // Is the queue open now (business hours)? An unconfigured queue is.
  bool QueueOpen(int64_t tenant_id, const std::string& queue) const;
  // The human-takeover switch: while on, the bot answers nobody and every
  // new customer message in a bot conversation goes to the line.
  bool Takeover(int64_t tenant_id) const;
  void SetTakeover(int64_t tenant_id, bool on, store::StatusCallback done);
  // An agent's queues, skills and languages (read when they connect).
  AgentProfile ProfileOf(int64_t tenant_id, int64_t user_id) const;
  void SetProfile(int64_t tenant_id, int64_t user_id, AgentProfile profile,
                  store::StatusCallback done);
  // The tenant's agents with a console open: {id, presence} (for transfers).
  std::vector<std::pair<int64_t, Presence>> AgentsOf(int64_t tenant_id) const;

  std::vector<int64_t> ChatsOf(int64_t user_id) const;
  Presence PresenceOf(int64_t user_id) const;
  int Position(int64_t conversation_id) const;
  size_t WaitingCount(int64_t tenant_id) const;
  // An agent of the tenant is online (presence "online").
  bool AgentsOnline(int64_t tenant_id) const;

 private:
  struct AgentSession {
    int64_t tenant_id = 0;
    int64_t user_id = 0;
    AgentNotify notify;
    Presence presence = Presence::kOffline;
    int capacity = 0;
  };

  void OnEvent(const bus::Event& e);
  // The customer wrote in a pending chat: assigned again.
  void Resume(int64_t tenant_id, int64_t conversation_id);
  void LoadTenantLocked(int64_t tenant_id) const;
  void Enqueue(const store::Conversation& c);
  // Runs the router and applies what it decides.
  void Dispatch();
  void Apply(const Assignment& a);
  void Requeue(int64_t tenant_id, int64_t user_id);
  void Notify(int64_t user_id, const AgentNotice& n);
  void PublishStatus(const store::Conversation& c);
  // Tells each waiting customer whose place changed (bus) and each tenant's
  // agents whose line's length changed (kWaiting).
  void PublishLine();
  // Presence and capacity of a user over their sessions (the best of them).
  void UpdateAgentLocked(int64_t tenant_id, int64_t user_id);

  HandoffDeps d_;
  HandoffOptions options_;
  mutable std::mutex mu_;
  mutable Router router_;                            // guarded by mu_
  std::map<uint64_t, AgentSession> sessions_;        // guarded by mu_
  std::map<int64_t, uint64_t> requeue_generation_;   // guarded by mu_: by user
  uint64_t next_session_ = 0;                        // guarded by mu_
  uint64_t subscription_ = 0;
  std::map<int64_t, int> published_place_;      // guarded by mu_: conversation → position
  std::map<int64_t, size_t> published_waiting_;  // guarded by mu_: tenant → line length
  std::map<int64_t, double> wait_ms_;            // guarded by mu_: tenant → recent waits (EWMA)
  // Routing configuration read from the store once per tenant.
  struct TenantConfig {
    std::vector<QueueConfig> queues;
    bool takeover = false;
  };
  mutable std::map<int64_t, TenantConfig> config_;      // guarded by mu_
  mutable std::map<int64_t, AgentProfile> profiles_;    // guarded by mu_: by user
};

}  // namespace kefu::handoff
