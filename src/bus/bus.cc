#include "bus/bus.h"

#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace kefu::bus {
namespace {

class InProcessBus final : public Bus {
 public:
  uint64_t Subscribe(int64_t conversation_id, Handler h) override {
    std::unique_lock lock(mu_);
    uint64_t id = ++next_id_;
    by_conversation_[conversation_id].push_back(
        {id, std::make_shared<Handler>(std::move(h))});
    conversation_of_[id] = conversation_id;
    return id;
  }

  uint64_t SubscribeAll(Handler h) override {
    std::unique_lock lock(mu_);
    uint64_t id = ++next_id_;
    all_.push_back({id, std::make_shared<Handler>(std::move(h))});
    return id;
  }

  void Unsubscribe(uint64_t subscription) override {
    std::unique_lock lock(mu_);
    auto it = conversation_of_.find(subscription);
    if (it != conversation_of_.end()) {
      auto list = by_conversation_.find(it->second);
      if (list != by_conversation_.end()) {
        std::erase_if(list->second, [&](const Sub& s) { return s.id == subscription; });
        if (list->second.empty()) by_conversation_.erase(list);
      }
      conversation_of_.erase(it);
      return;
    }
    std::erase_if(all_, [&](const Sub& s) { return s.id == subscription; });
  }

  void Publish(const Event& e) override {
    // Copy the handlers under the lock, call them outside it, so a handler
    // may subscribe or unsubscribe.
    std::vector<std::shared_ptr<Handler>> targets;
    {
      std::shared_lock lock(mu_);
      auto it = by_conversation_.find(e.conversation_id);
      if (it != by_conversation_.end()) {
        for (const Sub& s : it->second) targets.push_back(s.handler);
      }
      for (const Sub& s : all_) targets.push_back(s.handler);
    }
    for (auto& h : targets) (*h)(e);
  }

  size_t SubscriptionCount() const override {
    std::shared_lock lock(mu_);
    return conversation_of_.size() + all_.size();
  }

 private:
  struct Sub {
    uint64_t id;
    std::shared_ptr<Handler> handler;
  };
  mutable std::shared_mutex mu_;
  uint64_t next_id_ = 0;
  std::unordered_map<int64_t, std::vector<Sub>> by_conversation_;
  std::unordered_map<uint64_t, int64_t> conversation_of_;
  std::vector<Sub> all_;
};

}  // namespace

std::unique_ptr<Bus> Bus::InProcess() { return std::make_unique<InProcessBus>(); }

}  // namespace kefu::bus
