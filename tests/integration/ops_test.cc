// What an operator relies on: health, readiness, metrics, keep-alive, a
// clean exit.
#include <sstream>
#include <thread>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

class OpsTest : public ServerTest {};

TEST_F(OpsTest, HealthAndReadiness) {
  HttpResponse r = HttpRequest(port(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200) << r.Describe();
  r = HttpRequest(port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.Describe();
}

TEST_F(OpsTest, MetricsExposeConnectionsMessagesAndCommits) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  ASSERT_TRUE(s.ws->SendMessage("met-1", "count me"));
  ASSERT_TRUE(s.ws->WaitFor(IsBotText("echo: count me")));

  HttpResponse r = HttpRequest(port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_NE(r.header("Content-Type").find("text/plain"), std::string::npos)
      << r.header("Content-Type");
  std::vector<std::string> types;  // metric names with a # TYPE line
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE kefu_", 0) == 0) types.push_back(line.substr(7));
  }
  ASSERT_FALSE(types.empty()) << "no '# TYPE kefu_' lines:\n" << r.body.substr(0, 2000);
  auto has = [&](const std::string& word) {
    for (const auto& t : types) {
      std::string name = t.substr(0, t.find(' '));
      if (name.find(word) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("connection")) << r.body.substr(0, 2000);
  EXPECT_TRUE(has("message")) << r.body.substr(0, 2000);
  EXPECT_TRUE(has("commit")) << r.body.substr(0, 2000);
  // Every sample line belongs to a kefu_ metric or a standard one, and has a value.
  std::istringstream again(r.body);
  for (std::string line; std::getline(again, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_NE(line.rfind(' '), std::string::npos) << "malformed sample: " << line;
  }
}

TEST_F(OpsTest, KeepAliveServesTwoRequestsOnOneConnection) {
  HttpConnection conn(port());
  ASSERT_TRUE(conn.connected());
  uint16_t local = conn.local_port();
  HttpResponse a = conn.Request("GET", "/healthz");
  EXPECT_EQ(a.status, 200) << a.Describe();
  EXPECT_TRUE(a.keep_alive) << "the server closes after one request";
  HttpResponse b = conn.Request("GET", "/api/v1/conversations", "", Bearer(tenant_.api_key));
  EXPECT_EQ(b.status, 200) << b.Describe();
  EXPECT_EQ(conn.local_port(), local);
  // An error answer keeps the connection too.
  HttpResponse c = conn.Request("GET", "/api/v1/nope", "", Bearer(tenant_.api_key));
  EXPECT_EQ(c.status, 404) << c.Describe();
  HttpResponse d = conn.Request("GET", "/healthz");
  EXPECT_EQ(d.status, 200) << d.Describe();
}

TEST_F(OpsTest, IdleServerExitsZeroOnSigterm) {
  EXPECT_EQ(server_->Terminate(10s), 0);
  ASSERT_TRUE(server_->Restart());
  EXPECT_EQ(HttpRequest(port(), "GET", "/healthz").status, 200);
  // The tenant survived the restart.
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  EXPECT_TRUE(s.ws);
}

class IdleTimeoutTest : public ServerTest {
 protected:
  std::vector<std::string> Args() const override { return {"--idle-timeout", "1"}; }
};

TEST_F(IdleTimeoutTest, IdleHttpConnectionIsClosedQuietWidgetIsNot) {
  HttpConnection http(port());
  ASSERT_TRUE(http.connected());
  EXPECT_EQ(http.Request("GET", "/healthz").status, 200);
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  std::this_thread::sleep_for(2500ms);
  // The keep-alive connection was closed by the server: the request fails.
  HttpResponse r = http.Request("GET", "/healthz", "", {}, 2s);
  EXPECT_EQ(r.status, 0) << "an idle keep-alive connection outlived --idle-timeout 1: "
                         << r.Describe();
  // A quiet chat tab (which answers the server's pings) stays connected.
  EXPECT_FALSE(s.ws->closed()) << "quiet widget dropped: " << s.ws->close_reason();
  ASSERT_TRUE(s.ws->Send({{"type", "ping"}}));
  EXPECT_TRUE(s.ws->WaitFor(IsType("pong")));
}

}  // namespace
}  // namespace kefu::it
