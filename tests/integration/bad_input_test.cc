// Bad input over WebSocket and HTTP: each gets its precise error, nothing is
// half-stored, and the server keeps serving.
#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

constexpr int kMaxFrame = 8192;
constexpr int kMaxBody = 65536;

// One server for the whole suite: bad input must not hurt it.
class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--max-frame", std::to_string(kMaxFrame), "--max-body",
                                 std::to_string(kMaxBody)});
    if (server_->Start()) tenant_ = server_->Bootstrap();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->running());
    ASSERT_FALSE(tenant_.api_key.empty());
  }
  void TearDown() override {
    // Whatever the test sent, the server still answers.
    EXPECT_TRUE(server_->running());
    EXPECT_EQ(HttpRequest(port(), "GET", "/healthz").status, 200);
    WidgetSession s = OpenWidget(port(), tenant_.public_key);
    EXPECT_TRUE(s.ws) << "no new widget connection after the bad input";
  }
  static uint16_t port() { return server_->port(); }
  static Headers JsonAuth() {
    Headers h = Bearer(tenant_.api_key);
    h.emplace_back("Content-Type", "application/json");
    return h;
  }
  // Number of conversations the tenant has.
  static size_t ConversationCount() {
    HttpResponse r = HttpRequest(port(), "GET", "/api/v1/conversations?limit=100", "",
                                 Bearer(tenant_.api_key));
    EXPECT_EQ(r.status, 200) << r.Describe();
    return ListOf(r.json(), "conversations").size();
  }
  // Expects an error frame with `code` as the next error on `ws`.
  static void ExpectError(WidgetClient& ws, const std::string& code, const std::string& what,
                          const std::string& client_id = "") {
    std::optional<Json> e = ws.WaitFor(IsType("error"));
    ASSERT_TRUE(e) << what << ": no error frame; " << ws.close_reason();
    EXPECT_EQ(Str(*e, "code"), code) << what << ": " << e->dump();
    EXPECT_FALSE(Str(*e, "message").empty()) << what << ": " << e->dump();
    if (!client_id.empty()) {
      EXPECT_EQ(Str(*e, "client_id"), client_id) << what << ": " << e->dump();
    }
  }
  static void ExpectPong(WidgetClient& ws, const std::string& what) {
    ASSERT_TRUE(ws.Send({{"type", "ping"}}));
    EXPECT_TRUE(ws.WaitFor(IsType("pong"))) << what << ": connection not usable; "
                                            << ws.close_reason();
  }

  static ServerProcess* server_;
  static Tenant tenant_;
};

ServerProcess* BadInputTest::server_ = nullptr;
Tenant BadInputTest::tenant_;

// ---- WebSocket --------------------------------------------------------------

TEST_F(BadInputTest, WsMalformedJsonIsInvalidJsonAndConnectionStaysOpen) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  for (std::string bad : {"{\"type\":", "hello", "[1,2]", "\"ping\"", "42", ""}) {
    ASSERT_TRUE(s.ws->SendRaw(bad));
    ExpectError(*s.ws, "invalid_json", "frame '" + bad + "'");
    ExpectPong(*s.ws, "after '" + bad + "'");
  }
}

TEST_F(BadInputTest, WsUnknownTypeIsUnknownType) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  ASSERT_TRUE(s.ws->Send({{"type", "dance"}}));
  ExpectError(*s.ws, "unknown_type", "type dance");
  ExpectPong(*s.ws, "after unknown type");
}

TEST_F(BadInputTest, WsMessageBeforeHelloIsHelloRequired) {
  WidgetClient ws(port());
  ASSERT_TRUE(ws.connected());
  ASSERT_TRUE(ws.SendMessage("early-1", "too early"));
  ExpectError(ws, "hello_required", "message before hello");
  std::optional<Json> w = ws.Hello(tenant_.public_key);
  ASSERT_TRUE(w);
  EXPECT_EQ(Str(*w, "type"), "welcome") << "hello after the error: " << w->dump();
  EXPECT_EQ(Int((*w)["conversation"], "last_seq"), 0) << "the early message was stored";
}

TEST_F(BadInputTest, WsHelloWithoutPublicKeyIsInvalidArgument) {
  WidgetClient ws(port());
  ASSERT_TRUE(ws.Send({{"type", "hello"}}));
  ExpectError(ws, "invalid_argument", "hello without public_key");
  ASSERT_TRUE(ws.Send({{"type", "hello"}, {"public_key", 12}}));
  ExpectError(ws, "invalid_argument", "public_key a number");
  std::optional<Json> w = ws.Hello(tenant_.public_key);
  ASSERT_TRUE(w);
  EXPECT_EQ(Str(*w, "type"), "welcome") << w->dump();
}

TEST_F(BadInputTest, WsUnknownPublicKeyIsUnknownTenant) {
  WidgetClient ws(port());
  std::optional<Json> e = ws.Hello("pk_no_such_tenant");
  ASSERT_TRUE(e) << ws.close_reason();
  EXPECT_EQ(Str(*e, "type"), "error") << e->dump();
  EXPECT_EQ(Str(*e, "code"), "unknown_tenant") << e->dump();
  std::optional<Json> w = ws.Hello(tenant_.public_key);
  ASSERT_TRUE(w) << "connection closed after unknown_tenant: " << ws.close_reason();
  EXPECT_EQ(Str(*w, "type"), "welcome") << w->dump();
}

TEST_F(BadInputTest, WsBadContactTokenIsUnauthenticated) {
  WidgetSession real = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(real.ws);
  for (const std::string& token :
       std::vector<std::string>{"ct_not_a_real_token", real.contact_token + "x", "x"}) {
    WidgetClient ws(port());
    std::optional<Json> e = ws.Hello(tenant_.public_key, token);
    ASSERT_TRUE(e) << ws.close_reason();
    EXPECT_EQ(Str(*e, "type"), "error") << "token '" << token << "': " << e->dump();
    EXPECT_EQ(Str(*e, "code"), "unauthenticated") << "token '" << token << "': " << e->dump();
  }
  // A resume naming a conversation with a wrong token reveals nothing.
  WidgetClient ws(port());
  std::optional<Json> e = ws.Hello(tenant_.public_key, "ct_wrong",
                                   {{"conversation", real.conversation_id}, {"after_seq", 0}});
  ASSERT_TRUE(e);
  EXPECT_EQ(Str(*e, "code"), "unauthenticated") << e->dump();
}

TEST_F(BadInputTest, WsInvalidMessageFieldsAreInvalidArgumentAndStoreNothing) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  struct Case {
    const char* what;
    Json frame;
    std::string client_id;  // expected in the error ("" when not checked)
  };
  const std::string long_id(65, 'i');
  std::vector<Case> cases = {
      {"missing client_id", {{"type", "message"}, {"text", "hi"}}, ""},
      {"client_id a number", {{"type", "message"}, {"client_id", 7}, {"text", "hi"}}, ""},
      {"empty client_id", {{"type", "message"}, {"client_id", ""}, {"text", "hi"}}, ""},
      {"client_id of 65 chars", {{"type", "message"}, {"client_id", long_id}, {"text", "hi"}}, ""},
      {"text a number", {{"type", "message"}, {"client_id", "bad-1"}, {"text", 42}}, "bad-1"},
      {"text missing", {{"type", "message"}, {"client_id", "bad-2"}}, "bad-2"},
      {"text empty, no attachments",
       {{"type", "message"}, {"client_id", "bad-3"}, {"text", ""}},
       "bad-3"},
      {"text of 4001 chars",
       {{"type", "message"}, {"client_id", "bad-4"}, {"text", std::string(4001, 'x')}},
       "bad-4"},
      {"attachments not an array",
       {{"type", "message"}, {"client_id", "bad-5"}, {"text", "hi"}, {"attachments", "a"}},
       "bad-5"},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(s.ws->Send(c.frame)) << c.what;
    ExpectError(*s.ws, "invalid_argument", c.what, c.client_id);
  }
  ExpectPong(*s.ws, "after invalid messages");
  s.ws->Drain(200ms);
  for (const Json& f : s.ws->history()) {
    EXPECT_NE(Str(f, "type"), "ack") << "an invalid message was acked: " << f.dump();
  }
  EXPECT_TRUE(FetchMessages(port(), tenant_.api_key, s.conversation_id).empty());
  // The next valid message is seq 1: nothing was half-stored.
  ASSERT_TRUE(s.ws->SendMessage("bad-1", std::string(4000, 'y')));
  std::optional<Json> ack = s.ws->WaitFor(IsAck("bad-1"));
  ASSERT_TRUE(ack) << "4000 chars is allowed";
  EXPECT_EQ(Int(*ack, "seq"), 1) << ack->dump();
  EXPECT_FALSE(Bool(*ack, "duplicate")) << ack->dump();
}

TEST_F(BadInputTest, WsFrameOverMaxFrameClosesWith1009) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  Json big = {{"type", "message"}, {"client_id", "big-1"}, {"text", std::string(kMaxFrame, 'b')}};
  s.ws->SendUnchecked(big.dump());  // may fail half-way when the server closes first
  s.ws->WaitFor([](const Json&) { return false; }, 5s);
  EXPECT_TRUE(s.ws->closed());
  EXPECT_EQ(s.ws->close_code(), std::optional<int>(1009)) << s.ws->close_reason();
  EXPECT_TRUE(FetchMessages(port(), tenant_.api_key, s.conversation_id).empty());
}

TEST_F(BadInputTest, WsInvalidUtf8TextFrameClosesWith1007) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  std::string bad = R"({"type":"message","client_id":"u-1","text":"caf)";
  bad += "\xc3\x28\xff";
  bad += R"("})";
  ASSERT_TRUE(s.ws->SendRaw(bad));
  s.ws->WaitFor([](const Json&) { return false; }, 5s);
  EXPECT_TRUE(s.ws->closed());
  EXPECT_EQ(s.ws->close_code(), std::optional<int>(1007)) << s.ws->close_reason();
  EXPECT_TRUE(FetchMessages(port(), tenant_.api_key, s.conversation_id).empty());
}

// ---- HTTP -------------------------------------------------------------------

TEST_F(BadInputTest, HttpMalformedJsonIs400InvalidJson) {
  size_t before = ConversationCount();
  for (std::string bad : {"{\"contact\":", "not json", "[1,2]", "null"}) {
    HttpResponse r = HttpRequest(port(), "POST", "/api/v1/messages", bad, JsonAuth());
    EXPECT_EQ(r.status, 400) << "body '" << bad << "': " << r.Describe();
    EXPECT_EQ(r.error_code(), "invalid_json") << "body '" << bad << "': " << r.Describe();
    Json j = r.json();
    EXPECT_TRUE(j.is_object() && j.contains("error") && !Str(j["error"], "message").empty())
        << r.body;
  }
  EXPECT_EQ(ConversationCount(), before);
}

TEST_F(BadInputTest, HttpInvalidUtf8Is400InvalidUtf8) {
  size_t before = ConversationCount();
  std::string body = R"({"contact":{"external_id":"utf"},"client_id":"u-1","text":"caf)";
  body += "\xc3\x28";
  body += R"("})";
  HttpResponse r = HttpRequest(port(), "POST", "/api/v1/messages", body, JsonAuth());
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_EQ(r.error_code(), "invalid_utf8") << r.Describe();
  EXPECT_EQ(ConversationCount(), before);
}

TEST_F(BadInputTest, HttpMissingFieldsAre400InvalidArgument) {
  size_t before = ConversationCount();
  std::vector<Json> bodies = {
      {{"contact", {{"external_id", "ia"}}}, {"text", "no client id"}},
      {{"contact", {{"external_id", "ia"}}}, {"client_id", "ia-1"}},
      {{"contact", {{"external_id", "ia"}}}, {"client_id", "ia-1"}, {"text", 5}},
      {{"client_id", "ia-1"}, {"text", "no contact"}},
  };
  for (const Json& b : bodies) {
    HttpResponse r = HttpRequest(port(), "POST", "/api/v1/messages", b.dump(), JsonAuth());
    EXPECT_EQ(r.status, 400) << b.dump() << ": " << r.Describe();
    EXPECT_EQ(r.error_code(), "invalid_argument") << b.dump() << ": " << r.Describe();
  }
  EXPECT_EQ(ConversationCount(), before);
}

TEST_F(BadInputTest, HttpBodyOverMaxBodyIs413) {
  size_t before = ConversationCount();
  Json b = {{"contact", {{"external_id", "big"}}},
            {"client_id", "big-1"},
            {"text", std::string(kMaxBody + 1000, 'b')}};
  HttpResponse r = HttpRequest(port(), "POST", "/api/v1/messages", b.dump(), JsonAuth());
  EXPECT_EQ(r.status, 413) << r.Describe();
  EXPECT_EQ(r.error_code(), "payload_too_large") << r.Describe();
  EXPECT_EQ(ConversationCount(), before);
}

TEST_F(BadInputTest, HttpWrongOrMissingApiKeyIs401) {
  std::vector<Headers> bad = {
      {},
      Bearer("kf_live_not-a-real-key"),
      Bearer(tenant_.api_key + "x"),
      Bearer(""),
      {{"Authorization", "Basic " + tenant_.api_key}},
      {{"Authorization", tenant_.api_key}},
  };
  for (const Headers& h : bad) {
    std::string what = h.empty() ? "no Authorization" : h[0].second;
    HttpResponse r = HttpRequest(port(), "GET", "/api/v1/conversations", "", h);
    EXPECT_EQ(r.status, 401) << what << ": " << r.Describe();
    EXPECT_EQ(r.error_code(), "unauthenticated") << what << ": " << r.Describe();
    Headers post = h;
    post.emplace_back("Content-Type", "application/json");
    Json body = {{"contact", {{"external_id", "x"}}}, {"client_id", "x-1"}, {"text", "hi"}};
    r = HttpRequest(port(), "POST", "/api/v1/messages", body.dump(), post);
    EXPECT_EQ(r.status, 401) << "POST, " << what << ": " << r.Describe();
  }
}

TEST_F(BadInputTest, HttpUnknownRouteIs404NotFound) {
  for (std::string target : {"/api/v1/nope", "/api/v1/conversations/999999",
                             "/api/v1/conversations/999999/messages", "/api/v1/uploads/999999"}) {
    HttpResponse r = HttpRequest(port(), "GET", target, "", Bearer(tenant_.api_key));
    EXPECT_EQ(r.status, 404) << target << ": " << r.Describe();
    EXPECT_EQ(r.error_code(), "not_found") << target << ": " << r.Describe();
  }
  HttpResponse r = HttpRequest(port(), "GET", "/no/such/page");
  EXPECT_EQ(r.status, 404) << r.Describe();
}

TEST_F(BadInputTest, HttpBootstrapTwiceIs409) {
  Json body = {{"token", kBootstrapToken},
               {"tenant_name", "T2"},
               {"admin_email", "b@x.io"},
               {"admin_password", "pw-long-enough"},
               {"default_language", "en"}};
  HttpResponse r = HttpRequest(port(), "POST", "/api/v1/bootstrap", body.dump(),
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 409) << r.Describe();
  EXPECT_EQ(r.error_code(), "already_exists") << r.Describe();
}

TEST_F(BadInputTest, HttpDebugFaultsIs404WithoutTheFlag) {
  HttpResponse r = HttpRequest(port(), "POST", "/debug/faults",
                               R"({"fail_writes":true,"fail_syncs":true})",
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 404) << r.Describe();
  // And writes still work.
  EXPECT_EQ(PostApiMessage(port(), tenant_.api_key, "dbg", "dbg-1", "hi").status, 201);
}

// A fresh server: the wrong bootstrap token is refused and changes nothing.
// Internal notes hold at most 2,000 characters: one more is refused with a
// message naming both numbers, over REST and over /ws/agent, and nothing is
// stored; exactly 2,000 (in Chinese: 6,000 bytes) is taken.
TEST_F(BadInputTest, OversizedNotesAreRefusedPreciselyAndStoreNothing) {
  auto login = HttpRequest(port(), "POST", "/api/v1/login",
                           Json{{"email", "a@x.io"}, {"password", "pw-long-enough"}}.dump());
  ASSERT_EQ(login.status, 200) << login.Describe();
  const Headers session{{"Cookie", "kefu_session=" + Str(login.json(), "token")},
                        {"Content-Type", "application/json"}};
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  const std::string notes = "/api/v1/conversations/" + std::to_string(s.conversation_id) + "/notes";
  std::string too_long;
  for (int i = 0; i < 2001; ++i) too_long += "备";
  auto r = HttpRequest(port(), "POST", notes, Json{{"text", too_long}}.dump(), session);
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_EQ(r.error_code(), "invalid_argument");
  EXPECT_NE(r.body.find("2001 characters"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("at most 2000"), std::string::npos) << r.body;
  for (const Json& bad : {Json{{"text", ""}}, Json{{"text", 5}}, Json::object()}) {
    r = HttpRequest(port(), "POST", notes, bad.dump(), session);
    EXPECT_EQ(r.status, 400) << bad.dump() << ": " << r.Describe();
    EXPECT_EQ(r.error_code(), "invalid_argument") << r.Describe();
  }
  // Another conversation id that does not exist: 404.
  r = HttpRequest(port(), "POST", "/api/v1/conversations/987654/notes",
                  Json{{"text", "x"}}.dump(), session);
  EXPECT_EQ(r.status, 404) << r.Describe();

  // Over the agent WebSocket: the same limit (the admin writes on any live chat
  // as a supervisor would; this one is the bot's, so it is refused as not theirs
  // only after the text is checked).
  WidgetClient agent(port(), "/ws/agent", session);
  ASSERT_TRUE(agent.connected());
  ASSERT_TRUE(agent.WaitFor(IsType("welcome")));
  ASSERT_TRUE(agent.Send({{"type", "note"}, {"conversation", s.conversation_id},
                          {"client_id", "n-1"}, {"text", too_long}}));
  ExpectError(agent, "invalid_argument", "an oversized note over /ws/agent", "n-1");
  auto listed = HttpRequest(port(), "GET", notes, "", Bearer(tenant_.api_key));
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  EXPECT_TRUE(ListOf(listed.json(), "notes").empty()) << listed.body;

  std::string longest;
  for (int i = 0; i < 2000; ++i) longest += "备";
  r = HttpRequest(port(), "POST", notes, Json{{"text", longest}}.dump(), session);
  EXPECT_EQ(r.status, 201) << r.Describe().substr(0, 300);
  listed = HttpRequest(port(), "GET", notes, "", Bearer(tenant_.api_key));
  ASSERT_EQ(ListOf(listed.json(), "notes").size(), 1u);
  ExpectPong(agent, "after the notes");
}

TEST(BootstrapTest, WrongTokenIs401ThenRightTokenWorksOnce) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  Json body = {{"token", "not-the-token"},
               {"tenant_name", "T"},
               {"admin_email", "a@x.io"},
               {"admin_password", "pw-long-enough"},
               {"default_language", "zh-CN"}};
  Headers h = {{"Content-Type", "application/json"}};
  HttpResponse r = HttpRequest(server.port(), "POST", "/api/v1/bootstrap", body.dump(), h);
  EXPECT_EQ(r.status, 401) << r.Describe();
  EXPECT_EQ(r.error_code(), "unauthenticated") << r.Describe();
  body.erase("token");
  r = HttpRequest(server.port(), "POST", "/api/v1/bootstrap", body.dump(), h);
  EXPECT_TRUE(r.status == 401 || r.status == 400) << "no token: " << r.Describe();

  Tenant t = server.Bootstrap();
  EXPECT_TRUE(t.public_key.rfind("pk_", 0) == 0 || !t.public_key.empty()) << t.raw.dump();
  EXPECT_EQ(Str(t.raw["tenant"], "name"), "T") << t.raw.dump();
  EXPECT_EQ(Str(t.raw["tenant"], "default_language"), "zh-CN") << t.raw.dump();
  EXPECT_EQ(Str(t.raw["admin"], "email"), "a@x.io") << t.raw.dump();
  EXPECT_FALSE(t.raw.dump().find("pw-long-enough") != std::string::npos) << "password echoed";
}

}  // namespace
}  // namespace kefu::it
