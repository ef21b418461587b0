// The demo shop bot behind the widget protocol (`kefu serve --bot
// examples/shop --demo-orders`): greeting, an order-status flow that calls the
// demo order service over HTTP, in 中文, English and 繁體; the dialogue state
// surviving a restart; the handoff's status; a reload that refuses a broken
// package and keeps serving.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif
// Training the shop takes seconds in a release build, many more under ASan.
const Millis kStartTimeout = kSanitizerBuild ? Millis(240s) : Millis(60s);
const Millis kReplyTimeout = kSanitizerBuild ? Millis(30s) : Millis(10s);

const std::string kShop = std::string(KEFU_SOURCE_DIR) + "/examples/shop";

std::vector<std::string> BotArgs(const std::string& dir) {
  return {"--bot", dir, "--demo-orders"};
}

// A bot message whose text contains `part`.
FramePredicate IsBotSaying(std::string part) {
  return [part](const Json& f) {
    return Str(f, "type") == "message" && Str(f, "sender") == "bot" &&
           Str(f, "text").find(part) != std::string::npos;
  };
}
FramePredicate IsBotMessage() {
  return [](const Json& f) { return Str(f, "type") == "message" && Str(f, "sender") == "bot"; };
}

// A widget connection that said hello in `language`.
struct Customer {
  std::unique_ptr<WidgetClient> ws;
  Json welcome;
  int64_t conversation = -1;
};
Customer Connect(uint16_t port, const std::string& public_key, const std::string& language) {
  Customer c;
  c.ws = std::make_unique<WidgetClient>(port);
  if (!c.ws->connected()) {
    ADD_FAILURE() << "no WebSocket: " << c.ws->close_reason();
    return c;
  }
  c.ws->Send({{"type", "hello"}, {"public_key", public_key}, {"language", language}});
  auto welcome = c.ws->WaitFor(IsType("welcome"));
  if (!welcome) {
    ADD_FAILURE() << "no welcome: " << Json(c.ws->history()).dump();
    return c;
  }
  c.welcome = *welcome;
  c.conversation = Int((*welcome)["conversation"], "id");
  return c;
}

// Sends `text` and returns the bot's next message.
std::optional<Json> Ask(Customer& c, const std::string& client_id, const std::string& text) {
  if (!c.ws->SendMessage(client_id, text)) return std::nullopt;
  if (!c.ws->WaitFor(IsAck(client_id), kReplyTimeout)) {
    ADD_FAILURE() << "no ack for " << client_id << ": " << Json(c.ws->history()).dump();
    return std::nullopt;
  }
  auto reply = c.ws->WaitFor(IsBotMessage(), kReplyTimeout);
  if (!reply) ADD_FAILURE() << "no reply to \"" << text << "\": " << Json(c.ws->history()).dump();
  return reply;
}

class ShopBotTest : public ServerTest {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(BotArgs(kShop));
    ASSERT_TRUE(server_->Start(kStartTimeout)) << server_->LogTail();
    tenant_ = server_->Bootstrap();
    ASSERT_FALSE(tenant_.public_key.empty());
  }
};

TEST_F(ShopBotTest, OrderStatusInThreeScriptsThroughTheDemoOrderService) {
  // 简体: the greeting (with the bot's identity), then the flow.
  Customer zh = Connect(port(), tenant_.public_key, "zh-CN");
  ASSERT_TRUE(zh.ws);
  auto greeting = zh.ws->WaitFor(IsBotMessage(), kReplyTimeout);
  ASSERT_TRUE(greeting) << Json(zh.ws->history()).dump();
  EXPECT_EQ(Int(*greeting, "seq"), 1);
  EXPECT_NE(Str(*greeting, "text").find("机器人"), std::string::npos) << greeting->dump();

  auto asked = Ask(zh, "zh-1", "我的订单到哪了？");
  ASSERT_TRUE(asked);
  EXPECT_NE(Str(*asked, "text").find("订单号"), std::string::npos) << asked->dump();
  auto status = Ask(zh, "zh-2", "SO20261130001");
  ASSERT_TRUE(status);
  // From the demo order service: in transit with SF Express.
  EXPECT_NE(Str(*status, "text").find("运输中"), std::string::npos) << status->dump();
  EXPECT_NE(Str(*status, "text").find("SF1402286153201"), std::string::npos) << status->dump();

  // English, one message carrying the number.
  Customer en = Connect(port(), tenant_.public_key, "en");
  ASSERT_TRUE(en.ws);
  ASSERT_TRUE(en.ws->WaitFor(IsBotSaying("bot"), kReplyTimeout)) << Json(en.ws->history()).dump();
  auto en_status = Ask(en, "en-1", "Where is my order SO20261128002?");
  ASSERT_TRUE(en_status);
  EXPECT_NE(Str(*en_status, "text").find("SO20261128002"), std::string::npos) << en_status->dump();
  EXPECT_NE(Str(*en_status, "text").find("elivered"), std::string::npos) << en_status->dump();

  // 繁體: the answer comes back in 繁體.
  Customer hant = Connect(port(), tenant_.public_key, "zh-TW");
  ASSERT_TRUE(hant.ws);
  ASSERT_TRUE(hant.ws->WaitFor(IsBotMessage(), kReplyTimeout));
  auto hant_status = Ask(hant, "tw-1", "請問我的訂單 SO20261130001 現在到哪裡了？");
  ASSERT_TRUE(hant_status);
  const std::string text = Str(*hant_status, "text");
  EXPECT_NE(text.find("訂單"), std::string::npos) << text;
  EXPECT_NE(text.find("運輸中"), std::string::npos) << text;
  EXPECT_EQ(text.find("订单"), std::string::npos) << "Simplified in a 繁體 reply: " << text;

  // What the bot understood is stored with its messages (staff see it).
  auto messages = FetchMessages(port(), tenant_.api_key, zh.conversation);
  ASSERT_EQ(messages.size(), 5u) << Json(messages).dump();
  EXPECT_EQ(CheckGapFree(messages), "");
  const Json& answer = messages[4];
  ASSERT_TRUE(answer["payload"].is_object()) << answer.dump();
  const Json& nlu = answer["payload"]["nlu"];
  EXPECT_EQ(Str(nlu, "policy"), "slot") << nlu.dump();
  EXPECT_EQ(Str(nlu, "flow"), "order_status") << nlu.dump();
  EXPECT_EQ(Str(nlu, "language"), "zh") << nlu.dump();
  EXPECT_TRUE(nlu.contains("emotion") && nlu.contains("entities")) << nlu.dump();
  EXPECT_TRUE(answer["payload"]["dialog"].is_object()) << answer.dump();
  EXPECT_EQ(Str(messages[2]["payload"]["nlu"], "intent"), "order_status")
      << messages[2].dump();

  auto bot = HttpRequest(port(), "GET", "/api/v1/bot", "", Bearer(tenant_.api_key));
  ASSERT_EQ(bot.status, 200) << bot.Describe();
  EXPECT_EQ(Str(bot.json(), "kind"), "bot");
  EXPECT_GE(Int(bot.json(), "flows"), 5) << bot.body;
}

TEST_F(ShopBotTest, AFlowResumesAfterARestartAndAHandoffQueuesTheConversation) {
  if (kSanitizerBuild) GTEST_SKIP() << "release build only (the bot trains again at restart)";
  Customer c = Connect(port(), tenant_.public_key, "zh-CN");
  ASSERT_TRUE(c.ws);
  ASSERT_TRUE(c.ws->WaitFor(IsBotMessage(), kReplyTimeout));
  auto asked = Ask(c, "r-1", "帮我查一下订单");
  ASSERT_TRUE(asked);
  ASSERT_NE(Str(*asked, "text").find("订单号"), std::string::npos) << asked->dump();
  std::string token = Str(c.welcome, "contact_token");
  c.ws->Close();

  // The server goes away between the question and the answer: the state
  // waiting for the order number is read back from the store.
  server_->Kill9();
  ASSERT_TRUE(server_->Start(kStartTimeout)) << server_->LogTail();  // the same data dir; the bot trains again
  auto resumed = std::make_unique<WidgetClient>(port());
  auto welcome = resumed->Hello(tenant_.public_key, token);
  ASSERT_TRUE(welcome && Str(*welcome, "type") == "welcome") << server_->LogTail();
  resumed->Drain(300ms);
  Customer again{std::move(resumed), *welcome, Int((*welcome)["conversation"], "id")};
  ASSERT_EQ(again.conversation, c.conversation);
  auto status = Ask(again, "r-2", "SO20261201003");
  ASSERT_TRUE(status);
  EXPECT_NE(Str(*status, "text").find("SO20261201003"), std::string::npos) << status->dump();

  // Asking for a person: the bot says so, the conversation is queued for
  // an agent, and the bot no longer answers.
  auto handoff = Ask(again, "r-3", "转人工");
  ASSERT_TRUE(handoff);
  auto queued = again.ws->WaitFor(IsType("status"), kReplyTimeout);
  ASSERT_TRUE(queued) << Json(again.ws->history()).dump();
  EXPECT_EQ(Str(*queued, "status"), "queued");
  // Nobody is online: the customer is told so, and may leave a message.
  auto notice = again.ws->WaitFor(IsBotSaying("没有人工客服在线"), kReplyTimeout);
  ASSERT_TRUE(notice) << Json(again.ws->history()).dump();
  ASSERT_TRUE(again.ws->SendMessage("r-4", "人呢？"));
  ASSERT_TRUE(again.ws->WaitFor(IsAck("r-4"), kReplyTimeout));
  EXPECT_FALSE(again.ws->WaitFor(IsBotMessage(), 1500ms)) << "the bot answered a queued conversation";
  auto conv = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(c.conversation),
                          "", Bearer(tenant_.api_key));
  ASSERT_EQ(conv.status, 200) << conv.Describe();
  EXPECT_EQ(Str(conv.json(), "status"), "queued") << conv.body;
  auto messages = FetchMessages(port(), tenant_.api_key, c.conversation);
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(Str(messages[messages.size() - 2]["payload"]["nlu"], "handoff"), "customer_asked")
      << messages[messages.size() - 2].dump();
}

// ---- reload -----------------------------------------------------------------

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

TEST(ShopBotReload, ABrokenPackageIsRefusedWithFileAndLineAndTheBotKeepsServing) {
  if (kSanitizerBuild) GTEST_SKIP() << "release build only (reloading trains the bot again)";
  char tmpl[] = "/tmp/kefu-bot-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = fs::path(tmpl) / "shop";
  fs::copy(kShop, dir, fs::copy_options::recursive);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p.parent_path(), ec);
    }
  } cleanup{dir};

  ServerProcess server(BotArgs(dir.string()));
  ASSERT_TRUE(server.Start(kStartTimeout)) << server.LogTail();
  Tenant t = server.Bootstrap();
  Customer c = Connect(server.port(), t.public_key, "zh-CN");
  ASSERT_TRUE(c.ws);
  ASSERT_TRUE(c.ws->WaitFor(IsBotMessage(), kReplyTimeout));
  auto before = Ask(c, "a-1", "转人工之前先问下，你们几点上班");
  ASSERT_TRUE(before);

  // An intent whose flow does not exist: refused, with where.
  const fs::path flows = dir / "flows" / "order_status.yaml";
  const std::string good = ReadFile(flows);
  WriteFile(flows, good + "\n  - id: broken\n    goto: nowhere\n");
  auto refused = HttpRequest(server.port(), "POST", "/api/v1/bot/reload", "", Bearer(t.api_key),
                             60s);
  ASSERT_EQ(refused.status, 400) << refused.Describe();
  const Json problems = refused.json()["error"]["problems"];
  ASSERT_TRUE(problems.is_array() && !problems.empty()) << refused.body;
  EXPECT_NE(problems[0].get<std::string>().find("order_status.yaml:"), std::string::npos)
      << refused.body;
  // The previous package still answers.
  auto still = Ask(c, "a-2", "我的订单 SO20261130001 到哪了");
  ASSERT_TRUE(still);
  EXPECT_NE(Str(*still, "text").find("运输中"), std::string::npos) << still->dump();

  // A good change is taken: a greeting in new words.
  WriteFile(flows, good);
  const fs::path bot_yaml = dir / "bot.yaml";
  std::string yaml = ReadFile(bot_yaml);
  const std::string marker = "智能客服";
  ASSERT_NE(yaml.find(marker), std::string::npos);
  yaml.replace(yaml.find(marker), marker.size(), "全新智能客服");
  WriteFile(bot_yaml, yaml);
  auto taken = HttpRequest(server.port(), "POST", "/api/v1/bot/reload", "", Bearer(t.api_key), 60s);
  ASSERT_EQ(taken.status, 200) << taken.Describe();
  EXPECT_EQ(Int(taken.json(), "reloads"), 1) << taken.body;
  Customer fresh = Connect(server.port(), t.public_key, "zh-CN");
  ASSERT_TRUE(fresh.ws);
  auto greeting = fresh.ws->WaitFor(IsBotMessage(), kReplyTimeout);
  ASSERT_TRUE(greeting);
  EXPECT_NE(Str(*greeting, "text").find("全新智能客服"), std::string::npos) << greeting->dump();
  // Reloading needs an admin key.
  auto anon = HttpRequest(server.port(), "POST", "/api/v1/bot/reload", "", {});
  EXPECT_EQ(anon.status, 401) << anon.Describe();
  // The audit log holds the reload that was done, not the one refused.
  auto log = HttpRequest(server.port(), "GET", "/api/v1/audit-log", "", Bearer(t.api_key));
  ASSERT_EQ(log.status, 200) << log.Describe();
  int reloads = 0;
  for (const Json& e : ListOf(log.json(), "entries")) {
    if (Str(e, "action") != "bot.reload") continue;
    ++reloads;
    EXPECT_EQ(Str(e["actor"], "kind"), "api_key") << e.dump();
    EXPECT_EQ(Int(e["detail"], "reloads"), 1) << e.dump();
  }
  EXPECT_EQ(reloads, 1) << log.body;
}

// Knowledge without code: a supervisor's FAQ edit answers the next customer
// message, durably (kill -9 and a restart keep it); agents read but do not
// edit; a CSV import is all or nothing; the knowledge base is searchable.
TEST(ShopBotKnowledge, AnEditedAnswerIsUsedAtOnceAndSurvivesAKill) {
  if (kSanitizerBuild) GTEST_SKIP() << "release build only (the restart trains the bot again)";
  ServerProcess server(BotArgs(kShop));
  ASSERT_TRUE(server.Start(kStartTimeout)) << server.LogTail();
  Tenant t = server.Bootstrap();
  auto key = [&](const std::string& role) {
    auto r = HttpRequest(server.port(), "POST", "/api/v1/api-keys",
                         Json{{"name", role}, {"role", role}}.dump(), Bearer(t.api_key));
    EXPECT_EQ(r.status, 201) << r.Describe();
    return Str(r.json(), "secret");
  };
  const std::string agent = key("agent"), supervisor = key("supervisor");
  const std::string id = "shipping_fee_mainland";

  auto list = HttpRequest(server.port(), "GET", "/api/v1/faq", "", Bearer(agent));
  ASSERT_EQ(list.status, 200) << list.Describe();
  Json entries = ListOf(list.json(), "faq");
  EXPECT_EQ(entries.size(), 83u);
  std::string english;
  for (const Json& e : entries) {
    if (Str(e, "id") == id) {
      english = Str(e["answer"], "en");
      EXPECT_FALSE(Bool(e, "edited", true)) << e.dump();
    }
  }
  ASSERT_FALSE(english.empty()) << list.body;

  const std::string target = "/api/v1/faq/" + id;
  const std::string edited = "本周活动：全场运费统一 6 元，满 79 元包邮。";
  const std::string body = Json{{"answer", {{"zh", edited}}}}.dump();
  EXPECT_EQ(HttpRequest(server.port(), "PUT", target, body, Bearer(agent)).status, 403);
  EXPECT_EQ(HttpRequest(server.port(), "PUT", target, body, {}).status, 401);
  EXPECT_EQ(HttpRequest(server.port(), "PUT", "/api/v1/faq/no_such_entry", body, Bearer(supervisor))
                .status,
            404);
  auto french = HttpRequest(server.port(), "PUT", target,
                            Json{{"answer", {{"fr", "x"}}}}.dump(), Bearer(supervisor));
  EXPECT_EQ(french.status, 400) << french.Describe();
  EXPECT_NE(french.body.find("fr"), std::string::npos) << french.body;
  EXPECT_EQ(HttpRequest(server.port(), "PUT", target, "{\"answer\": ", Bearer(supervisor)).status,
            400);
  EXPECT_EQ(HttpRequest(server.port(), "PUT", target, Json{{"answer", {{"zh", " "}}}}.dump(),
                        Bearer(supervisor))
                .status,
            400);

  Customer c = Connect(server.port(), t.public_key, "zh-CN");
  ASSERT_TRUE(c.ws);
  ASSERT_TRUE(c.ws->WaitFor(IsBotMessage(), kReplyTimeout));
  auto before = Ask(c, "k-1", "运费怎么算？");
  ASSERT_TRUE(before);
  EXPECT_EQ(Str(*before, "text").find(edited), std::string::npos) << before->dump();

  auto put = HttpRequest(server.port(), "PUT", target, body, Bearer(supervisor));
  ASSERT_EQ(put.status, 200) << put.Describe();
  Json entry = ListOf(put.json(), "faq")[0];
  EXPECT_EQ(Str(entry["answer"], "zh"), edited) << put.body;
  EXPECT_EQ(Str(entry["answer"], "en"), english) << "the other language is kept: " << put.body;
  EXPECT_TRUE(Bool(entry, "edited"));
  EXPECT_EQ(Str(entry, "updated_by").rfind("api_key:", 0), 0u) << put.body;
  auto after = Ask(c, "k-2", "运费怎么算？");
  ASSERT_TRUE(after);
  EXPECT_EQ(Str(*after, "text"), edited) << after->dump();

  // A CSV with one bad row changes nothing; a good one is applied.
  const std::string bad_csv =
      "id,language,answer\n" + id + ",en,Flat 6 yuan this week.\nno_such_entry,en,x\n";
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/api/v1/faq/import", bad_csv, Bearer(supervisor))
                .status,
            404);
  auto unchanged = HttpRequest(server.port(), "GET", "/api/v1/faq", "", Bearer(agent));
  for (const Json& e : ListOf(unchanged.json(), "faq")) {
    if (Str(e, "id") == id) {
      EXPECT_EQ(Str(e["answer"], "en"), english);
    }
  }
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/api/v1/faq/import", "id,answer\nx,y\n",
                        Bearer(supervisor))
                .status,
            400);
  auto imported = HttpRequest(server.port(), "POST", "/api/v1/faq/import",
                              "id,language,answer\n" + id + ",en,\"Flat 6 yuan, this week.\"\n",
                              Bearer(supervisor));
  ASSERT_EQ(imported.status, 200) << imported.Describe();
  EXPECT_EQ(Int(imported.json(), "edited"), 1);

  // Search finds the entry, with the tenant's answer.
  auto search = HttpRequest(server.port(), "GET",
                            "/api/v1/kb/search?q=%E8%BF%90%E8%B4%B9%E6%80%8E%E4%B9%88%E7%AE%97&k=3",
                            "", Bearer(agent));
  ASSERT_EQ(search.status, 200) << search.Describe();
  bool found = false;
  for (const Json& h : ListOf(search.json(), "hits")) {
    if (Str(h, "id") == id) found = Str(h, "text") == edited;
  }
  EXPECT_TRUE(found) << search.body;
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/api/v1/kb/search?q=", "", Bearer(agent)).status,
            400);
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/api/v1/kb/search?q=%FF%FE", "", Bearer(agent))
                .status,
            400);

  // The edit is the tenant's own: another tenant's customers get the package's answer.
  const std::string out = server.data_dir() + "/create-tenant.out";
  ASSERT_EQ(RunCommand({KEFU_BINARY, "create-tenant", "--data-dir", server.data_dir(), "--name",
                        "Other Shop", "--admin-email", "root@other.example", "--admin-password",
                        "other-password-1"},
                       out),
            0)
      << "see " << out;
  std::ifstream made_in(out);
  std::string made_line;
  std::getline(made_in, made_line);
  const Json made = Json::parse(made_line, nullptr, false);
  const std::string other_key = Str(made["api_key"], "secret");
  ASSERT_FALSE(other_key.empty()) << made_line;
  auto theirs = HttpRequest(server.port(), "GET", "/api/v1/faq", "", Bearer(other_key));
  ASSERT_EQ(theirs.status, 200) << theirs.Describe();
  for (const Json& e : ListOf(theirs.json(), "faq")) {
    if (Str(e, "id") == id) {
      EXPECT_FALSE(Bool(e, "edited", true)) << e.dump();
      EXPECT_EQ(Str(e["answer"], "en"), english);
    }
  }
  Customer other = Connect(server.port(), Str(made["tenant"], "public_key"), "zh-CN");
  ASSERT_TRUE(other.ws);
  ASSERT_TRUE(other.ws->WaitFor(IsBotMessage(), kReplyTimeout));
  auto other_answer = Ask(other, "o-1", "运费怎么算？");
  ASSERT_TRUE(other_answer);
  EXPECT_EQ(Str(*other_answer, "text").find(edited), std::string::npos) << other_answer->dump();
  EXPECT_EQ(Str(*other_answer, "text"), Str(*before, "text")) << other_answer->dump();
  // Each edit is in the editing tenant's audit log.
  auto audit = HttpRequest(server.port(), "GET", "/api/v1/audit-log", "", Bearer(t.api_key));
  ASSERT_EQ(audit.status, 200) << audit.Describe();
  int faq_rows = 0;
  for (const Json& row : ListOf(audit.json(), "entries")) faq_rows += Str(row, "action") == "faq.edit";
  EXPECT_EQ(faq_rows, 2) << audit.body;

  // The edits were acknowledged: kill -9 keeps them.
  server.Kill9();
  ASSERT_TRUE(server.Start(kStartTimeout)) << server.LogTail();
  auto kept = HttpRequest(server.port(), "GET", "/api/v1/faq", "", Bearer(agent));
  ASSERT_EQ(kept.status, 200) << kept.Describe();
  bool both = false;
  for (const Json& e : ListOf(kept.json(), "faq")) {
    if (Str(e, "id") == id) {
      both = Str(e["answer"], "zh") == edited && Str(e["answer"], "en") == "Flat 6 yuan, this week.";
    }
  }
  EXPECT_TRUE(both) << kept.body;
  Customer again = Connect(server.port(), t.public_key, "en");
  ASSERT_TRUE(again.ws);
  ASSERT_TRUE(again.ws->WaitFor(IsBotMessage(), kReplyTimeout));
  auto en = Ask(again, "k-3", "How much is shipping within mainland China?");
  ASSERT_TRUE(en);
  EXPECT_EQ(Str(*en, "text"), "Flat 6 yuan, this week.") << en->dump();
}

// kefu import / kefu export: a package through the database, byte for byte,
// beside a running server; an invalid package is refused with file:line.
TEST(BotPackageImport, RoundTripsThroughTheDatabaseWithoutLoss) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.LogTail();
  Tenant t = server.Bootstrap();
  ASSERT_FALSE(t.public_key.empty());
  const std::string log = server.data_dir() + "/tools.log";
  const fs::path out = fs::path(server.data_dir()) / "exported";
  ASSERT_EQ(RunCommand({KEFU_BINARY, "import", "--bot", kShop, "--data-dir", server.data_dir()},
                       log, 60s),
            0)
      << ReadFile(log);
  ASSERT_EQ(RunCommand({KEFU_BINARY, "export", "--out", out.string(), "--data-dir",
                        server.data_dir()},
                       log, 60s),
            0)
      << ReadFile(log);
  // Every file of the package, and nothing else, with the same bytes.
  size_t compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(kShop)) {
    const std::string rel = fs::relative(e.path(), kShop).generic_string();
    if (rel.find("__pycache__") != std::string::npos || rel[0] == '.' || !e.is_regular_file()) {
      continue;
    }
    ASSERT_TRUE(fs::exists(out / rel)) << rel << " missing from the export";
    EXPECT_EQ(ReadFile(out / rel), ReadFile(e.path())) << rel;
    ++compared;
  }
  size_t exported = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) exported += e.is_regular_file();
  EXPECT_EQ(exported, compared);
  EXPECT_GE(compared, 30u);

  // An export refuses to write over a folder; the version counts on.
  EXPECT_EQ(RunCommand({KEFU_BINARY, "export", "--out", out.string(), "--data-dir",
                        server.data_dir()},
                       log, 60s),
            1);
  ASSERT_EQ(RunCommand({KEFU_BINARY, "import", "--bot", out.string(), "--data-dir",
                        server.data_dir(), "--tenant", t.public_key},
                       log, 60s),
            0)
      << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("as version 2"), std::string::npos) << ReadFile(log);

  // A broken package: refused with where, and nothing stored.
  const fs::path broken = fs::path(server.data_dir()) / "broken";
  fs::copy(out, broken, fs::copy_options::recursive);
  WriteFile(broken / "flows" / "invoice.yaml", ReadFile(broken / "flows" / "invoice.yaml") +
                                                   "\n  - say: no_such_response\n");
  const std::string bad_log = server.data_dir() + "/bad.log";
  EXPECT_EQ(RunCommand({KEFU_BINARY, "import", "--bot", broken.string(), "--data-dir",
                        server.data_dir()},
                       bad_log, 60s),
            1);
  EXPECT_NE(ReadFile(bad_log).find("flows/invoice.yaml:"), std::string::npos) << ReadFile(bad_log);
  const std::string list_log = server.data_dir() + "/list.log";
  ASSERT_EQ(RunCommand({KEFU_BINARY, "export", "--list", "--data-dir", server.data_dir()},
                       list_log, 60s),
            0);
  EXPECT_EQ(ReadFile(list_log).find("\n3 "), std::string::npos) << ReadFile(list_log);
  EXPECT_NE(ReadFile(list_log).find("\n2 "), std::string::npos) << ReadFile(list_log);
  // The server was serving all along.
  EXPECT_EQ(HttpRequest(server.port(), "GET", "/healthz").status, 200);
}

TEST(BotTrain, TrainsCrossChecksAndRefusesAnInvalidPackage) {
  if (kSanitizerBuild) GTEST_SKIP() << "release build only (two trainings)";
  char tmpl[] = "/tmp/kefu-train-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  const std::string log = (dir / "train.json").string();
  ASSERT_EQ(RunCommand({KEFU_BINARY, "train", "--bot", kShop, "--json", "--top", "3"}, log, 120s),
            0)
      << ReadFile(log);
  Json out = Json::parse(ReadFile(log), nullptr, false);
  ASSERT_TRUE(out.is_object()) << ReadFile(log);
  EXPECT_GE(Int(out, "intents"), 25);
  EXPECT_GE(Int(out, "faq"), 80);
  EXPECT_GT(Int(out, "checked"), 500) << "a fifth of the examples is held out";
  ASSERT_TRUE(out["check_accuracy"].is_number()) << out.dump();
  EXPECT_GT(out["check_accuracy"].get<double>(), 0.5) << out.dump();
  EXPECT_LT(out["check_accuracy"].get<double>(), 1.0) << "held-out examples are not all easy";
  ASSERT_TRUE(out["confused"].is_array() && out["confused"].size() <= 3u) << out.dump();
  if (!out["confused"].empty()) {
    EXPECT_NE(Str(out["confused"][0]["examples"][0], "at").find(".yaml:"), std::string::npos)
        << out.dump();
  }

  fs::create_directories(dir / "bad");
  WriteFile(dir / "bad" / "bot.yaml", "languages: [zh]\nname: {zh: 测试}\ngreting: {zh: 你好}\n");
  const std::string bad = (dir / "bad.log").string();
  EXPECT_EQ(RunCommand({KEFU_BINARY, "train", "--bot", (dir / "bad").string()}, bad, 60s), 1);
  EXPECT_NE(ReadFile(bad).find("bot.yaml:3"), std::string::npos) << ReadFile(bad);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(NoBot, ReloadIsNotFound) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.LogTail();
  Tenant t = server.Bootstrap();
  auto r = HttpRequest(server.port(), "POST", "/api/v1/bot/reload", "", Bearer(t.api_key));
  EXPECT_EQ(r.status, 404) << r.Describe();
  auto d = HttpRequest(server.port(), "GET", "/api/v1/bot", "", Bearer(t.api_key));
  ASSERT_EQ(d.status, 200) << d.Describe();
  EXPECT_EQ(Str(d.json(), "kind"), "echo") << d.body;
}

TEST(BotStart, AnInvalidPackageStopsTheServerWithTheProblem) {
  char tmpl[] = "/tmp/kefu-bot-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  WriteFile(dir / "bot.yaml", "languages: [zh]\nname: {zh: 测试}\nunknown_field: 1\n");
  std::string log = (dir / "log").string();
  int code = RunCommand({KEFU_BINARY, "serve", "--data-dir", (dir / "data").string(), "--port",
                         "0", "--bot", dir.string()},
                        log, 60s);
  EXPECT_EQ(code, 1);
  std::string out = ReadFile(log);
  EXPECT_NE(out.find("bot.yaml:"), std::string::npos) << out;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace kefu::it
