#include "bus/bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace kefu::bus {
namespace {

Event MessageIn(int64_t conversation, int64_t seq) {
  auto m = std::make_shared<store::Message>();
  m->conversation_id = conversation;
  m->seq = seq;
  return Event{kMessageCreated, 1, conversation, m, "", 0};
}

TEST(InProcessBus, DeliversToConversationAndAllSubscribersInOrder) {
  auto bus = Bus::InProcess();
  std::vector<int64_t> conv7, all;
  bus->Subscribe(7, [&](const Event& e) { conv7.push_back(e.message->seq); });
  bus->SubscribeAll([&](const Event& e) { all.push_back(e.message->seq); });
  bus->Publish(MessageIn(7, 1));
  bus->Publish(MessageIn(8, 1));
  bus->Publish(MessageIn(7, 2));
  EXPECT_EQ(conv7, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(all, (std::vector<int64_t>{1, 1, 2}));
}

TEST(InProcessBus, UnsubscribeStopsDeliveryAndMayRunInsideAHandler) {
  auto bus = Bus::InProcess();
  int calls = 0;
  uint64_t id = 0;
  id = bus->Subscribe(7, [&](const Event&) {
    ++calls;
    bus->Unsubscribe(id);
  });
  EXPECT_EQ(bus->SubscriptionCount(), 1u);
  bus->Publish(MessageIn(7, 1));
  bus->Publish(MessageIn(7, 2));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bus->SubscriptionCount(), 0u);
}

}  // namespace
}  // namespace kefu::bus
