#include "conversation/conversation_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "core/manual_executor.h"

namespace kefu::conversation {
namespace {

namespace fs = std::filesystem;

template <typename T, typename Start>
Result<T> Wait(Start start) {
  std::promise<Result<T>> p;
  start([&p](Result<T> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

Status Flush(store::Store& s) {
  std::promise<Status> p;
  s.Flush([&p](Status st) { p.set_value(std::move(st)); });
  return p.get_future().get();
}

class ConversationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kefu-conv-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Open();
    auto t = Wait<store::Tenant>([&](auto cb) {
      store_->CreateTenant({"T", "pk_t", "zh-CN"}, cb);
    });
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tenant_ = t->id;
    auto c = Wait<store::Contact>([&](auto cb) {
      store_->CreateContact({tenant_, "", "", "zh-CN", "h"}, cb);
    });
    ASSERT_TRUE(c.ok());
    contact_ = c->id;
    auto conv = Wait<store::Conversation>([&](auto cb) {
      store_->CreateConversation({tenant_, contact_, "widget", "zh-CN"}, cb);
    });
    ASSERT_TRUE(conv.ok());
    conversation_ = conv->id;
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void Open() {
    store::SqliteOptions o;
    o.path = (dir_ / "kefu.db").string();
    o.faults = &faults_;
    auto s = store::Store::OpenSqlite(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    responder_ = MakeEchoResponder(&executor_, 0);
    service_ = std::make_unique<ConversationService>(
        Deps{store_.get(), bus_.get(), responder_.get(), &executor_, &clock_, &metrics_});
  }
  Inbound Message(std::string client_id, std::string text) {
    Inbound in;
    in.tenant_id = tenant_;
    in.conversation_id = conversation_;
    in.contact_id = contact_;
    in.client_id = std::move(client_id);
    in.text = std::move(text);
    in.origin = 42;
    return in;
  }
  // Receives and runs the executor, one task at a time, until the caller's
  // callback came: what that posted (the responder's turn) has not run yet.
  Result<store::AppendResult> Receive(Inbound in) {
    std::promise<Result<store::AppendResult>> p;
    auto f = p.get_future();
    service_->Receive(std::move(in),
                      [&p](Result<store::AppendResult> r) { p.set_value(std::move(r)); });
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (!executor_.RunOne()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return f.get();
  }
  // Runs posted work until the store is idle and nothing is left to run.
  void Settle() {
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(Flush(*store_).ok());
      executor_.Drain();
    }
  }

  fs::path dir_;
  store::FaultInjector faults_;
  ManualClock clock_;
  metrics::Registry metrics_;
  ManualExecutor executor_;
  std::unique_ptr<bus::Bus> bus_ = bus::Bus::InProcess();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Responder> responder_;
  std::unique_ptr<ConversationService> service_;
  int64_t tenant_ = 0, contact_ = 0, conversation_ = 0;
};

TEST_F(ConversationServiceTest, StoresPublishesWithOriginAndAnswers) {
  std::vector<std::pair<int64_t, uint64_t>> seen;  // seq, origin
  std::mutex mu;
  bus_->Subscribe(conversation_, [&](const bus::Event& e) {
    std::lock_guard lock(mu);
    seen.emplace_back(e.message->seq, e.origin);
  });
  auto r = Receive(Message("c1", "你好"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->seq, 1);
  EXPECT_FALSE(r->duplicate);
  Settle();  // the responder runs
  auto msgs = store_->ReadMessages(tenant_, conversation_, 0, 10);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[1].sender, store::Sender::kBot);
  EXPECT_EQ((*msgs)[1].text, "echo: 你好");
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (std::pair<int64_t, uint64_t>{1, 42}));
  EXPECT_EQ(seen[1], (std::pair<int64_t, uint64_t>{2, 0}));
  EXPECT_EQ(metrics_.messages_in.Value(), 1u);
  EXPECT_EQ(metrics_.messages_out.Value(), 1u);
  auto pending = store_->ListPendingReplies(10);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty()) << "the answer clears the pending reply";
}

TEST_F(ConversationServiceTest, DuplicateIsNotPublishedNorAnsweredTwice) {
  int published = 0;
  bus_->Subscribe(conversation_, [&](const bus::Event&) { ++published; });
  ASSERT_TRUE(Receive(Message("c1", "hi")).ok());
  auto again = Receive(Message("c1", "hi"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, 1);
  Settle();
  EXPECT_EQ(published, 2);  // the message and one answer
  EXPECT_EQ(metrics_.messages_duplicate.Value(), 1u);
  auto msgs = store_->ReadMessages(tenant_, conversation_, 0, 10);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(msgs->size(), 2u);
}

TEST_F(ConversationServiceTest, RecoverAnswersWhatACrashLeftUnanswered) {
  service_->Receive(Message("c1", "where is my order"), [](Result<store::AppendResult>) {});
  ASSERT_TRUE(Flush(*store_).ok());  // the question is on disk
  // "Crash": what follows the commit (publish, answer) never ran. Reopen
  // everything from disk.
  executor_.Discard();
  service_.reset();
  store_.reset();
  Open();
  auto pending = store_->ListPendingReplies(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  auto n = service_->Recover();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  Settle();
  auto msgs = store_->ReadMessages(tenant_, conversation_, 0, 10);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[1].text, "echo: where is my order");
  // Answering again (a second recovery) stores nothing twice.
  ASSERT_TRUE(service_->Recover().ok());
  Settle();
  msgs = store_->ReadMessages(tenant_, conversation_, 0, 10);
  EXPECT_EQ(msgs->size(), 2u);
}

TEST_F(ConversationServiceTest, AReplyTheStoreRefusesIsRetriedNotLost) {
  ASSERT_TRUE(Receive(Message("c1", "hello")).ok());
  faults_.fail_syncs = true;  // the disk fails while the answer is stored
  Settle();                   // the responder runs; storing its reply fails
  auto msgs = store_->ReadMessages(tenant_, conversation_, 0, 10);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(msgs->size(), 1u);
  EXPECT_EQ(service_->RepliesInFlight(), 1);
  faults_.fail_syncs = false;
  Settle();  // the retry
  msgs = store_->ReadMessages(tenant_, conversation_, 0, 10);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[1].text, "echo: hello");
  EXPECT_EQ(service_->RepliesInFlight(), 0);
  auto pending = store_->ListPendingReplies(10);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
}

TEST_F(ConversationServiceTest, OpenConversationReusesTheOpenOneOrCreatesOnePerChannel) {
  auto open = [&](const std::string& channel) {
    auto r = Wait<OpenedConversation>(
        [&](auto cb) { service_->OpenConversation(tenant_, contact_, channel, "en", cb); });
    return r.ok() ? Result<store::Conversation>(r->conversation)
                  : Result<store::Conversation>(r.status());
  };
  auto widget = open("widget");
  ASSERT_TRUE(widget.ok()) << widget.status().ToString();
  EXPECT_EQ(widget->id, conversation_);
  auto api = open("api");
  ASSERT_TRUE(api.ok()) << api.status().ToString();
  EXPECT_NE(api->id, conversation_);
  EXPECT_EQ(api->channel, "api");
  EXPECT_EQ(open("api")->id, api->id);
  EXPECT_EQ(Wait<OpenedConversation>([&](auto cb) {
              service_->OpenConversation(tenant_ + 1, contact_, "api", "en", cb);
            })
                .status()
                .code(),
            Code::kNotFound)
      << "another tenant's contact";
}

TEST_F(ConversationServiceTest, WithoutAResponderMessagesAreStoredAndWait) {
  service_ = std::make_unique<ConversationService>(
      Deps{store_.get(), bus_.get(), nullptr, &executor_, &clock_, &metrics_});
  auto r = Receive(Message("c1", "anyone there?"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->seq, 1);
  Settle();
  auto msgs = store_->ReadMessages(tenant_, conversation_, 0, 10);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(msgs->size(), 1u);
  EXPECT_TRUE(store_->ListPendingReplies(10)->empty());
  auto n = service_->Recover();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

}  // namespace
}  // namespace kefu::conversation
