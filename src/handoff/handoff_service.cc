#include "handoff/handoff_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/json.h"

namespace kefu::handoff {
namespace {

constexpr int kRequeuedPriority = 1;  // back in line ahead of newcomers

std::string LanguageOf(const std::string& tag) { return tag.substr(0, tag.find_first_of("-_")); }

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
            router_.Enqueue({c.tenant_id, c.id, 0, c.updated_at, LanguageOf(c.language)});
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
  router_.Enqueue({c.tenant_id, c.id, 0, c.updated_at, LanguageOf(c.language)});
}

uint64_t HandoffService::AgentConnected(int64_t tenant_id, int64_t user_id, AgentNotify notify) {
  std::lock_guard lock(mu_);
  const uint64_t id = ++next_session_;
  sessions_[id] = AgentSession{tenant_id, user_id, std::move(notify), Presence::kOffline, 0};
  ++requeue_generation_[user_id];  // a pending requeue of their chats is off
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
            router_.Enqueue({r->tenant_id, r->id, kRequeuedPriority, r->updated_at,
                             LanguageOf(r->language)});
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
            done(r.status().code() == Code::kAlreadyExists
                     ? Status::PermissionDenied("the conversation is not assigned to you")
                     : r.status());
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
            done(r.status().code() == Code::kAlreadyExists
                     ? Status::PermissionDenied("the conversation is not assigned to you")
                     : r.status());
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
