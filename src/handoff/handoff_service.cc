#include "handoff/handoff_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/json.h"

namespace kefu::handoff {
namespace {

constexpr int kRequeuedPriority = 1;  // back in line ahead of newcomers

// A compare-and-set write on an agent's chat that found it changed: the chat
// is not (or no longer) theirs. Other errors are the store's.
Status AsAgentsError(const Status& s) {
  return s.code() == Code::kAlreadyExists
             ? Status::PermissionDenied("the conversation is not assigned to you")
             : s;
}

std::string LanguageOf(const std::string& tag) { return tag.substr(0, tag.find_first_of("-_")); }

std::string QueuesKey(int64_t tenant) { return "routing.queues." + std::to_string(tenant); }
std::string TakeoverKey(int64_t tenant) { return "routing.takeover." + std::to_string(tenant); }
std::string ProfileKey(int64_t tenant, int64_t user) {
  return "routing.agent." + std::to_string(tenant) + "." + std::to_string(user);
}

size_t CountUtf8(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Waiting WaitingOf(const store::Conversation& c, int priority, int64_t since) {
  return Waiting{c.tenant_id, c.id, priority, since, LanguageOf(c.language), c.queue};
}

}  // namespace

HandoffService::HandoffService(HandoffDeps deps, HandoffOptions options)
    : d_(deps), options_(options) {}

HandoffService::~HandoffService() { Stop(); }

Status HandoffService::Start() {
  auto tenants = d_.store->ListTenants();
  if (!tenants.ok()) return tenants.status();
  {
    std::lock_guard lock(mu_);
    for (const store::Tenant& t : *tenants) {
      LoadTenantLocked(t.id);
      for (const char* status : {"queued", "assigned", "pending"}) {
        store::ConversationQuery q;
        q.status = status;
        q.limit = 10000;
        auto list = d_.store->ListConversations(t.id, q);
        if (!list.ok()) return list.status();
        for (const store::Conversation& c : *list) {
          if (c.status == "pending" && c.assignee_id) {
            router_.Assigned(*c.assignee_id, c.id);
            router_.SetPending(*c.assignee_id, c.id, true);
          } else if (c.status == "assigned" && c.assignee_id) {
            router_.Assigned(*c.assignee_id, c.id);
          } else if (c.status != "pending") {
            router_.Enqueue(WaitingOf(c, c.priority, c.updated_at));
          }
        }
      }
    }
  }
  subscription_ = d_.bus->SubscribeAll([this](const bus::Event& e) {
    if (e.type == bus::kMessageCreated && e.message &&
        e.message->sender == store::Sender::kContact) {
      bool pending = false;
      {
        std::lock_guard lock(mu_);
        pending = router_.IsPending(e.conversation_id);
      }
      if (pending) {
        d_.executor->Post([this, t = e.tenant_id, c = e.conversation_id] { Resume(t, c); });
      }
      return;
    }
    if (e.type != bus::kConversationStatusChanged || e.value != "queued") return;
    // Off the publisher's thread (the store's writer, or a strand).
    d_.executor->Post([this, e] { OnEvent(e); });
  });
  // Agents whose sessions did not come back after a restart lose their
  // chats after the grace period, as after a disconnect.
  d_.executor->PostAfter(options_.requeue_grace_ms, [this, tenants = *tenants] {
    for (const store::Tenant& t : tenants) {
      std::set<int64_t> gone;
      for (const char* status : {"assigned", "pending"}) {
        store::ConversationQuery q;
        q.status = status;
        q.limit = 10000;
        auto list = d_.store->ListConversations(t.id, q);
        if (!list.ok()) continue;
        std::lock_guard lock(mu_);
        for (const auto& c : *list) {
          if (c.assignee_id && router_.PresenceOf(*c.assignee_id) == Presence::kOffline) {
            gone.insert(*c.assignee_id);
          }
        }
      }
      for (int64_t user : gone) Requeue(t.id, user);
    }
  });
  return Status::Ok();
}

void HandoffService::Stop() {
  if (subscription_ != 0) {
    d_.bus->Unsubscribe(subscription_);
    subscription_ = 0;
  }
}

void HandoffService::OnEvent(const bus::Event& e) {
  auto c = d_.store->GetConversation(e.tenant_id, e.conversation_id);
  if (!c.ok() || c->status != "queued") return;
  Enqueue(*c);
  Dispatch();
}

void HandoffService::Enqueue(const store::Conversation& c) {
  std::lock_guard lock(mu_);
  LoadTenantLocked(c.tenant_id);
  router_.Enqueue(WaitingOf(c, c.priority, c.updated_at));
}

void HandoffService::LoadTenantLocked(int64_t tenant_id) const {
  if (config_.count(tenant_id)) return;
  TenantConfig cfg;
  if (auto q = d_.store->GetSetting(QueuesKey(tenant_id)); q.ok()) {
    auto parsed = ParseQueues(Json::parse(*q, nullptr, false));
    if (parsed.ok()) {
      cfg.queues = std::move(*parsed);
    } else {
      spdlog::warn("tenant={} stored queues unreadable: {}", tenant_id, parsed.status().ToString());
    }
  }
  if (auto t = d_.store->GetSetting(TakeoverKey(tenant_id)); t.ok()) cfg.takeover = *t == "on";
  router_.SetQueues(tenant_id, cfg.queues);
  config_[tenant_id] = std::move(cfg);
}

std::vector<QueueConfig> HandoffService::Queues(int64_t tenant_id) const {
  std::lock_guard lock(mu_);
  LoadTenantLocked(tenant_id);
  return config_[tenant_id].queues;
}

void HandoffService::SetQueues(int64_t tenant_id, std::vector<QueueConfig> queues,
                               store::StatusCallback done) {
  const std::string value = DumpJson(QueuesJson(queues));
  d_.store->PutSetting(QueuesKey(tenant_id), value,
                       [this, tenant_id, queues = std::move(queues),
                        done = std::move(done)](Status s) mutable {
                         if (s.ok()) {
                           std::lock_guard lock(mu_);
                           LoadTenantLocked(tenant_id);
                           config_[tenant_id].queues = queues;
                           router_.SetQueues(tenant_id, std::move(queues));
                         }
                         done(s);
                         if (s.ok()) d_.executor->Post([this] { Dispatch(); });
                       });
}

bool HandoffService::QueueOpen(int64_t tenant_id, const std::string& queue) const {
  std::lock_guard lock(mu_);
  LoadTenantLocked(tenant_id);
  const QueueConfig* q = FindQueue(config_[tenant_id].queues, queue.empty() ? kDefaultQueue : queue);
  return q == nullptr || IsOpen(*q, d_.clock->NowMillis());
}

bool HandoffService::Takeover(int64_t tenant_id) const {
  std::lock_guard lock(mu_);
  LoadTenantLocked(tenant_id);
  return config_[tenant_id].takeover;
}

void HandoffService::SetTakeover(int64_t tenant_id, bool on, store::StatusCallback done) {
  d_.store->PutSetting(TakeoverKey(tenant_id), on ? "on" : "off",
                       [this, tenant_id, on, done = std::move(done)](Status s) {
                         if (s.ok()) {
                           std::lock_guard lock(mu_);
                           LoadTenantLocked(tenant_id);
                           config_[tenant_id].takeover = on;
                         }
                         done(s);
                       });
}

AgentProfile HandoffService::ProfileOf(int64_t tenant_id, int64_t user_id) const {
  {
    std::lock_guard lock(mu_);
    auto it = profiles_.find(user_id);
    if (it != profiles_.end()) return it->second;
  }
  AgentProfile p;
  if (auto stored = d_.store->GetSetting(ProfileKey(tenant_id, user_id)); stored.ok()) {
    auto parsed = ParseAgentProfile(Json::parse(*stored, nullptr, false));
    if (parsed.ok()) p = std::move(*parsed);
  }
  std::lock_guard lock(mu_);
  profiles_[user_id] = p;
  router_.SetProfile(user_id, p);
  return p;
}

void HandoffService::SetProfile(int64_t tenant_id, int64_t user_id, AgentProfile profile,
                                store::StatusCallback done) {
  const std::string value = DumpJson(AgentProfileJson(profile));
  d_.store->PutSetting(ProfileKey(tenant_id, user_id), value,
                       [this, user_id, profile = std::move(profile),
                        done = std::move(done)](Status s) {
                         if (s.ok()) {
                           std::lock_guard lock(mu_);
                           profiles_[user_id] = profile;
                           router_.SetProfile(user_id, profile);
                         }
                         done(s);
                         if (s.ok()) d_.executor->Post([this] { Dispatch(); });
                       });
}

std::vector<std::pair<int64_t, Presence>> HandoffService::AgentsOf(int64_t tenant_id) const {
  std::lock_guard lock(mu_);
  std::map<int64_t, Presence> best;
  for (const auto& [id, s] : sessions_) {
    if (s.tenant_id != tenant_id) continue;
    auto [it, added] = best.try_emplace(s.user_id, s.presence);
    if (!added) it->second = std::max(it->second, s.presence);
  }
  return {best.begin(), best.end()};
}

void HandoffService::TransferChat(Transfer t, store::StatusCallback done) {
  if (t.to_agent.has_value() == !t.to_queue.empty()) {
    done(Status::InvalidArgument("a transfer names either to_agent or to_queue"));
    return;
  }
  if (CountUtf8(t.note) > kMaxTransferNote) {
    done(Status::InvalidArgument("the note is at most 1000 characters"));
    return;
  }
  if (t.to_agent && *t.to_agent == t.from_user) {
    done(Status::InvalidArgument("the conversation is already yours"));
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (t.to_agent) {
      bool signed_in = false;
      for (const auto& [id, s] : sessions_) {
        signed_in = signed_in || (s.user_id == *t.to_agent && s.tenant_id == t.tenant_id);
      }
      if (!signed_in) {
        done(Status::NotFound("agent " + std::to_string(*t.to_agent) +
                              " has no console open in this tenant"));
        return;
      }
    } else {
      LoadTenantLocked(t.tenant_id);
      const auto& queues = config_[t.tenant_id].queues;
      if (FindQueue(queues, t.to_queue) == nullptr &&
          !(queues.empty() && t.to_queue == kDefaultQueue)) {
        done(Status::NotFound("no queue \"" + t.to_queue + "\""));
        return;
      }
    }
  }
  store::ConversationChange ch;
  ch.tenant_id = t.tenant_id;
  ch.id = t.conversation_id;
  ch.expect_status = "assigned";
  ch.expect_assignee = t.from_user;
  Json event{{"from_agent", t.from_user}, {"note", t.note}};
  if (t.to_agent) {
    ch.assignee_id = std::optional<int64_t>(*t.to_agent);
    event["to_agent"] = *t.to_agent;
  } else {
    ch.status = "queued";
    ch.assignee_id = std::optional<int64_t>();
    ch.queue = t.to_queue;
    event["to_queue"] = t.to_queue;
  }
  ch.events.push_back({kConversationTransferred, DumpJson(event)});
  d_.store->UpdateConversation(
      std::move(ch), [this, t, done = std::move(done)](Result<store::Conversation> r) {
        d_.executor->Post([this, t, done, r = std::move(r)] {
          if (!r.ok()) {
            done(AsAgentsError(r.status()));
            return;
          }
          const int64_t now = d_.clock->NowMillis();
          {
            std::lock_guard lock(mu_);
            router_.Released(t.from_user, t.conversation_id, now);
            if (t.to_agent) {
              router_.Assigned(*t.to_agent, t.conversation_id);
            } else {
              router_.Enqueue(WaitingOf(*r, std::max(r->priority, kRequeuedPriority), now));
            }
          }
          spdlog::info("conv={} transferred by agent {} to {}", t.conversation_id, t.from_user,
                       t.to_agent ? "agent " + std::to_string(*t.to_agent) : "queue " + t.to_queue);
          PublishStatus(*r);
          Notify(t.from_user, {AgentNotice::Kind::kUnassigned, t.tenant_id, t.conversation_id,
                               r->status});
          if (t.to_agent) {
            Notify(*t.to_agent,
                   {AgentNotice::Kind::kAssigned, t.tenant_id, t.conversation_id, r->status});
          }
          done(Status::Ok());
          Dispatch();
        });
      });
}

uint64_t HandoffService::AgentConnected(int64_t tenant_id, int64_t user_id, AgentNotify notify) {
  std::lock_guard lock(mu_);
  const uint64_t id = ++next_session_;
  sessions_[id] = AgentSession{tenant_id, user_id, std::move(notify), Presence::kOffline, 0};
  ++requeue_generation_[user_id];  // a pending requeue of their chats is off
  if (!profiles_.count(user_id)) {
    AgentProfile p;
    if (auto stored = d_.store->GetSetting(ProfileKey(tenant_id, user_id)); stored.ok()) {
      auto parsed = ParseAgentProfile(Json::parse(*stored, nullptr, false));
      if (parsed.ok()) p = std::move(*parsed);
    }
    profiles_[user_id] = p;
    router_.SetProfile(user_id, std::move(p));
  }
  LoadTenantLocked(tenant_id);
  return id;
}

void HandoffService::UpdateAgentLocked(int64_t tenant_id, int64_t user_id) {
  Presence best = Presence::kOffline;
  int capacity = 0;
  for (const auto& [id, s] : sessions_) {
    if (s.user_id != user_id) continue;
    best = std::max(best, s.presence);
    capacity = std::max(capacity, s.capacity);
  }
  router_.SetAgent(tenant_id, user_id, best, capacity > 0 ? capacity : options_.default_capacity,
                   {}, d_.clock->NowMillis());
}

Status HandoffService::SetPresence(uint64_t session, Presence presence, int capacity) {
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(session);
    if (it == sessions_.end()) return Status::NotFound("no such agent session");
    it->second.presence = presence;
    if (capacity > 0) it->second.capacity = capacity;
    UpdateAgentLocked(it->second.tenant_id, it->second.user_id);
  }
  Dispatch();
  return Status::Ok();
}

void HandoffService::AgentDisconnected(uint64_t session) {
  int64_t tenant = 0, user = 0;
  uint64_t generation = 0;
  bool last = true;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(session);
    if (it == sessions_.end()) return;
    tenant = it->second.tenant_id;
    user = it->second.user_id;
    sessions_.erase(it);
    for (const auto& [id, s] : sessions_) last = last && s.user_id != user;
    UpdateAgentLocked(tenant, user);
    generation = ++requeue_generation_[user];
  }
  if (!last) return;
  d_.executor->PostAfter(options_.requeue_grace_ms, [this, tenant, user, generation] {
    {
      std::lock_guard lock(mu_);
      if (requeue_generation_[user] != generation) return;  // came back
    }
    Requeue(tenant, user);
  });
}

void HandoffService::Requeue(int64_t tenant_id, int64_t user_id) {
  std::vector<std::pair<int64_t, bool>> chats;  // conversation, pending
  {
    std::lock_guard lock(mu_);
    if (router_.PresenceOf(user_id) != Presence::kOffline) return;
    for (int64_t c : router_.ChatsOf(user_id)) chats.emplace_back(c, router_.IsPending(c));
  }
  for (auto [conversation, pending] : chats) {
    store::ConversationChange ch;
    ch.tenant_id = tenant_id;
    ch.id = conversation;
    ch.status = "queued";
    ch.assignee_id = std::optional<int64_t>();
    ch.expect_status = pending ? "pending" : "assigned";
    ch.expect_assignee = user_id;
    ch.events.push_back({kConversationRequeued, DumpJson(Json{{"agent_id", user_id},
                                                              {"reason", "agent_gone"}})});
    d_.store->UpdateConversation(std::move(ch), [this, user_id, conversation](
                                                    Result<store::Conversation> r) {
      d_.executor->Post([this, user_id, conversation, r = std::move(r)] {
        {
          std::lock_guard lock(mu_);
          router_.Released(user_id, conversation, d_.clock->NowMillis());
          if (r.ok()) {
            router_.Enqueue(WaitingOf(*r, std::max(r->priority, kRequeuedPriority), r->updated_at));
          }
        }
        if (!r.ok()) return;  // resolved or moved meanwhile
        spdlog::info("conv={} back in line: agent {} gone", conversation, user_id);
        PublishStatus(*r);
        Dispatch();
      });
    });
  }
}

void HandoffService::Dispatch() {
  std::vector<Assignment> decided;
  {
    std::lock_guard lock(mu_);
    decided = router_.Assign();
    // A wait ends when its agent is chosen: the estimate others are told
    // next learns from it at once.
    const int64_t now = d_.clock->NowMillis();
    for (const Assignment& a : decided) {
      if (a.since_ms <= 0) continue;
      const double waited = static_cast<double>(std::max<int64_t>(0, now - a.since_ms));
      auto [w, first] = wait_ms_.try_emplace(a.tenant_id, waited);
      if (!first) w->second = 0.7 * w->second + 0.3 * waited;
    }
  }
  for (const Assignment& a : decided) Apply(a);
  PublishLine();
}

void HandoffService::PublishLine() {
  std::vector<bus::Event> events;
  std::vector<std::pair<AgentNotify, AgentNotice>> notices;
  {
    std::lock_guard lock(mu_);
    std::map<int64_t, size_t> lengths;
    std::map<int64_t, int> places;
    const std::vector<Place> line = router_.Places();
    for (const Place& p : line) ++lengths[p.tenant_id];
    for (const Place& p : line) {
      places[p.conversation_id] = p.position;
      auto old = published_place_.find(p.conversation_id);
      if (old != published_place_.end() && old->second == p.position) continue;
      Json estimate = nullptr;
      auto w = wait_ms_.find(p.tenant_id);
      if (w != wait_ms_.end() && router_.OnlineCount(p.tenant_id) > 0) {
        // The recent typical wait for each place ahead, shared by the agents online.
        const double s = w->second / 1000.0 * p.position /
                         static_cast<double>(router_.OnlineCount(p.tenant_id));
        estimate = static_cast<int64_t>(std::ceil(s));
      }
      events.push_back(bus::Event{kQueuePosition, p.tenant_id, p.conversation_id, nullptr,
                                  DumpJson(Json{{"position", p.position},
                                                {"waiting", lengths[p.tenant_id]},
                                                {"estimated_wait_s", estimate}}),
                                  0});
    }
    published_place_ = std::move(places);
    std::set<int64_t> tenants;
    for (const auto& [t, n] : lengths) tenants.insert(t);
    for (const auto& [t, n] : published_waiting_) tenants.insert(t);
    for (int64_t t : tenants) {
      const size_t now = lengths.count(t) ? lengths[t] : 0;
      auto old = published_waiting_.find(t);
      if (old != published_waiting_.end() && old->second == now) continue;
      if (now == 0) {
        published_waiting_.erase(t);
      } else {
        published_waiting_[t] = now;
      }
      for (const auto& [id, session] : sessions_) {
        if (session.tenant_id != t) continue;
        AgentNotice n{AgentNotice::Kind::kWaiting, t, 0, "", now};
        notices.emplace_back(session.notify, n);
      }
    }
  }
  for (const bus::Event& e : events) d_.bus->Publish(e);
  for (auto& [notify, n] : notices) notify(n);
}

void HandoffService::Apply(const Assignment& a) {
  store::ConversationChange ch;
  ch.tenant_id = a.tenant_id;
  ch.id = a.conversation_id;
  ch.status = "assigned";
  ch.assignee_id = std::optional<int64_t>(a.agent_id);
  ch.expect_status = "queued";
  ch.events.push_back({kConversationAssigned, DumpJson(Json{{"agent_id", a.agent_id}})});
  d_.store->UpdateConversation(std::move(ch), [this, a](Result<store::Conversation> r) {
    d_.executor->Post([this, a, r = std::move(r)] {
      if (!r.ok()) {
        // Taken meanwhile (back to the bot, resolved): not this agent's.
        {
          std::lock_guard lock(mu_);
          router_.Released(a.agent_id, a.conversation_id, d_.clock->NowMillis());
        }
        if (r.status().code() != Code::kAlreadyExists) {
          spdlog::warn("conv={} assignment failed: {}", a.conversation_id, r.status().ToString());
          std::lock_guard lock(mu_);
          router_.Enqueue({a.tenant_id, a.conversation_id, kRequeuedPriority,
                           d_.clock->NowMillis(), ""});
        }
        Dispatch();
        return;
      }
      spdlog::info("conv={} assigned to agent {}", a.conversation_id, a.agent_id);
      PublishStatus(*r);
      Notify(a.agent_id, {AgentNotice::Kind::kAssigned, a.tenant_id, a.conversation_id, r->status});
    });
  });
}

void HandoffService::Release(int64_t tenant_id, int64_t user_id, int64_t conversation_id,
                             const std::string& status, store::StatusCallback done) {
  if (status != "resolved" && status != "bot") {
    done(Status::InvalidArgument("a conversation is released as resolved or bot, not " + status));
    return;
  }
  store::ConversationChange ch;
  ch.tenant_id = tenant_id;
  ch.id = conversation_id;
  ch.status = status;
  if (status == "bot") ch.assignee_id = std::optional<int64_t>();
  {
    std::lock_guard lock(mu_);
    ch.expect_status = router_.IsPending(conversation_id) ? "pending" : "assigned";
  }
  ch.expect_assignee = user_id;
  ch.events.push_back({status == "resolved" ? kConversationResolved : kConversationReturnedToBot,
                       DumpJson(Json{{"agent_id", user_id}})});
  d_.store->UpdateConversation(
      std::move(ch), [this, tenant_id, user_id, conversation_id, status,
                      done = std::move(done)](Result<store::Conversation> r) {
        d_.executor->Post([this, tenant_id, user_id, conversation_id, status, done,
                           r = std::move(r)] {
          if (!r.ok()) {
            done(AsAgentsError(r.status()));
            return;
          }
          {
            std::lock_guard lock(mu_);
            router_.Released(user_id, conversation_id, d_.clock->NowMillis());
          }
          PublishStatus(*r);
          Notify(user_id, {AgentNotice::Kind::kUnassigned, tenant_id, conversation_id, status});
          done(Status::Ok());
          Dispatch();  // a free seat
        });
      });
}

void HandoffService::SetPending(int64_t tenant_id, int64_t user_id, int64_t conversation_id,
                                store::StatusCallback done) {
  store::ConversationChange ch;
  ch.tenant_id = tenant_id;
  ch.id = conversation_id;
  ch.status = "pending";
  ch.expect_status = "assigned";
  ch.expect_assignee = user_id;
  ch.events.push_back({kConversationPending, DumpJson(Json{{"agent_id", user_id}})});
  d_.store->UpdateConversation(
      std::move(ch), [this, user_id, conversation_id, done = std::move(done)](
                         Result<store::Conversation> r) {
        d_.executor->Post([this, user_id, conversation_id, done, r = std::move(r)] {
          if (!r.ok()) {
            done(AsAgentsError(r.status()));
            return;
          }
          {
            std::lock_guard lock(mu_);
            router_.SetPending(user_id, conversation_id, true);
          }
          PublishStatus(*r);
          done(Status::Ok());
          Dispatch();  // a free seat
        });
      });
}

void HandoffService::Resume(int64_t tenant_id, int64_t conversation_id) {
  auto c = d_.store->GetConversation(tenant_id, conversation_id);
  if (!c.ok() || c->status != "pending" || !c->assignee_id) return;
  const int64_t agent = *c->assignee_id;
  store::ConversationChange ch;
  ch.tenant_id = tenant_id;
  ch.id = conversation_id;
  ch.status = "assigned";
  ch.expect_status = "pending";
  ch.expect_assignee = agent;
  ch.events.push_back(
      {kConversationResumed, DumpJson(Json{{"agent_id", agent}, {"reason", "customer_wrote"}})});
  d_.store->UpdateConversation(std::move(ch), [this, agent, conversation_id](
                                                  Result<store::Conversation> r) {
    d_.executor->Post([this, agent, conversation_id, r = std::move(r)] {
      if (!r.ok()) return;  // resumed, resolved or moved meanwhile
      {
        std::lock_guard lock(mu_);
        router_.SetPending(agent, conversation_id, false);
      }
      spdlog::info("conv={} assigned again: the customer wrote", conversation_id);
      PublishStatus(*r);
    });
  });
}

HandoffService::Snapshot HandoffService::SnapshotOf(int64_t tenant_id) const {
  std::lock_guard lock(mu_);
  return Snapshot{router_.LineOf(tenant_id), router_.AgentsOf(tenant_id)};
}

void HandoffService::Notify(int64_t user_id, const AgentNotice& n) {
  std::vector<AgentNotify> to;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : sessions_) {
      if (s.user_id == user_id) to.push_back(s.notify);
    }
  }
  for (auto& f : to) f(n);
}

void HandoffService::PublishStatus(const store::Conversation& c) {
  d_.bus->Publish(bus::Event{bus::kConversationStatusChanged, c.tenant_id, c.id, nullptr,
                             c.status, 0});
}

std::vector<int64_t> HandoffService::ChatsOf(int64_t user_id) const {
  std::lock_guard lock(mu_);
  return router_.ChatsOf(user_id);
}

Presence HandoffService::PresenceOf(int64_t user_id) const {
  std::lock_guard lock(mu_);
  return router_.PresenceOf(user_id);
}

int HandoffService::Position(int64_t conversation_id) const {
  std::lock_guard lock(mu_);
  return router_.Position(conversation_id);
}

bool HandoffService::AgentsOnline(int64_t tenant_id) const {
  std::lock_guard lock(mu_);
  return router_.OnlineCount(tenant_id) > 0;
}

size_t HandoffService::WaitingCount(int64_t tenant_id) const {
  std::lock_guard lock(mu_);
  return router_.WaitingCount(tenant_id);
}

}  // namespace kefu::handoff
