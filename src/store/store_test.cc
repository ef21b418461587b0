// Behaviour of the Store interface, run against the SQLite backend.
#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store_testing.h"

namespace kefu::store {
namespace {

using testing::Append;
using testing::Flush;
using testing::Msg;
using testing::Seed;
using testing::Seeded;
using testing::TempDir;
using testing::Wait;
using testing::WaitStatus;
using testing::WriterGate;

TEST(Sender, NamesRoundTrip) {
  for (Sender s : {Sender::kContact, Sender::kBot, Sender::kAgent, Sender::kSystem}) {
    EXPECT_EQ(ParseSender(SenderName(s)), s);
  }
  EXPECT_EQ(ParseSender("robot"), std::nullopt);
  EXPECT_EQ(ParseSender(""), std::nullopt);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    opts_.path = dir_.File("kefu.db");
    opts_.clock = &clock_;
    Reopen();
  }
  void Reopen() {
    store_.reset();
    auto s = Store::OpenSqlite(opts_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  TempDir dir_;
  ManualClock clock_;
  SqliteOptions opts_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, AppendAssignsGapFreeSeqs) {
  Seeded s = Seed(*store_, "acme");
  for (int i = 1; i <= 3; ++i) {
    auto r = Append(*store_, Msg(s, "c" + std::to_string(i), "m" + std::to_string(i)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->seq, i);
    EXPECT_FALSE(r->duplicate);
    EXPECT_EQ(r->created_at, clock_.NowMillis());
  }
  auto msgs = store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 100);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*msgs)[i].seq, i + 1);
    EXPECT_EQ((*msgs)[i].text, "m" + std::to_string(i + 1));
    EXPECT_EQ((*msgs)[i].sender, Sender::kContact);
    EXPECT_EQ((*msgs)[i].sender_id, s.contact.id);
  }
  auto after = store_->ReadMessages(s.tenant.id, s.conversation.id, 1, 1);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].seq, 2);
  auto conv = store_->GetConversation(s.tenant.id, s.conversation.id);
  ASSERT_TRUE(conv.ok());
  EXPECT_EQ(conv->last_seq, 3);
  auto m2 = store_->GetMessage(s.tenant.id, s.conversation.id, 2);
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->client_id, "c2");
  EXPECT_EQ(store_->GetMessage(s.tenant.id, s.conversation.id, 4).status().code(), Code::kNotFound);
}

TEST_F(StoreTest, DuplicateClientIdReturnsTheSameSeq) {
  Seeded s = Seed(*store_, "acme");
  auto first = Append(*store_, Msg(s, "same", "hello"));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Append(*store_, Msg(s, "other")).ok());
  auto again = Append(*store_, Msg(s, "same", "hello (resent)"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(again->message_id, first->message_id);
  // Messages without client_id are never duplicates of each other.
  EXPECT_EQ(Append(*store_, Msg(s, ""))->seq, 3);
  EXPECT_EQ(Append(*store_, Msg(s, ""))->seq, 4);
  auto msgs = store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 100);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(msgs->size(), 4u);
  EXPECT_EQ((*msgs)[0].text, "hello");
}

TEST_F(StoreTest, InFlightDuplicatesGetTheSameSeq) {
  Seeded s = Seed(*store_, "acme");
  ASSERT_TRUE(Append(*store_, Msg(s, "before")).ok());
  constexpr int kThreads = 8;
  std::mutex mu;
  std::vector<Result<AppendResult>> results;
  {
    WriterGate gate(*store_);  // every copy is queued before any commits
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        store_->AppendMessage(Msg(s, "dup"), [&](Result<AppendResult> r) {
          std::lock_guard lock(mu);
          results.push_back(std::move(r));
        });
      });
    }
    for (auto& t : threads) t.join();
  }
  ASSERT_TRUE(Flush(*store_).ok());
  ASSERT_EQ(results.size(), static_cast<size_t>(kThreads));
  int fresh = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->seq, 2);
    EXPECT_EQ(r->message_id, results[0]->message_id);
    fresh += r->duplicate ? 0 : 1;
  }
  EXPECT_EQ(fresh, 1);
  auto msgs = store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 100);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(msgs->size(), 2u);
  EXPECT_EQ(store_->GetConversation(s.tenant.id, s.conversation.id)->last_seq, 2);
}

TEST_F(StoreTest, TenantsAreIsolated) {
  Seeded a = Seed(*store_, "a");
  Seeded b = Seed(*store_, "b");
  ASSERT_TRUE(Append(*store_, Msg(b, "x", "b's secret")).ok());
  const int64_t ta = a.tenant.id;
  const int64_t conv_b = b.conversation.id;
  EXPECT_EQ(store_->GetConversation(ta, conv_b).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->ReadMessages(ta, conv_b, 0, 10).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->GetMessage(ta, conv_b, 1).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->GetContact(ta, b.contact.id).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->FindOpenConversation(ta, b.contact.id, "widget").status().code(),
            Code::kNotFound);
  // Writing into another tenant's conversation, even with a known client_id.
  NewMessage m = Msg(b, "x");
  m.tenant_id = ta;
  EXPECT_EQ(Append(*store_, m).status().code(), Code::kNotFound);
  m.client_id = "new";
  EXPECT_EQ(Append(*store_, m).status().code(), Code::kNotFound);
  auto conv = Wait<Conversation>([&](auto cb) {
    store_->CreateConversation({ta, b.contact.id, "widget", ""}, cb);
  });
  EXPECT_EQ(conv.status().code(), Code::kNotFound);
  auto lst = store_->ListConversations(ta, {});
  ASSERT_TRUE(lst.ok());
  ASSERT_EQ(lst->size(), 1u);
  EXPECT_EQ((*lst)[0].id, a.conversation.id);
  // b's conversation is untouched.
  EXPECT_EQ(store_->GetConversation(b.tenant.id, conv_b)->last_seq, 1);
}

TEST_F(StoreTest, GroupCommitGroupsAndEverySeqIsDistinct) {
  std::atomic<int> commits{0};
  std::atomic<size_t> biggest{0};
  opts_.max_group = 100;
  opts_.on_commit = [&](size_t ops, int64_t, bool ok) {
    EXPECT_TRUE(ok);
    ++commits;
    if (ops > biggest) biggest = ops;
  };
  Reopen();
  Seeded s = Seed(*store_, "acme");
  constexpr int kThreads = 4, kPerThread = 250;
  std::mutex mu;
  std::vector<int64_t> seqs;
  int before;
  {
    WriterGate gate(*store_);
    before = commits.load();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          store_->AppendMessage(Msg(s, std::to_string(t) + "-" + std::to_string(i)),
                                [&](Result<AppendResult> r) {
                                  ASSERT_TRUE(r.ok()) << r.status().ToString();
                                  std::lock_guard lock(mu);
                                  seqs.push_back(r->seq);
                                });
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  ASSERT_TRUE(Flush(*store_).ok());
  const int groups = commits.load() - before;
  EXPECT_LT(groups, kThreads * kPerThread);
  EXPECT_GE(groups, kThreads * kPerThread / 100);  // max_group respected
  EXPECT_LE(biggest.load(), 100u);
  std::set<int64_t> distinct(seqs.begin(), seqs.end());
  ASSERT_EQ(distinct.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kThreads * kPerThread);
  // Callbacks run in queue order: seqs arrive ascending.
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
}

TEST_F(StoreTest, FullQueueFailsFastWithBusy) {
  opts_.max_queue = 4;
  Reopen();
  Seeded s = Seed(*store_, "acme");
  std::atomic<int> ok{0};
  bool busy_inline = false;
  {
    WriterGate gate(*store_);
    for (int i = 0; i < 4; ++i) {
      store_->AppendMessage(Msg(s, "q" + std::to_string(i)),
                            [&](Result<AppendResult> r) { ok += r.ok() ? 1 : 0; });
    }
    EXPECT_EQ(store_->QueueDepth(), 4u);
    Status rejected;
    store_->AppendMessage(Msg(s, "rejected"), [&](Result<AppendResult> r) {
      rejected = r.status();
      busy_inline = true;
    });
    EXPECT_TRUE(busy_inline);  // called on this thread, before returning
    EXPECT_EQ(rejected.code(), Code::kBusy);
  }
  ASSERT_TRUE(Flush(*store_).ok());
  EXPECT_EQ(ok.load(), 4);
  auto msgs = store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 100);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 4u);
  for (const Message& m : *msgs) EXPECT_NE(m.client_id, "rejected");
}

TEST_F(StoreTest, LogicalFailureFailsOnlyItsWrite) {
  Seeded s = Seed(*store_, "acme");
  std::vector<Result<AppendResult>> results;
  {
    WriterGate gate(*store_);  // the three go into one group
    auto push = [&](NewMessage m) {
      store_->AppendMessage(std::move(m),
                            [&](Result<AppendResult> r) { results.push_back(std::move(r)); });
    };
    push(Msg(s, "a"));
    NewMessage bad = Msg(s, "b");
    bad.conversation_id = 999999;
    push(bad);
    push(Msg(s, "c"));
  }
  ASSERT_TRUE(Flush(*store_).ok());
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]->seq, 1);
  EXPECT_EQ(results[1].status().code(), Code::kNotFound);
  EXPECT_EQ(results[2]->seq, 2);
}

TEST_F(StoreTest, RejectsBadInputWithoutCrashing) {
  Seeded s = Seed(*store_, "acme");
  struct Case {
    const char* name;
    std::function<void(NewMessage&)> edit;
    Code want;
  };
  const Case cases[] = {
      {"no tenant", [](NewMessage& m) { m.tenant_id = 0; }, Code::kInvalidArgument},
      {"no conversation", [](NewMessage& m) { m.conversation_id = -1; }, Code::kInvalidArgument},
      {"bad sender", [](NewMessage& m) { m.sender = static_cast<Sender>(42); },
       Code::kInvalidArgument},
      {"event payload not an object",
       [](NewMessage& m) {
         m.events.push_back({"message.created", "[1"});
       },
       Code::kInvalidArgument},
      {"unknown conversation", [](NewMessage& m) { m.conversation_id = 12345; }, Code::kNotFound},
  };
  for (const Case& c : cases) {
    NewMessage m = Msg(s, std::string("bad-") + c.name);
    c.edit(m);
    EXPECT_EQ(Append(*store_, m).status().code(), c.want) << c.name;
  }
  // Nothing of them stayed, and seq did not move.
  EXPECT_EQ(store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 10)->size(), 0u);
  EXPECT_EQ(store_->ListEvents(s.tenant.id, 0, 10)->size(), 0u);
  EXPECT_EQ(Append(*store_, Msg(s, "good"))->seq, 1);
  EXPECT_EQ(store_->ReadMessages(s.tenant.id, s.conversation.id, 0, -5)->size(), 0u);
  EXPECT_EQ(store_->GetConversation(s.tenant.id, -1).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->FindContactByTokenHash(s.tenant.id, "").status().code(), Code::kNotFound);
}

TEST_F(StoreTest, EventsOutboxAndPendingRepliesAreWrittenWithTheMessage) {
  Seeded s = Seed(*store_, "acme");
  const int64_t t = s.tenant.id;
  NewMessage q = Msg(s, "q1", "where is my order?");
  q.expects_reply = true;
  q.events.push_back({"message.created", R"({"text":"where is my order?"})"});
  q.outbox.push_back({"webhook", R"({"event":"message.created"})"});
  auto r = Append(*store_, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  auto events = store_->ListEvents(t, 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "message.created");
  EXPECT_EQ((*events)[0].conversation_id, s.conversation.id);
  auto payload = nlohmann::json::parse((*events)[0].payload_json);
  EXPECT_EQ(payload["seq"], r->seq);
  EXPECT_EQ(payload["message_id"], r->message_id);
  EXPECT_EQ(payload["text"], "where is my order?");
  auto outbox = store_->ListOutbox(t, 10);
  ASSERT_TRUE(outbox.ok());
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ((*outbox)[0].topic, "webhook");
  EXPECT_EQ((*outbox)[0].status, "pending");
  EXPECT_EQ((*outbox)[0].next_attempt_at, clock_.NowMillis());
  auto pending = store_->ListPendingReplies(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].conversation_id, s.conversation.id);
  EXPECT_EQ((*pending)[0].seq, r->seq);

  // A duplicate writes no event, outbox row or pending reply.
  ASSERT_TRUE(Append(*store_, q)->duplicate);
  EXPECT_EQ(store_->ListEvents(t, 0, 10)->size(), 1u);
  EXPECT_EQ(store_->ListOutbox(t, 10)->size(), 1u);
  EXPECT_EQ(store_->ListPendingReplies(10)->size(), 1u);

  // A second question, then the bot answers the first: only it is cleared.
  NewMessage q2 = Msg(s, "q2", "and my refund?");
  q2.expects_reply = true;
  auto r2 = Append(*store_, q2);
  ASSERT_TRUE(r2.ok());
  NewMessage answer = Msg(s, "", "on its way");
  answer.sender = Sender::kBot;
  answer.reply_to = NewMessage::ReplyTo{r->seq, 0, true};
  ASSERT_TRUE(Append(*store_, answer).ok());
  pending = store_->ListPendingReplies(10);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].seq, r2->seq);
  // Answering it again stores nothing.
  EXPECT_EQ(Append(*store_, answer).status().code(), Code::kAlreadyExists);

  // MarkAnswered clears without a message; the tenant must match.
  EXPECT_TRUE(WaitStatus([&](auto cb) {
                store_->MarkAnswered(t + 1, s.conversation.id, r2->seq, cb);
              }).ok());
  EXPECT_EQ(store_->ListPendingReplies(10)->size(), 1u);
  EXPECT_TRUE(
      WaitStatus([&](auto cb) { store_->MarkAnswered(t, s.conversation.id, r2->seq, cb); }).ok());
  EXPECT_EQ(store_->ListPendingReplies(10)->size(), 0u);
  EXPECT_EQ(store_->ListEvents(t, (*events)[0].id, 10)->size(), 0u);
}

TEST_F(StoreTest, RepliesOfATurnAreStoredOnceEachInOrder) {
  Seeded s = Seed(*store_, "acme");
  NewMessage q = Msg(s, "q1", "two answers please");
  q.expects_reply = true;
  auto question = Append(*store_, q);
  ASSERT_TRUE(question.ok());
  auto reply = [&](int index, bool last) {
    NewMessage m = Msg(s, "", "reply " + std::to_string(index));
    m.sender = Sender::kBot;
    m.reply_to = NewMessage::ReplyTo{question->seq, index, last};
    return Append(*store_, m);
  };
  EXPECT_EQ(reply(1, true).status().code(), Code::kAlreadyExists) << "reply 0 comes first";
  ASSERT_TRUE(reply(0, false).ok());
  EXPECT_EQ(reply(0, false).status().code(), Code::kAlreadyExists) << "stored once";
  ASSERT_TRUE(reply(1, true).ok());
  EXPECT_EQ(reply(1, true).status().code(), Code::kAlreadyExists) << "answered";
  EXPECT_TRUE(store_->ListPendingReplies(10)->empty());
  auto msgs = store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 10);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 3u);
  EXPECT_EQ((*msgs)[1].text, "reply 0");
  EXPECT_EQ((*msgs)[2].text, "reply 1");
  EXPECT_EQ((*msgs)[2].seq, 3) << "refused replies burn no seq";
}

TEST_F(StoreTest, AMessageSetsItsConversationsStatusInItsTransaction) {
  Seeded s = Seed(*store_, "acme");
  NewMessage handoff = Msg(s, "", "a colleague will take over");
  handoff.sender = Sender::kBot;
  handoff.set_status = "queued";
  handoff.events.push_back({"conversation.handoff_requested", R"({"reason":"anger"})"});
  ASSERT_TRUE(Append(*store_, handoff).ok());
  EXPECT_EQ(store_->GetConversation(s.tenant.id, s.conversation.id)->status, "queued");
  ASSERT_EQ(store_->ListEvents(s.tenant.id, 0, 10)->size(), 1u);

  // An unknown status is refused, and nothing of the message is written.
  NewMessage bad = Msg(s, "", "never stored");
  bad.set_status = "sleeping";
  EXPECT_EQ(Append(*store_, bad).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->GetConversation(s.tenant.id, s.conversation.id)->status, "queued");
  EXPECT_EQ(store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 10)->size(), 1u);

  // A message without set_status leaves the status alone.
  ASSERT_TRUE(Append(*store_, Msg(s, "c1", "hello?")).ok());
  EXPECT_EQ(store_->GetConversation(s.tenant.id, s.conversation.id)->status, "queued");
}

TEST_F(StoreTest, BotPackagesAreVersionedPerTenantByteForByte) {
  Seeded a = Seed(*store_, "acme");
  Seeded b = Seed(*store_, "other");
  const std::string binary("\x00\xff\x80yaml\n", 8);
  auto put = [&](int64_t tenant, std::vector<BotPackageFile> files) {
    return Wait<BotPackageVersion>([&](auto cb) {
      store_->PutBotPackage(NewBotPackage{tenant, "hash", "/src/shop", std::move(files)}, cb);
    });
  };
  auto v1 = put(a.tenant.id, {{"bot.yaml", "languages: [zh]\n"}, {"demo/raw.bin", binary}});
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->files, 2);
  EXPECT_EQ(v1->bytes, static_cast<int64_t>(16 + binary.size()));
  auto v2 = put(a.tenant.id, {{"bot.yaml", "languages: [en]\n"}});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  auto other = put(b.tenant.id, {{"bot.yaml", "x"}});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->version, 1) << "versions count per tenant";

  std::vector<BotPackageFile> files;
  auto newest = store_->GetBotPackage(a.tenant.id, 0, &files);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->version, 2);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].content, "languages: [en]\n");
  auto first = store_->GetBotPackage(a.tenant.id, 1, &files);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "bot.yaml");
  EXPECT_EQ(files[1].path, "demo/raw.bin");
  EXPECT_EQ(files[1].content, binary) << "bytes survive, NULs and all";
  EXPECT_EQ(store_->GetBotPackage(a.tenant.id, 3, nullptr).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->GetBotPackage(b.tenant.id + 1, 0, nullptr).status().code(), Code::kNotFound);
  auto list = store_->ListBotPackages(a.tenant.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].version, 2) << "newest first";

  EXPECT_EQ(put(a.tenant.id, {}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(put(a.tenant.id, {{"a", "1"}, {"a", "2"}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(put(b.tenant.id + 100, {{"a", "1"}}).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->ListBotPackages(a.tenant.id)->size(), 2u) << "refused imports leave nothing";
  auto tenants = store_->ListTenants();
  ASSERT_TRUE(tenants.ok());
  EXPECT_EQ(tenants->size(), 2u);
}

TEST_F(StoreTest, PendingRepliesAreListedOldestFirstAcrossTenants) {
  Seeded a = Seed(*store_, "a");
  Seeded b = Seed(*store_, "b");
  for (const Seeded* s : {&a, &b, &a}) {
    NewMessage m = Msg(*s, "");
    m.expects_reply = true;
    ASSERT_TRUE(Append(*store_, m).ok());
  }
  auto pending = store_->ListPendingReplies(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].tenant_id, a.tenant.id);
  EXPECT_EQ((*pending)[1].tenant_id, b.tenant.id);
  EXPECT_EQ((*pending)[2].seq, 2);
  EXPECT_EQ(store_->ListPendingReplies(2)->size(), 2u);
}

TEST_F(StoreTest, BootstrapOnceThenAlreadyExists) {
  auto boot = [&] {
    return Wait<BootstrapResult>([&](auto cb) {
      store_->Bootstrap({"Acme", "pk_acme"}, {0, "admin@acme.test", "Ada", "agent", "$argon2id$x"},
                        {0, "first key", "kf_live_ab", "admin", "hash-of-secret"}, cb);
    });
  };
  auto r = boot();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->admin.tenant_id, r->tenant.id);
  EXPECT_EQ(r->admin.role, "admin");
  EXPECT_EQ(r->api_key.tenant_id, r->tenant.id);
  EXPECT_EQ(boot().status().code(), Code::kAlreadyExists);
  EXPECT_EQ(*store_->CountTenants(), 1);

  auto key = store_->FindApiKeyBySecretHash("hash-of-secret");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->tenant_id, r->tenant.id);
  EXPECT_EQ(key->prefix, "kf_live_ab");
  EXPECT_FALSE(key->revoked_at.has_value());
  EXPECT_EQ(store_->FindApiKeyBySecretHash("other").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->FindTenantByPublicKey("pk_acme")->id, r->tenant.id);
  EXPECT_EQ(store_->FindUserByEmail(r->tenant.id, "admin@acme.test")->name, "Ada");
}

TEST_F(StoreTest, BootstrapIsAtomic) {
  // The key's hash is taken by a key of an earlier tenant: nothing is created.
  Seeded s = Seed(*store_, "x");
  ASSERT_TRUE(Wait<ApiKey>([&](auto cb) {
                store_->CreateApiKey({s.tenant.id, "k", "p", "admin", "taken"}, cb);
              }).ok());
  auto r = Wait<BootstrapResult>([&](auto cb) {
    store_->Bootstrap({"Acme", "pk_acme"}, {0, "a@b.c"}, {0, "k", "p", "admin", "taken"}, cb);
  });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(*store_->CountTenants(), 1);
  EXPECT_EQ(store_->FindTenantByPublicKey("pk_acme").status().code(), Code::kNotFound);
}

TEST_F(StoreTest, RevokedApiKeysAreNotFound) {
  Seeded s = Seed(*store_, "acme");
  auto k = Wait<ApiKey>([&](auto cb) {
    store_->CreateApiKey({s.tenant.id, "ci", "kf_live_cd", "agent", "h2"}, cb);
  });
  ASSERT_TRUE(k.ok());
  ASSERT_TRUE(store_->FindApiKeyBySecretHash("h2").ok());
  EXPECT_EQ(WaitStatus([&](auto cb) {
              store_->RevokeApiKey(s.tenant.id + 1, k->id, std::nullopt, cb);
            }).code(),
            Code::kNotFound);
  ASSERT_TRUE(store_->FindApiKeyBySecretHash("h2").ok());
  ASSERT_TRUE(WaitStatus([&](auto cb) {
                store_->RevokeApiKey(s.tenant.id, k->id, std::nullopt, cb);
              }).ok());
  EXPECT_EQ(store_->FindApiKeyBySecretHash("h2").status().code(), Code::kNotFound);
  auto keys = store_->ListApiKeys(s.tenant.id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE((*keys)[0].revoked_at.has_value());
}

TEST_F(StoreTest, AddTenantBesideOthersIsAtomic) {
  Seeded first = Seed(*store_, "first");
  auto add = [&](const char* pk, const char* key_hash) {
    return Wait<BootstrapResult>([&](auto cb) {
      store_->AddTenant({"Second", pk, "en"}, {0, "root@second.test", "Root", "agent", "$h"},
                        {0, "admin", "kf_second", "agent", key_hash}, cb);
    });
  };
  auto r = add("pk_second", "second-hash");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->tenant.id, first.tenant.id);
  EXPECT_EQ(r->admin.tenant_id, r->tenant.id);
  EXPECT_EQ(r->admin.role, "admin") << "the admin is an admin whatever was asked";
  EXPECT_EQ(r->api_key.tenant_id, r->tenant.id);
  EXPECT_EQ(store_->FindApiKeyBySecretHash("second-hash")->tenant_id, r->tenant.id);
  EXPECT_EQ(*store_->CountTenants(), 2);
  // A taken key hash: no tenant, no user is left behind.
  EXPECT_FALSE(add("pk_third", "second-hash").ok());
  EXPECT_EQ(*store_->CountTenants(), 2);
  EXPECT_EQ(store_->FindTenantByPublicKey("pk_third").status().code(), Code::kNotFound);
  // A taken public key.
  EXPECT_EQ(add("pk_second", "third-hash").status().code(), Code::kAlreadyExists);
}

// An admin action's row is written with the change, in its transaction and
// tenant, and read back per tenant, newest first, a page at a time.
TEST_F(StoreTest, AuditRowsGoWithTheirChangeAndStayInTheirTenant) {
  Seeded a = Seed(*store_, "a");
  Seeded b = Seed(*store_, "b");
  auto by_key = [](int64_t tenant, const char* action, std::string detail = "{}") {
    return NewAuditEntry{tenant, "api_key", 7, action, "", std::move(detail)};
  };
  NewUser u{a.tenant.id, "ann@a.test", "Ann", "agent", "$h"};
  // The entry's own tenant_id is ignored: the row is the write's tenant's.
  u.audit = by_key(b.tenant.id, "user.create", R"({"email":"ann@a.test","role":"agent"})");
  auto user = Wait<User>([&](auto cb) { store_->CreateUser(u, cb); });
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  clock_.Advance(10);
  NewApiKey k{a.tenant.id, "ci", "kf_ci", "agent", "ci-hash"};
  k.audit = by_key(a.tenant.id, "api_key.create");
  auto key = Wait<ApiKey>([&](auto cb) { store_->CreateApiKey(k, cb); });
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  clock_.Advance(10);
  ASSERT_TRUE(WaitStatus([&](auto cb) {
                store_->RevokeApiKey(a.tenant.id, key->id, by_key(a.tenant.id, "api_key.revoke"),
                                     cb);
              }).ok());

  // A write that fails writes no audit row: the email is taken, the key is
  // another tenant's.
  auto dup = Wait<User>([&](auto cb) { store_->CreateUser(u, cb); });
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(WaitStatus([&](auto cb) {
              store_->RevokeApiKey(b.tenant.id, key->id, by_key(b.tenant.id, "api_key.revoke"), cb);
            }).code(),
            Code::kNotFound);
  // And a bad audit entry fails its write: the change is not made unlogged.
  NewUser bad{a.tenant.id, "bad@a.test", "Bad", "agent", "$h"};
  bad.audit = by_key(a.tenant.id, "user.create", "[1,2]");
  EXPECT_EQ(Wait<User>([&](auto cb) { store_->CreateUser(bad, cb); }).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_->FindUserByEmail(a.tenant.id, "bad@a.test").status().code(), Code::kNotFound);

  // An action that is no store write of its own.
  clock_.Advance(10);
  auto reload = Wait<AuditEntry>([&](auto cb) {
    store_->AppendAudit({b.tenant.id, "user", 3, "bot.reload", "bot", R"({"name":"shop"})"}, cb);
  });
  ASSERT_TRUE(reload.ok()) << reload.status().ToString();
  EXPECT_EQ(reload->tenant_id, b.tenant.id);
  auto append = [&](NewAuditEntry e) {
    return Wait<AuditEntry>([&](auto cb) { store_->AppendAudit(e, cb); }).status().code();
  };
  EXPECT_EQ(append({b.tenant.id, "user", 3, "", "bot", "{}"}), Code::kInvalidArgument);
  EXPECT_EQ(append({999, "user", 3, "bot.reload", "bot", "{}"}), Code::kNotFound);

  auto log = store_->ListAuditLog(a.tenant.id, 0, 10);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0].action, "api_key.revoke");
  EXPECT_EQ((*log)[0].target, "api_key:" + std::to_string(key->id));
  EXPECT_EQ((*log)[1].action, "api_key.create");
  EXPECT_EQ((*log)[1].target, "api_key:" + std::to_string(key->id));
  EXPECT_EQ((*log)[2].action, "user.create");
  EXPECT_EQ((*log)[2].target, "user:" + std::to_string(user->id));
  EXPECT_EQ((*log)[2].tenant_id, a.tenant.id);
  EXPECT_EQ((*log)[2].actor_kind, "api_key");
  EXPECT_EQ((*log)[2].actor_id, 7);
  EXPECT_EQ((*log)[2].detail_json, R"({"email":"ann@a.test","role":"agent"})");
  EXPECT_EQ((*log)[2].at + 20, (*log)[0].at) << "each row has its change's time";

  // Pages: before an id, at most `limit`.
  auto page = store_->ListAuditLog(a.tenant.id, (*log)[0].id, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, (*log)[1].id);
  page = store_->ListAuditLog(a.tenant.id, (*log)[2].id, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty());
  EXPECT_TRUE(store_->ListAuditLog(a.tenant.id, 0, -1)->empty()) << "no negative LIMIT";

  // The other tenant sees only its own row.
  auto other = store_->ListAuditLog(b.tenant.id, 0, 10);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].action, "bot.reload");
  EXPECT_EQ((*other)[0].target, "bot");
  EXPECT_TRUE(store_->ListAuditLog(b.tenant.id, (*other)[0].id, 10)->empty());
  EXPECT_TRUE(store_->ListAuditLog(999, 0, 10)->empty());
}

TEST_F(StoreTest, UserEmailsAreUniquePerTenant) {
  Seeded a = Seed(*store_, "a");
  Seeded b = Seed(*store_, "b");
  auto create = [&](int64_t tenant, const char* email) {
    return Wait<User>([&](auto cb) {
      store_->CreateUser({tenant, email, "Bo", "agent", "$h"}, cb);
    });
  };
  ASSERT_TRUE(create(a.tenant.id, "bo@x.test").ok());
  EXPECT_EQ(create(a.tenant.id, "bo@x.test").status().code(), Code::kAlreadyExists);
  EXPECT_TRUE(create(b.tenant.id, "bo@x.test").ok());
  EXPECT_EQ(create(999, "bo@x.test").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->FindUserByEmail(a.tenant.id, "nobody@x.test").status().code(), Code::kNotFound);
}

TEST_F(StoreTest, ContactsByExternalIdAndToken) {
  Seeded a = Seed(*store_, "a");
  Seeded b = Seed(*store_, "b");
  auto create = [&](int64_t tenant, const char* ext, const char* token) {
    return Wait<Contact>([&](auto cb) {
      store_->CreateContact({tenant, ext, "Cy", "zh-CN", token}, cb);
    });
  };
  auto c1 = create(a.tenant.id, "crm-1", "tok1");
  ASSERT_TRUE(c1.ok());
  auto again = create(a.tenant.id, "crm-1", "tok-other");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, c1->id);
  auto other_tenant = create(b.tenant.id, "crm-1", "tok3");
  ASSERT_TRUE(other_tenant.ok());
  EXPECT_NE(other_tenant->id, c1->id);
  auto anon1 = create(a.tenant.id, "", "");
  auto anon2 = create(a.tenant.id, "", "");
  ASSERT_TRUE(anon1.ok() && anon2.ok());
  EXPECT_NE(anon1->id, anon2->id);
  EXPECT_EQ(store_->FindContactByExternalId(a.tenant.id, "crm-1")->id, c1->id);
  EXPECT_EQ(store_->FindContactByTokenHash(a.tenant.id, "tok1")->id, c1->id);
  EXPECT_EQ(store_->FindContactByTokenHash(b.tenant.id, "tok1").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->FindContactByExternalId(a.tenant.id, "").status().code(), Code::kNotFound);
}

TEST_F(StoreTest, ConversationsListNewestFirstWithPaging) {
  Seeded s = Seed(*store_, "acme");
  std::vector<int64_t> ids = {s.conversation.id};
  for (int i = 0; i < 4; ++i) {
    auto c = Wait<Conversation>([&](auto cb) {
      store_->CreateConversation({s.tenant.id, s.contact.id, i % 2 ? "api" : "widget", ""}, cb);
    });
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->status, "bot");
    ids.push_back(c->id);
  }
  ConversationQuery q;
  q.limit = 2;
  auto page1 = store_->ListConversations(s.tenant.id, q);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].id, ids[4]);
  EXPECT_EQ((*page1)[1].id, ids[3]);
  q.before_id = (*page1)[1].id;
  q.limit = 10;
  auto page2 = store_->ListConversations(s.tenant.id, q);
  ASSERT_EQ(page2->size(), 3u);
  EXPECT_EQ((*page2)[0].id, ids[2]);
  q = {};
  q.status = "resolved";
  EXPECT_EQ(store_->ListConversations(s.tenant.id, q)->size(), 0u);
  q.status = "bot";
  q.contact_id = s.contact.id;
  EXPECT_EQ(store_->ListConversations(s.tenant.id, q)->size(), 5u);
  q.contact_id = s.contact.id + 100;
  EXPECT_EQ(store_->ListConversations(s.tenant.id, q)->size(), 0u);
  auto open = store_->FindOpenConversation(s.tenant.id, s.contact.id, "widget");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->id, ids[3]);
  EXPECT_EQ(store_->FindOpenConversation(s.tenant.id, s.contact.id, "wechat").status().code(),
            Code::kNotFound);
}

TEST_F(StoreTest, SettingsAndUploads) {
  EXPECT_EQ(store_->GetSetting("bootstrap_token").status().code(), Code::kNotFound);
  ASSERT_TRUE(WaitStatus([&](auto cb) { store_->PutSetting("bootstrap_token", "h1", cb); }).ok());
  ASSERT_TRUE(WaitStatus([&](auto cb) { store_->PutSetting("bootstrap_token", "h2", cb); }).ok());
  EXPECT_EQ(*store_->GetSetting("bootstrap_token"), "h2");

  Seeded s = Seed(*store_, "acme");
  auto u = Wait<Upload>([&](auto cb) {
    store_->CreateUpload({s.tenant.id, "abc", "image/png", 42, "uploads/ab/abc"}, cb);
  });
  ASSERT_TRUE(u.ok());
  auto got = store_->GetUpload(s.tenant.id, u->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->content_type, "image/png");
  EXPECT_EQ(got->size, 42);
  EXPECT_EQ(got->contact_id, 0) << "staff's";
  EXPECT_EQ(store_->GetUpload(s.tenant.id + 1, u->id).status().code(), Code::kNotFound);
  auto mine = Wait<Upload>([&](auto cb) {
    store_->CreateUpload({s.tenant.id, "def", "image/png", 7, "uploads/de/def", s.contact.id}, cb);
  });
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->contact_id, s.contact.id);
  EXPECT_EQ(store_->GetUpload(s.tenant.id, mine->id)->contact_id, s.contact.id);
}

TEST_F(StoreTest, AcknowledgedMessagesSurviveReopen) {
  Seeded s = Seed(*store_, "acme");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Append(*store_, Msg(s, "m" + std::to_string(i))).ok());
  store_->Close();
  Reopen();
  auto msgs = store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 100);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 5u);
  EXPECT_EQ(Append(*store_, Msg(s, "m5"))->seq, 6);
  EXPECT_TRUE(Append(*store_, Msg(s, "m0"))->duplicate);
}

TEST_F(StoreTest, CloseDrainsTheQueueThenRejects) {
  Seeded s = Seed(*store_, "acme");
  std::atomic<int> ok{0};
  {
    WriterGate gate(*store_);
    for (int i = 0; i < 50; ++i) {
      store_->AppendMessage(Msg(s, std::to_string(i)),
                            [&](Result<AppendResult> r) { ok += r.ok() ? 1 : 0; });
    }
    std::thread closer([&] { store_->Close(); });
    gate.Open();
    closer.join();
  }
  EXPECT_EQ(ok.load(), 50);
  store_->Close();  // idempotent
  EXPECT_EQ(Append(*store_, Msg(s, "late")).status().code(), Code::kUnavailable);
  EXPECT_EQ(Flush(*store_).code(), Code::kUnavailable);
  // Reads keep working.
  EXPECT_EQ(store_->ReadMessages(s.tenant.id, s.conversation.id, 0, 100)->size(), 50u);
}

TEST_F(StoreTest, CloseFromACallbackDoesNotDeadlock) {
  Seeded s = Seed(*store_, "acme");
  std::atomic<int> ok{0};
  Store* store = store_.get();
  {
    WriterGate gate(*store_);  // both writes go into one group
    store_->AppendMessage(Msg(s, "a"), [&, store](Result<AppendResult> r) {
      store->Close();
      ok += r.ok() ? 1 : 0;
    });
    store_->AppendMessage(Msg(s, "b"), [&](Result<AppendResult> r) { ok += r.ok() ? 1 : 0; });
  }
  store_.reset();  // joins the writer
  EXPECT_EQ(ok.load(), 2);
}

TEST_F(StoreTest, CannedResponsesAreTheTenantsWithUniqueShortcuts) {
  Seeded a = Seed(*store_, "a");
  Seeded b = Seed(*store_, "b");
  auto put = [&](CannedResponse r) {
    return Wait<CannedResponse>([&](auto cb) { store_->PutCannedResponse(r, cb); });
  };
  auto refund = put({0, a.tenant.id, "refund", "退款", "退款会在 1-3 个工作日内原路退回。", "zh"});
  ASSERT_TRUE(refund.ok()) << refund.status().ToString();
  EXPECT_GT(refund->id, 0);
  EXPECT_EQ(refund->created_at, clock_.NowMillis());
  EXPECT_EQ(put({0, a.tenant.id, "refund", "", "again", ""}).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(put({0, a.tenant.id, "", "", "no shortcut", ""}).status().code(),
            Code::kInvalidArgument);
  // The same shortcut in another tenant is another response.
  ASSERT_TRUE(put({0, b.tenant.id, "refund", "", "b's refund", ""}).ok());
  // Replacing: only within the tenant.
  clock_.Advance(5);
  auto changed = put({refund->id, a.tenant.id, "refund", "退款", "新的文字", "zh"});
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->text, "新的文字");
  EXPECT_EQ(changed->updated_at, clock_.NowMillis());
  EXPECT_EQ(changed->created_at, refund->created_at);
  EXPECT_EQ(put({refund->id, b.tenant.id, "x", "", "hijack", ""}).status().code(),
            Code::kNotFound);
  auto list_a = store_->ListCannedResponses(a.tenant.id);
  ASSERT_TRUE(list_a.ok());
  ASSERT_EQ(list_a->size(), 1u);
  EXPECT_EQ((*list_a)[0].text, "新的文字");
  EXPECT_EQ(WaitStatus([&](auto cb) { store_->DeleteCannedResponse(b.tenant.id, refund->id, cb); })
                .code(),
            Code::kNotFound);
  ASSERT_TRUE(
      WaitStatus([&](auto cb) { store_->DeleteCannedResponse(a.tenant.id, refund->id, cb); }).ok());
  EXPECT_TRUE(store_->ListCannedResponses(a.tenant.id)->empty());
  EXPECT_EQ(store_->ListCannedResponses(b.tenant.id)->size(), 1u);
}

TEST_F(StoreTest, NotesAreTheConversationsAndLeaveItsSeqAlone) {
  Seeded a = Seed(*store_, "a");
  Seeded b = Seed(*store_, "b");
  ASSERT_TRUE(Append(*store_, Msg(a, "hello")).ok());
  auto add = [&](NewNote n) {
    return Wait<Note>([&](auto cb) { store_->AddNote(n, cb); });
  };
  auto note = add({a.tenant.id, a.conversation.id, 7, "VIP: 先查物流再回复"});
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_GT(note->id, 0);
  EXPECT_EQ(note->created_at, clock_.NowMillis());
  clock_.Advance(3);
  ASSERT_TRUE(add({a.tenant.id, a.conversation.id, 7, "second"}).ok());
  EXPECT_EQ(add({a.tenant.id, a.conversation.id, 7, ""}).status().code(),
            Code::kInvalidArgument);
  // Another tenant's conversation is unknown.
  EXPECT_EQ(add({b.tenant.id, a.conversation.id, 8, "x"}).status().code(),
            Code::kNotFound);
  auto list = store_->ListNotes(a.tenant.id, a.conversation.id, 100);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].text, "VIP: 先查物流再回复");
  EXPECT_EQ((*list)[0].author_id, 7);
  EXPECT_EQ((*list)[1].text, "second");
  EXPECT_TRUE(store_->ListNotes(b.tenant.id, a.conversation.id, 100)->empty());
  // Not messages: the customer's seq goes on without a gap.
  auto conv = store_->GetConversation(a.tenant.id, a.conversation.id);
  ASSERT_TRUE(conv.ok());
  EXPECT_EQ(conv->last_seq, 1);
  auto r = Append(*store_, Msg(a, "again"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seq, 2);
}

TEST_F(StoreTest, FlushWaitsForEarlierWrites) {
  Seeded s = Seed(*store_, "acme");
  std::atomic<int> done{0};
  for (int i = 0; i < 20; ++i) {
    store_->AppendMessage(Msg(s, std::to_string(i)), [&](Result<AppendResult>) { ++done; });
  }
  ASSERT_TRUE(Flush(*store_).ok());
  EXPECT_EQ(done.load(), 20);
}

TEST_F(StoreTest, ScanConversationFactsReadsTheTenantsConversationsOfTheRange) {
  const int64_t t0 = clock_.NowMillis();
  Seeded s = Seed(*store_, "acme");
  // The customer writes, the bot hands over (reason in the event), an agent
  // is assigned and answers, resolves, and the customer rates it.
  ASSERT_TRUE(Append(*store_, Msg(s, "c-1", "转人工")).ok());
  NewMessage bot;
  bot.tenant_id = s.tenant.id;
  bot.conversation_id = s.conversation.id;
  bot.sender = Sender::kBot;
  bot.text = "好的";
  bot.set_status = "queued";
  bot.events.push_back({"conversation.handoff_requested", R"({"reason":"anger","intent":""})"});
  clock_.Advance(1000);
  ASSERT_TRUE(Append(*store_, bot).ok());
  auto change = [&](std::string status, std::string event, std::optional<int> rating = {}) {
    ConversationChange ch;
    ch.tenant_id = s.tenant.id;
    ch.id = s.conversation.id;
    if (!status.empty()) ch.status = status;
    ch.csat_rating = rating;
    ch.events.push_back({event, "{}"});
    return Wait<Conversation>([&](auto cb) { store_->UpdateConversation(ch, cb); });
  };
  clock_.Advance(2000);
  ASSERT_TRUE(change("assigned", "conversation.assigned").ok());
  NewMessage agent = Msg(s, "a-1", "您好");
  agent.sender = Sender::kAgent;
  agent.sender_id = 7;
  clock_.Advance(3000);
  ASSERT_TRUE(Append(*store_, agent).ok());
  clock_.Advance(4000);
  ASSERT_TRUE(change("resolved", "conversation.resolved").ok());
  ASSERT_TRUE(change("", "conversation.rated", 5).ok());
  // A conversation in which the customer never wrote, one outside the range,
  // and another tenant's.
  auto silent = Wait<Conversation>([&](auto cb) {
    store_->CreateConversation({s.tenant.id, s.contact.id, "widget", "zh"}, cb);
  });
  ASSERT_TRUE(silent.ok());
  Seeded other = Seed(*store_, "other");
  ASSERT_TRUE(Append(*store_, Msg(other, "o-1")).ok());
  clock_.Advance(86'400'000);
  Seeded later = s;  // the same contact, a conversation on the API channel
  auto next_day = Wait<Conversation>([&](auto cb) {
    store_->CreateConversation({s.tenant.id, s.contact.id, "api", "zh"}, cb);
  });
  ASSERT_TRUE(next_day.ok());
  later.conversation = *next_day;
  ASSERT_TRUE(Append(*store_, Msg(later, "n-1")).ok());

  std::vector<ConversationFacts> seen;
  Status st = store_->ScanConversationFacts(s.tenant.id, t0, t0 + 3'600'000,
                                            [&](const ConversationFacts& f) { seen.push_back(f); });
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(seen.size(), 2u) << "the other tenant's and the next day's are not read";
  const ConversationFacts& a = seen[0];
  EXPECT_EQ(a.id, s.conversation.id);
  EXPECT_EQ(a.created_at, t0);
  EXPECT_EQ(a.status, "resolved");
  EXPECT_TRUE(a.customer_wrote);
  EXPECT_EQ(a.first_response_at, t0 + 6000);
  EXPECT_EQ(a.csat_rating, 5);
  ASSERT_EQ(a.steps.size(), 3u) << "the rating is no routing step";
  EXPECT_EQ(a.steps[0].type, "conversation.handoff_requested");
  EXPECT_EQ(a.steps[0].at, t0 + 1000);
  EXPECT_EQ(a.steps[0].reason, "anger");
  EXPECT_EQ(a.steps[1].type, "conversation.assigned");
  EXPECT_EQ(a.steps[1].at, t0 + 3000);
  EXPECT_EQ(a.steps[1].reason, "");
  EXPECT_EQ(a.steps[2].type, "conversation.resolved");
  EXPECT_EQ(a.steps[2].at, t0 + 10000);
  const ConversationFacts& b = seen[1];
  EXPECT_EQ(b.id, silent->id);
  EXPECT_FALSE(b.customer_wrote);
  EXPECT_TRUE(b.steps.empty());
  EXPECT_FALSE(b.first_response_at);
  EXPECT_FALSE(b.csat_rating);

  // The range's end is exclusive (the silent one was created at t0 + 10 s);
  // the next day finds the later one alone.
  auto ids = [&](int64_t from, int64_t until) {
    std::vector<int64_t> out;
    Status scan = store_->ScanConversationFacts(
        s.tenant.id, from, until, [&](const ConversationFacts& f) { out.push_back(f.id); });
    EXPECT_TRUE(scan.ok()) << scan.ToString();
    return out;
  };
  EXPECT_EQ(ids(t0, t0 + 10000), std::vector<int64_t>{s.conversation.id});
  EXPECT_EQ(ids(t0 + 86'400'000, t0 + 2 * 86'400'000), std::vector<int64_t>{next_day->id});
  EXPECT_TRUE(ids(t0 - 1000, t0).empty());
}

TEST_F(StoreTest, BackupWhileWriting) {
  Seeded s = Seed(*store_, "acme");
  std::mutex mu;
  std::set<int64_t> acked;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int batch = 0; !stop; ++batch) {
      for (int i = 0; i < 20; ++i) {
        store_->AppendMessage(Msg(s, ""), [&](Result<AppendResult> r) {
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          std::lock_guard lock(mu);
          acked.insert(r->seq);
        });
      }
      (void)Flush(*store_);
    }
  });
  auto acked_count = [&] {
    std::lock_guard lock(mu);
    return acked.size();
  };
  while (acked_count() < 100) std::this_thread::yield();
  std::set<int64_t> before;
  {
    std::lock_guard lock(mu);
    before = acked;
  }
  const std::string backup = dir_.File("backup.db");
  Status b = store_->Backup(backup);
  stop = true;
  writer.join();
  ASSERT_TRUE(b.ok()) << b.ToString();
  EXPECT_FALSE(std::filesystem::exists(backup + ".tmp"));

  SqliteOptions bo;
  bo.path = backup;
  auto copy = Store::OpenSqlite(bo);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto msgs = (*copy)->ReadMessages(s.tenant.id, s.conversation.id, 0, 1 << 30);
  ASSERT_TRUE(msgs.ok());
  std::set<int64_t> in_backup;
  for (const Message& m : *msgs) in_backup.insert(m.seq);
  for (int64_t seq : before) ASSERT_TRUE(in_backup.count(seq)) << "seq " << seq << " missing";
  // And the copy is consistent: gap-free from 1, last_seq matching.
  EXPECT_EQ(static_cast<int64_t>(in_backup.size()), *in_backup.rbegin());
  EXPECT_EQ((*copy)->GetConversation(s.tenant.id, s.conversation.id)->last_seq,
            *in_backup.rbegin());
}

TEST_F(StoreTest, BackupToAnImpossiblePathFailsCleanly) {
  Status b = store_->Backup(dir_.File("no/such/dir/backup.db"));
  EXPECT_EQ(b.code(), Code::kIoError);
  EXPECT_EQ(store_->Backup("").code(), Code::kInvalidArgument);
}

TEST(StoreOpen, RejectsBadOptions) {
  TempDir dir;
  SqliteOptions o;
  o.path = dir.File("kefu.db");
  o.synchronous = "extra";
  EXPECT_EQ(Store::OpenSqlite(o).status().code(), Code::kInvalidArgument);
  o.synchronous = "full";
  o.path = "";
  EXPECT_EQ(Store::OpenSqlite(o).status().code(), Code::kInvalidArgument);
  o.path = dir.File("missing/dir/kefu.db");
  EXPECT_EQ(Store::OpenSqlite(o).status().code(), Code::kIoError);
}

}  // namespace
}  // namespace kefu::store
