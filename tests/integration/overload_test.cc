// Overload: with a tiny store queue kefu sheds load with `busy` instead of
// queueing without bound, keeps connections open, and loses nothing it acked.
#include <set>
#include <thread>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

class OverloadTest : public ServerTest {
 protected:
  std::vector<std::string> Args() const override { return {"--max-queue", "4"}; }
};

struct Pipelined {
  WidgetSession session;
  std::map<std::string, std::string> text;  // client_id -> text
  std::map<std::string, int64_t> acked;     // client_id -> seq
  std::set<std::string> rejected;           // got busy, not yet acked
};

TEST_F(OverloadTest, WidgetBurstGetsBusyKeepsConnectionsAndLosesNothing) {
  constexpr int kConnections = 16;
  constexpr int kPerConnection = 60;  // under the 64 unacknowledged allowed
  std::vector<Pipelined> clients(kConnections);
  for (int c = 0; c < kConnections; ++c) {
    clients[c].session = OpenWidget(port(), tenant_.public_key);
    ASSERT_TRUE(clients[c].session.ws) << "connection " << c;
  }
  for (int i = 0; i < kPerConnection; ++i) {
    for (int c = 0; c < kConnections; ++c) {
      std::string id = "o" + std::to_string(c) + "-" + std::to_string(i);
      clients[c].text[id] = "burst " + id;
      ASSERT_TRUE(clients[c].session.ws->SendMessage(id, clients[c].text[id]));
    }
  }
  // Every message gets an answer: its ack or busy.
  int busy = 0;
  for (auto& cl : clients) {
    WidgetClient& ws = *cl.session.ws;
    while (cl.acked.size() + cl.rejected.size() < cl.text.size()) {
      std::optional<Json> f = ws.WaitFor(
          [](const Json& j) { return Str(j, "type") == "ack" || Str(j, "type") == "error"; }, 20s);
      ASSERT_TRUE(f) << "connection " << cl.session.conversation_id << ": answers for only "
                     << cl.acked.size() + cl.rejected.size() << " of " << cl.text.size()
                     << " messages; " << ws.close_reason();
      std::string id = Str(*f, "client_id");
      ASSERT_TRUE(cl.text.count(id)) << "answer for an unknown client_id: " << f->dump();
      if (Str(*f, "type") == "ack") {
        cl.acked[id] = Int(*f, "seq");
        continue;
      }
      EXPECT_EQ(Str(*f, "code"), "busy") << f->dump();
      EXPECT_GT(Int(*f, "retry_after_ms"), 0) << "busy needs a retry hint: " << f->dump();
      cl.rejected.insert(id);
      ++busy;
    }
  }
  EXPECT_GT(busy, 0) << "no message was shed with --max-queue 4 and "
                     << kConnections * kPerConnection << " pipelined messages";
  // The connections stay open.
  for (auto& cl : clients) {
    ASSERT_TRUE(cl.session.ws->Send({{"type", "ping"}}));
    EXPECT_TRUE(cl.session.ws->WaitFor(IsType("pong"))) << cl.session.ws->close_reason();
  }
  // After the burst, retrying the rejected ones succeeds.
  for (int round = 0; round < 50; ++round) {
    bool any = false;
    for (auto& cl : clients) {
      for (const std::string& id : std::vector<std::string>(cl.rejected.begin(),
                                                            cl.rejected.end())) {
        any = true;
        WidgetClient& ws = *cl.session.ws;
        ASSERT_TRUE(ws.SendMessage(id, cl.text[id]));
        std::optional<Json> f = ws.WaitFor(
            [&](const Json& j) {
              return (Str(j, "type") == "ack" || Str(j, "type") == "error") &&
                     Str(j, "client_id") == id;
            },
            10s);
        ASSERT_TRUE(f) << "no answer to the retry of " << id;
        if (Str(*f, "type") == "ack") {
          EXPECT_FALSE(Bool(*f, "duplicate")) << "a shed message was stored: " << f->dump();
          cl.acked[id] = Int(*f, "seq");
          cl.rejected.erase(id);
        } else {
          EXPECT_EQ(Str(*f, "code"), "busy") << f->dump();
          std::this_thread::sleep_for(Millis(std::min<int64_t>(Int(*f, "retry_after_ms", 50), 500)));
        }
      }
    }
    if (!any) break;
  }
  for (auto& cl : clients) {
    EXPECT_TRUE(cl.rejected.empty()) << cl.rejected.size() << " still rejected after retries";
    std::vector<AckedMessage> acked;
    for (const auto& [id, seq] : cl.acked) acked.push_back({id, cl.text[id], seq});
    std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, cl.session.conversation_id);
    EXPECT_EQ(CheckAckedPresent(msgs, acked), "");
    std::map<std::string, int> stored;
    for (const Json& m : msgs) {
      if (Str(m, "sender") == "contact") ++stored[Str(m, "client_id")];
    }
    EXPECT_EQ(stored.size(), cl.text.size());
    for (const auto& [id, n] : stored) EXPECT_EQ(n, 1) << id << " stored " << n << " times";
  }
  std::printf("[overload] %d of %d widget messages shed at first\n", busy,
              kConnections * kPerConnection);
}

TEST_F(OverloadTest, HttpFloodSees503WithRetryAfterThenServesNormally) {
  constexpr int kThreads = 16;
  std::atomic<int> created{0}, shed{0}, other{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> problems;
  // Per thread: conversation id and the client_ids that got 201 / 503.
  std::vector<int64_t> conv(kThreads, -1);
  std::vector<std::set<std::string>> ok_ids(kThreads), shed_ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto conn = std::make_unique<HttpConnection>(port());
      Headers h = Bearer(tenant_.api_key);
      h.emplace_back("Content-Type", "application/json");
      for (int i = 0; !stop; ++i) {
        if (!conn->connected()) conn = std::make_unique<HttpConnection>(port());
        std::string id = "h" + std::to_string(t) + "-" + std::to_string(i);
        Json body = {{"contact", {{"external_id", "flood-" + std::to_string(t)}}},
                     {"client_id", id},
                     {"text", "flood " + id}};
        HttpResponse r = conn->Request("POST", "/api/v1/messages", body.dump(), h);
        std::lock_guard lock(mu);
        if (r.status == 201) {
          ++created;
          ok_ids[t].insert(id);
          conv[t] = Int(r.json(), "conversation_id");
        } else if (r.status == 503) {
          ++shed;
          shed_ids[t].insert(id);
          if (r.header("Retry-After").empty() || r.error_code() != "busy") {
            problems.push_back("503 without Retry-After or code busy: " + r.Describe());
          }
        } else {
          ++other;
          problems.push_back("unexpected " + r.Describe());
        }
      }
    });
  }
  Eventually([&] { return shed >= 20 && created >= 20; }, 3s);
  stop = true;
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < problems.size() && i < 5; ++i) ADD_FAILURE() << problems[i];
  EXPECT_GT(shed.load(), 0) << "no 503 under a flood with --max-queue 4 (" << created
                            << " created)";
  EXPECT_GT(created.load(), 0);

  // Serves normally afterwards.
  EXPECT_TRUE(Eventually(
      [&] { return HttpRequest(port(), "GET", "/readyz").status == 200; }, 10s));
  HttpResponse r = PostApiMessage(port(), tenant_.api_key, "after-flood", "af-1", "hello");
  EXPECT_EQ(r.status, 201) << r.Describe();
  // What got 201 is stored; what got 503 is not.
  for (int t = 0; t < kThreads; ++t) {
    if (conv[t] < 0) continue;
    std::set<std::string> stored;
    for (const Json& m : FetchMessages(port(), tenant_.api_key, conv[t])) {
      if (Str(m, "sender") == "contact") stored.insert(Str(m, "client_id"));
    }
    for (const auto& id : ok_ids[t]) EXPECT_TRUE(stored.count(id)) << id << " got 201, not stored";
    for (const auto& id : shed_ids[t]) EXPECT_FALSE(stored.count(id)) << id << " got 503, stored";
  }
  std::printf("[overload] http: %d created, %d shed\n", created.load(), shed.load());
}

}  // namespace
}  // namespace kefu::it
