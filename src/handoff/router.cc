#include "handoff/router.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace kefu::handoff {

const char* PresenceName(Presence p) {
  switch (p) {
    case Presence::kOnline:
      return "online";
    case Presence::kAway:
      return "away";
    case Presence::kOffline:
      break;
  }
  return "offline";
}

bool ParsePresence(std::string_view name, Presence* out) {
  if (name == "online") {
    *out = Presence::kOnline;
  } else if (name == "away") {
    *out = Presence::kAway;
  } else if (name == "offline") {
    *out = Presence::kOffline;
  } else {
    return false;
  }
  return true;
}

bool Router::Key::operator<(const Key& o) const {
  return std::tie(aged_since_ms, o.priority, since_ms, conversation_id) <
         std::tie(o.aged_since_ms, priority, o.since_ms, o.conversation_id);
}

Router::Key Router::KeyOf(const Waiting& w) const {
  const int64_t aged = aging_ms_ > 0 ? w.since_ms - static_cast<int64_t>(w.priority) * aging_ms_ : 0;
  return {aged, w.priority, w.since_ms, w.conversation_id};
}

void Router::SetQueues(int64_t tenant_id, std::vector<QueueConfig> queues) {
  queues_[tenant_id] = std::move(queues);
}

void Router::SetProfile(int64_t agent_id, AgentProfile profile) {
  profiles_[agent_id] = profile;
  auto it = agents_.find(agent_id);
  if (it != agents_.end()) it->second.profile = std::move(profile);
}

void Router::Enqueue(const Waiting& w) {
  auto it = waiting_.find(w.conversation_id);
  if (it != waiting_.end()) {
    lines_[it->second.tenant_id].erase(KeyOf(it->second));
    it->second.priority = std::max(it->second.priority, w.priority);
    if (!w.queue.empty()) it->second.queue = w.queue;
    lines_[it->second.tenant_id].insert(KeyOf(it->second));
    return;
  }
  waiting_[w.conversation_id] = w;
  lines_[w.tenant_id].insert(KeyOf(w));
}

void Router::Remove(int64_t conversation_id) {
  auto it = waiting_.find(conversation_id);
  if (it == waiting_.end()) return;
  auto line = lines_.find(it->second.tenant_id);
  if (line != lines_.end()) {
    line->second.erase(KeyOf(it->second));
    if (line->second.empty()) lines_.erase(line);
  }
  waiting_.erase(it);
}

void Router::SetAgent(int64_t tenant_id, int64_t agent_id, Presence presence, int capacity,
                      std::vector<std::string> languages, int64_t now_ms) {
  Agent& a = agents_[agent_id];
  if (a.presence != Presence::kOnline && presence == Presence::kOnline && a.chats.empty()) {
    a.idle_since_ms = now_ms;
  }
  a.tenant_id = tenant_id;
  a.presence = presence;
  a.capacity = std::max(1, capacity);
  a.languages = std::move(languages);
  auto p = profiles_.find(agent_id);
  if (p != profiles_.end()) a.profile = p->second;
}

void Router::Assigned(int64_t agent_id, int64_t conversation_id) {
  agents_[agent_id].chats.insert(conversation_id);
  Remove(conversation_id);
}

void Router::Released(int64_t agent_id, int64_t conversation_id, int64_t now_ms) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return;
  it->second.pending.erase(conversation_id);
  if (it->second.chats.erase(conversation_id) && it->second.chats.empty()) {
    it->second.idle_since_ms = now_ms;
  }
}

bool Router::Skilled(const Agent& a, int64_t tenant_id, const std::string& queue,
                     const std::string& language) const {
  if (a.tenant_id != tenant_id) return false;
  const auto& langs = a.profile.languages.empty() ? a.languages : a.profile.languages;
  if (!langs.empty() && !language.empty() &&
      std::find(langs.begin(), langs.end(), language) == langs.end()) {
    return false;
  }
  if (queue.empty()) return true;
  auto qs = queues_.find(tenant_id);
  const QueueConfig* q = qs == queues_.end() ? nullptr : FindQueue(qs->second, queue);
  if (q == nullptr) return true;  // not configured: anyone
  return MayServe(a.profile, *q);
}

bool Router::MayTake(int64_t agent_id, int64_t tenant_id, const std::string& queue,
                     const std::string& language) const {
  auto it = agents_.find(agent_id);
  return it != agents_.end() && Skilled(it->second, tenant_id, queue, language);
}

bool Router::Eligible(const Agent& a, const Waiting& w) const {
  if (a.presence != Presence::kOnline) return false;
  if (static_cast<int>(Load(a)) >= a.capacity) return false;
  return Skilled(a, w.tenant_id, w.queue, w.language);
}

std::vector<Assignment> Router::Assign() {
  std::vector<Assignment> out;
  for (auto line = lines_.begin(); line != lines_.end();) {
    auto& keys = line->second;
    for (auto k = keys.begin(); k != keys.end();) {
      const Waiting& w = waiting_.at(k->conversation_id);
      int64_t best = 0;
      const Agent* best_agent = nullptr;
      for (const auto& [id, a] : agents_) {
        if (!Eligible(a, w)) continue;
        if (best_agent == nullptr || Load(a) < Load(*best_agent) ||
            (Load(a) == Load(*best_agent) &&
             a.idle_since_ms < best_agent->idle_since_ms)) {
          best = id;
          best_agent = &a;
        }
      }
      if (best_agent == nullptr) {
        ++k;  // nobody for this one (language); a later one may fit someone
        continue;
      }
      out.push_back({w.tenant_id, w.conversation_id, best, w.since_ms});
      agents_[best].chats.insert(w.conversation_id);
      waiting_.erase(k->conversation_id);
      k = keys.erase(k);
    }
    line = keys.empty() ? lines_.erase(line) : std::next(line);
  }
  return out;
}

void Router::SetPending(int64_t agent_id, int64_t conversation_id, bool pending) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end() || !it->second.chats.count(conversation_id)) return;
  if (pending) {
    it->second.pending.insert(conversation_id);
  } else {
    it->second.pending.erase(conversation_id);
  }
}

bool Router::IsPending(int64_t conversation_id) const {
  for (const auto& [id, a] : agents_) {
    if (a.pending.count(conversation_id)) return true;
  }
  return false;
}

std::vector<Waiting> Router::LineOf(int64_t tenant_id) const {
  std::vector<Waiting> out;
  auto line = lines_.find(tenant_id);
  if (line == lines_.end()) return out;
  for (const Key& k : line->second) out.push_back(waiting_.at(k.conversation_id));
  return out;
}

std::vector<AgentLoad> Router::AgentsOf(int64_t tenant_id) const {
  std::vector<AgentLoad> out;
  for (const auto& [id, a] : agents_) {
    if (a.tenant_id != tenant_id) continue;
    out.push_back({id, a.presence, a.capacity, static_cast<int>(Load(a)),
                   static_cast<int>(a.pending.size())});
  }
  return out;
}

std::vector<Place> Router::Places() const {
  std::vector<Place> out;
  out.reserve(waiting_.size());
  for (const auto& [tenant, keys] : lines_) {
    int pos = 0;
    for (const Key& k : keys) out.push_back({tenant, k.conversation_id, ++pos});
  }
  return out;
}

int Router::Position(int64_t conversation_id) const {
  auto it = waiting_.find(conversation_id);
  if (it == waiting_.end()) return 0;
  auto line = lines_.find(it->second.tenant_id);
  if (line == lines_.end()) return 0;
  int pos = 1;
  for (const Key& k : line->second) {
    if (k.conversation_id == conversation_id) return pos;
    ++pos;
  }
  return 0;
}

size_t Router::WaitingCount(int64_t tenant_id) const {
  auto line = lines_.find(tenant_id);
  return line == lines_.end() ? 0 : line->second.size();
}

size_t Router::OnlineCount(int64_t tenant_id) const {
  size_t n = 0;
  for (const auto& [id, a] : agents_) n += a.tenant_id == tenant_id && a.presence == Presence::kOnline;
  return n;
}

std::vector<int64_t> Router::ChatsOf(int64_t agent_id) const {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return {};
  return {it->second.chats.begin(), it->second.chats.end()};
}

Presence Router::PresenceOf(int64_t agent_id) const {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? Presence::kOffline : it->second.presence;
}

}  // namespace kefu::handoff
