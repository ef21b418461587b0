// The REST API as an integrator uses it: keys, conversations, messages,
// uploads.
#include <set>
#include <thread>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

// A complete 1x1 PNG (signature, IHDR, IDAT, IEND).
std::string TinyPng() {
  static const unsigned char kBytes[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
      0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
      0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78,
      0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00,
      0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(kBytes), sizeof(kBytes));
}

class RestTest : public ServerTest {
 protected:
  Headers Auth(const std::string& key = "") const {
    Headers h = Bearer(key.empty() ? tenant_.api_key : key);
    h.emplace_back("Content-Type", "application/json");
    return h;
  }
};

TEST_F(RestTest, ApiKeysCreateListUseRevoke) {
  HttpResponse r = HttpRequest(port(), "POST", "/api/v1/api-keys",
                               Json{{"name", "ci"}, {"role", "admin"}}.dump(), Auth());
  ASSERT_EQ(r.status, 201) << r.Describe();
  Json key = r.json();
  std::string secret = Str(key, "secret");
  int64_t id = Int(key, "id");
  ASSERT_FALSE(secret.empty()) << r.body;
  EXPECT_GT(id, 0) << r.body;
  EXPECT_EQ(Str(key, "name"), "ci") << r.body;
  EXPECT_EQ(Str(key, "role"), "admin") << r.body;
  EXPECT_FALSE(Str(key, "prefix").empty()) << r.body;
  EXPECT_EQ(secret.rfind(Str(key, "prefix"), 0), 0u) << "prefix is the secret's start: " << r.body;
  EXPECT_GE(secret.size(), 43u) << "256-bit secret: " << r.body;

  r = HttpRequest(port(), "GET", "/api/v1/api-keys", "", Auth());
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.body.find(secret), std::string::npos) << "the list shows a secret";
  EXPECT_EQ(r.body.find(tenant_.api_key), std::string::npos) << "the list shows a secret";
  Json keys = ListOf(r.json(), "api_keys");
  std::set<int64_t> ids;
  for (const Json& k : keys) {
    ids.insert(Int(k, "id"));
    EXPECT_FALSE(k.contains("secret")) << k.dump();
  }
  EXPECT_TRUE(ids.count(id)) << r.body;
  EXPECT_GE(keys.size(), 2u) << "the bootstrap key and the new one: " << r.body;

  r = HttpRequest(port(), "GET", "/api/v1/conversations", "", Bearer(secret));
  EXPECT_EQ(r.status, 200) << "the new key works: " << r.Describe();

  r = HttpRequest(port(), "DELETE", "/api/v1/api-keys/" + std::to_string(id), "", Auth());
  EXPECT_TRUE(r.status == 200 || r.status == 204) << r.Describe();
  r = HttpRequest(port(), "GET", "/api/v1/conversations", "", Bearer(secret));
  EXPECT_EQ(r.status, 401) << "a revoked key still works: " << r.Describe();
  EXPECT_EQ(r.error_code(), "unauthenticated") << r.Describe();
  r = HttpRequest(port(), "GET", "/api/v1/conversations", "", Auth());
  EXPECT_EQ(r.status, 200) << "the bootstrap key must survive: " << r.Describe();
  r = HttpRequest(port(), "DELETE", "/api/v1/api-keys/999999", "", Auth());
  EXPECT_EQ(r.status, 404) << r.Describe();
}

TEST_F(RestTest, AgentKeyCannotManageKeys) {
  HttpResponse r = HttpRequest(port(), "POST", "/api/v1/api-keys",
                               Json{{"name", "agent"}, {"role", "agent"}}.dump(), Auth());
  ASSERT_EQ(r.status, 201) << r.Describe();
  std::string agent = Str(r.json(), "secret");
  r = HttpRequest(port(), "POST", "/api/v1/api-keys",
                  Json{{"name", "sneaky"}, {"role", "admin"}}.dump(), Auth(agent));
  EXPECT_EQ(r.status, 403) << r.Describe();
  EXPECT_EQ(r.error_code(), "permission_denied") << r.Describe();
  r = HttpRequest(port(), "GET", "/api/v1/api-keys", "", Auth(agent));
  EXPECT_EQ(r.status, 403) << r.Describe();
  r = HttpRequest(port(), "GET", "/api/v1/conversations", "", Auth(agent));
  EXPECT_EQ(r.status, 200) << "any key reads conversations: " << r.Describe();
}

TEST_F(RestTest, PostMessageIsIdempotentOnClientId) {
  HttpResponse first = PostApiMessage(port(), tenant_.api_key, "ext-42", "api-1", "where is my order?");
  ASSERT_EQ(first.status, 201) << first.Describe();
  Json a = first.json();
  EXPECT_EQ(Int(a, "seq"), 1) << first.body;
  EXPECT_FALSE(Bool(a, "duplicate", true)) << first.body;
  EXPECT_GT(Int(a, "conversation_id"), 0) << first.body;
  EXPECT_GT(Int(a, "contact_id"), 0) << first.body;

  HttpResponse again = PostApiMessage(port(), tenant_.api_key, "ext-42", "api-1", "where is my order?");
  ASSERT_EQ(again.status, 200) << again.Describe();
  Json b = again.json();
  EXPECT_TRUE(Bool(b, "duplicate")) << again.body;
  EXPECT_EQ(Int(b, "seq"), Int(a, "seq")) << again.body;
  EXPECT_EQ(Int(b, "conversation_id"), Int(a, "conversation_id")) << again.body;
  EXPECT_EQ(Int(b, "contact_id"), Int(a, "contact_id")) << again.body;

  // The same contact continues the same conversation.
  HttpResponse next = PostApiMessage(port(), tenant_.api_key, "ext-42", "api-2", "thanks");
  ASSERT_EQ(next.status, 201) << next.Describe();
  EXPECT_EQ(Int(next.json(), "conversation_id"), Int(a, "conversation_id")) << next.body;

  // Replies are read with GET …/messages.
  int64_t conv = Int(a, "conversation_id");
  std::vector<Json> msgs;
  EXPECT_TRUE(Eventually([&] {
    msgs = FetchMessages(port(), tenant_.api_key, conv);
    return msgs.size() >= 4;
  }));
  EXPECT_EQ(msgs.size(), 4u) << Json(msgs).dump();
  EXPECT_EQ(CheckGapFree(msgs), "");
  int first_copies = 0;
  for (const Json& m : msgs) first_copies += Str(m, "client_id") == "api-1";
  EXPECT_EQ(first_copies, 1);
  std::set<std::string> bot;
  for (const Json& m : msgs) {
    if (Str(m, "sender") == "bot") bot.insert(Str(m, "text"));
  }
  EXPECT_TRUE(bot.count("echo: where is my order?")) << Json(msgs).dump();
  EXPECT_TRUE(bot.count("echo: thanks")) << Json(msgs).dump();
}

TEST_F(RestTest, ConversationsNewestFirstWithPaging) {
  constexpr int kConversations = 5;
  std::vector<int64_t> created;
  for (int i = 0; i < kConversations; ++i) {
    HttpResponse r = PostApiMessage(port(), tenant_.api_key, "page-" + std::to_string(i),
                                    "pg-" + std::to_string(i), "hello " + std::to_string(i));
    ASSERT_EQ(r.status, 201) << r.Describe();
    created.push_back(Int(r.json(), "conversation_id"));
    std::this_thread::sleep_for(5ms);  // distinct timestamps
  }
  // Let the echo replies land, so "newest" is stable while paging.
  std::this_thread::sleep_for(300ms);

  std::vector<int64_t> listed;
  std::string target = "/api/v1/conversations?limit=2";
  for (int page = 0; page < 10; ++page) {
    HttpResponse r = HttpRequest(port(), "GET", target, "", Bearer(tenant_.api_key));
    ASSERT_EQ(r.status, 200) << target << ": " << r.Describe();
    Json body = r.json();
    Json items = ListOf(body, "conversations");
    EXPECT_LE(items.size(), 2u) << "limit=2 ignored: " << r.body;
    for (const Json& c : items) listed.push_back(Int(c, "id"));
    Json next = body.is_object() && body.contains("next_before") ? body["next_before"] : Json();
    if (next.is_null() || items.empty()) break;
    target = "/api/v1/conversations?limit=2&before=" +
             (next.is_string() ? next.get<std::string>() : next.dump());
  }
  std::vector<int64_t> want(created.rbegin(), created.rend());
  EXPECT_EQ(listed, want) << "newest first, every conversation once";

  // One conversation by id.
  HttpResponse r = HttpRequest(port(), "GET", "/api/v1/conversations/" + std::to_string(created[0]),
                               "", Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200) << r.Describe();
  Json c = r.json();
  Json obj = c.is_object() && c.contains("conversation") ? c["conversation"] : c;
  EXPECT_EQ(Int(obj, "id"), created[0]) << r.body;
  EXPECT_EQ(Int(obj, "last_seq"), 2) << r.body;
  EXPECT_EQ(Str(obj, "status"), "bot") << r.body;

  r = HttpRequest(port(), "GET", "/api/v1/conversations?status=resolved", "",
                  Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_TRUE(ListOf(r.json(), "conversations").empty()) << r.body;
}

TEST_F(RestTest, MessagesAfterSeqAndLimit) {
  HttpResponse r = PostApiMessage(port(), tenant_.api_key, "seq", "s-1", "one");
  ASSERT_EQ(r.status, 201) << r.Describe();
  int64_t conv = Int(r.json(), "conversation_id");
  ASSERT_EQ(PostApiMessage(port(), tenant_.api_key, "seq", "s-2", "two").status, 201);
  ASSERT_TRUE(Eventually([&] { return FetchMessages(port(), tenant_.api_key, conv).size() >= 4; }));

  std::string base = "/api/v1/conversations/" + std::to_string(conv) + "/messages";
  r = HttpRequest(port(), "GET", base + "?after_seq=2", "", Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200) << r.Describe();
  Json items = ListOf(r.json(), "messages");
  ASSERT_EQ(items.size(), 2u) << r.body;
  EXPECT_EQ(Int(items[0], "seq"), 3);
  EXPECT_EQ(Int(items[1], "seq"), 4);

  r = HttpRequest(port(), "GET", base + "?after_seq=0&limit=1", "", Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200) << r.Describe();
  items = ListOf(r.json(), "messages");
  ASSERT_EQ(items.size(), 1u) << r.body;
  EXPECT_EQ(Int(items[0], "seq"), 1);
  EXPECT_EQ(Str(items[0], "text"), "one");
  EXPECT_EQ(Str(items[0], "sender"), "contact");
  EXPECT_EQ(Str(items[0], "client_id"), "s-1");

  r = HttpRequest(port(), "GET", base, "", Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(ListOf(r.json(), "messages").size(), 4u) << "no after_seq: from the start";
  r = HttpRequest(port(), "GET", base + "?after_seq=4", "", Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_TRUE(ListOf(r.json(), "messages").empty()) << r.body;
  r = HttpRequest(port(), "GET", base + "?after_seq=abc", "", Bearer(tenant_.api_key));
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_EQ(r.error_code(), "invalid_argument") << r.Describe();
}

TEST_F(RestTest, UploadsSniffTypeLimitSizeAndReturnTheBytes) {
  const std::string png = TinyPng();
  Headers h = Bearer(tenant_.api_key);
  h.emplace_back("Content-Type", "application/octet-stream");
  HttpResponse r = HttpRequest(port(), "POST", "/api/v1/uploads", png, h);
  ASSERT_EQ(r.status, 201) << r.Describe();
  Json up = r.json();
  Json obj = up.is_object() && up.contains("upload") ? up["upload"] : up;
  int64_t id = Int(obj, "id");
  EXPECT_GT(id, 0) << r.body;
  EXPECT_EQ(Str(obj, "content_type"), "image/png") << r.body;
  EXPECT_EQ(Int(obj, "size"), static_cast<int64_t>(png.size())) << r.body;

  r = HttpRequest(port(), "GET", "/api/v1/uploads/" + std::to_string(id), "",
                  Bearer(tenant_.api_key));
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.body, png) << "the bytes changed";
  EXPECT_EQ(r.header("Content-Type"), "image/png");

  // The client's Content-Type is not believed.
  Headers lie = Bearer(tenant_.api_key);
  lie.emplace_back("Content-Type", "image/png");
  r = HttpRequest(port(), "POST", "/api/v1/uploads", "just some text, not an image\n", lie);
  EXPECT_EQ(r.status, 415) << r.Describe();
  EXPECT_EQ(r.error_code(), "unsupported_media_type") << r.Describe();

  std::string huge = png + std::string(32u << 20, '\0');
  r = HttpRequest(port(), "POST", "/api/v1/uploads", huge, h, 30s);
  EXPECT_EQ(r.status, 413) << r.Describe();
  EXPECT_EQ(r.error_code(), "payload_too_large") << r.Describe();

  r = HttpRequest(port(), "POST", "/api/v1/uploads", png, {});
  EXPECT_EQ(r.status, 401) << "upload without credentials: " << r.Describe();
}

TEST_F(RestTest, WidgetUploadsWithContactHeadersAndSendsAnAttachment) {
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  Headers h = {{"X-Kefu-Public-Key", tenant_.public_key},
               {"X-Kefu-Contact-Token", s.contact_token}};
  HttpResponse r = HttpRequest(port(), "POST", "/api/v1/uploads", TinyPng(), h);
  ASSERT_EQ(r.status, 201) << r.Describe();
  Json up = r.json();
  Json obj = up.is_object() && up.contains("upload") ? up["upload"] : up;
  int64_t id = Int(obj, "id");
  ASSERT_GT(id, 0) << r.body;

  ASSERT_TRUE(s.ws->Send({{"type", "message"},
                          {"client_id", "att-1"},
                          {"text", ""},
                          {"attachments", Json::array({id})}}));
  std::optional<Json> ack = s.ws->WaitFor(IsAck("att-1"));
  ASSERT_TRUE(ack) << Json(s.ws->history()).dump();
  std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, s.conversation_id);
  ASSERT_FALSE(msgs.empty());
  Json atts = msgs[0].contains("attachments") ? msgs[0]["attachments"] : Json();
  ASSERT_TRUE(atts.is_array() && atts.size() == 1) << msgs[0].dump();
  // An upload id, or an object describing the upload.
  EXPECT_TRUE(atts[0] == Json(id) || Int(atts[0], "id") == id) << msgs[0].dump();

  Headers wrong = {{"X-Kefu-Public-Key", tenant_.public_key},
                   {"X-Kefu-Contact-Token", "ct_wrong"}};
  r = HttpRequest(port(), "POST", "/api/v1/uploads", TinyPng(), wrong);
  EXPECT_EQ(r.status, 401) << r.Describe();
}

}  // namespace
}  // namespace kefu::it
