// Routing end to end over real sockets, with the demo shop's bot: an intent's
// routing rule sends its handoff to its queue, whose agent alone takes it; a
// VIP contact (tier set through the REST API) goes to a person first; the
// tenant's human-takeover switch queues every customer message without a bot
// answer, also after a restart, and off again the bot answers; outside
// business hours the customer is told and the chat waits marked for a
// follow-up; an agent transfers a chat to another agent and to a queue with
// a note the receiver reads in the summary.
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
FramePredicate IsAssigned(int64_t conversation) {
  return [conversation](const Json& f) {
    return Str(f, "type") == "assigned" && f.contains("conversation") &&
           Int(f["conversation"], "id") == conversation;
  };
}

class RoutingTest : public ::testing::Test {
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

  HttpResponse Api(std::string_view method, std::string_view target, const Json& body = nullptr) {
    return HttpRequest(port(), method, target, body.is_null() ? "" : body.dump(),
                       Bearer(tenant_.api_key));
  }

  // A signed-in agent with a console open, online; optionally in `queues`.
  struct Console {
    int64_t id = 0;
    std::unique_ptr<WidgetClient> ws;
  };
  Console Agent(const std::string& email, std::vector<std::string> queues = {}, int capacity = 5) {
    Console c;
    auto created = Api("POST", "/api/v1/users",
                       Json{{"email", email}, {"name", email}, {"role", "agent"},
                            {"password", "agent-password-1"}});
    EXPECT_EQ(created.status, 201) << created.Describe();
    auto login = HttpRequest(port(), "POST", "/api/v1/login",
                             Json{{"email", email}, {"password", "agent-password-1"}}.dump());
    EXPECT_EQ(login.status, 200) << login.Describe();
    c.id = Int(login.json()["user"], "id");
    if (!queues.empty()) {
      auto r = Api("PUT", "/api/v1/users/" + std::to_string(c.id) + "/routing",
                   Json{{"queues", queues}});
      EXPECT_EQ(r.status, 200) << r.Describe();
    }
    c.ws = std::make_unique<WidgetClient>(
        port(), "/ws/agent", Headers{{"Cookie", "kefu_session=" + Str(login.json(), "token")}});
    EXPECT_TRUE(c.ws->WaitFor(IsType("welcome")));
    c.ws->Send({{"type", "presence"}, {"status", "online"}, {"capacity", capacity}});
    EXPECT_TRUE(c.ws->WaitFor(IsType("presence")));
    return c;
  }

  // A customer on the widget, greeted; returns the conversation id.
  int64_t Open(WidgetClient& c) {
    c.Send({{"type", "hello"}, {"public_key", tenant_.public_key}, {"language", "zh-CN"}});
    auto welcome = c.WaitFor(IsType("welcome"));
    if (!welcome) return -1;
    c.WaitFor(IsFrom("bot"), 10s);  // the greeting
    return Int((*welcome)["conversation"], "id");
  }

  Json Conversation(int64_t id) {
    auto r = Api("GET", "/api/v1/conversations/" + std::to_string(id));
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.json();
  }

  std::unique_ptr<ServerProcess> server_;
  Tenant tenant_;
};

TEST_F(RoutingTest, AnIntentRoutedToItsQueueReachesOnlyThatQueuesAgent) {
  auto put = Api("PUT", "/api/v1/queues",
                 Json{{"queues", Json::array({{{"name", "senior"}, {"skills", {"complaints"}}},
                                              {{"name", "general"}}})}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  auto got = Api("GET", "/api/v1/queues");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["queues"].size(), 2u) << got.body;
  EXPECT_EQ(Str(got.json()["queues"][0], "name"), "senior");

  Console senior = Agent("li@shop.example", {"senior"});
  Console general = Agent("wang@shop.example", {"general"});

  // A delivery complaint: its flow hands off to the senior queue.
  WidgetClient complaint(port());
  const int64_t c1 = Open(complaint);
  ASSERT_GT(c1, 0);
  ASSERT_TRUE(complaint.SendMessage("c-1", "快递把我的包裹弄丢了，订单 SO20261129004"));
  auto to_senior = senior.ws->WaitFor(IsAssigned(c1), 10s);
  ASSERT_TRUE(to_senior) << Json(senior.ws->history()).dump() << Json(complaint.history()).dump();
  EXPECT_EQ(Str((*to_senior)["conversation"], "queue"), "senior");
  EXPECT_EQ(Int((*to_senior)["conversation"], "priority"), 1);
  EXPECT_EQ(Str((*to_senior)["summary"], "reason"), "logistics_complaint");

  // A plain request for a person: the general queue's agent, not the senior one.
  WidgetClient plain(port());
  const int64_t c2 = Open(plain);
  ASSERT_TRUE(plain.SendMessage("p-1", "转人工"));
  auto to_general = general.ws->WaitFor(IsAssigned(c2), 10s);
  ASSERT_TRUE(to_general) << Json(general.ws->history()).dump();
  EXPECT_EQ(Str((*to_general)["conversation"], "queue"), "general");
  EXPECT_FALSE(general.ws->WaitFor(IsAssigned(c1), 300ms)) << "the general agent got a senior chat";
  EXPECT_FALSE(senior.ws->WaitFor(IsAssigned(c2), 300ms)) << "the senior agent got a general chat";
  EXPECT_EQ(Int(Conversation(c1), "assignee_id"), senior.id);
  EXPECT_EQ(Int(Conversation(c2), "assignee_id"), general.id);

  // Bad configuration is refused, naming the field; agents may read, not edit.
  auto bad = Api("PUT", "/api/v1/queues",
                 Json{{"queues", Json::array({{{"name", "x"}, {"business_hours", {{"time_zone", "Nowhere/City"}}}}})}});
  EXPECT_EQ(bad.status, 400) << bad.Describe();
  EXPECT_NE(bad.body.find("queues[0].business_hours.time_zone"), std::string::npos) << bad.body;
  auto audit = Api("GET", "/api/v1/audit-log");
  EXPECT_NE(audit.body.find("queues.edit"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("user.routing"), std::string::npos) << audit.body;
}

TEST_F(RoutingTest, AVipContactSetThroughTheApiGoesToAPersonAheadOfTheLine) {
  // Someone already waits (nobody online).
  WidgetClient before(port());
  const int64_t waiting = Open(before);
  ASSERT_TRUE(before.SendMessage("b-1", "转人工"));
  ASSERT_TRUE(before.WaitFor(IsStatus("queued"), 10s));

  WidgetClient vip(port());
  const int64_t c = Open(vip);
  ASSERT_GT(c, 0);
  const int64_t contact = Int(Conversation(c), "contact_id");
  auto patch = Api("PATCH", "/api/v1/contacts/" + std::to_string(contact),
                   Json{{"attributes", {{"tier", "vip"}, {"crm_id", "C-88"}}}});
  ASSERT_EQ(patch.status, 200) << patch.Describe();
  EXPECT_EQ(Str(patch.json()["contact"], "tier"), "vip");
  auto read = Api("GET", "/api/v1/contacts/" + std::to_string(contact));
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(Str(read.json()["contact"]["attributes"], "crm_id"), "C-88") << read.body;
  EXPECT_EQ(Api("PATCH", "/api/v1/contacts/" + std::to_string(contact),
                Json{{"attributes", {{"tier", 3}}}})
                .status,
            400);
  EXPECT_EQ(Api("GET", "/api/v1/contacts/999999").status, 404);

  // The VIP's first question goes to a person, ahead of the one waiting.
  ASSERT_TRUE(vip.SendMessage("v-1", "运费怎么算？"));
  ASSERT_TRUE(vip.WaitFor(IsStatus("queued"), 10s)) << Json(vip.history()).dump();
  const Json conv = Conversation(c);
  EXPECT_EQ(Str(conv, "handoff_reason"), "vip") << conv.dump();
  EXPECT_EQ(Int(conv, "priority"), 2) << conv.dump();
  auto first = vip.WaitFor(
      [](const Json& f) { return Str(f, "type") == "queue" && Int(f, "position") == 1; }, 5s);
  EXPECT_TRUE(first) << Json(vip.history()).dump();

  // One agent, one seat: the VIP is taken first, with the tier in the panel.
  Console agent = Agent("zhao@shop.example", {}, /*capacity=*/1);
  auto assigned = agent.ws->WaitFor(IsType("assigned"), 5s);
  ASSERT_TRUE(assigned) << Json(agent.ws->history()).dump();
  EXPECT_EQ(Int((*assigned)["conversation"], "id"), c);
  EXPECT_EQ(Str((*assigned)["contact"], "tier"), "vip") << assigned->dump();
  EXPECT_EQ(Str(Conversation(waiting), "status"), "queued");
  auto audit = Api("GET", "/api/v1/audit-log");
  EXPECT_NE(audit.body.find("contact.attributes"), std::string::npos) << audit.body;
}

TEST_F(RoutingTest, TheTakeoverSwitchQueuesEveryMessageWithoutABotAnswerUntilOff) {
  WidgetClient customer(port());
  const int64_t c = Open(customer);
  ASSERT_GT(c, 0);
  auto on = Api("PUT", "/api/v1/takeover", Json{{"enabled", true}});
  ASSERT_EQ(on.status, 200) << on.Describe();
  EXPECT_EQ(Api("GET", "/api/v1/takeover").json()["enabled"], true);
  EXPECT_EQ(Api("PUT", "/api/v1/takeover", Json{{"enabled", "yes"}}).status, 400);

  ASSERT_TRUE(customer.SendMessage("t-1", "运费怎么算？"));
  ASSERT_TRUE(customer.WaitFor(IsAck("t-1"), 5s)) << Json(customer.history()).dump();
  ASSERT_TRUE(customer.WaitFor(IsStatus("queued"), 5s)) << Json(customer.history()).dump();
  EXPECT_FALSE(customer.WaitFor(IsFrom("bot"), 1500ms)) << "the bot answered during a takeover";
  Json conv = Conversation(c);
  EXPECT_EQ(Str(conv, "handoff_reason"), "takeover") << conv.dump();
  EXPECT_EQ(Str(conv, "queue"), "general");
  const int64_t seq = Int(conv, "last_seq");

  // After a restart nothing answers the message either: it awaited no reply.
  ASSERT_EQ(server_->Terminate(), 0);
  ASSERT_TRUE(server_->Start(kSanitizerBuild ? 240s : 60s)) << server_->LogTail();  // the same data dir; the bot trains again
  std::this_thread::sleep_for(1500ms);
  conv = Conversation(c);
  EXPECT_EQ(Int(conv, "last_seq"), seq) << "answered after the restart: " << conv.dump();
  EXPECT_EQ(Str(conv, "status"), "queued");
  EXPECT_EQ(Api("GET", "/api/v1/takeover").json()["enabled"], true) << "kept across a restart";

  // Off: a new conversation is the bot's again.
  ASSERT_EQ(Api("PUT", "/api/v1/takeover", Json{{"enabled", false}}).status, 200);
  WidgetClient later(port());
  ASSERT_GT(Open(later), 0);
  ASSERT_TRUE(later.SendMessage("l-1", "运费怎么算？"));
  auto answer = later.WaitFor(IsFrom("bot"), 10s);
  ASSERT_TRUE(answer) << Json(later.history()).dump();
  EXPECT_NE(Str(*answer, "text").find("运费"), std::string::npos) << answer->dump();
  auto audit = Api("GET", "/api/v1/audit-log");
  EXPECT_NE(audit.body.find("takeover.set"), std::string::npos) << audit.body;
}

TEST_F(RoutingTest, OutsideBusinessHoursTheCustomerIsToldAndTheChatWaitsForAFollowUp) {
  // The general queue has no open hour in the week, and today is a holiday.
  auto put = Api("PUT", "/api/v1/queues",
                 Json{{"queues",
                       Json::array({{{"name", "general"},
                                     {"business_hours",
                                      {{"time_zone", "Asia/Shanghai"},
                                       {"weekly", Json::object()},
                                       {"holidays", {"2026-10-01"}}}}}})}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  WidgetClient customer(port());
  const int64_t c = Open(customer);
  ASSERT_TRUE(customer.SendMessage("h-1", "转人工"));
  ASSERT_TRUE(customer.WaitFor(IsFrom("bot"), 10s));
  auto notice = customer.WaitFor(IsFrom("bot"), 10s);
  ASSERT_TRUE(notice) << Json(customer.history()).dump();
  EXPECT_NE(Str(*notice, "text").find("下班时间"), std::string::npos) << notice->dump();
  EXPECT_NE(Str(*notice, "text").find("留言"), std::string::npos) << notice->dump();
  ASSERT_TRUE(customer.WaitFor(IsStatus("queued"), 5s));
  const Json conv = Conversation(c);
  EXPECT_EQ(conv["follow_up"], true) << conv.dump();
  EXPECT_EQ(Str(conv, "status"), "queued");
  // The customer leaves a message; it waits with the chat, unanswered by the bot.
  ASSERT_TRUE(customer.SendMessage("h-2", "我的订单 SO20261130001 地址写错了，麻烦改一下"));
  ASSERT_TRUE(customer.WaitFor(IsAck("h-2"), 5s));
  EXPECT_FALSE(customer.WaitFor(IsFrom("bot"), 1s));
}

TEST_F(RoutingTest, AnAgentTransfersToAnotherAgentAndToAQueueWithANote) {
  ASSERT_EQ(Api("PUT", "/api/v1/queues",
                Json{{"queues", Json::array({{{"name", "general"}}, {{"name", "senior"}}})}})
                .status,
            200);
  Console first = Agent("a@shop.example", {"general"});
  Console second = Agent("b@shop.example", {"senior"});
  WidgetClient customer(port());
  const int64_t c = Open(customer);
  ASSERT_TRUE(customer.SendMessage("x-1", "转人工"));
  ASSERT_TRUE(first.ws->WaitFor(IsAssigned(c), 10s)) << Json(first.ws->history()).dump();

  // Whom to: the other agent online and the queues.
  first.ws->Send({{"type", "transfer_targets"}});
  auto targets = first.ws->WaitFor(IsType("transfer_targets"), 5s);
  ASSERT_TRUE(targets);
  ASSERT_EQ((*targets)["agents"].size(), 1u) << targets->dump();
  EXPECT_EQ(Int((*targets)["agents"][0], "id"), second.id);
  EXPECT_EQ((*targets)["queues"], Json({"general", "senior"}));

  // Bad transfers are refused.
  first.ws->Send({{"type", "transfer"}, {"conversation", c}, {"to_queue", "nowhere"}});
  EXPECT_TRUE(first.ws->WaitFor(IsError("not_found"), 5s)) << Json(first.ws->history()).dump();
  first.ws->Send({{"type", "transfer"}, {"conversation", c}, {"to_queue", "senior"},
                  {"note", std::string(1001, 'x')}});
  EXPECT_TRUE(first.ws->WaitFor(IsError("invalid_argument"), 5s));
  second.ws->Send({{"type", "transfer"}, {"conversation", c}, {"to_queue", "senior"}});
  EXPECT_TRUE(second.ws->WaitFor(IsError("permission_denied"), 5s)) << "not theirs";

  // To the other agent, with a note.
  first.ws->Send({{"type", "transfer"}, {"conversation", c}, {"to_agent", second.id},
                  {"note", "客户要退款，订单已核实"}});
  ASSERT_TRUE(first.ws->WaitFor(IsType("transferred"), 5s)) << Json(first.ws->history()).dump();
  EXPECT_TRUE(first.ws->WaitFor(IsType("unassigned"), 5s));
  auto received = second.ws->WaitFor(IsAssigned(c), 5s);
  ASSERT_TRUE(received) << Json(second.ws->history()).dump();
  const Json transfer = (*received)["summary"]["transfer"];
  EXPECT_EQ(Str(transfer, "note"), "客户要退款，订单已核实") << received->dump();
  EXPECT_EQ(Int(transfer, "from_agent"), first.id);
  EXPECT_EQ(Int(Conversation(c), "assignee_id"), second.id);

  // Back to the general queue, whose only agent takes it with the new note.
  second.ws->Send({{"type", "transfer"}, {"conversation", c}, {"to_queue", "general"},
                   {"note", "不是投诉，普通问题"}});
  ASSERT_TRUE(second.ws->WaitFor(IsType("transferred"), 5s)) << Json(second.ws->history()).dump();
  auto back = first.ws->WaitFor(IsAssigned(c), 5s);
  ASSERT_TRUE(back) << Json(first.ws->history()).dump();
  EXPECT_EQ(Str((*back)["summary"]["transfer"], "note"), "不是投诉，普通问题");
  EXPECT_EQ(Str((*back)["summary"]["transfer"], "to_queue"), "general");
  const Json conv = Conversation(c);
  EXPECT_EQ(Int(conv, "assignee_id"), first.id);
  EXPECT_EQ(Str(conv, "queue"), "general");
}

}  // namespace
}  // namespace kefu::it
