// The widget WebSocket as a customer's browser sees it: hello, messages,
// acks, the bot's answers, idempotent resends, a second tab.
#include <set>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

class WidgetTest : public ServerTest {};

TEST_F(WidgetTest, HelloMessageAckEchoAndHelloAgain) {
  auto ws = std::make_unique<WidgetClient>(port());
  ASSERT_TRUE(ws->connected()) << ws->close_reason();
  std::optional<Json> welcome = ws->Hello(tenant_.public_key);
  ASSERT_TRUE(welcome) << "no answer to hello: " << ws->close_reason();
  ASSERT_EQ(Str(*welcome, "type"), "welcome") << welcome->dump();
  std::string token = Str(*welcome, "contact_token");
  EXPECT_FALSE(token.empty()) << "a new contact's welcome carries its contact_token: "
                              << welcome->dump();
  ASSERT_TRUE(welcome->contains("contact") && (*welcome)["contact"].is_object())
      << welcome->dump();
  ASSERT_TRUE(welcome->contains("conversation") && (*welcome)["conversation"].is_object())
      << welcome->dump();
  int64_t contact = Int((*welcome)["contact"], "id");
  const Json& conv = (*welcome)["conversation"];
  int64_t conversation = Int(conv, "id");
  EXPECT_GT(contact, 0) << welcome->dump();
  EXPECT_GT(conversation, 0) << welcome->dump();
  EXPECT_EQ(Int(conv, "last_seq"), 0) << welcome->dump();
  EXPECT_EQ(Str(conv, "status"), "bot") << welcome->dump();
  EXPECT_GT(Int(*welcome, "server_time"), 1'600'000'000'000) << welcome->dump();

  ASSERT_TRUE(ws->SendMessage("c-1", "你好, kefu"));
  std::optional<Json> ack = ws->WaitFor(IsAck("c-1"));
  ASSERT_TRUE(ack) << "no ack for c-1; got " << Json(ws->history()).dump();
  EXPECT_EQ(Int(*ack, "seq"), 1) << ack->dump();
  EXPECT_EQ(Int(*ack, "conversation"), conversation) << ack->dump();
  EXPECT_FALSE(Bool(*ack, "duplicate", true)) << ack->dump();

  std::optional<Json> reply = ws->WaitFor(IsType("message"));
  ASSERT_TRUE(reply) << "no bot reply; got " << Json(ws->history()).dump();
  EXPECT_EQ(Int(*reply, "seq"), 2) << reply->dump();
  EXPECT_EQ(Str(*reply, "sender"), "bot") << reply->dump();
  EXPECT_EQ(Str(*reply, "text"), "echo: 你好, kefu") << reply->dump();
  EXPECT_EQ(Int(*reply, "conversation"), conversation) << reply->dump();
  EXPECT_GT(Int(*reply, "created_at"), 1'600'000'000'000) << reply->dump();
  EXPECT_TRUE(reply->contains("attachments") && (*reply)["attachments"].is_array())
      << reply->dump();
  ws->Close();

  // The same browser later: same contact, same open conversation.
  WidgetClient again(port());
  std::optional<Json> welcome2 = again.Hello(tenant_.public_key, token);
  ASSERT_TRUE(welcome2);
  ASSERT_EQ(Str(*welcome2, "type"), "welcome") << welcome2->dump();
  EXPECT_EQ(Int((*welcome2)["contact"], "id"), contact) << welcome2->dump();
  EXPECT_EQ(Int((*welcome2)["conversation"], "id"), conversation) << welcome2->dump();
  EXPECT_EQ(Int((*welcome2)["conversation"], "last_seq"), 2) << welcome2->dump();
  EXPECT_TRUE(Str(*welcome2, "contact_token").empty())
      << "contact_token is shown only when the hello created the contact: " << welcome2->dump();
}

TEST_F(WidgetTest, PingGetsPong) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  ASSERT_TRUE(s.ws->Send({{"type", "ping"}}));
  EXPECT_TRUE(s.ws->WaitFor(IsType("pong")));
}

TEST_F(WidgetTest, TypingGetsNoAnswer) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  ASSERT_TRUE(s.ws->Send({{"type", "typing"}, {"on", true}}));
  ASSERT_TRUE(s.ws->Send({{"type", "typing"}, {"on", false}}));
  ASSERT_TRUE(s.ws->Send({{"type", "ping"}}));
  std::optional<Json> next = s.ws->Recv();
  ASSERT_TRUE(next);
  EXPECT_EQ(Str(*next, "type"), "pong") << "typing was answered: " << next->dump();
}

TEST_F(WidgetTest, ResentClientIdGetsSameSeqAndIsStoredOnce) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  WidgetClient& ws = *s.ws;

  // A resend after the ack.
  ASSERT_TRUE(ws.SendMessage("same-1", "first"));
  std::optional<Json> a1 = ws.WaitFor(IsAck("same-1"));
  ASSERT_TRUE(a1);
  ASSERT_TRUE(ws.WaitFor(IsBotText("echo: first")));
  ASSERT_TRUE(ws.SendMessage("same-1", "first"));
  std::optional<Json> a2 = ws.WaitFor(IsAck("same-1"));
  ASSERT_TRUE(a2) << "no ack for the resend";
  EXPECT_EQ(Int(*a2, "seq"), Int(*a1, "seq")) << a1->dump() << " vs " << a2->dump();
  EXPECT_FALSE(Bool(*a1, "duplicate", true)) << a1->dump();
  EXPECT_TRUE(Bool(*a2, "duplicate")) << a2->dump();

  // Twice back-to-back, without waiting for the first ack.
  ASSERT_TRUE(ws.SendMessage("same-2", "second"));
  ASSERT_TRUE(ws.SendMessage("same-2", "second"));
  std::optional<Json> b1 = ws.WaitFor(IsAck("same-2"));
  std::optional<Json> b2 = ws.WaitFor(IsAck("same-2"));
  ASSERT_TRUE(b1 && b2) << "expected two acks for same-2; got " << Json(ws.history()).dump();
  EXPECT_EQ(Int(*b1, "seq"), Int(*b2, "seq")) << b1->dump() << " vs " << b2->dump();
  EXPECT_FALSE(Bool(*b1, "duplicate", true)) << b1->dump();
  EXPECT_TRUE(Bool(*b2, "duplicate")) << b2->dump();
  ASSERT_TRUE(ws.WaitFor(IsBotText("echo: second")));
  // No second echo for the duplicate.
  ws.Drain(300ms);
  EXPECT_FALSE(ws.WaitFor(IsBotText("echo: second"), 10ms)) << "the duplicate was answered";

  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  EXPECT_EQ(CheckGapFree(msgs), "");
  std::map<std::string, int> texts;
  for (const Json& m : msgs) ++texts[Str(m, "sender") + ":" + Str(m, "text")];
  EXPECT_EQ(msgs.size(), 4u) << Json(msgs).dump();
  EXPECT_EQ(texts["contact:first"], 1);
  EXPECT_EQ(texts["bot:echo: first"], 1);
  EXPECT_EQ(texts["contact:second"], 1);
  EXPECT_EQ(texts["bot:echo: second"], 1);
  for (const Json& m : msgs) {
    if (Str(m, "text") == "first") {
      EXPECT_EQ(Str(m, "client_id"), "same-1") << m.dump();
      EXPECT_EQ(Int(m, "seq"), Int(*a1, "seq")) << m.dump();
    }
  }
}

TEST_F(WidgetTest, PipelinedMessagesAreStoredInTheOrderSent) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  constexpr int kCount = 20;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(s.ws->SendMessage("p-" + std::to_string(i), "m" + std::to_string(i)));
  }
  int64_t previous = 0;
  for (int i = 0; i < kCount; ++i) {
    std::optional<Json> ack = s.ws->WaitFor(IsAck("p-" + std::to_string(i)));
    ASSERT_TRUE(ack) << "no ack for p-" << i;
    EXPECT_GT(Int(*ack, "seq"), previous) << "acks out of the order sent: " << ack->dump();
    previous = Int(*ack, "seq");
  }
  for (int i = 0; i < kCount; ++i) {
    EXPECT_TRUE(s.ws->WaitFor(IsBotText("echo: m" + std::to_string(i))))
        << "no echo for m" << i;
  }
  // Every seq 1..2*kCount reached this connection exactly once.
  std::multiset<int64_t> seqs;
  for (const Json& f : s.ws->history()) {
    std::string t = Str(f, "type");
    if (t == "ack" || t == "message") seqs.insert(Int(f, "seq"));
  }
  std::multiset<int64_t> want;
  for (int64_t i = 1; i <= 2 * kCount; ++i) want.insert(i);
  EXPECT_EQ(seqs, want);

  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  EXPECT_EQ(CheckGapFree(msgs), "");
  EXPECT_EQ(msgs.size(), static_cast<size_t>(2 * kCount));
}

TEST_F(WidgetTest, SecondTabSeesTheOtherTabsMessagesAndReplies) {
  WidgetSession tab1 = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(tab1.ws);
  WidgetSession tab2 = OpenWidget(port(), tenant_.public_key, tab1.contact_token);
  ASSERT_TRUE(tab2.ws);
  EXPECT_EQ(tab2.conversation_id, tab1.conversation_id);

  ASSERT_TRUE(tab1.ws->SendMessage("tab-1", "from tab one"));
  std::optional<Json> ack = tab1.ws->WaitFor(IsAck("tab-1"));
  ASSERT_TRUE(ack);
  std::optional<Json> seen = tab2.ws->WaitFor(IsMessageSeq(Int(*ack, "seq")));
  ASSERT_TRUE(seen) << "tab 2 did not get tab 1's message; got " << Json(tab2.ws->history()).dump();
  EXPECT_EQ(Str(*seen, "sender"), "contact") << seen->dump();
  EXPECT_EQ(Str(*seen, "text"), "from tab one") << seen->dump();
  EXPECT_EQ(Str(*seen, "client_id"), "tab-1") << seen->dump();
  EXPECT_TRUE(tab1.ws->WaitFor(IsBotText("echo: from tab one")));
  EXPECT_TRUE(tab2.ws->WaitFor(IsBotText("echo: from tab one")));
  // Tab 1 gets its own message only as the ack.
  tab1.ws->Drain(200ms);
  EXPECT_FALSE(tab1.ws->WaitFor(IsMessageSeq(Int(*ack, "seq")), 10ms));
}

TEST_F(WidgetTest, AContactsConversationsAreTheirOwn) {
  WidgetSession alice = OpenWidget(port(), tenant_.public_key);
  WidgetSession bob = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(alice.ws && bob.ws);
  EXPECT_NE(alice.contact_id, bob.contact_id);
  EXPECT_NE(alice.conversation_id, bob.conversation_id);
  EXPECT_NE(alice.contact_token, bob.contact_token);
  ASSERT_TRUE(alice.ws->SendMessage("a-1", "alice here"));
  ASSERT_TRUE(alice.ws->WaitFor(IsBotText("echo: alice here")));
  bob.ws->Drain(200ms);
  for (const Json& f : bob.ws->history()) {
    EXPECT_NE(Str(f, "text"), "alice here") << "bob saw alice's message";
  }
  // Resuming someone else's conversation must not reveal it.
  WidgetClient intruder(port());
  std::optional<Json> w = intruder.Hello(
      tenant_.public_key, bob.contact_token,
      {{"conversation", alice.conversation_id}, {"after_seq", 0}});
  intruder.Drain(300ms);
  for (const Json& f : intruder.history()) {
    EXPECT_NE(Str(f, "text"), "alice here") << "bob resumed alice's conversation";
  }
}

}  // namespace
}  // namespace kefu::it
