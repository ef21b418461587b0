// HandoffService over a real store and bus, with an executor the test drains
// itself: assignment, the compare-and-set that drops a stale decision, an
// absent agent's chats back in line, release.
#include "handoff/handoff_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "core/manual_executor.h"

namespace kefu::handoff {
namespace {

namespace fs = std::filesystem;

template <typename T, typename Start>
Result<T> Wait(Start start) {
  std::promise<Result<T>> p;
  start([&p](Result<T> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

class HandoffServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kefu-handoff-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store::SqliteOptions o;
    o.path = (dir_ / "kefu.db").string();
    o.synchronous = "off";
    auto s = store::Store::OpenSqlite(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    bus_ = bus::Bus::InProcess();
    tenant_ = Wait<store::Tenant>([&](auto cb) { store_->CreateTenant({"T", "pk_t", "zh-CN"}, cb); })->id;
    for (const char* email : {"a@x", "b@x"}) {
      agents_.push_back(Wait<store::User>([&](auto cb) {
                          store_->CreateUser({tenant_, email, email, "agent", "h"}, cb);
                        })->id);
    }
    contact_ = Wait<store::Contact>([&](auto cb) {
                 store_->CreateContact({tenant_, "", "c", "zh-CN", ""}, cb);
               })->id;
  }
  void TearDown() override {
    if (service_) service_->Stop();
    service_.reset();
    store_->Close();
    store_.reset();
    fs::remove_all(dir_);
  }

  int64_t NewConversation(const std::string& status) {
    auto c = Wait<store::Conversation>([&](auto cb) {
      store_->CreateConversation({tenant_, contact_, "widget", "zh-CN"}, cb);
    });
    if (status != "bot") {
      EXPECT_TRUE(Change(c->id, status).ok());
    }
    return c->id;
  }
  Result<store::Conversation> Change(int64_t id, const std::string& status,
                                     std::optional<std::optional<int64_t>> assignee = {}) {
    store::ConversationChange ch;
    ch.tenant_id = tenant_;
    ch.id = id;
    ch.status = status;
    ch.assignee_id = assignee;
    return Wait<store::Conversation>([&](auto cb) { store_->UpdateConversation(ch, cb); });
  }
  std::string StatusOf(int64_t id) { return store_->GetConversation(tenant_, id)->status; }

  // Drains the executor until `done` or 5 s.
  bool Until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      while (executor_.RunOne()) {
      }
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  void StartService() {
    service_ = std::make_unique<HandoffService>(
        HandoffDeps{store_.get(), bus_.get(), &executor_, &clock_}, HandoffOptions{2, 1000});
    ASSERT_TRUE(service_->Start().ok());
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<bus::Bus> bus_;
  ManualExecutor executor_;
  ManualClock clock_;
  std::unique_ptr<HandoffService> service_;
  int64_t tenant_ = 0, contact_ = 0;
  std::vector<int64_t> agents_;
};

TEST_F(HandoffServiceTest, AssignsWaitingChatsToOnlineAgentsAndTellsThem) {
  const int64_t waiting = NewConversation("queued");  // before start: read from the store
  StartService();
  EXPECT_EQ(service_->WaitingCount(tenant_), 1u);
  std::vector<AgentNotice> told;
  std::mutex mu;
  uint64_t s = service_->AgentConnected(tenant_, agents_[0], [&](const AgentNotice& n) {
    std::lock_guard lock(mu);
    told.push_back(n);
  });
  std::vector<bus::Event> seen;
  bus_->SubscribeAll([&](const bus::Event& e) {
    std::lock_guard lock(mu);
    seen.push_back(e);
  });
  ASSERT_TRUE(service_->SetPresence(s, Presence::kOnline).ok());
  ASSERT_TRUE(Until([&] {
    std::lock_guard lock(mu);
    return !told.empty();
  }));
  EXPECT_EQ(told[0].kind, AgentNotice::Kind::kAssigned);
  EXPECT_EQ(told[0].conversation_id, waiting);
  auto conv = store_->GetConversation(tenant_, waiting);
  EXPECT_EQ(conv->status, "assigned");
  EXPECT_EQ(conv->assignee_id, agents_[0]);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().type, bus::kConversationStatusChanged);
  EXPECT_EQ(seen.back().value, "assigned");
  EXPECT_EQ(service_->ChatsOf(agents_[0]), std::vector<int64_t>{waiting});

  // A conversation the bot hands over later arrives through the bus.
  const int64_t later = NewConversation("queued");
  bus_->Publish({bus::kConversationStatusChanged, tenant_, later, nullptr, "queued", 0});
  ASSERT_TRUE(Until([&] { return StatusOf(later) == "assigned"; }));
  // Capacity 2: a third waits.
  const int64_t third = NewConversation("queued");
  bus_->Publish({bus::kConversationStatusChanged, tenant_, third, nullptr, "queued", 0});
  ASSERT_TRUE(Until([&] { return service_->Position(third) == 1; }));
  EXPECT_EQ(StatusOf(third), "queued");
}

TEST_F(HandoffServiceTest, AStaleDecisionChangesNothing) {
  StartService();
  const int64_t c = NewConversation("queued");
  bus_->Publish({bus::kConversationStatusChanged, tenant_, c, nullptr, "queued", 0});
  ASSERT_TRUE(Until([&] { return service_->Position(c) == 1; }));
  // The customer went back to the bot before an agent came.
  ASSERT_TRUE(Change(c, "bot").ok());
  uint64_t s = service_->AgentConnected(tenant_, agents_[0], [](const AgentNotice&) {});
  ASSERT_TRUE(service_->SetPresence(s, Presence::kOnline).ok());
  ASSERT_TRUE(Until([&] { return service_->ChatsOf(agents_[0]).empty() && service_->Position(c) == 0; }));
  EXPECT_EQ(StatusOf(c), "bot") << "the compare-and-set refused the stale assignment";
}

TEST_F(HandoffServiceTest, AnAbsentAgentsChatsGoBackToTheLineAndToTheNextAgent) {
  StartService();
  const int64_t c = NewConversation("queued");
  bus_->Publish({bus::kConversationStatusChanged, tenant_, c, nullptr, "queued", 0});
  uint64_t s1 = service_->AgentConnected(tenant_, agents_[0], [](const AgentNotice&) {});
  ASSERT_TRUE(service_->SetPresence(s1, Presence::kOnline).ok());
  ASSERT_TRUE(Until([&] { return StatusOf(c) == "assigned"; }));
  // A second tab of the same agent keeps the chats when the first closes.
  uint64_t s1b = service_->AgentConnected(tenant_, agents_[0], [](const AgentNotice&) {});
  service_->AgentDisconnected(s1);
  ASSERT_TRUE(Until([&] { return true; }));
  EXPECT_EQ(StatusOf(c), "assigned");
  // The last one closes: after the grace period, back in line.
  service_->AgentDisconnected(s1b);
  ASSERT_TRUE(Until([&] { return StatusOf(c) == "queued"; }));
  EXPECT_FALSE(store_->GetConversation(tenant_, c)->assignee_id.has_value());
  uint64_t s2 = service_->AgentConnected(tenant_, agents_[1], [](const AgentNotice&) {});
  ASSERT_TRUE(service_->SetPresence(s2, Presence::kOnline).ok());
  ASSERT_TRUE(Until([&] {
    auto conv = store_->GetConversation(tenant_, c);
    return conv->status == "assigned" && conv->assignee_id == agents_[1];
  }));
  // Releasing: only the assignee may, and only to resolved or bot.
  std::promise<Status> wrong, bad, done;
  service_->Release(tenant_, agents_[0], c, "resolved", [&](Status st) { wrong.set_value(st); });
  service_->Release(tenant_, agents_[1], c, "pending", [&](Status st) { bad.set_value(st); });
  service_->Release(tenant_, agents_[1], c, "resolved", [&](Status st) { done.set_value(st); });
  auto f1 = wrong.get_future(), f2 = bad.get_future(), f3 = done.get_future();
  ASSERT_TRUE(Until([&] {
    return f1.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
           f3.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  EXPECT_EQ(f2.get().code(), Code::kInvalidArgument);
  EXPECT_EQ(f1.get().code(), Code::kPermissionDenied) << "agent 0 cannot resolve agent 1's chat";
  EXPECT_TRUE(f3.get().ok());
  EXPECT_EQ(StatusOf(c), "resolved");
  EXPECT_TRUE(service_->ChatsOf(agents_[1]).empty());
}

TEST_F(HandoffServiceTest, PendingFreesASeatAndTheCustomersMessageMakesItAssignedAgain) {
  StartService();
  uint64_t s = service_->AgentConnected(tenant_, agents_[0], [](const AgentNotice&) {});
  ASSERT_TRUE(service_->SetPresence(s, Presence::kOnline, /*capacity=*/1).ok());
  const int64_t c = NewConversation("queued");
  bus_->Publish({bus::kConversationStatusChanged, tenant_, c, nullptr, "queued", 0});
  ASSERT_TRUE(Until([&] { return StatusOf(c) == "assigned"; }));
  const int64_t next = NewConversation("queued");
  bus_->Publish({bus::kConversationStatusChanged, tenant_, next, nullptr, "queued", 0});
  ASSERT_TRUE(Until([&] { return service_->Position(next) == 1; }));
  // Only the assignee may set it pending.
  std::promise<Status> wrong, done;
  service_->SetPending(tenant_, agents_[1], c, [&](Status st) { wrong.set_value(st); });
  service_->SetPending(tenant_, agents_[0], c, [&](Status st) { done.set_value(st); });
  auto f1 = wrong.get_future(), f2 = done.get_future();
  ASSERT_TRUE(Until([&] {
    return f1.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
           f2.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  EXPECT_EQ(f1.get().code(), Code::kPermissionDenied);
  ASSERT_TRUE(f2.get().ok());
  EXPECT_EQ(StatusOf(c), "pending");
  EXPECT_EQ(store_->GetConversation(tenant_, c)->assignee_id, agents_[0]) << "still theirs";
  // Pending does not count against capacity: the next chat is theirs too.
  ASSERT_TRUE(Until([&] { return StatusOf(next) == "assigned"; }));
  EXPECT_EQ(service_->ChatsOf(agents_[0]).size(), 2u);
  auto snap = service_->SnapshotOf(tenant_);
  ASSERT_EQ(snap.agents.size(), 1u);
  EXPECT_EQ(snap.agents[0].active, 1);
  EXPECT_EQ(snap.agents[0].pending, 1);
  EXPECT_TRUE(snap.waiting.empty());
  // The customer writes: assigned again, and the bus says so.
  std::mutex mu;
  std::vector<std::string> statuses;
  bus_->Subscribe(c, [&](const bus::Event& e) {
    std::lock_guard lock(mu);
    if (e.type == bus::kConversationStatusChanged) statuses.push_back(e.value);
  });
  store::Message m;
  m.tenant_id = tenant_;
  m.conversation_id = c;
  m.sender = store::Sender::kContact;
  m.text = "I found the receipt";
  bus_->Publish({bus::kMessageCreated, tenant_, c, std::make_shared<store::Message>(m), "", 0});
  ASSERT_TRUE(Until([&] { return StatusOf(c) == "assigned"; }));
  ASSERT_TRUE(Until([&] {
    std::lock_guard lock(mu);
    return statuses == std::vector<std::string>{"assigned"};
  }));
  EXPECT_EQ(service_->SnapshotOf(tenant_).agents[0].active, 2);
  // Resolving works from pending as from assigned.
  std::promise<Status> p2, r2;
  service_->SetPending(tenant_, agents_[0], next, [&](Status st) { p2.set_value(st); });
  auto fp = p2.get_future();
  ASSERT_TRUE(Until([&] { return fp.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  ASSERT_TRUE(fp.get().ok());
  service_->Release(tenant_, agents_[0], next, "resolved", [&](Status st) { r2.set_value(st); });
  auto fr = r2.get_future();
  ASSERT_TRUE(Until([&] { return fr.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  EXPECT_TRUE(fr.get().ok());
  EXPECT_EQ(StatusOf(next), "resolved");
  EXPECT_EQ(service_->ChatsOf(agents_[0]), std::vector<int64_t>{c});
}

TEST_F(HandoffServiceTest, AnAbsentAgentsPendingChatsGoBackToTheLineToo) {
  StartService();
  uint64_t s = service_->AgentConnected(tenant_, agents_[0], [](const AgentNotice&) {});
  ASSERT_TRUE(service_->SetPresence(s, Presence::kOnline).ok());
  const int64_t c = NewConversation("queued");
  bus_->Publish({bus::kConversationStatusChanged, tenant_, c, nullptr, "queued", 0});
  ASSERT_TRUE(Until([&] { return StatusOf(c) == "assigned"; }));
  std::promise<Status> p;
  service_->SetPending(tenant_, agents_[0], c, [&](Status st) { p.set_value(st); });
  auto f = p.get_future();
  ASSERT_TRUE(Until([&] { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  ASSERT_TRUE(f.get().ok());
  service_->AgentDisconnected(s);
  ASSERT_TRUE(Until([&] { return StatusOf(c) == "queued"; }));
  EXPECT_EQ(service_->Position(c), 1);
}

TEST_F(HandoffServiceTest, QueuesProfilesAndTransfersWithANote) {
  StartService();
  auto queues = ParseQueues(Json::parse(R"([{"name":"senior"},{"name":"general"},
      {"name":"night","business_hours":{"time_zone":"UTC","weekly":{"mon":[["00:00","06:00"]]}}}])"));
  ASSERT_TRUE(queues.ok());
  ASSERT_TRUE(Wait<bool>([&](auto cb) {
                service_->SetQueues(tenant_, *queues, [cb](Status s) { cb(Result<bool>(s.ok())); });
              }).value());
  // The clock decides the business hours: 2023-11-14 22:13 UTC is a Tuesday.
  EXPECT_FALSE(service_->QueueOpen(tenant_, "night"));
  clock_.Set(1'700'438'400'000 + 3600'000);  // Monday 2023-11-20 01:00 UTC
  EXPECT_TRUE(service_->QueueOpen(tenant_, "night"));
  EXPECT_TRUE(service_->QueueOpen(tenant_, "general")) << "no hours: open";
  EXPECT_TRUE(service_->QueueOpen(tenant_, "unknown")) << "not configured: open";

  for (int i : {0, 1}) {
    AgentProfile p;
    p.queues = {i == 0 ? "general" : "senior"};
    ASSERT_TRUE(Wait<bool>([&](auto cb) {
                  service_->SetProfile(tenant_, agents_[i], p,
                                       [cb](Status s) { cb(Result<bool>(s.ok())); });
                }).value());
  }
  std::mutex mu;
  std::vector<AgentNotice> told_a, told_b;
  uint64_t sa = service_->AgentConnected(tenant_, agents_[0], [&](const AgentNotice& n) {
    std::lock_guard lock(mu);
    told_a.push_back(n);
  });
  uint64_t sb = service_->AgentConnected(tenant_, agents_[1], [&](const AgentNotice& n) {
    std::lock_guard lock(mu);
    told_b.push_back(n);
  });
  ASSERT_TRUE(service_->SetPresence(sa, Presence::kOnline).ok());
  ASSERT_TRUE(service_->SetPresence(sb, Presence::kOnline).ok());

  // A senior chat goes to the senior agent only.
  const int64_t c = NewConversation("bot");
  store::ConversationChange ch;
  ch.tenant_id = tenant_;
  ch.id = c;
  ch.status = "queued";
  ch.queue = "senior";
  ch.priority = 1;
  ASSERT_TRUE(Wait<store::Conversation>([&](auto cb) { store_->UpdateConversation(ch, cb); }).ok());
  bus_->Publish({bus::kConversationStatusChanged, tenant_, c, nullptr, "queued", 0});
  ASSERT_TRUE(Until([&] { return StatusOf(c) == "assigned"; }));
  EXPECT_EQ(store_->GetConversation(tenant_, c)->assignee_id, agents_[1]);

  auto transfer = [&](Transfer t) {
    auto result = std::make_shared<std::optional<Status>>();
    std::mutex m;
    service_->TransferChat(t, [&m, result](Status st) {
      std::lock_guard lock(m);
      *result = st;
    });
    EXPECT_TRUE(Until([&] {
      std::lock_guard lock(m);
      return result->has_value();
    }));
    std::lock_guard lock(m);
    return result->value_or(Status::Internal("no answer"));
  };
  // Refusals: no target, both, a note too long, not the holder's, an unknown queue.
  EXPECT_EQ(transfer({tenant_, agents_[1], c, std::nullopt, "", ""}).code(), Code::kInvalidArgument);
  EXPECT_EQ(transfer({tenant_, agents_[1], c, agents_[0], "general", ""}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(transfer({tenant_, agents_[1], c, agents_[0], "", std::string(1001, 'x')}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(transfer({tenant_, agents_[1], c, std::nullopt, "nowhere", ""}).code(), Code::kNotFound);
  EXPECT_EQ(transfer({tenant_, agents_[1], c, int64_t{424242}, "", ""}).code(), Code::kNotFound);
  EXPECT_EQ(transfer({tenant_, agents_[0], c, std::nullopt, "general", ""}).code(),
            Code::kPermissionDenied);

  // To the other agent: theirs at once, with the note in the event.
  ASSERT_TRUE(transfer({tenant_, agents_[1], c, agents_[0], "", "退款已核实"}).ok());
  auto conv = store_->GetConversation(tenant_, c);
  EXPECT_EQ(conv->status, "assigned");
  EXPECT_EQ(conv->assignee_id, agents_[0]);
  EXPECT_EQ(service_->ChatsOf(agents_[0]), std::vector<int64_t>{c});
  EXPECT_TRUE(service_->ChatsOf(agents_[1]).empty());
  auto event = store_->LastEvent(tenant_, c, kConversationTransferred);
  ASSERT_TRUE(event.ok());
  Json payload = Json::parse(event->payload_json);
  EXPECT_EQ(payload["note"], "退款已核实");
  EXPECT_EQ(payload["to_agent"], agents_[0]);
  EXPECT_EQ(payload["from_agent"], agents_[1]);

  // To the senior queue: its member takes it back.
  ASSERT_TRUE(transfer({tenant_, agents_[0], c, std::nullopt, "senior", "投诉"}).ok());
  ASSERT_TRUE(Until([&] { return store_->GetConversation(tenant_, c)->assignee_id == agents_[1]; }));
  EXPECT_EQ(store_->GetConversation(tenant_, c)->queue, "senior");
  EXPECT_EQ(Json::parse(store_->LastEvent(tenant_, c, kConversationTransferred)->payload_json)["to_queue"],
            "senior");

  // The takeover switch is kept in the store.
  EXPECT_FALSE(service_->Takeover(tenant_));
  ASSERT_TRUE(Wait<bool>([&](auto cb) {
                service_->SetTakeover(tenant_, true, [cb](Status s) { cb(Result<bool>(s.ok())); });
              }).value());
  EXPECT_TRUE(service_->Takeover(tenant_));
  service_->Stop();
  service_ = std::make_unique<HandoffService>(
      HandoffDeps{store_.get(), bus_.get(), &executor_, &clock_}, HandoffOptions{2, 1000});
  ASSERT_TRUE(service_->Start().ok());
  EXPECT_TRUE(service_->Takeover(tenant_)) << "read back from the store";
  EXPECT_EQ(service_->Queues(tenant_).size(), 3u);
  EXPECT_EQ(service_->ProfileOf(tenant_, agents_[1]).queues, std::vector<std::string>{"senior"});
}

}  // namespace
}  // namespace kefu::handoff
