// Process death and restarts: kill -9 under load, answering after a crash,
// graceful shutdown.
#include <signal.h>

#include <thread>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

// After a restart every stored customer message gets exactly one answer
// (pending replies are recovered). Returns "" or what is wrong.
std::string CheckEveryMessageAnsweredOnce(const std::vector<Json>& msgs) {
  std::map<std::string, int> asked, answered;
  for (const Json& m : msgs) {
    if (Str(m, "sender") == "contact") ++asked[Str(m, "text")];
    if (Str(m, "sender") == "bot") ++answered[Str(m, "text")];
  }
  for (const auto& [text, n] : asked) {
    int a = answered.count("echo: " + text) ? answered["echo: " + text] : 0;
    if (n != 1) return "'" + text + "' stored " + std::to_string(n) + " times";
    if (a != 1) return "'" + text + "' answered " + std::to_string(a) + " times";
  }
  return "";
}

class CrashTest : public ServerTest {};

// --sync is left at its default (full) on purpose.
TEST_F(CrashTest, KillNineUnderLoadLosesNothingAcknowledged) {
  WidgetLoad load(port(), tenant_.public_key, /*connections=*/8, /*window=*/8);
  ASSERT_TRUE(Eventually([&] { return load.acked_count() >= 100; }, 10s))
      << "only " << load.acked_count() << " acks after 10 s";
  std::this_thread::sleep_for(1500ms);
  server_->Kill9();
  load.Stop();
  auto acked = load.Acked();
  size_t total = 0;
  for (const auto& [conv, list] : acked) total += list.size();
  ASSERT_GT(total, 0u);

  ASSERT_TRUE(server_->Restart());
  for (const auto& [conv, list] : acked) {
    std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, conv);
    EXPECT_EQ(CheckAckedPresent(msgs, list), "") << "conversation " << conv;
    HttpResponse r = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(conv),
                                 "", Bearer(tenant_.api_key));
    ASSERT_EQ(r.status, 200) << r.Describe();
    Json c = r.json();
    Json obj = c.contains("conversation") ? c["conversation"] : c;
    EXPECT_EQ(Int(obj, "last_seq"), static_cast<int64_t>(msgs.size())) << r.body;
  }
  // Messages stored but not answered before the crash are answered now.
  for (const auto& [conv, list] : acked) {
    std::string problem;
    bool ok = Eventually(
        [&, conv = conv] {
          problem = CheckEveryMessageAnsweredOnce(FetchMessages(port(), tenant_.api_key, conv));
          return problem.empty();
        },
        15s);
    EXPECT_TRUE(ok) << "conversation " << conv << ": " << problem;
  }
  std::printf("[crash] %zu messages acked by %zu connections before kill -9\n", total,
              acked.size());
}

class RecoveryTest : public ServerTest {
 protected:
  std::vector<std::string> Args() const override { return {"--responder-delay-ms", "3000"}; }
};

TEST_F(RecoveryTest, ReplyArrivesAfterACrashBetweenStoreAndAnswer) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  ASSERT_TRUE(s.ws->SendMessage("rec-1", "are you there?"));
  std::optional<Json> ack = s.ws->WaitFor(IsAck("rec-1"), 2500ms);
  ASSERT_TRUE(ack);
  EXPECT_FALSE(s.ws->WaitFor(IsType("message"), 200ms)) << "answered before the delay";
  server_->Kill9();
  s.ws.reset();

  ASSERT_TRUE(server_->Restart(std::vector<std::string>{}));
  WidgetSession r = OpenWidget(port(), tenant_.public_key, s.contact_token,
                               {{"conversation", s.conversation_id},
                                {"after_seq", Int(*ack, "seq")}});
  ASSERT_TRUE(r.ws);
  EXPECT_EQ(r.conversation_id, s.conversation_id);
  std::optional<Json> reply = r.ws->WaitFor(IsBotText("echo: are you there?"), 10s);
  ASSERT_TRUE(reply) << "no reply after the restart; got " << Json(r.ws->history()).dump();
  EXPECT_EQ(Int(*reply, "seq"), Int(*ack, "seq") + 1) << reply->dump();
  r.ws->Drain(500ms);

  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  EXPECT_EQ(CheckGapFree(msgs), "");
  EXPECT_EQ(msgs.size(), 2u) << Json(msgs).dump();
  EXPECT_EQ(CheckEveryMessageAnsweredOnce(msgs), "");

  // A second restart does not answer again.
  EXPECT_EQ(server_->Terminate(), 0);
  ASSERT_TRUE(server_->Restart());
  std::this_thread::sleep_for(500ms);
  msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  EXPECT_EQ(msgs.size(), 2u) << Json(msgs).dump();
}

class ShutdownTest : public ServerTest {
 protected:
  std::vector<std::string> Args() const override { return {"--shutdown-timeout", "5"}; }
};

TEST_F(ShutdownTest, SigtermWithClientsConnectedExitsZeroAndKeepsEverythingAcked) {
  WidgetLoad load(port(), tenant_.public_key, /*connections=*/4, /*window=*/4);
  // One idle client too: it must not hold the shutdown up.
  WidgetSession idle = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(idle.ws);
  ASSERT_TRUE(Eventually([&] { return load.acked_count() >= 40; }, 10s));
  int code = server_->Terminate(15s);
  EXPECT_EQ(code, 0) << "exit status after SIGTERM (-1: still running after 15 s)";
  load.Stop();
  // The idle tab was told the server is going away (so it reconnects).
  idle.ws->WaitFor([](const Json&) { return false; }, 2s);
  EXPECT_EQ(idle.ws->close_code(), std::optional<int>(1001)) << idle.ws->close_reason();

  ASSERT_TRUE(server_->Restart());
  for (const auto& [conv, list] : load.Acked()) {
    std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, conv);
    EXPECT_EQ(CheckAckedPresent(msgs, list), "") << "conversation " << conv;
  }
}

TEST_F(ShutdownTest, SigintIsGracefulToo) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  ASSERT_TRUE(s.ws->SendMessage("i-1", "before sigint"));
  ASSERT_TRUE(s.ws->WaitFor(IsAck("i-1")));
  int code = server_->Terminate(15s, SIGINT);
  EXPECT_EQ(code, 0);
  ASSERT_TRUE(server_->Restart());
  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(Str(msgs[0], "text"), "before sigint");
}

}  // namespace
}  // namespace kefu::it
