// The numbers, end to end over real sockets: known traffic on the demo
// shop's widget and an agent's console — three conversations the bot answers
// alone, one widget opened and left silent, two customers who ask for a
// person, of whom an agent answers one, resolves it and is rated 4 — then
// GET /api/v1/stats counts exactly that for the tenant; an agent may not
// read it; bad dates, zones and ranges are 400 naming the parameter; a
// second tenant sees only zeros.
#include <chrono>
#include <ctime>
#include <fstream>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

const std::string kShop = std::string(KEFU_SOURCE_DIR) + "/examples/shop";
const std::string kPassword = "a-good-long-password";

FramePredicate IsFrom(std::string sender) {
  return
      [sender](const Json& f) { return Str(f, "type") == "message" && Str(f, "sender") == sender; };
}
FramePredicate IsStatus(std::string status) {
  return
      [status](const Json& f) { return Str(f, "type") == "status" && Str(f, "status") == status; };
}

// "YYYY-MM-DD" of now + `days` in UTC.
std::string UtcDate(int days) {
  const std::time_t t = std::time(nullptr) + days * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// A customer on the widget who waits for the greeting.
struct Customer {
  std::unique_ptr<WidgetClient> ws;
  int64_t conversation = 0;
};
Customer Arrive(uint16_t port, const std::string& public_key) {
  Customer c;
  c.ws = std::make_unique<WidgetClient>(port);
  c.ws->Send({{"type", "hello"}, {"public_key", public_key}, {"language", "zh-CN"}});
  auto welcome = c.ws->WaitFor(IsType("welcome"));
  if (!welcome) {
    ADD_FAILURE() << "no welcome: " << Json(c.ws->history()).dump();
    return c;
  }
  c.conversation = Int((*welcome)["conversation"], "id");
  if (!c.ws->WaitFor(IsFrom("bot"), 10s)) ADD_FAILURE() << "no greeting";
  return c;
}

class StatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kSanitizerBuild) GTEST_SKIP() << "release build only (the shop bot trains at start)";
    server_ =
        std::make_unique<ServerProcess>(std::vector<std::string>{"--bot", kShop, "--demo-orders"});
    ASSERT_TRUE(server_->Start(60s)) << server_->LogTail();
    tenant_ = server_->Bootstrap();
    ASSERT_FALSE(tenant_.api_key.empty());
  }
  uint16_t port() const { return server_->port(); }

  // An API key of `role` in the first tenant.
  std::string Key(const std::string& role) {
    auto r =
        HttpRequest(port(), "POST", "/api/v1/api-keys",
                    Json{{"name", role + "-key"}, {"role", role}}.dump(), Bearer(tenant_.api_key));
    EXPECT_EQ(r.status, 201) << r.Describe();
    return Str(r.json(), "secret");
  }

  std::unique_ptr<ServerProcess> server_;
  Tenant tenant_;
};

TEST_F(StatsTest, CountsKnownTrafficExactlyForTheTenantOnly) {
  // Three customers the bot answers alone.
  for (int i = 0; i < 3; ++i) {
    Customer c = Arrive(port(), tenant_.public_key);
    ASSERT_TRUE(c.ws);
    ASSERT_TRUE(c.ws->SendMessage("q-" + std::to_string(i), "运费怎么算？"));
    ASSERT_TRUE(c.ws->WaitFor(IsFrom("bot"), 10s)) << Json(c.ws->history()).dump();
    EXPECT_FALSE(c.ws->WaitFor(IsStatus("queued"), 300ms))
        << "the bot handed over a question it knows";
  }
  // A visitor who opens the widget and says nothing: no conversation to count.
  Customer silent = Arrive(port(), tenant_.public_key);
  ASSERT_TRUE(silent.ws);

  // Two customers ask for a person; nobody is online yet.
  Customer first = Arrive(port(), tenant_.public_key);
  Customer second = Arrive(port(), tenant_.public_key);
  for (Customer* c : {&first, &second}) {
    ASSERT_TRUE(c->ws);
    ASSERT_TRUE(c->ws->SendMessage("h-1", "转人工"));
    ASSERT_TRUE(c->ws->WaitFor(IsStatus("queued"), 10s)) << Json(c->ws->history()).dump();
  }

  // An agent comes online and gets both; answers the first, resolves it,
  // and the customer rates it 4. The second is assigned but not answered.
  auto created = HttpRequest(
      port(), "POST", "/api/v1/users",
      Json{{"email", "zhou@shop.example"}, {"role", "agent"}, {"password", kPassword}}.dump(),
      Bearer(tenant_.api_key));
  ASSERT_EQ(created.status, 201) << created.Describe();
  auto login = HttpRequest(port(), "POST", "/api/v1/login",
                           Json{{"email", "zhou@shop.example"}, {"password", kPassword}}.dump());
  ASSERT_EQ(login.status, 200) << login.Describe();
  const std::string session = Str(login.json(), "token");
  WidgetClient agent(port(), "/ws/agent", Headers{{"Authorization", "Bearer " + session}});
  ASSERT_TRUE(agent.connected()) << agent.close_reason();
  ASSERT_TRUE(agent.WaitFor(IsType("welcome")));
  ASSERT_TRUE(agent.Send({{"type", "presence"}, {"status", "online"}}));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(agent.WaitFor(IsType("assigned"), 5s)) << Json(agent.history()).dump();
  }
  ASSERT_TRUE(first.ws->WaitFor(IsStatus("assigned"), 5s));
  ASSERT_TRUE(agent.Send({{"type", "message"},
                          {"conversation", first.conversation},
                          {"client_id", "a-1"},
                          {"text", "您好，我来帮您处理"}}));
  ASSERT_TRUE(agent.WaitFor(IsAck("a-1"), 5s)) << Json(agent.history()).dump();
  ASSERT_TRUE(first.ws->WaitFor(IsFrom("agent"), 5s));
  ASSERT_TRUE(agent.Send({{"type", "resolve"}, {"conversation", first.conversation}}));
  ASSERT_TRUE(first.ws->WaitFor(IsStatus("resolved"), 5s)) << Json(first.ws->history()).dump();
  ASSERT_TRUE(first.ws->Send({{"type", "rate"}, {"rating", 4}}));
  ASSERT_TRUE(first.ws->WaitFor(IsType("rated"), 5s)) << Json(first.ws->history()).dump();

  // A supervisor's key reads the numbers: the last 7 days in Asia/Shanghai.
  const std::string supervisor = Key("supervisor");
  auto r = HttpRequest(port(), "GET", "/api/v1/stats", "", Bearer(supervisor));
  ASSERT_EQ(r.status, 200) << r.Describe();
  const Json stats = r.json();
  EXPECT_EQ(Str(stats, "tz"), "Asia/Shanghai");
  ASSERT_EQ(stats["days"].size(), 7u) << r.body;
  EXPECT_EQ(Str(stats["days"][6], "date"), Str(stats, "to")) << "the last day is today";
  const Json& n = stats["totals"];
  EXPECT_EQ(Int(n, "conversations"), 5) << "the silent widget is not counted: " << n.dump();
  EXPECT_EQ(Int(n, "bot_only"), 3) << n.dump();
  EXPECT_EQ(Int(n, "handed_over"), 2) << n.dump();
  EXPECT_EQ(n["automation_rate"], 0.6) << n.dump();
  EXPECT_EQ(n["handoff_rate"], 0.4) << n.dump();
  EXPECT_EQ(n["handoff_by_reason"], (Json{{"customer_asked", 2}})) << n.dump();
  EXPECT_EQ(Int(n, "resolved"), 1) << n.dump();
  EXPECT_EQ(Int(n, "first_contact_resolution"), 1) << n.dump();
  EXPECT_EQ(n["first_contact_resolution_rate"], 1.0) << n.dump();
  EXPECT_EQ(Int(n["waiting_s"], "count"), 2) << "both waited for the agent: " << n.dump();
  EXPECT_EQ(Int(n["first_response_s"], "count"), 1) << n.dump();
  EXPECT_EQ(Int(n["resolution_s"], "count"), 1) << n.dump();
  const double wait = n["waiting_s"]["p90"].get<double>();
  const double response = n["first_response_s"]["p50"].get<double>();
  const double resolution = n["resolution_s"]["p50"].get<double>();
  EXPECT_GE(wait, 0);
  EXPECT_GE(response, wait) << "the answer came after the assignment";
  EXPECT_GE(resolution, response) << "resolved after the answer";
  EXPECT_LT(resolution, 120) << "this test takes seconds";
  EXPECT_EQ(n["csat"], (Json{{"count", 1}, {"avg", 4.0}, {"distribution", {0, 0, 0, 1, 0}}}))
      << n.dump();
  // The days add up to the totals (today, or yesterday and today should the
  // test run across midnight in Shanghai).
  int64_t sum = 0;
  for (const Json& d : stats["days"]) sum += Int(d, "conversations");
  EXPECT_EQ(sum, 5);
  EXPECT_EQ(Int(stats["days"][6], "conversations") + Int(stats["days"][5], "conversations"), 5);
  EXPECT_EQ(Int(stats["days"][0], "conversations"), 0);
  EXPECT_TRUE(stats["days"][0]["automation_rate"].is_null()) << "a rate over nothing is null";

  // The same traffic in UTC, from yesterday to tomorrow, for a signed-in admin.
  auto admin_login = HttpRequest(
      port(), "POST", "/api/v1/users",
      Json{{"email", "boss@shop.example"}, {"role", "admin"}, {"password", kPassword}}.dump(),
      Bearer(tenant_.api_key));
  ASSERT_EQ(admin_login.status, 201) << admin_login.Describe();
  auto boss = HttpRequest(port(), "POST", "/api/v1/login",
                          Json{{"email", "boss@shop.example"}, {"password", kPassword}}.dump());
  ASSERT_EQ(boss.status, 200);
  auto utc =
      HttpRequest(port(), "GET", "/api/v1/stats?tz=UTC&from=" + UtcDate(-1) + "&to=" + UtcDate(1),
                  "", {{"Cookie", "kefu_session=" + Str(boss.json(), "token")}});
  ASSERT_EQ(utc.status, 200) << utc.Describe();
  EXPECT_EQ(Str(utc.json(), "tz"), "UTC");
  EXPECT_EQ(utc.json()["days"].size(), 3u);
  EXPECT_EQ(Int(utc.json()["totals"], "conversations"), 5) << utc.body;
  EXPECT_EQ(Int(utc.json()["totals"], "handed_over"), 2) << utc.body;
  EXPECT_EQ(Int(utc.json()["days"][2], "conversations"), 0) << "nothing tomorrow";
  // A range of days before any of it: zeros.
  auto before = HttpRequest(port(), "GET", "/api/v1/stats?from=2020-01-01&to=2020-01-31", "",
                            Bearer(supervisor));
  ASSERT_EQ(before.status, 200) << before.Describe();
  EXPECT_EQ(before.json()["days"].size(), 31u);
  EXPECT_EQ(Int(before.json()["totals"], "conversations"), 0);

  // Agents may not read the numbers, by key or signed in; nobody may without credentials.
  auto as_agent_key = HttpRequest(port(), "GET", "/api/v1/stats", "", Bearer(Key("agent")));
  EXPECT_EQ(as_agent_key.status, 403) << as_agent_key.Describe();
  EXPECT_EQ(as_agent_key.error_code(), "permission_denied");
  auto as_agent = HttpRequest(port(), "GET", "/api/v1/stats", "", Bearer(session));
  EXPECT_EQ(as_agent.status, 403) << as_agent.Describe();
  EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/stats").status, 401);

  // Bad input: 400 invalid_argument naming what is wrong.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"from=2026-13-01", "from: 2026-13-01 is no date: there is no month 13"},
      {"to=tomorrow", "to: \"tomorrow\" is not a date YYYY-MM-DD"},
      {"from=2026-05-10&to=2026-05-01", "from (2026-05-10) is after to (2026-05-01)"},
      {"from=2025-01-01&to=2026-01-02", "from 2025-01-01 to 2026-01-02 is 367 days; at most 366"},
      {"tz=Mars%2FOlympus",
       "tz: \"Mars/Olympus\" is not a time zone of the tz database (e.g. Asia/Shanghai, UTC)"},
      {"tz=..%2F..%2Fetc%2Fpasswd",
       "tz: \"../../etc/passwd\" is not a time zone of the tz database (e.g. Asia/Shanghai, UTC)"},
      {"tz=", "tz: \"\" is not a time zone of the tz database (e.g. Asia/Shanghai, UTC)"},
  };
  for (const auto& [query, message] : bad) {
    auto b = HttpRequest(port(), "GET", "/api/v1/stats?" + query, "", Bearer(supervisor));
    EXPECT_EQ(b.status, 400) << query << ": " << b.Describe();
    EXPECT_EQ(b.error_code(), "invalid_argument") << query;
    EXPECT_EQ(Str(b.json()["error"], "message"), message) << query;
  }

  // Another tenant, beside the running server: only zeros, whatever the range.
  const std::string out = server_->data_dir() + "/create-tenant.out";
  ASSERT_EQ(RunCommand({KEFU_BINARY, "create-tenant", "--data-dir", server_->data_dir(), "--name",
                        "Other Shop", "--admin-email", "root@other.example", "--admin-password",
                        kPassword},
                       out),
            0)
      << "see " << out;
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  const std::string other_key = Str(Json::parse(line, nullptr, false)["api_key"], "secret");
  ASSERT_FALSE(other_key.empty()) << line;
  for (const std::string& query :
       {std::string(""), "?tz=UTC&from=" + UtcDate(-1) + "&to=" + UtcDate(1)}) {
    auto other = HttpRequest(port(), "GET", "/api/v1/stats" + query, "", Bearer(other_key));
    ASSERT_EQ(other.status, 200) << other.Describe();
    const Json body = other.json();
    const Json& o = body["totals"];
    EXPECT_EQ(Int(o, "conversations"), 0) << other.body;
    EXPECT_EQ(Int(o, "handed_over"), 0) << other.body;
    EXPECT_EQ(Int(o["csat"], "count"), 0) << other.body;
    EXPECT_EQ(Int(o["waiting_s"], "count"), 0) << other.body;
  }
}

}  // namespace
}  // namespace kefu::it
