// Injected disk failures: a message that could not be stored is reported
// with io_error, never acked, and can be resent once the disk works again.
#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

class FaultTest : public ServerTest {
 protected:
  std::vector<std::string> Args() const override { return {"--enable-fault-injection"}; }

  void SetFaults(bool fail_writes, bool fail_syncs) {
    Json body = {{"fail_writes", fail_writes}, {"fail_syncs", fail_syncs}};
    HttpResponse r = HttpRequest(port(), "POST", "/debug/faults", body.dump(),
                                 {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 200) << body.dump() << ": " << r.Describe();
  }

  // Sends message `id` and waits for its ack or error (none on timeout or
  // when the send fails).
  static std::optional<Json> SendAndAwaitAnswer(WidgetClient& ws, const std::string& id,
                                                const std::string& text) {
    if (!ws.SendMessage(id, text)) return std::nullopt;
    return ws.WaitFor(
        [&](const Json& j) {
          return (Str(j, "type") == "ack" || Str(j, "type") == "error") &&
                 Str(j, "client_id") == id;
        },
        10s);
  }

  // Sends `id` while the disk fails: io_error with the client_id, no ack.
  void ExpectIoError(WidgetClient& ws, const std::string& id, const std::string& text) {
    std::optional<Json> f = SendAndAwaitAnswer(ws, id, text);
    ASSERT_TRUE(f) << id << ": neither ack nor error; " << ws.close_reason();
    EXPECT_EQ(Str(*f, "type"), "error") << "acked while the disk fails: " << f->dump();
    EXPECT_EQ(Str(*f, "code"), "io_error") << f->dump();
    ws.Drain(200ms);
    EXPECT_FALSE(ws.WaitFor(IsAck(id), 10ms)) << id << " acked after its io_error";
  }

  // Resends `id` once the disk works: a fresh ack with `seq`.
  void ExpectAcked(WidgetClient& ws, const std::string& id, const std::string& text,
                   std::vector<AckedMessage>& acked) {
    std::optional<Json> f = SendAndAwaitAnswer(ws, id, text);
    ASSERT_TRUE(f) << id << ": no answer; " << ws.close_reason();
    ASSERT_EQ(Str(*f, "type"), "ack") << f->dump();
    EXPECT_FALSE(Bool(*f, "duplicate")) << "a message that failed was stored: " << f->dump();
    acked.push_back({id, text, Int(*f, "seq")});
    ASSERT_TRUE(ws.WaitFor(IsBotText("echo: " + text), 10s)) << "no echo for " << id;
  }
};

TEST_F(FaultTest, FailedSyncOrWriteIsIoErrorAndTheResendIsAcked) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  std::vector<AckedMessage> acked;
  ExpectAcked(*s.ws, "f-1", "before the fault", acked);

  SetFaults(false, true);
  ExpectIoError(*s.ws, "f-2", "while fsync fails");
  HttpResponse r = PostApiMessage(port(), tenant_.api_key, "fault-api", "fa-1", "api during fault");
  EXPECT_EQ(r.status, 500) << r.Describe();
  EXPECT_EQ(r.error_code(), "io_error") << r.Describe();
  SetFaults(false, false);
  ExpectAcked(*s.ws, "f-2", "while fsync fails", acked);

  SetFaults(true, false);
  ExpectIoError(*s.ws, "f-3", "while writes fail");
  SetFaults(false, false);
  ExpectAcked(*s.ws, "f-3", "while writes fail", acked);
  ExpectAcked(*s.ws, "f-4", "after the faults", acked);

  r = PostApiMessage(port(), tenant_.api_key, "fault-api", "fa-1", "api during fault");
  EXPECT_EQ(r.status, 201) << "the failed API message is new on retry: " << r.Describe();
  EXPECT_EQ(HttpRequest(port(), "GET", "/readyz").status, 200);

  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  EXPECT_EQ(CheckAckedPresent(msgs, acked), "");
  EXPECT_EQ(msgs.size(), 8u) << Json(msgs).dump();

  server_->Kill9();
  ASSERT_TRUE(server_->Restart());
  msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  EXPECT_EQ(CheckAckedPresent(msgs, acked), "") << "after restart";
  EXPECT_EQ(msgs.size(), 8u) << Json(msgs).dump();
  std::map<std::string, int> texts;
  for (const Json& m : msgs) ++texts[Str(m, "text")];
  for (const auto& [text, n] : texts) EXPECT_EQ(n, 1) << "'" << text << "' stored " << n << " times";
}

TEST_F(FaultTest, FaultsRequireABooleanBody) {
  HttpResponse r = HttpRequest(port(), "POST", "/debug/faults", "{\"fail_syncs\":",
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  r = HttpRequest(port(), "POST", "/debug/faults", R"({"fail_syncs":"yes"})",
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400) << r.Describe();
}

}  // namespace
}  // namespace kefu::it
