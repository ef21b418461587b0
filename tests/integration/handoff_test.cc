// Handoff to a person, end to end over real sockets: a customer of the demo
// shop asks for a human on the widget → the conversation is queued → an
// agent signs in, connects to /ws/agent, goes online and is assigned the
// chat with the bot's summary (the order number the bot already has) →
// replies, the customer receives it; the agent's console goes away → after
// the grace period the chat is back in line → another agent takes it and
// resolves it. And the bad inputs of signing in.
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

FramePredicate IsFrom(std::string sender) {
  return [sender](const Json& f) { return Str(f, "type") == "message" && Str(f, "sender") == sender; };
}
FramePredicate IsStatus(std::string status) {
  return [status](const Json& f) { return Str(f, "type") == "status" && Str(f, "status") == status; };
}

struct Agent {
  std::string token;
  int64_t id = 0;
};

Agent CreateAndLogin(uint16_t port, const std::string& admin_key, const std::string& email) {
  Agent a;
  auto created = HttpRequest(port, "POST", "/api/v1/users",
                             Json{{"email", email}, {"name", email}, {"role", "agent"},
                                  {"password", "agent-password-1"}}
                                 .dump(),
                             Bearer(admin_key));
  if (created.status != 201) {
    ADD_FAILURE() << "create user: " << created.Describe();
    return a;
  }
  auto login = HttpRequest(port, "POST", "/api/v1/login",
                           Json{{"email", email}, {"password", "agent-password-1"}}.dump());
  if (login.status != 200) {
    ADD_FAILURE() << "login: " << login.Describe();
    return a;
  }
  a.token = Str(login.json(), "token");
  a.id = Int(login.json()["user"], "id");
  EXPECT_NE(login.header("set-cookie").find("kefu_session=" + a.token), std::string::npos);
  EXPECT_NE(login.header("set-cookie").find("HttpOnly"), std::string::npos);
  EXPECT_NE(login.header("set-cookie").find("SameSite=Strict"), std::string::npos);
  return a;
}

class HandoffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kSanitizerBuild) GTEST_SKIP() << "release build only (the shop bot trains at start)";
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--bot", kShop, "--demo-orders", "--agent-grace-ms", "800"});
    ASSERT_TRUE(server_->Start(60s)) << server_->LogTail();
    tenant_ = server_->Bootstrap();
    ASSERT_FALSE(tenant_.api_key.empty());
  }
  uint16_t port() const { return server_->port(); }
  std::unique_ptr<ServerProcess> server_;
  Tenant tenant_;
};

TEST_F(HandoffTest, QueuedAssignedAnsweredRequeuedWhenTheAgentGoesAndResolved) {
  // The customer, with an order number the bot will remember.
  WidgetClient customer(port());
  ASSERT_TRUE(customer.Send({{"type", "hello"}, {"public_key", tenant_.public_key},
                             {"language", "zh-CN"}}));
  auto welcome = customer.WaitFor(IsType("welcome"));
  ASSERT_TRUE(welcome);
  const int64_t conversation = Int((*welcome)["conversation"], "id");
  ASSERT_TRUE(customer.WaitFor(IsFrom("bot"), 10s)) << "greeting";
  ASSERT_TRUE(customer.SendMessage("c-1", "我的订单 SO20261130001 到哪了"));
  ASSERT_TRUE(customer.WaitFor(IsFrom("bot"), 10s));
  ASSERT_TRUE(customer.SendMessage("c-2", "转人工"));
  ASSERT_TRUE(customer.WaitFor(IsFrom("bot"), 10s));
  // No agent is online yet: the customer is told so honestly.
  auto notice = customer.WaitFor(IsFrom("bot"), 10s);
  ASSERT_TRUE(notice) << Json(customer.history()).dump();
  EXPECT_NE(Str(*notice, "text").find("没有人工客服在线"), std::string::npos) << notice->dump();
  ASSERT_TRUE(customer.WaitFor(IsStatus("queued"), 10s)) << Json(customer.history()).dump();

  // An agent signs in and goes online: the chat is theirs, with the summary.
  Agent a1 = CreateAndLogin(port(), tenant_.api_key, "wang@shop.example");
  ASSERT_FALSE(a1.token.empty());
  auto agent = std::make_unique<WidgetClient>(port(), "/ws/agent",
                                              Headers{{"Cookie", "kefu_session=" + a1.token}});
  ASSERT_TRUE(agent->connected()) << agent->close_reason();
  auto hello = agent->WaitFor(IsType("welcome"));
  ASSERT_TRUE(hello) << Json(agent->history()).dump();
  EXPECT_EQ(Int((*hello)["user"], "id"), a1.id);
  EXPECT_EQ(Int(*hello, "waiting"), 1) << hello->dump();
  ASSERT_TRUE(agent->Send({{"type", "presence"}, {"status", "online"}}));
  auto assigned = agent->WaitFor(IsType("assigned"), 5s);
  ASSERT_TRUE(assigned) << Json(agent->history()).dump();
  EXPECT_EQ(Int((*assigned)["conversation"], "id"), conversation);
  const Json& summary = (*assigned)["summary"];
  EXPECT_EQ(Str(summary, "reason"), "customer_asked") << summary.dump();
  EXPECT_EQ(Str(summary["slots"], "order_no"), "SO20261130001")
      << "the agent sees what the bot already collected: " << summary.dump();
  ASSERT_TRUE(summary["customer_said"].is_array() && !summary["customer_said"].empty());
  EXPECT_GE((*assigned)["messages"].size(), 5u) << "the transcript, bot part included";
  ASSERT_TRUE(customer.WaitFor(IsStatus("assigned"), 5s)) << Json(customer.history()).dump();

  // The agent replies; the customer reads it. The customer answers; the
  // agent reads it, and the bot stays silent.
  ASSERT_TRUE(agent->Send({{"type", "message"}, {"conversation", conversation},
                           {"client_id", "a-1"}, {"text", "您好，我是客服小王，我来帮您看看"}}));
  auto ack = agent->WaitFor(IsAck("a-1"), 5s);
  ASSERT_TRUE(ack) << Json(agent->history()).dump();
  auto from_agent = customer.WaitFor(IsFrom("agent"), 5s);
  ASSERT_TRUE(from_agent) << Json(customer.history()).dump();
  EXPECT_EQ(Str(*from_agent, "text"), "您好，我是客服小王，我来帮您看看");
  EXPECT_EQ(Int(*from_agent, "seq"), Int(*ack, "seq"));
  ASSERT_TRUE(customer.SendMessage("c-3", "好的谢谢"));
  auto to_agent = agent->WaitFor(IsFrom("contact"), 5s);
  ASSERT_TRUE(to_agent) << Json(agent->history()).dump();
  EXPECT_EQ(Str(*to_agent, "text"), "好的谢谢");
  EXPECT_FALSE(customer.WaitFor(IsFrom("bot"), 1s)) << "the bot answered an assigned chat";

  // Someone else's conversation is refused.
  ASSERT_TRUE(agent->Send({{"type", "message"}, {"conversation", conversation + 1000},
                           {"client_id", "a-2"}, {"text", "hi"}}));
  auto refused = agent->WaitFor(IsError("not_found"), 5s);
  EXPECT_TRUE(refused) << Json(agent->history()).dump();

  // The console goes away: after the grace period the chat is back in line.
  agent->CloseAbruptly();
  ASSERT_TRUE(customer.WaitFor(IsStatus("queued"), 5s)) << Json(customer.history()).dump();
  EXPECT_FALSE(customer.WaitFor(IsFrom("bot"), 300ms)) << "the bot stays out of a waiting chat";
  auto conv = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(conversation),
                          "", Bearer(tenant_.api_key));
  EXPECT_EQ(Str(conv.json(), "status"), "queued") << conv.body;
  EXPECT_TRUE(conv.json()["assignee_id"].is_null()) << conv.body;
  EXPECT_FALSE(conv.json()["first_response_at"].is_null()) << conv.body;

  // A second agent (bearer session token this time) takes it and resolves it.
  Agent a2 = CreateAndLogin(port(), tenant_.api_key, "li@shop.example");
  WidgetClient agent2(port(), "/ws/agent", Headers{{"Authorization", "Bearer " + a2.token}});
  ASSERT_TRUE(agent2.connected()) << agent2.close_reason();
  ASSERT_TRUE(agent2.WaitFor(IsType("welcome")));
  ASSERT_TRUE(agent2.Send({{"type", "presence"}, {"status", "online"}, {"capacity", 3}}));
  auto again = agent2.WaitFor(IsType("assigned"), 5s);
  ASSERT_TRUE(again) << Json(agent2.history()).dump();
  EXPECT_EQ(Int((*again)["conversation"], "id"), conversation);
  ASSERT_TRUE(agent2.Send({{"type", "resolve"}, {"conversation", conversation}}));
  auto done = agent2.WaitFor(IsType("unassigned"), 5s);
  ASSERT_TRUE(done) << Json(agent2.history()).dump();
  EXPECT_EQ(Str(*done, "status"), "resolved");
  ASSERT_TRUE(customer.WaitFor(IsStatus("resolved"), 5s));
  conv = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(conversation), "",
                     Bearer(tenant_.api_key));
  EXPECT_EQ(Str(conv.json(), "status"), "resolved") << conv.body;
  EXPECT_EQ(Int(conv.json(), "assignee_id"), a2.id) << conv.body;
  EXPECT_FALSE(conv.json()["resolved_at"].is_null()) << conv.body;
}

FramePredicate IsQueue(int position) {
  return [position](const Json& f) { return Str(f, "type") == "queue" && Int(f, "position") == position; };
}

// Customer `n` asks for a person (no agent online); returns its conversation.
int64_t AskForAPerson(WidgetClient& c, const std::string& public_key, const std::string& id) {
  c.Send({{"type", "hello"}, {"public_key", public_key}, {"language", "zh-CN"}});
  auto welcome = c.WaitFor(IsType("welcome"));
  if (!welcome) return -1;
  c.WaitFor(IsFrom("bot"), 10s);  // the greeting
  c.SendMessage(id, "转人工");
  if (!c.WaitFor(IsStatus("queued"), 10s)) ADD_FAILURE() << Json(c.history()).dump();
  return Int((*welcome)["conversation"], "id");
}

TEST_F(HandoffTest, TheLineTellsCustomersTheirPlaceAgentsItsLengthAndSuggestsReplies) {
  WidgetClient first(port()), second(port());
  const int64_t c1 = AskForAPerson(first, tenant_.public_key, "f-1");
  ASSERT_GT(c1, 0);
  auto place1 = first.WaitFor(IsQueue(1), 5s);
  ASSERT_TRUE(place1) << Json(first.history()).dump();
  EXPECT_TRUE((*place1)["estimated_wait_s"].is_null()) << "nobody online: no estimate";
  const int64_t c2 = AskForAPerson(second, tenant_.public_key, "s-1");
  ASSERT_GT(c2, 0);
  auto place2 = second.WaitFor(IsQueue(2), 5s);
  ASSERT_TRUE(place2) << Json(second.history()).dump();
  EXPECT_EQ(Int(*place2, "waiting"), 2);

  // An agent for one chat at a time: the first customer is theirs, the
  // second moves up with an estimate, and the agent hears the line is shorter.
  Agent a = CreateAndLogin(port(), tenant_.api_key, "zhao@shop.example");
  WidgetClient agent(port(), "/ws/agent", Headers{{"Cookie", "kefu_session=" + a.token}});
  ASSERT_TRUE(agent.connected()) << agent.close_reason();
  auto hello = agent.WaitFor(IsType("welcome"));
  ASSERT_TRUE(hello);
  EXPECT_EQ(Int(*hello, "waiting"), 2) << hello->dump();
  ASSERT_TRUE(agent.Send({{"type", "presence"}, {"status", "online"}, {"capacity", 1}}));
  auto assigned = agent.WaitFor(IsType("assigned"), 5s);
  ASSERT_TRUE(assigned) << Json(agent.history()).dump();
  EXPECT_EQ(Int((*assigned)["conversation"], "id"), c1);
  auto moved = second.WaitFor(IsQueue(1), 5s);
  ASSERT_TRUE(moved) << Json(second.history()).dump();
  EXPECT_TRUE((*moved)["estimated_wait_s"].is_number_integer()) << moved->dump();
  auto waiting = agent.WaitFor(
      [](const Json& f) { return Str(f, "type") == "waiting" && Int(f, "count") == 1; }, 5s);
  EXPECT_TRUE(waiting) << Json(agent.history()).dump();

  // Agent assist: a question the knowledge base answers, in the customer's words.
  ASSERT_TRUE(first.SendMessage("f-2", "运费怎么算？"));
  auto asked = first.WaitFor(IsAck("f-2"), 5s);
  ASSERT_TRUE(asked) << Json(first.history()).dump();
  const int64_t asked_seq = Int(*asked, "seq");
  auto bot_after = [](int64_t seq) {
    return [seq](const Json& f) { return IsFrom("bot")(f) && Int(f, "seq") > seq; };
  };
  auto suggest = agent.WaitFor(IsType("suggest"), 5s);
  ASSERT_TRUE(suggest) << Json(agent.history()).dump();
  EXPECT_EQ(Int(*suggest, "conversation"), c1);
  const Json& suggestions = (*suggest)["suggestions"];
  ASSERT_TRUE(suggestions.is_array() && !suggestions.empty()) << suggest->dump();
  EXPECT_EQ(Str(suggestions[0], "id").rfind("shipping", 0), 0u) << suggest->dump();
  EXPECT_NE(Str(suggestions[0], "text").find("运费"), std::string::npos) << suggest->dump();
  EXPECT_FALSE(first.WaitFor(bot_after(asked_seq), 500ms))
      << "the bot answered an assigned chat: " << Json(first.history()).dump();

  // Resolved, then the customer writes again: the bot takes the chat up.
  ASSERT_TRUE(agent.Send({{"type", "resolve"}, {"conversation", c1}}));
  ASSERT_TRUE(first.WaitFor(IsStatus("resolved"), 5s)) << Json(first.history()).dump();
  ASSERT_TRUE(first.SendMessage("f-3", "请问可以开发票吗"));
  ASSERT_TRUE(first.WaitFor(IsStatus("bot"), 5s)) << Json(first.history()).dump();
  auto answer = first.WaitFor(bot_after(asked_seq), 10s);
  ASSERT_TRUE(answer) << Json(first.history()).dump();
  auto conv = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(c1), "",
                          Bearer(tenant_.api_key));
  EXPECT_EQ(Str(conv.json(), "status"), "bot") << conv.body;
  EXPECT_TRUE(conv.json()["resolved_at"].is_null()) << conv.body;
}

TEST(SignIn, BadCredentialsSessionsAndRoles) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.LogTail();
  Tenant t = server.Bootstrap();
  const uint16_t port = server.port();
  // The bootstrap admin (harness: admin@example.com / see Bootstrap) signs in.
  auto bad = HttpRequest(port, "POST", "/api/v1/login",
                         Json{{"email", "nobody@example.com"}, {"password", "whatever-123"}}.dump());
  EXPECT_EQ(bad.status, 401) << bad.Describe();
  EXPECT_EQ(bad.error_code(), "unauthenticated");
  EXPECT_EQ(HttpRequest(port, "POST", "/api/v1/login", "{\"email\":1}").status, 400);
  EXPECT_EQ(HttpRequest(port, "POST", "/api/v1/login", "not json").status, 400);

  auto created = HttpRequest(port, "POST", "/api/v1/users",
                             Json{{"email", "zhang@shop.example"}, {"password", "agent-password-1"},
                                  {"role", "agent"}}
                                 .dump(),
                             Bearer(t.api_key));
  ASSERT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(HttpRequest(port, "POST", "/api/v1/users",
                        Json{{"email", "zhang@shop.example"}, {"password", "agent-password-1"}}.dump(),
                        Bearer(t.api_key))
                .status,
            409)
      << "one email per tenant";
  EXPECT_EQ(HttpRequest(port, "POST", "/api/v1/users",
                        Json{{"email", "x@shop.example"}, {"password", "short"}}.dump(),
                        Bearer(t.api_key))
                .status,
            400);
  auto wrong = HttpRequest(port, "POST", "/api/v1/login",
                           Json{{"email", "zhang@shop.example"}, {"password", "wrong-password"}}.dump());
  EXPECT_EQ(wrong.status, 401) << wrong.Describe();
  EXPECT_EQ(wrong.body, bad.body) << "an unknown email and a wrong password look the same";
  auto login = HttpRequest(port, "POST", "/api/v1/login",
                           Json{{"email", "zhang@shop.example"}, {"password", "agent-password-1"}}.dump());
  ASSERT_EQ(login.status, 200) << login.Describe();
  const std::string token = Str(login.json(), "token");
  const Headers cookie{{"Cookie", "theme=dark; kefu_session=" + token}};
  auto me = HttpRequest(port, "GET", "/api/v1/me", "", cookie);
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(Str(me.json()["user"], "role"), "agent");
  // An agent is no admin; a forged or missing session is nobody.
  EXPECT_EQ(HttpRequest(port, "GET", "/api/v1/users", "", cookie).status, 403);
  EXPECT_EQ(HttpRequest(port, "GET", "/api/v1/conversations", "", cookie).status, 200)
      << "an agent reads conversations";
  EXPECT_EQ(HttpRequest(port, "GET", "/api/v1/me", "", {{"Cookie", "kefu_session=ks_forged"}}).status,
            401);
  EXPECT_EQ(HttpRequest(port, "GET", "/api/v1/me").status, 401);
  EXPECT_EQ(HttpRequest(port, "GET", "/api/v1/me", "", Bearer(t.api_key)).status, 403)
      << "an API key is not a signed-in user";
  WidgetClient anonymous(port, "/ws/agent", {});
  EXPECT_FALSE(anonymous.connected()) << "the agent WebSocket needs a session";
  // Logging out ends the session.
  auto out = HttpRequest(port, "POST", "/api/v1/logout", "", cookie);
  EXPECT_EQ(out.status, 204) << out.Describe();
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(HttpRequest(port, "GET", "/api/v1/me", "", cookie).status, 401);
}

}  // namespace
}  // namespace kefu::it
