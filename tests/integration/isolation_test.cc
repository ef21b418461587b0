// Who may call what, and no tenant ever sees another's rows. One real server
// with two tenants (the first by POST /api/v1/bootstrap, the second by
// `kefu create-tenant`), each with an admin, a supervisor and an agent user,
// an API key of each role, a widget contact with a conversation and a
// message, and an upload. Then every route the server lists at
// GET /api/v1/routes is called by every principal, with its own tenant's ids
// and with the other tenant's: the allowed principals succeed on their own
// tenant, the others get 401 (anonymous) or 403 (the wrong principal); the
// other tenant's ids are 404 for everyone allowed; and no answer holds a
// word of the other tenant's data. The expected table is written out here,
// apart from the server's: a route the server adds without a row here fails.
//
// Also the bad inputs of signing in: a wrong password, an expired session, a
// forged cookie, too many failures (429 + Retry-After), oversized bodies.
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <thread>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kPrincipals = {
    "anonymous", "widget_contact", "key:admin",       "key:supervisor",
    "key:agent", "user:admin",     "user:supervisor", "user:agent",
};
const std::vector<std::string> kRoles = {"admin", "supervisor", "agent"};
const std::string kPassword = "a-good-long-password";

std::string TinyPng() {
  static const unsigned char kBytes[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
      0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
      0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78,
      0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00,
      0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(kBytes), sizeof(kBytes));
}

Headers With(Headers h, const std::string& name, const std::string& value) {
  h.emplace_back(name, value);
  return h;
}

Headers JsonHeaders(Headers h) { return With(std::move(h), "Content-Type", "application/json"); }

HttpResponse Login(uint16_t port, const std::string& email, const std::string& password) {
  return HttpRequest(port, "POST", "/api/v1/login",
                     Json{{"email", email}, {"password", password}}.dump(), JsonHeaders({}));
}

// One tenant and everything it owns, with the credentials of each principal.
struct World {
  std::string tag;  // "alpha" / "beta": part of every name it owns
  std::string public_key;
  std::string admin_key;                     // the first admin API key's secret
  std::map<std::string, Headers> creds;      // principal → request headers
  std::map<std::string, std::string> email;  // role → user email
  int64_t conversation_id = 0;
  int64_t upload_id = 0;
  int64_t canned_id = 0;
  int64_t contact_id = 0;     // the widget customer
  int64_t agent_user_id = 0;  // the agent user
  std::string message_text;
  // Words only this tenant's rows contain: no answer to the other tenant may hold one.
  std::vector<std::string> markers;
};

// Makes the users, keys, contact, conversation and upload of `w`, whose
// tenant exists with `w.public_key` and `w.admin_key`.
void Populate(uint16_t port, World& w) {
  const Headers admin = JsonHeaders(Bearer(w.admin_key));
  w.creds["anonymous"] = {};
  for (const std::string& role : kRoles) {
    const std::string email = role + "@" + w.tag + ".example";
    auto r = HttpRequest(port, "POST", "/api/v1/users",
                         Json{{"email", email},
                              {"name", w.tag + "-" + role + "-person"},
                              {"role", role},
                              {"password", kPassword}}
                             .dump(),
                         admin);
    ASSERT_EQ(r.status, 201) << r.Describe();
    w.email[role] = email;
    w.markers.push_back(email);
    w.markers.push_back(w.tag + "-" + role + "-person");
    auto login = Login(port, email, kPassword);
    ASSERT_EQ(login.status, 200) << login.Describe();
    const std::string token = Str(login.json(), "token");
    if (role == "agent") w.agent_user_id = Int(login.json()["user"], "id");
    ASSERT_EQ(token.rfind("ks_", 0), 0u) << login.body;
    // Both ways of carrying a session: the console's cookie and a bearer.
    w.creds["user:" + role] =
        role == "supervisor" ? Bearer(token) : Headers{{"Cookie", "kefu_session=" + token}};

    auto key = HttpRequest(port, "POST", "/api/v1/api-keys",
                           Json{{"name", w.tag + "-key-" + role}, {"role", role}}.dump(), admin);
    ASSERT_EQ(key.status, 201) << key.Describe();
    w.creds["key:" + role] = Bearer(Str(key.json(), "secret"));
    w.markers.push_back(w.tag + "-key-" + role);
    w.markers.push_back(Str(key.json(), "prefix"));
  }

  WidgetSession s = OpenWidget(port, w.public_key);
  ASSERT_TRUE(s.ws);
  w.conversation_id = s.conversation_id;
  {
    auto conv = HttpRequest(port, "GET", "/api/v1/conversations/" + std::to_string(s.conversation_id),
                            "", admin);
    ASSERT_EQ(conv.status, 200) << conv.Describe();
    w.contact_id = Int(conv.json(), "contact_id");
  }
  w.message_text = w.tag + " order SO-" + w.tag + "-4711 has not arrived";
  ASSERT_TRUE(s.ws->SendMessage(w.tag + "-c1", w.message_text));
  ASSERT_TRUE(s.ws->WaitFor(IsAck(w.tag + "-c1")));
  w.creds["widget_contact"] = {{"X-Kefu-Public-Key", w.public_key},
                               {"X-Kefu-Contact-Token", s.contact_token}};
  w.markers.push_back("SO-" + w.tag + "-4711");
  // An internal note on the conversation.
  auto note = HttpRequest(
      port, "POST", "/api/v1/conversations/" + std::to_string(w.conversation_id) + "/notes",
      Json{{"text", w.tag + "-note-text"}}.dump(), JsonHeaders(w.creds["user:admin"]));
  ASSERT_EQ(note.status, 201) << note.Describe();
  w.markers.push_back(w.tag + "-note-text");
  w.markers.push_back(w.public_key);
  w.markers.push_back(s.contact_token);

  // The customer's upload: staff and that customer may read it.
  auto up =
      HttpRequest(port, "POST", "/api/v1/uploads", TinyPng(),
                  With(w.creds["widget_contact"], "Content-Type", "application/octet-stream"));
  ASSERT_EQ(up.status, 201) << up.Describe();
  w.upload_id = Int(up.json(), "id");

  // A canned response, under a shortcut both tenants use.
  auto canned = HttpRequest(port, "POST", "/api/v1/canned-responses",
                            Json{{"shortcut", "hello"}, {"text", w.tag + "-canned-text"}}.dump(),
                            admin);
  ASSERT_EQ(canned.status, 201) << canned.Describe();
  w.canned_id = Int(canned.json()["canned_response"], "id");
  w.markers.push_back(w.tag + "-canned-text");

  // A contact of the API channel, known by the integrator's id.
  ASSERT_EQ(PostApiMessage(port, w.admin_key, w.tag + "-crm-17", w.tag + "-api-1",
                           "api question from " + w.tag + "-crm-17")
                .status,
            201);
  w.markers.push_back(w.tag + "-crm-17");
}

// A request of one row of the matrix.
struct Req {
  std::string method;
  std::string target;
  std::string body;
  Headers extra;                 // besides the principal's credentials
  std::optional<Headers> creds;  // instead of the principal's credentials
  // Checked after the call: "" or what is wrong.
  std::function<std::string()> after;
};

struct Env {
  uint16_t port;
  World& self;  // the caller's tenant
  World& ids;   // the tenant whose ids the request names
  const std::string& principal;
  bool allowed;  // the principal may call the route
  bool cross;    // the ids are the other tenant's
  int serial;    // unique per call
};

// One route: who may call it, how to call it, what its success looks like.
struct RouteCase {
  std::string method;
  std::string pattern;  // as GET /api/v1/routes spells it
  std::set<std::string> allowed;
  std::function<Req(Env&)> make;
  // Names another tenant's rows by id: then they must be 404.
  bool has_ids = false;
  // The status an allowed principal gets on its own tenant (0: any 2xx).
  int expect_status = 0;
  // Extra check of an allowed answer on the caller's own tenant: "" or what is wrong.
  std::function<std::string(const HttpResponse&, const World&)> check;
};

const std::set<std::string> kAll(kPrincipals.begin(), kPrincipals.end());
const std::set<std::string> kAdmins = {"key:admin", "user:admin"};
const std::set<std::string> kSupervisors = {"key:admin", "user:admin", "key:supervisor",
                                            "user:supervisor"};
const std::set<std::string> kStaff = {"key:admin",       "user:admin", "key:supervisor",
                                      "user:supervisor", "key:agent",  "user:agent"};
const std::set<std::string> kUsers = {"user:admin", "user:supervisor", "user:agent"};

std::function<std::string(const HttpResponse&, const World&)> Contains(
    std::function<std::string(const World&)> what) {
  return [what](const HttpResponse& r, const World& w) -> std::string {
    const std::string s = what(w);
    return r.body.find(s) == std::string::npos ? "the answer lacks " + s : "";
  };
}

Req Get(std::string target) { return Req{"GET", std::move(target), "", {}, std::nullopt}; }
Req PostJson(std::string target, const Json& body) {
  return Req{
      "POST", std::move(target), body.dump(), {{"Content-Type", "application/json"}}, std::nullopt};
}

std::vector<RouteCase> Cases() {
  const std::string conv = "/api/v1/conversations/";
  return {
      {"GET", "/healthz", kAll, [](Env&) { return Get("/healthz"); }},
      {"GET", "/readyz", kAll, [](Env&) { return Get("/readyz"); }},
      {"GET", "/metrics", kAll, [](Env&) { return Get("/metrics"); }},
      // Exists only with --enable-fault-injection (tests only): 404 here.
      {"POST", "/debug/faults", kAll,
       [](Env&) {
         return PostJson("/debug/faults", Json{{"fail_writes", false}});
       },
       false, 404},
      // Anonymous by design (its token is in the body); once only: 409 now.
      {"POST", "/api/v1/bootstrap", kAll,
       [](Env&) {
         return PostJson("/api/v1/bootstrap", Json{{"token", kBootstrapToken},
                                                   {"tenant_name", "Gamma"},
                                                   {"admin_email", "g@gamma.example"},
                                                   {"admin_password", kPassword}});
       },
       false, 409},
      {"GET", "/api/v1/routes", kAll, [](Env&) { return Get("/api/v1/routes"); }},
      {"POST", "/api/v1/login", kAll,
       [](Env& e) {
         return PostJson("/api/v1/login",
                         Json{{"email", e.self.email["agent"]}, {"password", kPassword}});
       },
       false, 200, Contains([](const World& w) { return w.email.at("agent"); })},
      // A fresh session of the caller, so the matrix's own sessions live on.
      {"POST", "/api/v1/logout", kUsers,
       [](Env& e) {
         Req r{"POST", "/api/v1/logout", "", {}, std::nullopt};
         if (e.principal.starts_with("user:")) {
           auto login = Login(e.port, e.self.email[e.principal.substr(5)], kPassword);
           EXPECT_EQ(login.status, 200) << login.Describe();
           r.creds = Bearer(Str(login.json(), "token"));
         }
         return r;
       },
       false, 204},
      {"GET", "/api/v1/me", kUsers, [](Env&) { return Get("/api/v1/me"); }},
      {"POST", "/api/v1/users", kAdmins,
       [](Env& e) {
         return PostJson("/api/v1/users", Json{{"email", "new" + std::to_string(e.serial) + "@" +
                                                             e.self.tag + ".example"},
                                               {"role", "agent"},
                                               {"password", kPassword}});
       },
       false, 201},
      {"GET", "/api/v1/users", kSupervisors, [](Env&) { return Get("/api/v1/users"); }, false, 0,
       Contains([](const World& w) { return w.email.at("supervisor"); })},
      {"POST", "/api/v1/api-keys", kAdmins,
       [](Env& e) {
         return PostJson(
             "/api/v1/api-keys",
             Json{{"name", e.self.tag + "-made-" + std::to_string(e.serial)}, {"role", "agent"}});
       },
       false, 201},
      {"GET", "/api/v1/api-keys", kAdmins, [](Env&) { return Get("/api/v1/api-keys"); }, false, 0,
       Contains([](const World& w) { return w.tag + "-key-agent"; })},
      // A key made for this call in the tenant whose ids are used.
      {"DELETE", "/api/v1/api-keys/{}", kAdmins,
       [](Env& e) {
         auto k = HttpRequest(e.port, "POST", "/api/v1/api-keys",
                              Json{{"name", e.ids.tag + "-victim"}, {"role", "agent"}}.dump(),
                              JsonHeaders(Bearer(e.ids.admin_key)));
         EXPECT_EQ(k.status, 201) << k.Describe();
         Req r{"DELETE",
               "/api/v1/api-keys/" + std::to_string(Int(k.json(), "id")),
               "",
               {},
               std::nullopt};
         // Revoked only by an admin of its own tenant.
         const int want = e.allowed && !e.cross ? 401 : 200;
         r.after = [port = e.port, secret = Str(k.json(), "secret"), want]() -> std::string {
           auto use = HttpRequest(port, "GET", "/api/v1/conversations", "", Bearer(secret));
           if (use.status == want) return "";
           return "the key answers " + std::to_string(use.status) + " after, not " +
                  std::to_string(want);
         };
         return r;
       },
       true},
      {"GET", "/api/v1/conversations", kStaff, [](Env&) { return Get("/api/v1/conversations"); },
       false, 0,
       Contains([](const World& w) { return "\"id\":" + std::to_string(w.conversation_id); })},
      {"GET", "/api/v1/conversations/{}", kStaff,
       [conv](Env& e) { return Get(conv + std::to_string(e.ids.conversation_id)); }, true, 0,
       Contains([](const World& w) { return "\"id\":" + std::to_string(w.conversation_id); })},
      {"GET", "/api/v1/conversations/{}/messages", kStaff,
       [conv](Env& e) { return Get(conv + std::to_string(e.ids.conversation_id) + "/messages"); },
       true, 0, Contains([](const World& w) { return w.message_text; })},
      {"POST", "/api/v1/messages", kStaff,
       [](Env& e) {
         return PostJson("/api/v1/messages",
                         Json{{"contact", {{"external_id", e.self.tag + "-crm-17"}}},
                              {"client_id", "m-" + std::to_string(e.serial)},
                              {"text", "hello"}});
       },
       false, 201},
      {"POST",
       "/api/v1/uploads",
       {"widget_contact", "key:admin", "user:admin", "key:supervisor", "user:supervisor",
        "key:agent", "user:agent"},
       [](Env&) {
         return Req{"POST",
                    "/api/v1/uploads",
                    TinyPng(),
                    {{"Content-Type", "application/octet-stream"}},
                    std::nullopt};
       },
       false,
       201},
      {"GET",
       "/api/v1/uploads/{}",
       {"widget_contact", "key:admin", "user:admin", "key:supervisor", "user:supervisor",
        "key:agent", "user:agent"},
       [](Env& e) { return Get("/api/v1/uploads/" + std::to_string(e.ids.upload_id)); },
       true},
      {"GET", "/api/v1/bot", kStaff, [](Env&) { return Get("/api/v1/bot"); }},
      // This server runs the echo, not a bot: an admin gets past the check to 404.
      {"POST", "/api/v1/bot/reload", kAdmins,
       [](Env&) {
         return Req{"POST", "/api/v1/bot/reload", "", {}, std::nullopt};
       },
       false, 404},
      {"GET", "/api/v1/audit-log", kAdmins, [](Env&) { return Get("/api/v1/audit-log"); }, false, 0,
       Contains([](const World& w) { return w.email.at("agent"); })},
      {"GET", "/api/v1/canned-responses", kStaff, [](Env&) { return Get("/api/v1/canned-responses"); }},
      {"POST", "/api/v1/canned-responses", kSupervisors,
       [](Env& e) {
         // A shortcut of its own per call: each allowed caller creates one.
         return Req{"POST", "/api/v1/canned-responses",
                    Json{{"shortcut", "s" + std::to_string(e.serial)}, {"text", "您好"}}.dump(),
                    {}, std::nullopt};
       },
       false, 201},
      {"PUT", "/api/v1/canned-responses/{}", kSupervisors,
       [](Env& e) {
         return Req{"PUT", "/api/v1/canned-responses/" + std::to_string(e.ids.canned_id),
                    Json{{"shortcut", "hello"}, {"text", e.ids.tag + "-canned-text"}}.dump(), {},
                    std::nullopt};
       },
       true},
      // Each call deletes a response made for it in the tenant its id names.
      {"DELETE", "/api/v1/canned-responses/{}", kSupervisors,
       [](Env& e) {
         auto made = HttpRequest(
             e.port, "POST", "/api/v1/canned-responses",
             Json{{"shortcut", "del" + std::to_string(e.serial)}, {"text", "x"}}.dump(),
             JsonHeaders(Bearer(e.ids.admin_key)));
         const int64_t id = Int(made.json()["canned_response"], "id");
         return Req{"DELETE", "/api/v1/canned-responses/" + std::to_string(id), "", {},
                    std::nullopt};
       },
       true, 204},
      // The knowledge base is the bot's: without one, allowed callers get 404
      // (ShopBotKnowledge covers them with a bot).
      {"GET", "/api/v1/faq", kStaff, [](Env&) { return Get("/api/v1/faq"); }, false, 404},
      {"PUT", "/api/v1/faq/{}", kSupervisors,
       [](Env&) {
         return Req{"PUT", "/api/v1/faq/shipping_fee", R"({"answer":{"zh":"六元"}})", {},
                    std::nullopt};
       },
       false, 404},
      {"POST", "/api/v1/faq/import", kSupervisors,
       [](Env&) {
         return Req{"POST", "/api/v1/faq/import", "id,language,answer\nshipping_fee,zh,六元\n", {},
                    std::nullopt};
       },
       false, 404},
      {"GET", "/api/v1/kb/search", kStaff, [](Env&) { return Get("/api/v1/kb/search?q=hi"); },
       false, 404},
      {"GET", "/api/v1/conversations/{}/notes", kStaff,
       [conv](Env& e) { return Get(conv + std::to_string(e.ids.conversation_id) + "/notes"); },
       true, 0, Contains([](const World& w) { return w.tag + "-note-text"; })},
      {"POST", "/api/v1/conversations/{}/notes", kUsers,
       [conv](Env& e) {
         return PostJson(conv + std::to_string(e.ids.conversation_id) + "/notes",
                         Json{{"text", "note " + std::to_string(e.serial)}});
       },
       true, 201},
      {"GET", "/api/v1/contacts/{}/conversations", kStaff,
       [](Env& e) {
         return Get("/api/v1/contacts/" + std::to_string(e.ids.contact_id) + "/conversations");
       },
       true, 0,
       Contains([](const World& w) { return "\"id\":" + std::to_string(w.conversation_id); })},
      {"GET", "/api/v1/monitor", kSupervisors, [](Env&) { return Get("/api/v1/monitor"); }, false,
       200, Contains([](const World& w) { return w.email.at("agent"); })},
      // The numbers count the caller's tenant only: each tenant has one
      // conversation in which its customer wrote (the API contact's).
      {"GET", "/api/v1/stats", kSupervisors,
       [](Env&) { return Get("/api/v1/stats?tz=UTC"); }, false, 200,
       [](const HttpResponse& r, const World&) -> std::string {
         const Json totals = r.json()["totals"];
         if (Int(totals, "conversations") != 2) return "totals: " + totals.dump();
         return "";
       }},
      // Routing: queues and the takeover switch are the caller's tenant's;
      // contacts and agents' profiles are named by id.
      {"GET", "/api/v1/queues", kStaff, [](Env&) { return Get("/api/v1/queues"); }},
      {"PUT", "/api/v1/queues", kSupervisors,
       [](Env&) {
         return Req{"PUT", "/api/v1/queues", R"({"queues":[{"name":"general"}]})", {},
                    std::nullopt};
       }},
      {"GET", "/api/v1/takeover", kStaff, [](Env&) { return Get("/api/v1/takeover"); }},
      {"PUT", "/api/v1/takeover", kSupervisors,
       [](Env&) {
         return Req{"PUT", "/api/v1/takeover", R"({"enabled":false})", {}, std::nullopt};
       }},
      {"GET", "/api/v1/contacts/{}", kStaff,
       [](Env& e) { return Get("/api/v1/contacts/" + std::to_string(e.ids.contact_id)); }, true, 0,
       Contains([](const World& w) { return "\"id\":" + std::to_string(w.contact_id); })},
      {"PATCH", "/api/v1/contacts/{}", kStaff,
       [](Env& e) {
         return Req{"PATCH", "/api/v1/contacts/" + std::to_string(e.ids.contact_id),
                    R"({"attributes":{"tier":"vip"}})", {}, std::nullopt};
       },
       true},
      {"GET", "/api/v1/users/{}/routing", kSupervisors,
       [](Env& e) {
         return Get("/api/v1/users/" + std::to_string(e.ids.agent_user_id) + "/routing");
       },
       true},
      {"PUT", "/api/v1/users/{}/routing", kAdmins,
       [](Env& e) {
         return Req{"PUT", "/api/v1/users/" + std::to_string(e.ids.agent_user_id) + "/routing",
                    R"({"languages":["zh","en"]})", {}, std::nullopt};
       },
       true},
  };
}

// body.error.message, or "".
std::string ErrorMessage(const HttpResponse& r) {
  Json j = r.json();
  if (!j.is_object() || !j.contains("error")) return "";
  return Str(j["error"], "message");
}

// The route's key in both tables.
std::string Key(const std::string& method, const std::string& pattern) {
  return method + " " + pattern;
}

// The first marker of `w` that `body` contains, or "".
std::string Leak(const std::string& body, const World& w) {
  for (const std::string& m : w.markers) {
    if (!m.empty() && body.find(m) != std::string::npos) return m;
  }
  return "";
}

class IsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>();
    ASSERT_TRUE(server_->Start()) << server_->LogTail();
    alpha_.tag = "alpha";
    beta_.tag = "beta";
    auto boot = HttpRequest(port(), "POST", "/api/v1/bootstrap",
                            Json{{"token", kBootstrapToken},
                                 {"tenant_name", "Alpha Tenant"},
                                 {"admin_email", "root@alpha.example"},
                                 {"admin_password", kPassword}}
                                .dump(),
                            JsonHeaders({}));
    ASSERT_EQ(boot.status, 201) << boot.Describe();
    alpha_.public_key = Str(boot.json()["tenant"], "public_key");
    alpha_.admin_key = Str(boot.json()["api_key"], "secret");
    alpha_.markers = {"Alpha Tenant", "root@alpha.example"};

    // The second tenant, beside the running server.
    const std::string out = server_->data_dir() + "/create-tenant.out";
    int code = RunCommand({KEFU_BINARY, "create-tenant", "--data-dir", server_->data_dir(),
                           "--name", "Beta Tenant", "--admin-email", "root@beta.example",
                           "--admin-password", kPassword, "--default-language", "en"},
                          out);
    ASSERT_EQ(code, 0) << "kefu create-tenant failed: see " << out;
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    Json made = Json::parse(line, nullptr, false);
    beta_.public_key = Str(made["tenant"], "public_key");
    beta_.admin_key = Str(made["api_key"], "secret");
    ASSERT_FALSE(beta_.public_key.empty()) << line;
    ASSERT_FALSE(beta_.admin_key.empty()) << line;
    EXPECT_NE(beta_.public_key, alpha_.public_key);
    EXPECT_EQ(line.find(kPassword), std::string::npos) << "a given password is not printed";
    beta_.markers = {"Beta Tenant", "root@beta.example"};

    ASSERT_NO_FATAL_FAILURE(Populate(port(), alpha_));
    ASSERT_NO_FATAL_FAILURE(Populate(port(), beta_));
  }
  uint16_t port() const { return server_->port(); }

  std::unique_ptr<ServerProcess> server_;
  World alpha_, beta_;
};

TEST_F(IsolationTest, EveryRouteTimesEveryPrincipalTimesBothTenants) {
  const std::vector<RouteCase> cases = Cases();
  // The server's table and ours list the same routes with the same principals.
  auto listed = HttpRequest(port(), "GET", "/api/v1/routes");
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  std::map<std::string, std::set<std::string>> server_table;
  for (const Json& r : ListOf(listed.json(), "routes")) {
    std::set<std::string> allow;
    if (r.contains("allow") && r["allow"].is_array()) {
      for (const Json& a : r["allow"]) allow.insert(a.is_string() ? a.get<std::string>() : "?");
    }
    server_table[Key(Str(r, "method"), Str(r, "path"))] = allow;
  }
  ASSERT_FALSE(server_table.empty()) << listed.body;
  std::map<std::string, const RouteCase*> ours;
  for (const RouteCase& c : cases) ours[Key(c.method, c.pattern)] = &c;
  for (const auto& [key, allow] : server_table) {
    auto it = ours.find(key);
    if (it == ours.end()) {
      ADD_FAILURE() << key << " is served but has no row in this matrix: add one";
      continue;
    }
    EXPECT_EQ(allow, it->second->allowed) << key << ": the server allows other principals";
  }
  for (const auto& [key, c] : ours) {
    EXPECT_TRUE(server_table.count(key))
        << key << " is in the matrix but the server has no such route";
  }

  int serial = 0, calls = 0;
  for (const RouteCase& c : cases) {
    for (World* self : {&alpha_, &beta_}) {
      World* other = self == &alpha_ ? &beta_ : &alpha_;
      for (const std::string& principal : kPrincipals) {
        for (bool cross : {false, true}) {
          if (cross && !c.has_ids) continue;
          const bool allowed = c.allowed.count(principal) > 0;
          Env env{port(), *self, cross ? *other : *self, principal, allowed, cross, ++serial};
          Req req = c.make(env);
          Headers h = req.creds ? *req.creds : self->creds[principal];
          for (const auto& x : req.extra) h.push_back(x);
          HttpResponse r = HttpRequest(port(), req.method, req.target, req.body, h);
          ++calls;
          const std::string what = req.method + " " + req.target + " as " + self->tag + "'s " +
                                   principal + (cross ? " with " + other->tag + "'s ids" : "");
          if (!allowed) {
            const int want = principal == "anonymous" ? 401 : 403;
            EXPECT_EQ(r.status, want) << what << ": " << r.Describe();
            EXPECT_EQ(r.error_code(), want == 401 ? "unauthenticated" : "permission_denied")
                << what << ": " << r.Describe();
            if (want == 403) {
              EXPECT_NE(ErrorMessage(r).find(principal), std::string::npos)
                  << what << ": the refusal should name the caller: " << r.body;
            }
          } else if (cross) {
            EXPECT_EQ(r.status, 404) << what << ": " << r.Describe();
          } else if (c.expect_status != 0) {
            EXPECT_EQ(r.status, c.expect_status) << what << ": " << r.Describe();
          } else {
            EXPECT_TRUE(r.status >= 200 && r.status < 300) << what << ": " << r.Describe();
          }
          if (req.after) {
            EXPECT_EQ(req.after(), "") << what;
          }
          if (allowed && !cross && c.check) {
            EXPECT_EQ(c.check(r, *self), "") << what << ": " << r.body.substr(0, 500);
          }
          EXPECT_EQ(Leak(r.body, *other), "")
              << what << " shows " << other->tag << "'s data: " << r.body.substr(0, 500);
        }
      }
    }
  }
  std::printf("[ matrix ] %zu routes, %d calls\n", cases.size(), calls);

  // Nothing of the other tenant was changed by the refused and 404 calls:
  // its keys all still work, and its data is all there.
  for (World* w : {&alpha_, &beta_}) {
    for (const std::string& role : kRoles) {
      auto r = HttpRequest(port(), "GET", "/api/v1/conversations", "", w->creds["key:" + role]);
      EXPECT_EQ(r.status, 200) << w->tag << "'s " << role << " key: " << r.Describe();
    }
    auto msgs = FetchMessages(port(), w->admin_key, w->conversation_id);
    ASSERT_FALSE(msgs.empty());
    EXPECT_EQ(Str(msgs[0], "text"), w->message_text);
    // The audit log tells the tenant's own admin actions, newest first.
    auto log = HttpRequest(port(), "GET", "/api/v1/audit-log?limit=200", "", Bearer(w->admin_key));
    ASSERT_EQ(log.status, 200) << log.Describe();
    Json entries = ListOf(log.json(), "entries");
    std::set<std::string> actions;
    int64_t previous = std::numeric_limits<int64_t>::max();
    for (const Json& e : entries) {
      actions.insert(Str(e, "action"));
      EXPECT_LT(Int(e, "id"), previous) << "newest first";
      previous = Int(e, "id");
    }
    for (const char* a : {"user.create", "api_key.create", "api_key.revoke"}) {
      EXPECT_TRUE(actions.count(a)) << w->tag << " lacks " << a << ": " << log.body.substr(0, 500);
    }
  }
}

TEST_F(IsolationTest, AuditLogPagesAndRecordsWhoDidWhat) {
  // Sign in as the admin user and create a user: the row names the session's user.
  auto login = Login(port(), alpha_.email["admin"], kPassword);
  ASSERT_EQ(login.status, 200) << login.Describe();
  const int64_t admin_id = Int(login.json()["user"], "id");
  auto made = HttpRequest(
      port(), "POST", "/api/v1/users",
      Json{{"email", "audited@alpha.example"}, {"role", "supervisor"}, {"password", kPassword}}
          .dump(),
      JsonHeaders(Bearer(Str(login.json(), "token"))));
  ASSERT_EQ(made.status, 201) << made.Describe();
  const int64_t made_id = Int(made.json()["user"], "id");
  // A refused change is not logged as done.
  auto dup = HttpRequest(port(), "POST", "/api/v1/users",
                         Json{{"email", "audited@alpha.example"}, {"password", kPassword}}.dump(),
                         JsonHeaders(Bearer(alpha_.admin_key)));
  ASSERT_EQ(dup.status, 409) << dup.Describe();
  auto none =
      HttpRequest(port(), "DELETE", "/api/v1/api-keys/99999999", "", Bearer(alpha_.admin_key));
  ASSERT_EQ(none.status, 404) << none.Describe();

  auto page = HttpRequest(port(), "GET", "/api/v1/audit-log?limit=1", "", Bearer(alpha_.admin_key));
  ASSERT_EQ(page.status, 200) << page.Describe();
  Json entries = ListOf(page.json(), "entries");
  ASSERT_EQ(entries.size(), 1u) << page.body;
  const Json& e = entries[0];
  EXPECT_EQ(Str(e, "action"), "user.create") << e.dump();
  EXPECT_EQ(Str(e, "target"), "user:" + std::to_string(made_id)) << e.dump();
  EXPECT_EQ(Str(e["actor"], "kind"), "user") << e.dump();
  EXPECT_EQ(Int(e["actor"], "id"), admin_id) << e.dump();
  EXPECT_EQ(Str(e["detail"], "email"), "audited@alpha.example") << e.dump();
  EXPECT_EQ(Str(e["detail"], "role"), "supervisor") << e.dump();
  EXPECT_EQ(page.body.find(kPassword), std::string::npos) << "a password in the audit log";
  const Json next = page.json()["next_before"];
  ASSERT_TRUE(next.is_number_integer()) << page.body;

  // The next page starts below it: the key creations of Populate.
  auto older = HttpRequest(
      port(), "GET", "/api/v1/audit-log?limit=2&before=" + std::to_string(next.get<int64_t>()), "",
      Bearer(alpha_.admin_key));
  ASSERT_EQ(older.status, 200) << older.Describe();
  Json rest = ListOf(older.json(), "entries");
  ASSERT_EQ(rest.size(), 2u) << older.body;
  EXPECT_LT(Int(rest[0], "id"), Int(e, "id"));
  EXPECT_EQ(Str(rest[0]["actor"], "kind"), "api_key") << rest[0].dump();

  for (const char* bad : {"limit=0", "limit=201", "limit=x", "before=-1", "before=x"}) {
    auto r = HttpRequest(port(), "GET", std::string("/api/v1/audit-log?") + bad, "",
                         Bearer(alpha_.admin_key));
    EXPECT_EQ(r.status, 400) << bad << ": " << r.Describe();
    EXPECT_EQ(r.error_code(), "invalid_argument") << bad;
  }
}

// Within a tenant, a customer reads and attaches its own uploads only.
TEST_F(IsolationTest, ACustomerSeesOnlyItsOwnUploads) {
  WidgetSession other = OpenWidget(port(), alpha_.public_key);
  ASSERT_TRUE(other.ws);
  const Headers other_creds = {{"X-Kefu-Public-Key", alpha_.public_key},
                               {"X-Kefu-Contact-Token", other.contact_token}};
  const std::string target = "/api/v1/uploads/" + std::to_string(alpha_.upload_id);
  auto r = HttpRequest(port(), "GET", target, "", other_creds);
  EXPECT_EQ(r.status, 404) << "another customer's upload: " << r.Describe();
  EXPECT_EQ(HttpRequest(port(), "GET", target, "", alpha_.creds["widget_contact"]).status, 200);
  EXPECT_EQ(HttpRequest(port(), "GET", target, "", alpha_.creds["user:agent"]).status, 200);
  // Staff's uploads are not the customer's either.
  auto staff = HttpRequest(port(), "POST", "/api/v1/uploads", TinyPng(),
                           With(Bearer(alpha_.admin_key), "Content-Type", "image/png"));
  ASSERT_EQ(staff.status, 201) << staff.Describe();
  const int64_t staff_upload = Int(staff.json(), "id");
  r = HttpRequest(port(), "GET", "/api/v1/uploads/" + std::to_string(staff_upload), "",
                  alpha_.creds["widget_contact"]);
  EXPECT_EQ(r.status, 404) << r.Describe();

  // Attaching another's upload is refused like an unknown one; its own is taken.
  for (int64_t id : {alpha_.upload_id, staff_upload}) {
    const std::string cid = "att-" + std::to_string(id);
    ASSERT_TRUE(other.ws->Send({{"type", "message"},
                                {"client_id", cid},
                                {"text", "look"},
                                {"attachments", Json::array({id})}}));
    auto e = other.ws->WaitFor(IsError("invalid_argument"));
    ASSERT_TRUE(e) << Json(other.ws->history()).dump();
    EXPECT_EQ(Str(*e, "client_id"), cid) << e->dump();
  }
  auto own = HttpRequest(port(), "POST", "/api/v1/uploads", TinyPng(),
                         With(other_creds, "Content-Type", "image/png"));
  ASSERT_EQ(own.status, 201) << own.Describe();
  ASSERT_TRUE(other.ws->Send({{"type", "message"},
                              {"client_id", "att-own"},
                              {"text", ""},
                              {"attachments", Json::array({Int(own.json(), "id")})}}));
  EXPECT_TRUE(other.ws->WaitFor(IsAck("att-own"))) << Json(other.ws->history()).dump();
}

// The agent WebSocket names conversations by id in its frames: another
// tenant's id is an unknown conversation for every frame and every role, and
// changes nothing there.
TEST_F(IsolationTest, AgentWebSocketFramesWithAnotherTenantsConversationAreNotFound) {
  const int64_t theirs = alpha_.conversation_id;
  for (const std::string principal : {"user:agent", "user:supervisor", "user:admin"}) {
    WidgetClient ws(port(), "/ws/agent", beta_.creds[principal]);
    ASSERT_TRUE(ws.connected()) << principal << ": " << ws.close_reason();
    ASSERT_TRUE(ws.WaitFor(IsType("welcome"))) << principal;
    int n = 0;
    for (const Json& frame :
         {Json{{"type", "message"}, {"client_id", "x"}, {"text", "hello from beta"}},
          Json{{"type", "note"}, {"client_id", "y"}, {"text", "beta-note-in-alpha"}},
          Json{{"type", "pending"}}, Json{{"type", "resolve"}}, Json{{"type", "return_to_bot"}},
          Json{{"type", "watch"}}}) {
      Json f = frame;
      f["conversation"] = theirs;
      ASSERT_TRUE(ws.Send(f));
      auto e = ws.WaitFor(IsType("error"));
      ASSERT_TRUE(e) << principal << " " << f.dump() << ": " << Json(ws.history()).dump();
      const std::string want =
          Str(f, "type") == "watch" && principal == "user:agent" ? "permission_denied" : "not_found";
      EXPECT_EQ(Str(*e, "code"), want) << principal << " " << f.dump() << ": " << e->dump();
      EXPECT_EQ(Leak(e->dump(), alpha_), "") << e->dump();
      ++n;
    }
    EXPECT_EQ(n, 6);
  }
  // Nothing changed in alpha's conversation.
  auto conv = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(theirs), "",
                          Bearer(alpha_.admin_key));
  ASSERT_EQ(conv.status, 200) << conv.Describe();
  EXPECT_EQ(Str(conv.json(), "status"), "bot") << conv.body;
  for (const Json& m : FetchMessages(port(), alpha_.admin_key, theirs)) {
    EXPECT_NE(Str(m, "text"), "hello from beta");
  }
  auto notes = HttpRequest(port(), "GET",
                           "/api/v1/conversations/" + std::to_string(theirs) + "/notes", "",
                           Bearer(alpha_.admin_key));
  ASSERT_EQ(notes.status, 200) << notes.Describe();
  EXPECT_EQ(notes.body.find("beta-note-in-alpha"), std::string::npos) << notes.body;
}

// ---- signing in: bad input ---------------------------------------------------

class SignInAbuseTest : public ::testing::Test {
 protected:
  void Boot(std::vector<std::string> args) {
    server_ = std::make_unique<ServerProcess>(std::move(args));
    ASSERT_TRUE(server_->Start()) << server_->LogTail();
    tenant_ = server_->Bootstrap();
    ASSERT_FALSE(tenant_.api_key.empty());
    for (const char* who : {"ann", "bob", "cyd"}) {
      auto r = HttpRequest(port(), "POST", "/api/v1/users",
                           Json{{"email", std::string(who) + "@shop.example"},
                                {"role", "agent"},
                                {"password", kPassword}}
                               .dump(),
                           JsonHeaders(Bearer(tenant_.api_key)));
      ASSERT_EQ(r.status, 201) << r.Describe();
    }
  }
  uint16_t port() const { return server_->port(); }
  std::unique_ptr<ServerProcess> server_;
  Tenant tenant_;
};

TEST_F(SignInAbuseTest, WrongPasswordExpiredSessionAndForgedCookies) {
  ASSERT_NO_FATAL_FAILURE(Boot({"--session-lifetime-ms", "1500"}));
  auto wrong = Login(port(), "ann@shop.example", "not-the-password");
  EXPECT_EQ(wrong.status, 401) << wrong.Describe();
  EXPECT_EQ(wrong.error_code(), "unauthenticated");

  auto ok = Login(port(), "ann@shop.example", kPassword);
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  const std::string token = Str(ok.json(), "token");
  EXPECT_NE(ok.header("set-cookie").find("Max-Age=1;"), std::string::npos)
      << ok.header("set-cookie");
  const Headers cookie{{"Cookie", "kefu_session=" + token}};
  EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/me", "", cookie).status, 200);
  EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/conversations", "", Bearer(token)).status, 200);

  // Forged: a well-formed token nobody was given, a tampered one, garbage.
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  for (const std::string& forged :
       {std::string("ks_") + std::string(43, 'Q'), tampered, std::string("ks_"),
        std::string("not-a-session"), std::string(300, 'k')}) {
    for (const Headers& h : {Headers{{"Cookie", "kefu_session=" + forged}}, Bearer(forged)}) {
      auto r = HttpRequest(port(), "GET", "/api/v1/me", "", h);
      EXPECT_EQ(r.status, 401) << forged << " as " << h[0].first << ": " << r.Describe();
      EXPECT_EQ(r.error_code(), "unauthenticated") << r.Describe();
    }
  }

  // Expired: the same token a little after its lifetime.
  std::this_thread::sleep_for(1700ms);
  for (const Headers& h : {cookie, Bearer(token)}) {
    auto r = HttpRequest(port(), "GET", "/api/v1/me", "", h);
    EXPECT_EQ(r.status, 401) << "an expired session: " << r.Describe();
    EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;
    r = HttpRequest(port(), "GET", "/api/v1/conversations", "", h);
    EXPECT_EQ(r.status, 401) << "an expired session: " << r.Describe();
  }
  WidgetClient agent(port(), "/ws/agent", cookie);
  EXPECT_FALSE(agent.connected()) << "the agent WebSocket with an expired session";
}

TEST_F(SignInAbuseTest, FailedSignInsAreLimitedPerEmailAndPerClient) {
  ASSERT_NO_FATAL_FAILURE(Boot({}));
  // Four failures, then the right password: the count starts again.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Login(port(), "ann@shop.example", "wrong-" + std::to_string(i)).status, 401);
  }
  ASSERT_EQ(Login(port(), "ann@shop.example", kPassword).status, 200) << "4 < 5";
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Login(port(), "ann@shop.example", "wrong-" + std::to_string(i)).status, 401);
  }
  ASSERT_EQ(Login(port(), "ann@shop.example", kPassword).status, 200)
      << "a success clears the count";

  // Five failures in a row lock the email, the right password included.
  for (int i = 0; i < 5; ++i) {
    auto r = Login(port(), "bob@shop.example", "wrong-" + std::to_string(i));
    EXPECT_EQ(r.status, 401) << i << ": " << r.Describe();
  }
  auto locked = Login(port(), "Bob@Shop.example", kPassword);
  EXPECT_EQ(locked.status, 429) << locked.Describe();
  EXPECT_EQ(locked.error_code(), "rate_limited") << locked.Describe();
  const std::string retry = locked.header("retry-after");
  ASSERT_FALSE(retry.empty()) << locked.Describe();
  const int seconds = std::atoi(retry.c_str());
  EXPECT_GT(seconds, 14 * 60) << retry;
  EXPECT_LE(seconds, 15 * 60) << retry;
  EXPECT_NE(server_->LogTail(20000).find("locked"), std::string::npos) << "the lockout is logged";
  // Another email from the same client is not locked (4 + 4 + 5 failures < 20).
  EXPECT_EQ(Login(port(), "cyd@shop.example", kPassword).status, 200);

  // Twenty failures from one client lock every email from it.
  for (int i = 0; i < 7; ++i) {
    auto r = Login(port(), "nobody" + std::to_string(i) + "@shop.example", "whatever-123");
    EXPECT_EQ(r.status, 401) << i << ": " << r.Describe();
  }
  auto client_locked = Login(port(), "cyd@shop.example", kPassword);
  EXPECT_EQ(client_locked.status, 429) << client_locked.Describe();
  EXPECT_FALSE(client_locked.header("retry-after").empty());
  // Sessions already given keep working, and API keys are not limited.
  EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/conversations", "", Bearer(tenant_.api_key)).status,
            200);
}

TEST_F(SignInAbuseTest, OversizedBodiesAre413BeforeAnythingElse) {
  ASSERT_NO_FATAL_FAILURE(Boot({"--max-body", "4096"}));
  const std::string big(8192, 'x');
  const Json login = {{"email", "ann@shop.example"}, {"password", big}};
  auto r = HttpRequest(port(), "POST", "/api/v1/login", login.dump(), JsonHeaders({}));
  EXPECT_EQ(r.status, 413) << r.Describe();
  EXPECT_EQ(r.error_code(), "payload_too_large") << r.Describe();
  const Json user = {{"email", "big@shop.example"}, {"password", kPassword}, {"name", big}};
  for (const Headers& h : {JsonHeaders(Bearer(tenant_.api_key)), JsonHeaders({})}) {
    r = HttpRequest(port(), "POST", "/api/v1/users", user.dump(), h);
    EXPECT_EQ(r.status, 413) << r.Describe();
  }
  r = HttpRequest(port(), "POST", "/api/v1/api-keys", Json{{"name", big}}.dump(),
                  JsonHeaders(Bearer(tenant_.api_key)));
  EXPECT_EQ(r.status, 413) << r.Describe();
  // Nothing was created.
  r = HttpRequest(port(), "GET", "/api/v1/users", "", Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("big@shop.example"), std::string::npos);
  // Under the limit, the same server answers as usual.
  r = Login(port(), "ann@shop.example", kPassword);
  EXPECT_EQ(r.status, 200) << r.Describe();
}

}  // namespace
}  // namespace kefu::it
