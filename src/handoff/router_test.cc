#include "handoff/router.h"

#include <gtest/gtest.h>

namespace kefu::handoff {
namespace {

constexpr int64_t kTenant = 1;

Waiting W(int64_t conversation, int64_t since, int priority = 0, std::string language = "") {
  return Waiting{kTenant, conversation, priority, since, std::move(language)};
}

TEST(Router, NobodyOnlineMeansEverybodyWaitsInOrder) {
  Router r;
  r.Enqueue(W(10, 100));
  r.Enqueue(W(11, 50));
  r.Enqueue(W(12, 200, /*priority=*/5));
  EXPECT_TRUE(r.Assign().empty());
  EXPECT_EQ(r.Position(12), 1) << "priority first";
  EXPECT_EQ(r.Position(11), 2) << "then the longest waiting";
  EXPECT_EQ(r.Position(10), 3);
  EXPECT_EQ(r.Position(99), 0);
  EXPECT_EQ(r.WaitingCount(kTenant), 3u);
  r.SetAgent(kTenant, 7, Presence::kAway, 5, {}, 0);
  EXPECT_EQ(r.OnlineCount(kTenant), 0u);
  EXPECT_TRUE(r.Assign().empty()) << "away takes no chats";
}

TEST(Router, LeastLoadedAgentFirstThenLongestIdle) {
  Router r;
  r.SetAgent(kTenant, 1, Presence::kOnline, 2, {}, /*now=*/100);
  r.SetAgent(kTenant, 2, Presence::kOnline, 2, {}, /*now=*/50);  // idle longer
  r.Enqueue(W(10, 1));
  r.Enqueue(W(11, 2));
  r.Enqueue(W(12, 3));
  auto a = r.Assign();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].conversation_id, 10);
  EXPECT_EQ(a[0].agent_id, 2) << "tie on load: the one idle longest";
  EXPECT_EQ(a[1].agent_id, 1) << "then the least loaded";
  EXPECT_EQ(a[2].conversation_id, 12);
  EXPECT_EQ(r.ChatsOf(1).size() + r.ChatsOf(2).size(), 3u);
  // Both full (capacity 2, 3 chats + 1 free): one more fits, then none.
  r.Enqueue(W(13, 4));
  r.Enqueue(W(14, 5));
  auto b = r.Assign();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].conversation_id, 13);
  EXPECT_EQ(r.Position(14), 1);
  r.Released(b[0].agent_id, 13, 200);
  auto c = r.Assign();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].conversation_id, 14);
}

TEST(Router, TenantsAndLanguagesAreRespected) {
  Router r;
  r.SetAgent(/*tenant=*/2, 5, Presence::kOnline, 3, {}, 0);
  r.SetAgent(kTenant, 6, Presence::kOnline, 3, {"en"}, 0);
  r.Enqueue(W(10, 1, 0, "zh"));
  r.Enqueue(W(11, 2, 0, "en"));
  auto a = r.Assign();
  ASSERT_EQ(a.size(), 1u) << "the other tenant's agent takes nothing; zh waits for a zh agent";
  EXPECT_EQ(a[0].conversation_id, 11);
  EXPECT_EQ(a[0].agent_id, 6);
  EXPECT_EQ(r.Position(10), 1);
  r.SetAgent(kTenant, 8, Presence::kOnline, 1, {"zh", "en"}, 0);
  auto b = r.Assign();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].agent_id, 8);
}

TEST(Router, EnqueueTwiceKeepsThePlaceAndRaisesPriority) {
  Router r;
  r.Enqueue(W(10, 1));
  r.Enqueue(W(11, 2));
  r.Enqueue(W(11, 99, /*priority=*/3));  // an angrier second request
  EXPECT_EQ(r.Position(11), 1);
  r.Enqueue(W(11, 99, /*priority=*/1));  // lower: ignored
  EXPECT_EQ(r.Position(11), 1);
  r.Remove(11);
  EXPECT_EQ(r.Position(10), 1);
  EXPECT_FALSE(r.IsWaiting(11));
}

TEST(Router, AssignedAtStartUpCountsAgainstCapacity) {
  Router r;
  r.Assigned(4, 10);
  r.SetAgent(kTenant, 4, Presence::kOnline, 1, {}, 0);
  r.Enqueue(W(11, 1));
  EXPECT_TRUE(r.Assign().empty());
  EXPECT_EQ(r.ChatsOf(4), std::vector<int64_t>{10});
  Presence p;
  EXPECT_TRUE(ParsePresence("away", &p));
  EXPECT_EQ(p, Presence::kAway);
  EXPECT_FALSE(ParsePresence("busy", &p));
  EXPECT_STREQ(PresenceName(Presence::kOnline), "online");
}

TEST(Router, PendingChatsStayTheAgentsButFreeTheirSeat) {
  Router r;
  r.SetAgent(kTenant, 1, Presence::kOnline, 1, {}, 0);
  r.SetAgent(kTenant, 2, Presence::kOnline, 2, {}, 10);
  r.Enqueue(W(10, 1));
  r.Enqueue(W(11, 2));
  r.Enqueue(W(12, 3));
  ASSERT_EQ(r.Assign().size(), 3u);  // 1 has 10; 2 has 11 and 12: everybody full
  r.Enqueue(W(13, 4));
  EXPECT_TRUE(r.Assign().empty());
  // Agent 1 waits on the customer of 10: still theirs, not counted.
  r.SetPending(1, 10, true);
  EXPECT_TRUE(r.IsPending(10));
  EXPECT_EQ(r.ChatsOf(1), std::vector<int64_t>{10});
  auto a = r.Assign();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].conversation_id, 13);
  EXPECT_EQ(a[0].agent_id, 1);
  auto loads = r.AgentsOf(kTenant);
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[0].agent_id, 1);
  EXPECT_EQ(loads[0].active, 1);
  EXPECT_EQ(loads[0].pending, 1);
  EXPECT_EQ(loads[0].capacity, 1);
  // The customer writes: 10 counts again, beyond capacity, and is kept.
  r.SetPending(1, 10, false);
  EXPECT_FALSE(r.IsPending(10));
  EXPECT_EQ(r.AgentsOf(kTenant)[0].active, 2);
  EXPECT_EQ(r.ChatsOf(1).size(), 2u);
  r.Enqueue(W(14, 5));
  EXPECT_TRUE(r.Assign().empty());
  // A pending chat released is gone from both counts; another agent's chat
  // or an unknown one cannot be set pending.
  r.SetPending(1, 10, true);
  r.Released(1, 10, 50);
  EXPECT_FALSE(r.IsPending(10));
  r.SetPending(1, 11, true);
  EXPECT_FALSE(r.IsPending(11));
  EXPECT_EQ(r.AgentsOf(/*tenant=*/2).size(), 0u);
  // The line as the supervisor sees it.
  r.Enqueue(W(15, 6, /*priority=*/2));
  auto line = r.LineOf(kTenant);
  ASSERT_EQ(line.size(), 2u);
  EXPECT_EQ(line[0].conversation_id, 15);
  EXPECT_EQ(line[1].conversation_id, 14);
}

Waiting Q(int64_t conversation, int64_t since, std::string queue, int priority = 0,
          std::string language = "") {
  return Waiting{kTenant, conversation, priority, since, std::move(language), std::move(queue)};
}

TEST(Router, AQueuesConversationGoesOnlyToItsMembers) {
  Router r;
  r.SetQueues(kTenant, {{"senior", {}, {}, std::nullopt}, {"general", {}, {}, std::nullopt}});
  r.SetProfile(1, {{"senior"}, {}, {}});
  r.SetProfile(2, {{"general"}, {}, {}});
  r.SetAgent(kTenant, 1, Presence::kOnline, 5, {}, 0);
  r.SetAgent(kTenant, 2, Presence::kOnline, 5, {}, 0);
  r.Enqueue(Q(10, 1, "senior"));
  r.Enqueue(Q(11, 2, "general"));
  r.Enqueue(Q(12, 3, "senior"));
  auto a = r.Assign();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].conversation_id, 10);
  EXPECT_EQ(a[0].agent_id, 1);
  EXPECT_EQ(a[1].conversation_id, 11);
  EXPECT_EQ(a[1].agent_id, 2) << "not the less busy senior agent: not a member";
  EXPECT_EQ(a[2].conversation_id, 12);
  EXPECT_EQ(a[2].agent_id, 1) << "senior's only member, although busier";
}

TEST(Router, SkillsLanguagesAndUnconfiguredQueues) {
  Router r;
  r.SetQueues(kTenant, {{"refunds", {"refunds"}, {}, std::nullopt}});
  r.SetProfile(1, {{}, {"refunds"}, {"zh"}});
  r.SetProfile(2, {{}, {}, {"en"}});
  r.SetAgent(kTenant, 1, Presence::kOnline, 5, {}, 0);
  r.SetAgent(kTenant, 2, Presence::kOnline, 5, {}, 0);
  r.Enqueue(Q(10, 1, "refunds", 0, "en"));  // needs the skill and English: nobody
  r.Enqueue(Q(11, 2, "refunds", 0, "zh"));
  r.Enqueue(Q(12, 3, "nowhere", 0, "en"));  // not configured: anyone who speaks English
  auto a = r.Assign();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].conversation_id, 11);
  EXPECT_EQ(a[0].agent_id, 1);
  EXPECT_EQ(a[1].conversation_id, 12);
  EXPECT_EQ(a[1].agent_id, 2);
  EXPECT_TRUE(r.IsWaiting(10));
  EXPECT_TRUE(r.MayTake(1, kTenant, "refunds", "zh"));
  EXPECT_FALSE(r.MayTake(2, kTenant, "refunds", "en"));
  EXPECT_FALSE(r.MayTake(1, 99, "refunds", "zh")) << "another tenant";
}

TEST(Router, WaitingAgesPastAFresherHigherPriority) {
  Router r(/*aging_ms=*/60000);  // a priority level is worth a minute of waiting
  r.Enqueue(W(10, /*since=*/0));                          // normal, waiting since 0
  r.Enqueue(W(11, /*since=*/30000, /*priority=*/1));     // urgent, 30 s later: ahead
  EXPECT_EQ(r.Position(11), 1);
  r.Enqueue(W(12, /*since=*/90000, /*priority=*/1));     // urgent, 90 s later: behind 10
  EXPECT_EQ(r.Position(10), 2);
  EXPECT_EQ(r.Position(12), 3) << "10 waited more than a level's worth before 12 came";
  Router strict(/*aging_ms=*/0);
  strict.Enqueue(W(10, 0));
  strict.Enqueue(W(12, 10'000'000, 1));
  EXPECT_EQ(strict.Position(12), 1) << "no aging: priority strictly first";
}

TEST(Router, EnqueueAgainMovesToANewQueueAndKeepsThePlace) {
  Router r;
  r.Enqueue(Q(10, 5, "general"));
  r.Enqueue(Q(10, 50, "senior", 2));
  r.SetQueues(kTenant, {{"senior", {}, {}, std::nullopt}});
  r.SetProfile(1, {{"senior"}, {}, {}});
  r.SetAgent(kTenant, 1, Presence::kOnline, 1, {}, 0);
  auto a = r.Assign();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].since_ms, 5) << "its wait started at the first enqueue";
}

}  // namespace
}  // namespace kefu::handoff
