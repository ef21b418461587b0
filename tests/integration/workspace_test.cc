// The agent workspace over real sockets: internal notes (staff see them live
// and over REST; the customer's widget, a resume and the message list never
// carry them), pending (the agent waits on the customer; the customer's next
// message makes the chat assigned again, and pending frees the agent's seat),
// a supervisor's monitor and joining a chat (the customer and the assigned
// agent both read what the supervisor writes), and the customer panel's past
// conversations.
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
constexpr char kNote[] = "内部备注：老顾客，先查物流再回复";

FramePredicate IsFrom(std::string sender) {
  return [sender](const Json& f) { return Str(f, "type") == "message" && Str(f, "sender") == sender; };
}
FramePredicate IsStatus(std::string status) {
  return [status](const Json& f) { return Str(f, "type") == "status" && Str(f, "status") == status; };
}
FramePredicate IsStatusOf(int64_t conversation, std::string status) {
  return [conversation, status](const Json& f) {
    return Str(f, "type") == "status" && Str(f, "status") == status &&
           Int(f, "conversation") == conversation;
  };
}
FramePredicate HasText(std::string text) {
  return [text](const Json& f) { return f.dump().find(text) != std::string::npos; };
}

struct Person {
  std::string token;
  int64_t id = 0;
  Headers cookie() const { return {{"Cookie", "kefu_session=" + token}}; }
};

Person CreateAndLogin(uint16_t port, const std::string& admin_key, const std::string& email,
                      const std::string& role) {
  Person p;
  auto created = HttpRequest(port, "POST", "/api/v1/users",
                             Json{{"email", email}, {"name", email}, {"role", role},
                                  {"password", "person-password-1"}}
                                 .dump(),
                             Bearer(admin_key));
  if (created.status != 201) {
    ADD_FAILURE() << "create user: " << created.Describe();
    return p;
  }
  auto login = HttpRequest(port, "POST", "/api/v1/login",
                           Json{{"email", email}, {"password", "person-password-1"}}.dump());
  if (login.status != 200) {
    ADD_FAILURE() << "login: " << login.Describe();
    return p;
  }
  p.token = Str(login.json(), "token");
  p.id = Int(login.json()["user"], "id");
  return p;
}

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kSanitizerBuild) GTEST_SKIP() << "release build only (the shop bot trains at start)";
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--bot", kShop, "--demo-orders", "--agent-grace-ms", "5000"});
    ASSERT_TRUE(server_->Start(60s)) << server_->LogTail();
    tenant_ = server_->Bootstrap();
    ASSERT_FALSE(tenant_.api_key.empty());
  }
  uint16_t port() const { return server_->port(); }

  // A customer who asked for a person: their conversation is queued.
  struct Customer {
    std::unique_ptr<WidgetClient> ws;
    int64_t conversation = 0;
    int64_t contact = 0;
    std::string token;
  };
  Customer AskForAHuman(const std::string& order) {
    Customer c;
    c.ws = std::make_unique<WidgetClient>(port());
    auto welcome = c.ws->Hello(tenant_.public_key);
    if (!welcome || Str(*welcome, "type") != "welcome") {
      ADD_FAILURE() << "no welcome";
      return c;
    }
    c.conversation = Int((*welcome)["conversation"], "id");
    c.token = Str(*welcome, "contact_token");
    EXPECT_TRUE(c.ws->WaitFor(IsFrom("bot"), 10s)) << "greeting";
    EXPECT_TRUE(c.ws->SendMessage("c-order", "我的订单 " + order + " 到哪了"));
    EXPECT_TRUE(c.ws->WaitFor(IsFrom("bot"), 10s));
    EXPECT_TRUE(c.ws->SendMessage("c-human", "转人工"));
    EXPECT_TRUE(c.ws->WaitFor(IsStatus("queued"), 10s)) << Json(c.ws->history()).dump();
    while (c.ws->Recv(300ms)) {
    }  // the bot's last words and the place in line
    auto conv = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(c.conversation),
                            "", Bearer(tenant_.api_key));
    EXPECT_EQ(conv.status, 200) << conv.Describe();
    c.contact = Int(conv.json(), "contact_id");
    return c;
  }
  std::string StatusOf(int64_t conversation) {
    auto r = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(conversation), "",
                         Bearer(tenant_.api_key));
    return Str(r.json(), "status");
  }
  Json Monitor(const Person& supervisor) {
    auto r = HttpRequest(port(), "GET", "/api/v1/monitor", "", supervisor.cookie());
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.json();
  }

  std::unique_ptr<ServerProcess> server_;
  Tenant tenant_;
};

TEST_F(WorkspaceTest, NotesReachStaffOnlyPendingComesBackWhenTheCustomerWritesSupervisorJoins) {
  Customer customer = AskForAHuman("SO20261130001");
  ASSERT_TRUE(customer.ws);
  Person agent_user = CreateAndLogin(port(), tenant_.api_key, "li@shop.example", "agent");
  Person boss = CreateAndLogin(port(), tenant_.api_key, "zhao@shop.example", "supervisor");
  ASSERT_FALSE(agent_user.token.empty());
  ASSERT_FALSE(boss.token.empty());

  // The supervisor's monitor sees the customer waiting, with the reason.
  Json before = Monitor(boss);
  ASSERT_EQ(before["waiting"].size(), 1u) << before.dump();
  EXPECT_EQ(Int(before["waiting"][0], "conversation"), customer.conversation);
  EXPECT_EQ(Int(before["waiting"][0], "position"), 1);
  EXPECT_EQ(Str(before["waiting"][0], "reason"), "customer_asked") << before.dump();
  // Agents may not see it.
  EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/monitor", "", agent_user.cookie()).status, 403);

  WidgetClient agent(port(), "/ws/agent", agent_user.cookie());
  ASSERT_TRUE(agent.connected()) << agent.close_reason();
  ASSERT_TRUE(agent.WaitFor(IsType("welcome")));
  ASSERT_TRUE(agent.Send({{"type", "presence"}, {"status", "online"}, {"capacity", 1}}));
  auto assigned = agent.WaitFor(IsType("assigned"), 5s);
  ASSERT_TRUE(assigned) << Json(agent.history()).dump();
  ASSERT_TRUE((*assigned)["notes"].is_array());
  EXPECT_TRUE((*assigned)["notes"].empty());
  ASSERT_TRUE(customer.ws->WaitFor(IsStatus("assigned"), 5s));

  // ---- an internal note ----
  ASSERT_TRUE(agent.Send({{"type", "note"}, {"conversation", customer.conversation},
                          {"client_id", "n-1"}, {"text", kNote}}));
  auto note_ack = agent.WaitFor(IsType("note_ack"), 5s);
  ASSERT_TRUE(note_ack) << Json(agent.history()).dump();
  EXPECT_EQ(Str(*note_ack, "client_id"), "n-1");
  auto note = agent.WaitFor(IsType("note"), 5s);
  ASSERT_TRUE(note) << Json(agent.history()).dump();
  EXPECT_EQ(Str((*note)["note"], "text"), kNote);
  EXPECT_EQ(Int((*note)["note"], "author_id"), agent_user.id);
  EXPECT_EQ(Str((*note)["note"], "author"), "li@shop.example");
  // Staff list it over REST; the customer's contact credentials may not.
  const std::string notes_path =
      "/api/v1/conversations/" + std::to_string(customer.conversation) + "/notes";
  auto listed = HttpRequest(port(), "GET", notes_path, "", Bearer(tenant_.api_key));
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  ASSERT_EQ(ListOf(listed.json(), "notes").size(), 1u) << listed.body;
  EXPECT_EQ(Str(ListOf(listed.json(), "notes")[0], "text"), kNote);
  auto as_customer = HttpRequest(port(), "GET", notes_path, "",
                                 {{"X-Kefu-Public-Key", tenant_.public_key},
                                  {"X-Kefu-Contact-Token", customer.token}});
  EXPECT_EQ(as_customer.status, 403) << as_customer.Describe();
  // The customer's widget never receives it; the customer's seq has no gap.
  EXPECT_FALSE(customer.ws->WaitFor(HasText(kNote), 1s));
  for (const Json& f : customer.ws->history()) {
    EXPECT_EQ(f.dump().find(kNote), std::string::npos) << f.dump();
  }
  const auto msgs = FetchMessages(port(), tenant_.api_key, customer.conversation);
  EXPECT_EQ(CheckGapFree(msgs), "");
  for (const Json& m : msgs) EXPECT_EQ(m.dump().find(kNote), std::string::npos) << m.dump();
  // Nor does a resume from the first message.
  {
    WidgetClient again(port());
    auto w = again.Hello(tenant_.public_key, customer.token,
                         Json{{"conversation", customer.conversation}, {"after_seq", 0}});
    ASSERT_TRUE(w && Str(*w, "type") == "welcome") << (w ? w->dump() : "none");
    again.Drain(500ms);
    EXPECT_GE(again.history().size(), msgs.size()) << "the catch-up was sent";
    for (const Json& f : again.history()) {
      EXPECT_EQ(f.dump().find(kNote), std::string::npos) << "in the resume: " << f.dump();
    }
  }

  // ---- pending ----
  ASSERT_TRUE(agent.Send({{"type", "pending"}, {"conversation", customer.conversation}}));
  ASSERT_TRUE(agent.WaitFor(IsStatusOf(customer.conversation, "pending"), 5s))
      << Json(agent.history()).dump();
  EXPECT_EQ(StatusOf(customer.conversation), "pending");
  Json during = Monitor(boss);
  bool found = false;
  for (const Json& a : during["agents"]) {
    if (Int(a, "id") != agent_user.id) continue;
    found = true;
    EXPECT_EQ(Str(a, "presence"), "online") << a.dump();
    EXPECT_EQ(Int(a, "chats"), 0) << "pending does not count: " << a.dump();
    EXPECT_EQ(Int(a, "pending"), 1) << a.dump();
    EXPECT_EQ(Int(a, "capacity"), 1) << a.dump();
  }
  EXPECT_TRUE(found) << during.dump();
  // Capacity 1 and the chat pending: a second customer goes to this agent.
  Customer second = AskForAHuman("SO20261130002");
  auto second_assigned = agent.WaitFor(IsType("assigned"), 5s);
  ASSERT_TRUE(second_assigned) << Json(agent.history()).dump();
  EXPECT_EQ(Int((*second_assigned)["conversation"], "id"), second.conversation);
  // The customer writes: the first chat is the agent's active chat again.
  ASSERT_TRUE(customer.ws->SendMessage("c-back", "我找到收据了"));
  ASSERT_TRUE(agent.WaitFor(IsFrom("contact"), 5s));
  ASSERT_TRUE(agent.WaitFor(IsStatusOf(customer.conversation, "assigned"), 5s))
      << Json(agent.history()).dump();
  EXPECT_TRUE(Eventually([&] { return StatusOf(customer.conversation) == "assigned"; }));
  EXPECT_FALSE(customer.ws->WaitFor(IsFrom("bot"), 1s)) << "the bot answered a person's chat";

  // ---- the supervisor joins ----
  Json live = Monitor(boss);
  found = false;
  for (const Json& c : live["chats"]) {
    if (Int(c, "conversation") != customer.conversation) continue;
    found = true;
    EXPECT_EQ(Str(c, "status"), "assigned") << c.dump();
    EXPECT_EQ(Int(c, "assignee_id"), agent_user.id) << c.dump();
    EXPECT_EQ(Str(c, "assignee"), "li@shop.example") << c.dump();
    EXPECT_EQ(Str(c["last_message"], "text"), "我找到收据了") << c.dump();
  }
  EXPECT_TRUE(found) << live.dump();
  WidgetClient sup(port(), "/ws/agent", boss.cookie());
  ASSERT_TRUE(sup.connected());
  ASSERT_TRUE(sup.WaitFor(IsType("welcome")));
  // An agent may not join; a supervisor may.
  ASSERT_TRUE(agent.Send({{"type", "watch"}, {"conversation", second.conversation}}));
  EXPECT_TRUE(agent.WaitFor(IsError("permission_denied"), 5s)) << Json(agent.history()).dump();
  ASSERT_TRUE(sup.Send({{"type", "watch"}, {"conversation", customer.conversation}}));
  auto watching = sup.WaitFor(IsType("watching"), 5s);
  ASSERT_TRUE(watching) << Json(sup.history()).dump();
  EXPECT_EQ(Str((*watching)["summary"]["slots"], "order_no"), "SO20261130001");
  ASSERT_EQ((*watching)["notes"].size(), 1u) << watching->dump();
  EXPECT_EQ(Str((*watching)["notes"][0], "text"), kNote);
  // Live: the customer's next words reach the supervisor.
  ASSERT_TRUE(customer.ws->SendMessage("c-more", "还有发票"));
  auto seen = sup.WaitFor(IsFrom("contact"), 5s);
  ASSERT_TRUE(seen) << Json(sup.history()).dump();
  EXPECT_EQ(Str(*seen, "text"), "还有发票");
  // The supervisor writes: the customer and the assigned agent read it.
  ASSERT_TRUE(sup.Send({{"type", "message"}, {"conversation", customer.conversation},
                        {"client_id", "s-1"}, {"text", "我是主管，发票我们今天补开"}}));
  ASSERT_TRUE(sup.WaitFor(IsAck("s-1"), 5s)) << Json(sup.history()).dump();
  auto to_customer = customer.ws->WaitFor(IsFrom("agent"), 5s);
  ASSERT_TRUE(to_customer) << Json(customer.ws->history()).dump();
  EXPECT_EQ(Str(*to_customer, "text"), "我是主管，发票我们今天补开");
  auto to_agent = agent.WaitFor(HasText("我是主管，发票我们今天补开"), 5s);
  ASSERT_TRUE(to_agent) << Json(agent.history()).dump();
  EXPECT_EQ(Str(*to_agent, "type"), "message");
  // A supervisor's note reaches the agent, not the customer.
  ASSERT_TRUE(sup.Send({{"type", "note"}, {"conversation", customer.conversation},
                        {"client_id", "sn-1"}, {"text", "主管备注：注意语气"}}));
  auto boss_note = agent.WaitFor(IsType("note"), 5s);
  ASSERT_TRUE(boss_note) << Json(agent.history()).dump();
  EXPECT_EQ(Str((*boss_note)["note"], "text"), "主管备注：注意语气");
  EXPECT_FALSE(customer.ws->WaitFor(HasText("主管备注"), 500ms));
  // Joining does not make the chat the supervisor's: they cannot resolve it.
  ASSERT_TRUE(sup.Send({{"type", "resolve"}, {"conversation", customer.conversation}}));
  EXPECT_TRUE(sup.WaitFor(IsError("permission_denied"), 5s)) << Json(sup.history()).dump();
  EXPECT_EQ(StatusOf(customer.conversation), "assigned");
}

TEST_F(WorkspaceTest, PastConversationsOfTheContactAcrossChannels) {
  Customer customer = AskForAHuman("SO20261130001");
  ASSERT_TRUE(customer.ws);
  Person agent_user = CreateAndLogin(port(), tenant_.api_key, "li@shop.example", "agent");
  WidgetClient agent(port(), "/ws/agent", agent_user.cookie());
  ASSERT_TRUE(agent.WaitFor(IsType("welcome")));
  ASSERT_TRUE(agent.Send({{"type", "presence"}, {"status", "online"}}));
  ASSERT_TRUE(agent.WaitFor(IsType("assigned"), 5s));
  ASSERT_TRUE(agent.Send({{"type", "resolve"}, {"conversation", customer.conversation}}));
  ASSERT_TRUE(agent.WaitFor(IsType("unassigned"), 5s)) << Json(agent.history()).dump();

  // The same person over the API channel: another conversation of another
  // contact; the widget contact's list holds its own conversations only.
  ASSERT_EQ(PostApiMessage(port(), tenant_.api_key, "crm-9", "api-1", "hello over the API").status,
            201);
  const std::string path = "/api/v1/contacts/" + std::to_string(customer.contact) + "/conversations";
  auto r = HttpRequest(port(), "GET", path, "", agent_user.cookie());
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(Int(r.json()["contact"], "id"), customer.contact);
  Json list = ListOf(r.json(), "conversations");
  ASSERT_EQ(list.size(), 1u) << r.body;
  EXPECT_EQ(Int(list[0], "id"), customer.conversation);
  EXPECT_EQ(Str(list[0], "channel"), "widget");
  EXPECT_EQ(Str(list[0], "status"), "resolved");
  EXPECT_TRUE(list[0]["resolved_at"].is_number_integer()) << list[0].dump();
  EXPECT_TRUE(list[0]["last_message"].is_object()) << list[0].dump();

  // The API contact's conversations are on the api channel.
  auto convs = HttpRequest(port(), "GET", "/api/v1/conversations?limit=10", "",
                           Bearer(tenant_.api_key));
  int64_t api_contact = 0;
  for (const Json& c : ListOf(convs.json(), "conversations")) {
    if (Str(c, "channel") == "api") api_contact = Int(c, "contact_id");
  }
  ASSERT_NE(api_contact, 0) << convs.body;
  auto api_list = HttpRequest(port(), "GET",
                              "/api/v1/contacts/" + std::to_string(api_contact) + "/conversations",
                              "", Bearer(tenant_.api_key));
  ASSERT_EQ(api_list.status, 200) << api_list.Describe();
  Json alist = ListOf(api_list.json(), "conversations");
  ASSERT_EQ(alist.size(), 1u) << api_list.body;
  EXPECT_EQ(Str(alist[0], "channel"), "api");
  EXPECT_EQ(Str(api_list.json()["contact"], "external_id"), "crm-9");
  EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/contacts/99999/conversations", "",
                        Bearer(tenant_.api_key))
                .status,
            404);
}

}  // namespace
}  // namespace kefu::it
