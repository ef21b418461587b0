// The router: who answers a conversation the bot handed over. Waiting
// conversations of a tenant form one line, ordered by priority aged by
// waiting time (each priority level is worth `aging_ms` of waiting, so a
// long-waiting normal chat eventually passes a fresh urgent one); each goes
// to the tenant's online agent eligible for it — a member of its queue or
// one with the queue's skills (routing.h MayServe), speaking the customer's
// language — with the fewest chats below their capacity (ties: the one idle
// longest). A conversation of a queue the tenant has not configured (or of
// none) may go to any agent. A chat set pending (the agent waits on the
// customer or a third party) stays the agent's but does not count against
// their capacity or load, so they can take new chats meanwhile; when it is
// active again it counts again (even beyond capacity: nothing is taken away
// from an agent). A pure
// value with an injected clock (times are arguments), so every decision is
// unit-tested; HandoffService (handoff_service.h) applies them.
//
// Thread-safety: thread-compatible; HandoffService guards it with a mutex.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "handoff/routing.h"

namespace kefu::handoff {

enum class Presence { kOffline, kAway, kOnline };
// "offline", "away", "online".
const char* PresenceName(Presence p);
// False for an unknown name.
bool ParsePresence(std::string_view name, Presence* out);

struct Waiting {
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  int priority = 0;       // higher first
  int64_t since_ms = 0;   // queued at
  std::string language;   // the customer's ("zh", "en"); empty: any agent
  std::string queue;      // the queue it waits in; empty or unconfigured: any agent
};

// An agent as the supervisor's view shows it.
struct AgentLoad {
  int64_t agent_id = 0;
  Presence presence = Presence::kOffline;
  int capacity = 0;
  int active = 0;   // chats that count against capacity
  int pending = 0;  // chats set pending (not counted)
};

struct Assignment {
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  int64_t agent_id = 0;
  int64_t since_ms = 0;  // when it was queued (its wait ends now)
};

// A waiting conversation's place in its tenant's line (1: next).
struct Place {
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  int position = 0;
};

class Router {
 public:
  // Each priority level is worth this much waiting (ms); <= 0: no aging
  // (priority strictly first).
  static constexpr int64_t kDefaultAgingMs = 120000;
  explicit Router(int64_t aging_ms = kDefaultAgingMs) : aging_ms_(aging_ms) {}

  // The tenant's queues (their skills decide who may serve them).
  void SetQueues(int64_t tenant_id, std::vector<QueueConfig> queues);
  // The agent's queues, skills and languages (kept across SetAgent calls).
  void SetProfile(int64_t agent_id, AgentProfile profile);

  // Waits (again). Idempotent on the conversation: a second call keeps its
  // place and takes the higher priority.
  void Enqueue(const Waiting& w);
  // No longer waiting (assigned elsewhere, resolved, back to the bot).
  void Remove(int64_t conversation_id);

  // The agent's presence and capacity (max concurrent chats, >= 1).
  // Languages: those the agent takes (empty: any; the profile's, when set,
  // take precedence).
  void SetAgent(int64_t tenant_id, int64_t agent_id, Presence presence, int capacity,
                std::vector<std::string> languages, int64_t now_ms);
  // May the agent (online or not) take a conversation of `queue` in `language`?
  bool MayTake(int64_t agent_id, int64_t tenant_id, const std::string& queue,
               const std::string& language) const;
  // Counts a chat on the agent (an assignment made or found at start-up).
  void Assigned(int64_t agent_id, int64_t conversation_id);
  // The agent no longer has the chat (resolved, transferred, back to the
  // bot, or taken away); `now_ms` starts their idle time when it was the last.
  void Released(int64_t agent_id, int64_t conversation_id, int64_t now_ms);

  // The agent's chat waits on the customer (true: not counted against
  // capacity) or is active again (false). Unknown chats are ignored.
  void SetPending(int64_t agent_id, int64_t conversation_id, bool pending);
  bool IsPending(int64_t conversation_id) const;

  // The assignments to make now (already counted here: a failed one must
  // be undone with Released and Enqueue).
  std::vector<Assignment> Assign();

  // 1-based place in the tenant's line; 0 when not waiting.
  int Position(int64_t conversation_id) const;
  size_t WaitingCount(int64_t tenant_id) const;
  size_t OnlineCount(int64_t tenant_id) const;  // agents online
  std::vector<int64_t> ChatsOf(int64_t agent_id) const;
  Presence PresenceOf(int64_t agent_id) const;
  bool IsWaiting(int64_t conversation_id) const { return waiting_.count(conversation_id) > 0; }
  // Every waiting conversation's place, line by line.
  std::vector<Place> Places() const;
  // The tenant's waiting conversations in line order.
  std::vector<Waiting> LineOf(int64_t tenant_id) const;
  // The tenant's agents the router knows (by user id).
  std::vector<AgentLoad> AgentsOf(int64_t tenant_id) const;

 private:
  struct Agent {
    int64_t tenant_id = 0;
    Presence presence = Presence::kOffline;
    int capacity = 1;
    std::vector<std::string> languages;
    AgentProfile profile;
    std::set<int64_t> chats;
    std::set<int64_t> pending;  // of chats: waiting on the customer, not counted
    int64_t idle_since_ms = 0;  // when the last chat ended (or the agent came online)
  };
  // The line's order: the aged arrival (since - priority × aging) asc,
  // then priority desc, since asc, id asc.
  struct Key {
    int64_t aged_since_ms;
    int priority;
    int64_t since_ms;
    int64_t conversation_id;
    bool operator<(const Key& o) const;
  };
  Key KeyOf(const Waiting& w) const;
  bool Skilled(const Agent& a, int64_t tenant_id, const std::string& queue,
               const std::string& language) const;
  bool Eligible(const Agent& a, const Waiting& w) const;
  static size_t Load(const Agent& a) { return a.chats.size() - a.pending.size(); }

  int64_t aging_ms_;
  std::map<int64_t, std::vector<QueueConfig>> queues_;  // by tenant
  std::map<int64_t, AgentProfile> profiles_;             // by user id
  std::map<int64_t, Waiting> waiting_;          // by conversation
  std::map<int64_t, std::set<Key>> lines_;      // by tenant
  std::map<int64_t, Agent> agents_;             // by user id
};

}  // namespace kefu::handoff
