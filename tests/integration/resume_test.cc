// Reconnecting: a client that lost its connection resumes from the last seq
// it saw and ends with every message exactly once.
#include <algorithm>
#include <set>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

class ResumeTest : public ServerTest {};

// The seqs a connection received (acks and messages), in arrival order.
std::vector<int64_t> SeqsOf(const WidgetClient& ws) {
  std::vector<int64_t> seqs;
  for (const Json& f : ws.history()) {
    std::string t = Str(f, "type");
    if (t == "ack" || t == "message") seqs.push_back(Int(f, "seq"));
  }
  return seqs;
}

std::string Join(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

TEST_F(ResumeTest, ResumeReplaysWhatWasMissedInOrder) {
  WidgetSession a = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(a.ws);
  ASSERT_TRUE(a.ws->SendMessage("m-1", "one"));
  ASSERT_TRUE(a.ws->WaitFor(IsBotText("echo: one")));
  ASSERT_TRUE(a.ws->SendMessage("m-2", "two"));
  ASSERT_TRUE(a.ws->WaitFor(IsBotText("echo: two")));
  a.ws->Close();

  WidgetSession b = OpenWidget(port(), tenant_.public_key, a.contact_token,
                               {{"conversation", a.conversation_id}, {"after_seq", 1}});
  ASSERT_TRUE(b.ws);
  EXPECT_EQ(Int(b.welcome["conversation"], "last_seq"), 4) << b.welcome.dump();
  b.ws->Drain(400ms);
  EXPECT_EQ(Join(SeqsOf(*b.ws)), "2,3,4");
  std::vector<Json> h;  // the frames after the welcome
  for (const Json& f : b.ws->history()) {
    if (Str(f, "type") != "welcome") h.push_back(f);
  }
  ASSERT_EQ(h.size(), 3u) << Json(h).dump();
  EXPECT_EQ(Str(h[0], "text"), "echo: one");
  EXPECT_EQ(Str(h[1], "text"), "two");
  EXPECT_EQ(Str(h[1], "sender"), "contact");
  EXPECT_EQ(Str(h[1], "client_id"), "m-2");
  EXPECT_EQ(Str(h[2], "text"), "echo: two");

  // Up to date: nothing replayed, live messages still arrive.
  WidgetSession c = OpenWidget(port(), tenant_.public_key, a.contact_token,
                               {{"conversation", a.conversation_id}, {"after_seq", 4}});
  ASSERT_TRUE(c.ws);
  c.ws->Drain(300ms);
  EXPECT_EQ(c.ws->history().size(), 1u) << "only the welcome: " << Json(c.ws->history()).dump();
  ASSERT_TRUE(b.ws->SendMessage("m-3", "three"));
  std::optional<Json> live = c.ws->WaitFor(IsMessageSeq(5));
  ASSERT_TRUE(live);
  EXPECT_EQ(Str(*live, "text"), "three");
}

TEST_F(ResumeTest, AbruptDisconnectMidStreamThenResumeLosesAndDoublesNothing) {
  constexpr int kMessages = 8;
  auto text_of = [](int i) { return "msg " + std::to_string(i); };
  auto id_of = [](int i) { return "r-" + std::to_string(i); };

  WidgetSession a = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(a.ws);
  ASSERT_TRUE(a.ws->SendMessage(id_of(1), text_of(1)));
  ASSERT_TRUE(a.ws->WaitFor(IsBotText("echo: " + text_of(1))));
  // Several more without reading their acks, then the network drops.
  for (int i = 2; i <= kMessages; ++i) ASSERT_TRUE(a.ws->SendMessage(id_of(i), text_of(i)));
  a.ws->CloseAbruptly();

  std::vector<int64_t> seen_a = SeqsOf(*a.ws);
  EXPECT_TRUE(std::is_sorted(seen_a.begin(), seen_a.end()))
      << "connection A got seqs out of order: " << Join(seen_a);
  std::set<std::string> confirmed;  // client_ids the client knows are stored
  for (const Json& f : a.ws->history()) {
    if (Str(f, "type") == "ack") confirmed.insert(Str(f, "client_id"));
  }
  int64_t after_seq = 0;
  std::set<int64_t> seen_set(seen_a.begin(), seen_a.end());
  while (seen_set.count(after_seq + 1)) ++after_seq;

  WidgetSession b = OpenWidget(port(), tenant_.public_key, a.contact_token,
                               {{"conversation", a.conversation_id}, {"after_seq", after_seq}});
  ASSERT_TRUE(b.ws);
  EXPECT_EQ(b.conversation_id, a.conversation_id);
  b.ws->Drain(700ms);
  for (const Json& f : b.ws->history()) {
    if (Str(f, "type") == "message" && !Str(f, "client_id").empty()) {
      confirmed.insert(Str(f, "client_id"));
    }
  }
  std::vector<std::string> resent;
  for (int i = 2; i <= kMessages; ++i) {
    if (!confirmed.count(id_of(i))) {
      resent.push_back(id_of(i));
      ASSERT_TRUE(b.ws->SendMessage(id_of(i), text_of(i)));
    }
  }
  for (const std::string& id : resent) {
    EXPECT_TRUE(b.ws->WaitFor(IsAck(id))) << "no ack for resent " << id;
  }
  // Wait for every echo, wherever it arrives.
  auto echoes_seen = [&] {
    std::set<std::string> texts;
    for (const auto* ws : {a.ws.get(), b.ws.get()}) {
      for (const Json& f : ws->history()) {
        if (Str(f, "sender") == "bot") texts.insert(Str(f, "text"));
      }
    }
    return texts.size();
  };
  for (int round = 0; round < 50 && echoes_seen() < static_cast<size_t>(kMessages); ++round) {
    b.ws->Drain(100ms, 200ms);
  }
  b.ws->Drain(300ms);

  std::vector<int64_t> stream = seen_a;
  std::vector<int64_t> seen_b = SeqsOf(*b.ws);
  EXPECT_TRUE(std::is_sorted(seen_b.begin(), seen_b.end()))
      << "connection B got seqs out of order: " << Join(seen_b);
  stream.insert(stream.end(), seen_b.begin(), seen_b.end());
  std::sort(stream.begin(), stream.end());
  std::vector<int64_t> want;
  for (int64_t i = 1; i <= 2 * kMessages; ++i) want.push_back(i);
  EXPECT_EQ(Join(stream), Join(want)) << "A saw " << Join(seen_a) << " (after_seq " << after_seq
                                      << "), B saw " << Join(seen_b) << ", resent "
                                      << resent.size();

  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, a.conversation_id);
  EXPECT_EQ(CheckGapFree(msgs), "");
  std::map<std::string, int> count;
  for (const Json& m : msgs) ++count[Str(m, "sender") + ":" + Str(m, "text")];
  for (int i = 1; i <= kMessages; ++i) {
    EXPECT_EQ(count["contact:" + text_of(i)], 1) << text_of(i);
    EXPECT_EQ(count["bot:echo: " + text_of(i)], 1) << "echo of " << text_of(i);
  }
  EXPECT_EQ(msgs.size(), static_cast<size_t>(2 * kMessages));
}

// The seqs of one connection, checked: exactly 1..n, in order. "" or what is
// wrong.
std::string CheckStream(const std::vector<int64_t>& seqs, int64_t n) {
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i] != static_cast<int64_t>(i) + 1) {
      return "position " + std::to_string(i + 1) + " holds seq " + std::to_string(seqs[i]) +
             "; stream: " + Join(seqs);
    }
  }
  if (static_cast<int64_t>(seqs.size()) != n) {
    return "got " + std::to_string(seqs.size()) + " seqs, want " + std::to_string(n);
  }
  return "";
}

// A tab resuming from 0 while another tab of the same contact is writing:
// the replay and the live messages join without a gap or a repeat.
TEST_F(ResumeTest, ResumeWhileAnotherTabWritesJoinsReplayAndLiveExactly) {
  constexpr int kMessages = 150;
  WidgetSession writer = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(writer.ws);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(writer.ws->SendMessage("x-" + std::to_string(i), "x " + std::to_string(i)));
  }
  ASSERT_TRUE(writer.ws->WaitFor(IsAck("x-29")));
  std::unique_ptr<WidgetClient> reader;
  for (int i = 30; i < kMessages; ++i) {
    ASSERT_TRUE(writer.ws->SendMessage("x-" + std::to_string(i), "x " + std::to_string(i)));
    if (i % 30 == 0) {  // stay well under the 64 unacknowledged allowed
      ASSERT_TRUE(writer.ws->WaitFor(IsAck("x-" + std::to_string(i - 10))));
    }
    if (i == 60) {  // joins mid-stream
      WidgetSession r = OpenWidget(port(), tenant_.public_key, writer.contact_token,
                                   {{"conversation", writer.conversation_id}, {"after_seq", 0}});
      ASSERT_TRUE(r.ws);
      reader = std::move(r.ws);
    }
  }
  // Every message and its echo reach both tabs.
  auto errors = [&] {
    std::string e;
    for (const Json& f : writer.ws->history()) {
      if (Str(f, "type") == "error") e += f.dump() + " ";
    }
    return e;
  };
  ASSERT_TRUE(writer.ws->WaitFor(IsBotText("echo: x " + std::to_string(kMessages - 1)), 15s))
      << errors();
  ASSERT_TRUE(reader->WaitFor(IsBotText("echo: x " + std::to_string(kMessages - 1)), 15s));
  writer.ws->Drain(300ms);
  reader->Drain(300ms);
  EXPECT_EQ(CheckStream(SeqsOf(*writer.ws), 2 * kMessages), "") << "writer tab";
  EXPECT_EQ(CheckStream(SeqsOf(*reader), 2 * kMessages), "") << "resumed tab";
}

// Two tabs of one contact writing at once: each tab sees every seq once, in
// order (its own as acks, the other tab's and the bot's as messages).
TEST_F(ResumeTest, TwoTabsWritingAtOnceEachSeeEverySeqOnceInOrder) {
  constexpr int kPerTab = 40;
  WidgetSession a = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(a.ws);
  WidgetSession b = OpenWidget(port(), tenant_.public_key, a.contact_token);
  ASSERT_TRUE(b.ws);
  ASSERT_EQ(a.conversation_id, b.conversation_id);
  for (int i = 0; i < kPerTab; ++i) {
    ASSERT_TRUE(a.ws->SendMessage("a-" + std::to_string(i), "a " + std::to_string(i)));
    ASSERT_TRUE(b.ws->SendMessage("b-" + std::to_string(i), "b " + std::to_string(i)));
  }
  const size_t want = 4 * kPerTab;
  for (WidgetClient* ws : {a.ws.get(), b.ws.get()}) {
    for (int round = 0; round < 100 && SeqsOf(*ws).size() < want; ++round) ws->Drain(50ms, 100ms);
    ws->Drain(300ms);
  }
  EXPECT_EQ(CheckStream(SeqsOf(*a.ws), want), "") << "tab a";
  EXPECT_EQ(CheckStream(SeqsOf(*b.ws), want), "") << "tab b";
  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, a.conversation_id);
  EXPECT_EQ(CheckGapFree(msgs), "");
  EXPECT_EQ(msgs.size(), want);
}

TEST_F(ResumeTest, ResentAfterReconnectIsAckedAsDuplicate) {
  WidgetSession a = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(a.ws);
  ASSERT_TRUE(a.ws->SendMessage("d-1", "hello"));
  std::optional<Json> ack = a.ws->WaitFor(IsAck("d-1"));
  ASSERT_TRUE(ack);
  ASSERT_TRUE(a.ws->WaitFor(IsBotText("echo: hello")));
  a.ws->CloseAbruptly();

  // The client lost the ack (say) and resends on a new connection.
  WidgetSession b = OpenWidget(port(), tenant_.public_key, a.contact_token);
  ASSERT_TRUE(b.ws);
  ASSERT_TRUE(b.ws->SendMessage("d-1", "hello"));
  std::optional<Json> again = b.ws->WaitFor(IsAck("d-1"));
  ASSERT_TRUE(again);
  EXPECT_EQ(Int(*again, "seq"), Int(*ack, "seq"));
  EXPECT_TRUE(Bool(*again, "duplicate")) << again->dump();
  b.ws->Drain(300ms);
  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, a.conversation_id);
  EXPECT_EQ(msgs.size(), 2u) << Json(msgs).dump();
}

}  // namespace
}  // namespace kefu::it
