#include "server/http_api.h"

#include "server/auth.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "conversation/views.h"
#include "core/crypto.h"
#include "core/csv.h"
#include "core/json.h"
#include "handoff/summary.h"
#include "server/async.h"
#include "server/uploads.h"
#include "stats/stats.h"

namespace kefu::server {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using conversation::ConversationView;
using conversation::MessageView;

struct HttpApi::Call {
  const Request& req;
  std::vector<std::string> params;
  std::map<std::string, std::string> query;
  std::string peer;  // the client's address, "" when unknown
  Principal principal = Principal::kAnonymous;
  int64_t tenant_id = 0;
  std::optional<store::ApiKey> key;
  std::optional<store::User> user;  // a signed-in user (session) instead of a key
  int64_t contact_id = 0;  // widget credentials
};

namespace {

Response JsonResponse(http::status status, const Json& body, const Request& req) {
  Response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = DumpJson(body);
  res.prepare_payload();
  return res;
}

Response Error(const Status& s, const Request& req) {
  return ErrorResponse(s, req.version(), req.keep_alive());
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
      } else {
        out += s[i];
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    size_t eq = kv.find('=');
    if (!kv.empty()) {
      out[PercentDecode(kv.substr(0, eq))] =
          eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool Match(std::string_view pattern, const std::vector<std::string_view>& path,
           std::vector<std::string>* params) {
  auto pat = Segments(pattern);
  if (pat.size() != path.size()) return false;
  std::vector<std::string> p;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] == "{}") {
      p.emplace_back(path[i]);
    } else if (pat[i] != path[i]) {
      return false;
    }
  }
  if (params) *params = std::move(p);
  return true;
}

// A string field of `j`, required, with 1..max_len bytes.
Result<std::string> RequiredString(const Json& j, const char* name, size_t max_len) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return Status::InvalidArgument(fmt::format("\"{}\" must be a string", name));
  }
  std::string v = it->get<std::string>();
  if (v.empty() || v.size() > max_len) {
    return Status::InvalidArgument(fmt::format("\"{}\" must have 1 to {} bytes", name, max_len));
  }
  return v;
}

std::string OptionalString(const Json& j, const char* name, std::string fallback = "") {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

Json UserView(const store::User& u) {
  return Json{{"id", u.id},       {"tenant_id", u.tenant_id}, {"email", u.email},
              {"name", u.name},   {"role", u.role},           {"created_at", u.created_at}};
}

Json AuditView(const store::AuditEntry& e) {
  Json detail = Json::parse(e.detail_json, nullptr, false);
  return Json{{"id", e.id},
              {"at", e.at},
              {"actor", {{"kind", e.actor_kind}, {"id", e.actor_id}}},
              {"action", e.action},
              {"target", e.target},
              {"detail", detail.is_object() ? detail : Json::object()}};
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// What a caller without credentials should send to a route allowing `a`.
std::string CredentialsFor(Allow a) {
  std::vector<std::string> ways;
  if (a & (allow::kAdminKey | allow::kSupervisorKey | allow::kAgentKey)) {
    ways.emplace_back("Authorization: Bearer <API key>");
  }
  if (a & allow::kUsers) {
    ways.emplace_back("a session (sign in: the kefu_session cookie or Authorization: Bearer ks_…)");
  }
  if (a & allow::kWidgetContact) ways.emplace_back("X-Kefu-Public-Key and X-Kefu-Contact-Token");
  return "no credentials: send " + Join(ways, ", or ");
}

// The audit row of an admin action by the caller (a key or a signed-in user).
store::NewAuditEntry AuditBy(int64_t tenant_id, const std::optional<store::ApiKey>& key,
                             const std::optional<store::User>& user, std::string action,
                             const Json& detail) {
  store::NewAuditEntry e;
  e.tenant_id = tenant_id;
  e.actor_kind = user ? "user" : "api_key";
  e.actor_id = user ? user->id : key ? key->id : 0;
  e.action = std::move(action);
  e.detail_json = DumpJson(detail);
  return e;
}

Json ApiKeyView(const store::ApiKey& k) {
  Json j{{"id", k.id}, {"name", k.name}, {"prefix", k.prefix},
         {"role", k.role}, {"created_at", k.created_at}};
  if (k.revoked_at) j["revoked_at"] = *k.revoked_at;
  return j;
}

}  // namespace

MintedApiKey MintApiKey(int64_t tenant_id, std::string name, std::string role) {
  constexpr size_t kPrefixLen = 10;  // "kf_" and 7 characters: enough to recognise a key
  std::string secret = crypto::RandomToken("kf_");
  store::NewApiKey key{tenant_id, std::move(name), secret.substr(0, kPrefixLen), std::move(role),
                       crypto::Sha256Hex(secret)};
  return {std::move(key), std::move(secret)};
}

Response ErrorResponse(const Status& s, unsigned version, bool keep_alive) {
  Response res{static_cast<http::status>(HttpStatusFor(s.code())), version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  if (s.code() == Code::kBusy) res.set(http::field::retry_after, "1");
  res.keep_alive(keep_alive);
  res.body() = DumpJson(Json{{"error", {{"code", CodeName(s.code())}, {"message", s.message()}}}});
  res.prepare_payload();
  return res;
}

// The one table of who may call what (docs/protocol.md, "Who may call
// what", lists it for people; GET /api/v1/routes for programs).
const std::vector<HttpApi::Route>& HttpApi::Routes() {
  using V = http::verb;
  namespace a = allow;
  static const std::vector<Route> routes = {
      {V::get, "/healthz", a::kAnyone, &HttpApi::Healthz},
      {V::get, "/readyz", a::kAnyone, &HttpApi::Readyz},
      {V::get, "/metrics", a::kAnyone, &HttpApi::Metrics},
      // Only with --enable-fault-injection (tests); 404 otherwise.
      {V::post, "/debug/faults", a::kAnyone, &HttpApi::DebugFaults},
      // The bootstrap token in the body is its credential.
      {V::post, "/api/v1/bootstrap", a::kAnyone, &HttpApi::Bootstrap},
      {V::get, "/api/v1/routes", a::kAnyone, &HttpApi::ListRoutes},
      {V::post, "/api/v1/api-keys", a::kAdmins, &HttpApi::CreateApiKey},
      {V::get, "/api/v1/api-keys", a::kAdmins, &HttpApi::ListApiKeys},
      {V::delete_, "/api/v1/api-keys/{}", a::kAdmins, &HttpApi::RevokeApiKey},
      {V::get, "/api/v1/conversations", a::kStaff, &HttpApi::ListConversations},
      {V::get, "/api/v1/conversations/{}", a::kStaff, &HttpApi::GetConversation},
      {V::get, "/api/v1/conversations/{}/messages", a::kStaff, &HttpApi::ListMessages},
      {V::post, "/api/v1/messages", a::kStaff, &HttpApi::PostMessage},
      {V::post, "/api/v1/uploads", a::kStaff | a::kWidgetContact, &HttpApi::CreateUpload},
      {V::get, "/api/v1/uploads/{}", a::kStaff | a::kWidgetContact, &HttpApi::GetUpload},
      {V::post, "/api/v1/login", a::kAnyone, &HttpApi::Login},
      {V::post, "/api/v1/logout", a::kUsers, &HttpApi::Logout},
      {V::get, "/api/v1/me", a::kUsers, &HttpApi::Me},
      {V::post, "/api/v1/users", a::kAdmins, &HttpApi::CreateUser},
      {V::get, "/api/v1/users", a::kSupervisors, &HttpApi::ListUsers},
      {V::get, "/api/v1/bot", a::kStaff, &HttpApi::GetBot},
      {V::post, "/api/v1/bot/reload", a::kAdmins, &HttpApi::ReloadBot},
      {V::get, "/api/v1/audit-log", a::kAdmins, &HttpApi::ListAuditLog},
      {V::get, "/api/v1/canned-responses", a::kStaff, &HttpApi::ListCanned},
      {V::post, "/api/v1/canned-responses", a::kSupervisors, &HttpApi::CreateCanned},
      {V::put, "/api/v1/canned-responses/{}", a::kSupervisors, &HttpApi::UpdateCanned},
      {V::delete_, "/api/v1/canned-responses/{}", a::kSupervisors, &HttpApi::DeleteCanned},
      {V::get, "/api/v1/faq", a::kStaff, &HttpApi::ListFaq},
      {V::put, "/api/v1/faq/{}", a::kSupervisors, &HttpApi::EditFaq},
      {V::post, "/api/v1/faq/import", a::kSupervisors, &HttpApi::ImportFaq},
      {V::get, "/api/v1/kb/search", a::kStaff, &HttpApi::SearchKnowledge},
      // The numbers are for whoever runs the service, not for each agent.
      {V::get, "/api/v1/stats", a::kSupervisors, &HttpApi::GetStats},
      // Internal notes: staff read them; a signed-in person writes them.
      {V::get, "/api/v1/conversations/{}/notes", a::kStaff, &HttpApi::ListNotes},
      {V::post, "/api/v1/conversations/{}/notes", a::kUsers, &HttpApi::AddNote},
      // The customer panel: the contact and its conversations on every channel.
      {V::get, "/api/v1/contacts/{}/conversations", a::kStaff, &HttpApi::ContactConversations},
      // The supervisor's view: the line, the agents, the live chats.
      {V::get, "/api/v1/monitor", a::kSupervisors, &HttpApi::GetMonitor},
      {V::get, "/api/v1/queues", a::kStaff, &HttpApi::GetQueues},
      {V::put, "/api/v1/queues", a::kSupervisors, &HttpApi::PutQueues},
      {V::get, "/api/v1/takeover", a::kStaff, &HttpApi::GetTakeover},
      {V::put, "/api/v1/takeover", a::kSupervisors, &HttpApi::PutTakeover},
      {V::get, "/api/v1/contacts/{}", a::kStaff, &HttpApi::GetContact},
      {V::patch, "/api/v1/contacts/{}", a::kStaff, &HttpApi::PatchContact},
      {V::get, "/api/v1/users/{}/routing", a::kSupervisors, &HttpApi::GetUserRouting},
      {V::put, "/api/v1/users/{}/routing", a::kAdmins, &HttpApi::PutUserRouting},
  };
  return routes;
}

std::vector<RouteInfo> HttpApi::RouteTable() {
  std::vector<RouteInfo> out;
  for (const Route& r : Routes()) {
    out.push_back({std::string(http::to_string(r.method)), std::string(r.pattern), r.allow});
  }
  return out;
}

size_t HttpApi::BodyLimit(std::string_view target) const {
  if (target.starts_with("/api/v1/uploads")) return ctx_.limits.max_upload;
  return ctx_.limits.max_body;
}

Status HttpApi::Identify(Call& c) {
  constexpr std::string_view kBearer = "Bearer ";
  auto authz = c.req[http::field::authorization];
  const bool session_bearer =
      authz.starts_with(kBearer) && authz.substr(kBearer.size()).starts_with(kSessionPrefix);
  if (!authz.empty() && !session_bearer) {
    if (!authz.starts_with(kBearer)) {
      return Status::Unauthenticated(
          "the Authorization header must be \"Bearer <API key or ks_ session token>\"");
    }
    auto key = ctx_.store->FindApiKeyBySecretHash(crypto::Sha256Hex(authz.substr(kBearer.size())));
    if (!key.ok()) {
      if (key.status().code() == Code::kNotFound) {
        return Status::Unauthenticated("API key not recognised (wrong or revoked)");
      }
      return key.status();
    }
    auto principal = KeyPrincipal(key->role);
    if (!principal) {
      return Status::PermissionDenied(fmt::format(
          "API key {} has the role \"{}\", which kefu does not know", key->prefix, key->role));
    }
    c.principal = *principal;
    c.tenant_id = key->tenant_id;
    c.key = std::move(*key);
    return Status::Ok();
  }
  // Widget headers come before the session cookie: a customer's widget on
  // the same site as the console sends them on purpose, the cookie rides along.
  auto pk = c.req["X-Kefu-Public-Key"];
  auto token = c.req["X-Kefu-Contact-Token"];
  if (authz.empty() && (!pk.empty() || !token.empty())) {
    if (pk.empty() || token.empty()) {
      return Status::Unauthenticated("send both X-Kefu-Public-Key and X-Kefu-Contact-Token");
    }
    auto tenant = ctx_.store->FindTenantByPublicKey(std::string(pk));
    if (!tenant.ok()) return Status::UnknownTenant("no tenant has this public key");
    auto contact = ctx_.store->FindContactByTokenHash(tenant->id, crypto::Sha256Hex(token));
    if (!contact.ok()) return Status::Unauthenticated("contact token not recognised");
    c.principal = Principal::kWidgetContact;
    c.tenant_id = tenant->id;
    c.contact_id = contact->id;
    return Status::Ok();
  }
  if (session_bearer || !SessionToken(c.req).empty()) {
    auto user = SessionUser(c.req, ctx_);
    if (!user.ok()) return user.status();
    auto principal = UserPrincipal(user->role);
    if (!principal) {
      return Status::PermissionDenied(fmt::format(
          "user {} has the role \"{}\", which kefu does not know", user->id, user->role));
    }
    c.principal = *principal;
    c.tenant_id = user->tenant_id;
    c.user = std::move(*user);
    return Status::Ok();
  }
  c.principal = Principal::kAnonymous;
  return Status::Ok();
}

Status HttpApi::Authenticate(const Route& route, Call& c) {
  if (Allows(route.allow, Principal::kAnonymous)) return Status::Ok();
  if (Status s = Identify(c); !s.ok()) return s;
  if (c.principal == Principal::kAnonymous) {
    return Status::Unauthenticated(CredentialsFor(route.allow));
  }
  if (!Allows(route.allow, c.principal)) {
    std::string_view target = c.req.target();
    return Status::PermissionDenied(
        fmt::format("{} {} is for {}; the caller is {}", std::string(c.req.method_string()),
                    std::string(target.substr(0, target.find('?'))),
                    Join(AllowNames(route.allow), ", "), PrincipalName(c.principal)));
  }
  return Status::Ok();
}

asio::awaitable<Response> HttpApi::Handle(const Request& req, std::string_view peer) {
  std::string_view target = req.target();
  size_t qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  auto segments = Segments(path);
  bool path_known = false;
  for (const Route& r : Routes()) {
    std::vector<std::string> params;
    if (!Match(r.pattern, segments, &params)) continue;
    path_known = true;
    if (r.method != req.method()) continue;
    Call call{req, std::move(params),
              ParseQuery(qpos == std::string_view::npos ? "" : target.substr(qpos + 1)),
              std::string(peer)};
    if (Status s = Authenticate(r, call); !s.ok()) co_return Error(s, req);
    try {
      co_return co_await (this->*r.handler)(call);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", std::string(req.method_string()), std::string(path), e.what());
      co_return Error(Status::Internal("unexpected error"), req);
    }
  }
  if (path_known) {
    Response res = JsonResponse(
        http::status::method_not_allowed,
        Json{{"error", {{"code", "method_not_allowed"},
                        {"message", fmt::format("{} is not allowed on {}",
                                                std::string(req.method_string()),
                                                std::string(path))}}}},
        req);
    co_return res;
  }
  // The agent console: a single-page app, so any path under /console/
  // that is not a file is its index.html.
  if (req.method() == http::verb::get && !ctx_.console_dir.empty() &&
      (path == "/console" || path.starts_with("/console/"))) {
    if (path == "/console") {
      Response res{http::status::moved_permanently, req.version()};
      res.set(http::field::location, "/console/");
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_return res;
    }
    Response file = StaticFile(req, ctx_.console_dir, "/console");
    if (file.result() == http::status::not_found) {
      Request index = req;
      index.target("/console/");
      file = StaticFile(index, ctx_.console_dir, "/console");
    }
    co_return file;
  }
  if (req.method() == http::verb::get && !ctx_.static_dir.empty() &&
      !path.starts_with("/api/")) {
    co_return StaticFile(req, ctx_.static_dir, "");
  }
  co_return Error(Status::NotFound(fmt::format("no route for {}", std::string(path))), req);
}

// ---- operations --------------------------------------------------------------

asio::awaitable<Response> HttpApi::Healthz(Call& c) {
  co_return JsonResponse(http::status::ok, Json{{"status", "ok"}}, c.req);
}

asio::awaitable<Response> HttpApi::Readyz(Call& c) {
  if (ctx_.draining) co_return Error(Status::Unavailable("shutting down"), c.req);
  if (auto n = ctx_.store->CountTenants(); !n.ok()) co_return Error(n.status(), c.req);
  size_t depth = ctx_.store->QueueDepth();
  if (depth * 10 >= ctx_.store_max_queue * 9) {
    co_return Error(Status::Busy(fmt::format("store queue at {} of {}", depth,
                                             ctx_.store_max_queue)),
                    c.req);
  }
  co_return JsonResponse(http::status::ok, Json{{"status", "ready"}, {"store_queue", depth}},
                         c.req);
}

asio::awaitable<Response> HttpApi::Metrics(Call& c) {
  Response res{http::status::ok, c.req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.keep_alive(c.req.keep_alive());
  res.body() = ctx_.metrics->Render();
  res.prepare_payload();
  co_return res;
}

asio::awaitable<Response> HttpApi::DebugFaults(Call& c) {
  if (!ctx_.faults) co_return Error(Status::NotFound("no route for /debug/faults"), c.req);
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  for (const char* name : {"fail_writes", "fail_syncs"}) {
    if (auto it = body->find(name); it != body->end() && !it->is_boolean()) {
      co_return Error(Status::InvalidArgument(fmt::format("\"{}\" must be true or false", name)),
                      c.req);
    }
  }
  if (auto it = body->find("fail_writes"); it != body->end()) {
    ctx_.faults->fail_writes = it->get<bool>();
  }
  if (auto it = body->find("fail_syncs"); it != body->end()) {
    ctx_.faults->fail_syncs = it->get<bool>();
  }
  spdlog::warn("fault injection: fail_writes={} fail_syncs={}", ctx_.faults->fail_writes.load(),
               ctx_.faults->fail_syncs.load());
  co_return JsonResponse(http::status::ok,
                         Json{{"fail_writes", ctx_.faults->fail_writes.load()},
                              {"fail_syncs", ctx_.faults->fail_syncs.load()}},
                         c.req);
}

// ---- tenants and keys --------------------------------------------------------

asio::awaitable<Response> HttpApi::Bootstrap(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto token = RequiredString(*body, "token", 200);
  if (!token.ok()) co_return Error(token.status(), c.req);
  auto tenants = ctx_.store->CountTenants();
  if (!tenants.ok()) co_return Error(tenants.status(), c.req);
  if (*tenants > 0) co_return Error(Status::AlreadyExists("kefu is already bootstrapped"), c.req);
  auto expected = ctx_.store->GetSetting("bootstrap_token_sha256");
  if (!expected.ok() || !crypto::ConstantTimeEquals(*expected, crypto::Sha256Hex(*token))) {
    co_return Error(Status::Unauthenticated("wrong bootstrap token"), c.req);
  }
  auto tenant_name = RequiredString(*body, "tenant_name", 200);
  auto email = RequiredString(*body, "admin_email", 320);
  auto password = RequiredString(*body, "admin_password", 1024);
  for (const Status& s : {tenant_name.status(), email.status(), password.status()}) {
    if (!s.ok()) co_return Error(s, c.req);
  }
  if (password->size() < 8) {
    co_return Error(Status::InvalidArgument("\"admin_password\" needs at least 8 characters"),
                    c.req);
  }
  std::string pw = *password;
  auto hash_password = [this, pw](auto cb) { jobs_.Post([pw, cb] { cb(crypto::HashPassword(pw)); }); };
  auto hash = co_await AwaitResult<std::string>(std::move(hash_password));
  if (!hash.ok()) co_return Error(hash.status(), c.req);

  store::NewTenant t{*tenant_name, crypto::RandomToken("pk_"),
                     OptionalString(*body, "default_language", "zh-CN")};
  store::NewUser admin{0, *email, "Admin", "admin", *hash};
  auto [key, secret] = MintApiKey(0, "bootstrap", "admin");
  auto bootstrap = [&](auto cb) {
    ctx_.store->Bootstrap(std::move(t), std::move(admin), std::move(key), cb);
  };
  auto r = co_await AwaitResult<store::BootstrapResult>(std::move(bootstrap));
  if (!r.ok()) co_return Error(r.status(), c.req);
  spdlog::info("bootstrapped tenant={} admin={}", r->tenant.id, r->admin.email);
  co_return JsonResponse(
      http::status::created,
      Json{{"tenant",
            {{"id", r->tenant.id},
             {"name", r->tenant.name},
             {"public_key", r->tenant.public_key},
             {"default_language", r->tenant.default_language}}},
           {"admin", {{"id", r->admin.id}, {"email", r->admin.email}}},
           {"api_key", {{"id", r->api_key.id}, {"prefix", r->api_key.prefix}, {"secret", secret}}}},
      c.req);
}

asio::awaitable<Response> HttpApi::CreateApiKey(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto name = RequiredString(*body, "name", 200);
  if (!name.ok()) co_return Error(name.status(), c.req);
  std::string role = OptionalString(*body, "role", "agent");
  if (role != "admin" && role != "supervisor" && role != "agent") {
    co_return Error(Status::InvalidArgument("\"role\" must be admin, supervisor or agent"), c.req);
  }
  auto [key, secret] = MintApiKey(c.tenant_id, *name, role);
  key.audit = AuditBy(c.tenant_id, c.key, c.user, "api_key.create",
                      Json{{"name", key.name}, {"role", key.role}, {"prefix", key.prefix}});
  auto create_key = [&](auto cb) { ctx_.store->CreateApiKey(std::move(key), cb); };
  auto r = co_await AwaitResult<store::ApiKey>(std::move(create_key));
  if (!r.ok()) co_return Error(r.status(), c.req);
  Json j = ApiKeyView(*r);
  j["secret"] = secret;
  co_return JsonResponse(http::status::created, j, c.req);
}

asio::awaitable<Response> HttpApi::ListApiKeys(Call& c) {
  auto keys = ctx_.store->ListApiKeys(c.tenant_id);
  if (!keys.ok()) co_return Error(keys.status(), c.req);
  Json list = Json::array();
  for (const auto& k : *keys) list.push_back(ApiKeyView(k));
  co_return JsonResponse(http::status::ok, Json{{"api_keys", list}}, c.req);
}

asio::awaitable<Response> HttpApi::RevokeApiKey(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id) co_return Error(Status::InvalidArgument("key id must be an integer"), c.req);
  auto revoke = [&](auto cb) {
    ctx_.store->RevokeApiKey(c.tenant_id, *id,
                             AuditBy(c.tenant_id, c.key, c.user, "api_key.revoke", Json::object()),
                             cb);
  };
  Status s = co_await AwaitStatus(std::move(revoke));
  if (!s.ok()) co_return Error(s, c.req);
  co_return JsonResponse(http::status::ok, Json{{"revoked", *id}}, c.req);
}

// ---- conversations -----------------------------------------------------------

asio::awaitable<Response> HttpApi::ListConversations(Call& c) {
  store::ConversationQuery q;
  if (auto it = c.query.find("status"); it != c.query.end() && !it->second.empty()) {
    q.status = it->second;
  }
  if (auto it = c.query.find("limit"); it != c.query.end()) {
    auto v = ParseInt(it->second);
    if (!v || *v < 1 || *v > 200) {
      co_return Error(Status::InvalidArgument("limit must be 1..200"), c.req);
    }
    q.limit = static_cast<int>(*v);
  }
  if (auto it = c.query.find("before"); it != c.query.end()) {
    auto v = ParseInt(it->second);
    if (!v || *v < 0) co_return Error(Status::InvalidArgument("before must be an id"), c.req);
    q.before_id = *v;
  }
  auto list = ctx_.store->ListConversations(c.tenant_id, q);
  if (!list.ok()) co_return Error(list.status(), c.req);
  Json out = Json::array();
  for (const auto& conv : *list) out.push_back(ConversationView(conv));
  Json next = nullptr;
  if (static_cast<int>(list->size()) == q.limit) next = list->back().id;
  co_return JsonResponse(http::status::ok, Json{{"conversations", out}, {"next_before", next}},
                         c.req);
}

asio::awaitable<Response> HttpApi::GetConversation(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id) co_return Error(Status::NotFound("no such conversation"), c.req);
  auto conv = ctx_.store->GetConversation(c.tenant_id, *id);
  if (!conv.ok()) co_return Error(conv.status(), c.req);
  co_return JsonResponse(http::status::ok, ConversationView(*conv), c.req);
}

asio::awaitable<Response> HttpApi::ListMessages(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id) co_return Error(Status::NotFound("no such conversation"), c.req);
  int64_t after = 0;
  int limit = 200;
  if (auto it = c.query.find("after_seq"); it != c.query.end()) {
    auto v = ParseInt(it->second);
    if (!v || *v < 0) co_return Error(Status::InvalidArgument("after_seq must be >= 0"), c.req);
    after = *v;
  }
  if (auto it = c.query.find("limit"); it != c.query.end()) {
    auto v = ParseInt(it->second);
    if (!v || *v < 1 || *v > 1000) {
      co_return Error(Status::InvalidArgument("limit must be 1..1000"), c.req);
    }
    limit = static_cast<int>(*v);
  }
  auto conv = ctx_.store->GetConversation(c.tenant_id, *id);
  if (!conv.ok()) co_return Error(conv.status(), c.req);
  auto msgs = ctx_.store->ReadMessages(c.tenant_id, *id, after, limit);
  if (!msgs.ok()) co_return Error(msgs.status(), c.req);
  Json out = Json::array();
  for (const auto& m : *msgs) out.push_back(MessageView(m, conversation::Audience::kStaff));
  co_return JsonResponse(http::status::ok,
                         Json{{"conversation", *id}, {"last_seq", conv->last_seq},
                              {"messages", out}},
                         c.req);
}

asio::awaitable<Response> HttpApi::PostMessage(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto contact_it = body->find("contact");
  if (contact_it == body->end() || !contact_it->is_object()) {
    co_return Error(Status::InvalidArgument("\"contact\" must be an object with \"external_id\""),
                    c.req);
  }
  auto external_id = RequiredString(*contact_it, "external_id", 128);
  auto client_id = RequiredString(*body, "client_id", 64);
  auto text = RequiredString(*body, "text", 4 * ctx_.limits.max_text_chars);
  for (const Status& s : {external_id.status(), client_id.status(), text.status()}) {
    if (!s.ok()) co_return Error(s, c.req);
  }
  if (ctx_.draining) co_return Error(Status::Unavailable("shutting down"), c.req);

  store::NewContact nc{c.tenant_id, *external_id, OptionalString(*contact_it, "name"),
                       OptionalString(*contact_it, "language"), ""};
  auto create_contact = [&](auto cb) { ctx_.store->CreateContact(std::move(nc), cb); };
  auto contact = co_await AwaitResult<store::Contact>(std::move(create_contact));
  if (!contact.ok()) co_return Error(contact.status(), c.req);
  auto open_conversation = [&](auto cb) {
    ctx_.conversations->OpenConversation(c.tenant_id, contact->id, "api", contact->language, cb);
  };
  auto opened = co_await AwaitResult<conversation::OpenedConversation>(std::move(open_conversation));
  if (!opened.ok()) co_return Error(opened.status(), c.req);
  const store::Conversation* conv = &opened->conversation;

  conversation::Inbound in;
  in.tenant_id = c.tenant_id;
  in.conversation_id = conv->id;
  in.contact_id = contact->id;
  in.client_id = *client_id;
  in.text = *text;
  in.bot_mode = conv->status == "bot";
  auto receive = [&](auto cb) { ctx_.conversations->Receive(std::move(in), cb); };
  auto r = co_await AwaitResult<store::AppendResult>(std::move(receive));
  if (!r.ok()) co_return Error(r.status(), c.req);
  co_return JsonResponse(r->duplicate ? http::status::ok : http::status::created,
                         Json{{"conversation_id", conv->id},
                              {"contact_id", contact->id},
                              {"seq", r->seq},
                              {"duplicate", r->duplicate}},
                         c.req);
}

// ---- internal notes, the customer panel, the supervisor's view ----------------

namespace {

// The name staff know a user by ("" for an unknown id).
std::string UserName(store::Store& store, int64_t tenant_id, int64_t user_id,
                     std::map<int64_t, std::string>* cache) {
  auto [it, fresh] = cache->try_emplace(user_id);
  if (fresh) {
    if (auto u = store.GetUser(tenant_id, user_id); u.ok()) {
      it->second = u->name.empty() ? u->email : u->name;
    }
  }
  return it->second;
}

// The conversation's newest message as a one-line preview, or null.
Json LastMessage(store::Store& store, const store::Conversation& conv) {
  if (conv.last_seq <= 0) return nullptr;
  auto msgs = store.ReadMessages(conv.tenant_id, conv.id, conv.last_seq - 1, 1);
  if (!msgs.ok() || msgs->empty()) return nullptr;
  const store::Message& m = msgs->front();
  return Json{{"seq", m.seq},
              {"sender", store::SenderName(m.sender)},
              {"text", m.text},
              {"created_at", m.created_at}};
}

}  // namespace

asio::awaitable<Response> HttpApi::ListNotes(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id) co_return Error(Status::NotFound("no such conversation"), c.req);
  auto conv = ctx_.store->GetConversation(c.tenant_id, *id);
  if (!conv.ok()) co_return Error(conv.status(), c.req);
  auto notes = ctx_.store->ListNotes(c.tenant_id, *id, 1000);
  if (!notes.ok()) co_return Error(notes.status(), c.req);
  std::map<int64_t, std::string> names;
  Json out = Json::array();
  for (const store::Note& n : *notes) {
    out.push_back(conversation::NoteView(n, UserName(*ctx_.store, c.tenant_id, n.author_id, &names)));
  }
  co_return JsonResponse(http::status::ok, Json{{"conversation", *id}, {"notes", out}}, c.req);
}

asio::awaitable<Response> HttpApi::AddNote(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id) co_return Error(Status::NotFound("no such conversation"), c.req);
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto text = conversation::NoteText(*body);
  if (!text.ok()) co_return Error(text.status(), c.req);
  store::NewNote n{c.tenant_id, *id, c.user->id, std::move(*text)};
  auto add = [&](auto cb) { ctx_.store->AddNote(std::move(n), cb); };
  auto note = co_await AwaitResult<store::Note>(std::move(add));
  if (!note.ok()) co_return Error(note.status(), c.req);
  const std::string author = c.user->name.empty() ? c.user->email : c.user->name;
  Json view = conversation::NoteView(*note, author);
  ctx_.bus->Publish(bus::Event{bus::kNoteCreated, note->tenant_id, note->conversation_id, nullptr,
                               DumpJson(view), 0});
  co_return JsonResponse(http::status::created, Json{{"note", std::move(view)}}, c.req);
}

asio::awaitable<Response> HttpApi::ContactConversations(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id) co_return Error(Status::NotFound("no such contact"), c.req);
  auto contact = ctx_.store->GetContact(c.tenant_id, *id);
  if (!contact.ok()) co_return Error(contact.status(), c.req);
  store::ConversationQuery q;
  q.contact_id = *id;
  q.limit = 50;
  auto list = ctx_.store->ListConversations(c.tenant_id, q);
  if (!list.ok()) co_return Error(list.status(), c.req);
  Json out = Json::array();
  for (const store::Conversation& conv : *list) {
    Json j = ConversationView(conv);
    j["last_message"] = LastMessage(*ctx_.store, conv);
    out.push_back(std::move(j));
  }
  Json profile = conversation::ContactView(*contact);  // with its attributes and tier
  co_return JsonResponse(http::status::ok,
                         Json{{"contact", std::move(profile)}, {"conversations", std::move(out)}},
                         c.req);
}

asio::awaitable<Response> HttpApi::GetMonitor(Call& c) {
  const int64_t now = ctx_.clock->NowMillis();
  const handoff::HandoffService::Snapshot snap = ctx_.handoff->SnapshotOf(c.tenant_id);
  std::map<int64_t, std::string> names;
  Json waiting = Json::array();
  int position = 0;
  for (const handoff::Waiting& w : snap.waiting) {
    ++position;
    auto conv = ctx_.store->GetConversation(c.tenant_id, w.conversation_id);
    if (!conv.ok()) continue;
    // Why the bot handed it over: from its last turns, as the agent's summary says.
    constexpr int kLookBack = 20;
    std::string reason = conv->handoff_reason;
    auto recent = ctx_.store->ReadMessages(
        c.tenant_id, conv->id, std::max<int64_t>(0, conv->last_seq - kLookBack), kLookBack);
    if (recent.ok()) {
      const Json summary = handoff::HandoffSummary(*conv, *recent);
      if (summary.contains("reason") && summary["reason"].is_string()) {
        reason = summary["reason"].get<std::string>();
      }
    }
    waiting.push_back(Json{{"conversation", w.conversation_id},
                           {"position", position},
                           {"since", w.since_ms},
                           {"waited_s", std::max<int64_t>(0, now - w.since_ms) / 1000},
                           {"reason", reason},
                           {"language", conv->language},
                           {"contact_id", conv->contact_id},
                           {"last_message", LastMessage(*ctx_.store, *conv)}});
  }
  std::map<int64_t, handoff::AgentLoad> loads;
  for (const handoff::AgentLoad& a : snap.agents) loads[a.agent_id] = a;
  Json agents = Json::array();
  auto users = ctx_.store->ListUsers(c.tenant_id);
  if (!users.ok()) co_return Error(users.status(), c.req);
  for (const store::User& u : *users) {
    names[u.id] = u.name.empty() ? u.email : u.name;
    auto l = loads.find(u.id);
    const handoff::AgentLoad load = l == loads.end() ? handoff::AgentLoad{u.id} : l->second;
    agents.push_back(Json{{"id", u.id},
                          {"name", u.name},
                          {"email", u.email},
                          {"role", u.role},
                          {"presence", handoff::PresenceName(load.presence)},
                          {"chats", load.active},
                          {"pending", load.pending},
                          {"capacity", load.capacity}});
  }
  Json chats = Json::array();
  for (const char* status : {"assigned", "pending"}) {
    store::ConversationQuery q;
    q.status = status;
    q.limit = 200;
    auto list = ctx_.store->ListConversations(c.tenant_id, q);
    if (!list.ok()) co_return Error(list.status(), c.req);
    for (const store::Conversation& conv : *list) {
      Json j{{"conversation", conv.id},
             {"status", conv.status},
             {"contact_id", conv.contact_id},
             {"assignee_id", conv.assignee_id ? Json(*conv.assignee_id) : Json(nullptr)},
             {"assignee", conv.assignee_id
                              ? UserName(*ctx_.store, c.tenant_id, *conv.assignee_id, &names)
                              : std::string()},
             {"language", conv.language},
             {"updated_at", conv.updated_at},
             {"last_message", LastMessage(*ctx_.store, conv)}};
      chats.push_back(std::move(j));
    }
  }
  std::sort(chats.begin(), chats.end(), [](const Json& a, const Json& b) {
    return a["conversation"].get<int64_t>() > b["conversation"].get<int64_t>();
  });
  co_return JsonResponse(http::status::ok,
                         Json{{"waiting", std::move(waiting)},
                              {"agents", std::move(agents)},
                              {"chats", std::move(chats)},
                              {"server_time", now}},
                         c.req);
}

// ---- uploads -----------------------------------------------------------------

asio::awaitable<Response> HttpApi::CreateUpload(Call& c) {
  const std::string& bytes = c.req.body();
  if (bytes.empty()) co_return Error(Status::InvalidArgument("empty upload"), c.req);
  std::string type = SniffContentType(bytes);
  if (type.empty()) {
    co_return Error(Status::UnsupportedMediaType(
                        "only PNG, JPEG, GIF, WebP images and PDF documents are accepted"),
                    c.req);
  }
  auto saved = SaveUpload(ctx_.data_dir, bytes);
  if (!saved.ok()) co_return Error(saved.status(), c.req);
  store::NewUpload nu{c.tenant_id,          saved->sha256, type, static_cast<int64_t>(bytes.size()),
                      saved->relative_path, c.contact_id};
  auto create_upload = [&](auto cb) { ctx_.store->CreateUpload(std::move(nu), cb); };
  auto up = co_await AwaitResult<store::Upload>(std::move(create_upload));
  if (!up.ok()) co_return Error(up.status(), c.req);
  co_return JsonResponse(http::status::created,
                         Json{{"id", up->id},
                              {"content_type", up->content_type},
                              {"size", up->size},
                              {"sha256", up->sha256}},
                         c.req);
}

asio::awaitable<Response> HttpApi::GetUpload(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id) co_return Error(Status::NotFound("no such upload"), c.req);
  auto up = ctx_.store->GetUpload(c.tenant_id, *id);
  if (!up.ok()) co_return Error(up.status(), c.req);
  // A customer sees its own uploads only, never another customer's.
  if (c.principal == Principal::kWidgetContact && up->contact_id != c.contact_id) {
    co_return Error(Status::NotFound("upload not found"), c.req);
  }
  auto bytes = ReadUpload(ctx_.data_dir, up->path);
  if (!bytes.ok()) co_return Error(bytes.status(), c.req);
  Response res{http::status::ok, c.req.version()};
  res.set(http::field::content_type, up->content_type);
  res.set("X-Content-Type-Options", "nosniff");
  res.set(http::field::content_disposition, "inline");
  res.keep_alive(c.req.keep_alive());
  res.body() = std::move(*bytes);
  res.prepare_payload();
  co_return res;
}

// ---- static files ------------------------------------------------------------

Response HttpApi::StaticFile(const Request& req, const std::string& root,
                             std::string_view prefix) {
  std::string_view target = req.target();
  std::string path(target.substr(prefix.size(), target.find('?') - prefix.size()));
  if (path.empty() || path.back() == '/') path += "index.html";
  if (path.find("..") != std::string::npos) {
    return Error(Status::NotFound("no such file"), req);
  }
  fs::path file = fs::path(root) / path.substr(1);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error(Status::NotFound("no such file"), req);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".json", "application/json"},
      {".ico", "image/x-icon"},              {".woff2", "font/woff2"},
      {".map", "application/json"},          {".webp", "image/webp"}};
  auto type = kTypes.find(file.extension().string());
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type,
          type == kTypes.end() ? "application/octet-stream" : type->second);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

asio::awaitable<Response> HttpApi::GetBot(Call& c) {
  if (ctx_.responder == nullptr) co_return JsonResponse(http::status::ok, Json{{"kind", "none"}}, c.req);
  co_return JsonResponse(http::status::ok, ctx_.responder->Describe(), c.req);
}

// Loads the bot package again. Training takes seconds: it runs on the jobs
// thread, and an invalid package leaves the running bot in place; its
// problems come back one `file:line: what` per entry of "problems".
asio::awaitable<Response> HttpApi::ReloadBot(Call& c) {
  if (ctx_.responder == nullptr) {
    co_return Error(Status::NotFound("this server runs no bot to reload"), c.req);
  }
  conversation::Responder* responder = ctx_.responder;
  auto reload = [this, responder](auto cb) { jobs_.Post([responder, cb] { cb(responder->Reload()); }); };
  auto r = co_await AwaitResult<Json>(std::move(reload));
  if (!r.ok()) {
    // "N problem(s) in bot package DIR:" then one line per problem.
    Json problems = Json::array();
    const std::string message = r.status().message();
    std::string_view rest = message;
    for (bool first = true; !rest.empty(); first = false) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (first && !rest.empty()) continue;
      if (!line.empty()) problems.push_back(std::string(line));
    }
    Response res = Error(r.status(), c.req);
    Json body = Json::parse(res.body(), nullptr, false);
    if (body.is_object()) {
      body["error"]["problems"] = std::move(problems);
      res.body() = DumpJson(body);
      res.prepare_payload();
    }
    spdlog::warn("bot reload refused; the running bot keeps serving: {}", r.status().ToString());
    co_return res;
  }
  spdlog::info("bot reloaded");
  // The reload is done whatever happens to its audit row, so the row comes
  // after it; a row that cannot be written is logged instead.
  Json detail = Json::object();
  for (const char* field : {"name", "dir", "reloads"}) {
    if (r->is_object() && r->contains(field)) detail[field] = (*r)[field];
  }
  auto audit = [&](auto cb) {
    ctx_.store->AppendAudit(AuditBy(c.tenant_id, c.key, c.user, "bot.reload", detail), cb);
  };
  auto row = co_await AwaitResult<store::AuditEntry>(std::move(audit));
  if (!row.ok()) {
    spdlog::error("tenant={}: the bot reload's audit row was not written: {}", c.tenant_id,
                  row.status().ToString());
  }
  co_return JsonResponse(http::status::ok, *r, c.req);
}

asio::awaitable<Response> HttpApi::ListRoutes(Call& c) {
  Json routes = Json::array();
  for (const RouteInfo& r : RouteTable()) {
    routes.push_back(
        Json{{"method", r.method}, {"path", r.pattern}, {"allow", AllowNames(r.allow)}});
  }
  co_return JsonResponse(http::status::ok, Json{{"routes", routes}}, c.req);
}

// The tenant's admin actions, newest first: ?limit=1..200 (50), ?before=<id>.
asio::awaitable<Response> HttpApi::ListAuditLog(Call& c) {
  int limit = 50;
  int64_t before = 0;
  if (auto it = c.query.find("limit"); it != c.query.end()) {
    auto v = ParseInt(it->second);
    if (!v || *v < 1 || *v > 200) {
      co_return Error(Status::InvalidArgument("limit must be 1..200"), c.req);
    }
    limit = static_cast<int>(*v);
  }
  if (auto it = c.query.find("before"); it != c.query.end()) {
    auto v = ParseInt(it->second);
    if (!v || *v < 0) co_return Error(Status::InvalidArgument("before must be an id"), c.req);
    before = *v;
  }
  auto rows = ctx_.store->ListAuditLog(c.tenant_id, before, limit);
  if (!rows.ok()) co_return Error(rows.status(), c.req);
  Json out = Json::array();
  for (const auto& e : *rows) out.push_back(AuditView(e));
  Json next = nullptr;
  if (static_cast<int>(rows->size()) == limit) next = rows->back().id;
  co_return JsonResponse(http::status::ok, Json{{"entries", out}, {"next_before", next}}, c.req);
}

// ---- signed-in users ----------------------------------------------------------

// {email, password, tenant?}: tenant is the public key, needed only when the
// email belongs to users of several tenants. A wrong email and a wrong
// password get the same answer, after the same work. Failures are limited
// per email and per client (login_limiter.h): beyond, 429 rate_limited with
// Retry-After, whatever the password.
asio::awaitable<Response> HttpApi::Login(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto email = RequiredString(*body, "email", 320);
  auto password = RequiredString(*body, "password", 1024);
  for (const Status& s : {email.status(), password.status()}) {
    if (!s.ok()) co_return Error(s, c.req);
  }
  LoginLimiter* limiter = ctx_.login_limiter;
  if (const int64_t wait_ms = limiter ? limiter->RetryAfterMs(*email, c.peer) : 0; wait_ms > 0) {
    const int64_t seconds = (wait_ms + 999) / 1000;
    Response res = Error(
        Status::RateLimited(fmt::format("too many failed sign-ins: try again in {} s", seconds)),
        c.req);
    res.set(http::field::retry_after, std::to_string(seconds));
    co_return res;
  }
  std::optional<store::User> user;
  const std::string tenant_key = OptionalString(*body, "tenant");
  if (!tenant_key.empty()) {
    auto tenant = ctx_.store->FindTenantByPublicKey(tenant_key);
    if (!tenant.ok()) co_return Error(Status::UnknownTenant("no tenant has this public key"), c.req);
    auto u = ctx_.store->FindUserByEmail(tenant->id, *email);
    if (u.ok()) user = std::move(*u);
  } else {
    auto users = ctx_.store->FindUsersByEmail(*email);
    if (!users.ok()) co_return Error(users.status(), c.req);
    if (users->size() > 1) {
      co_return Error(Status::InvalidArgument(
                          "this email signs in to several tenants: add \"tenant\" (its public key)"),
                      c.req);
    }
    if (users->size() == 1) user = users->front();
  }
  // Verify against a real hash even for an unknown email (same time).
  static const std::string kDummy = [] {
    auto h = crypto::HashPassword("not the password of anyone");
    return h.ok() ? *h : std::string();
  }();
  std::string hash = user ? user->password_hash : kDummy;
  std::string pw = *password;
  auto verify = [this, hash, pw](auto cb) {
    jobs_.Post([hash, pw, cb] { cb(Result<bool>(crypto::VerifyPassword(hash, pw))); });
  };
  auto ok = co_await AwaitResult<bool>(std::move(verify));
  if (!ok.ok() || !*ok || !user) {
    spdlog::info("login refused for {}", *email);
    if (limiter) limiter->RecordFailure(*email, c.peer);
    co_return Error(Status::Unauthenticated("wrong email or password"), c.req);
  }
  if (limiter) limiter->RecordSuccess(*email);
  const std::string token = crypto::RandomToken(kSessionPrefix);
  const int64_t lifetime = ctx_.session_lifetime_ms;
  const int64_t expires = ctx_.clock->NowMillis() + lifetime;
  store::NewSession ns{user->tenant_id, user->id, crypto::Sha256Hex(token), expires};
  auto create = [&](auto cb) { ctx_.store->CreateSession(std::move(ns), cb); };
  auto session = co_await AwaitResult<store::Session>(std::move(create));
  if (!session.ok()) co_return Error(session.status(), c.req);
  spdlog::info("user={} tenant={} signed in", user->id, user->tenant_id);
  Response res = JsonResponse(
      http::status::ok, Json{{"user", UserView(*user)}, {"token", token}, {"expires_at", expires}},
      c.req);
  res.set(http::field::set_cookie,
          SessionCookieHeader(token, std::max<int64_t>(1, lifetime / 1000)));
  co_return res;
}

asio::awaitable<Response> HttpApi::Logout(Call& c) {
  const std::string token = SessionToken(c.req);
  auto remove = [&](auto cb) { ctx_.store->DeleteSession(crypto::Sha256Hex(token), cb); };
  Status s = co_await AwaitStatus(std::move(remove));
  if (!s.ok()) co_return Error(s, c.req);
  Response res{http::status::no_content, c.req.version()};
  res.set(http::field::set_cookie, ClearSessionCookieHeader());
  res.keep_alive(c.req.keep_alive());
  res.prepare_payload();
  co_return res;
}

asio::awaitable<Response> HttpApi::Me(Call& c) {
  co_return JsonResponse(http::status::ok, Json{{"user", UserView(*c.user)}}, c.req);
}

// {email, name, role, password}: an agent, supervisor or admin of the tenant.
asio::awaitable<Response> HttpApi::CreateUser(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto email = RequiredString(*body, "email", 320);
  auto password = RequiredString(*body, "password", 1024);
  for (const Status& s : {email.status(), password.status()}) {
    if (!s.ok()) co_return Error(s, c.req);
  }
  if (email->find('@') == std::string::npos) {
    co_return Error(Status::InvalidArgument("\"email\" must be an e-mail address"), c.req);
  }
  if (password->size() < 8) {
    co_return Error(Status::InvalidArgument("\"password\" needs at least 8 characters"), c.req);
  }
  const std::string role = OptionalString(*body, "role", "agent");
  if (role != "admin" && role != "supervisor" && role != "agent") {
    co_return Error(Status::InvalidArgument("\"role\" must be admin, supervisor or agent"), c.req);
  }
  std::string pw = *password;
  auto hash_password = [this, pw](auto cb) { jobs_.Post([pw, cb] { cb(crypto::HashPassword(pw)); }); };
  auto hash = co_await AwaitResult<std::string>(std::move(hash_password));
  if (!hash.ok()) co_return Error(hash.status(), c.req);
  store::NewUser nu{c.tenant_id, *email, OptionalString(*body, "name", *email).substr(0, 200), role,
                    *hash};
  nu.audit = AuditBy(c.tenant_id, c.key, c.user, "user.create",
                     Json{{"email", nu.email}, {"name", nu.name}, {"role", nu.role}});
  auto create = [&](auto cb) { ctx_.store->CreateUser(std::move(nu), cb); };
  auto user = co_await AwaitResult<store::User>(std::move(create));
  if (!user.ok()) co_return Error(user.status(), c.req);
  co_return JsonResponse(http::status::created, Json{{"user", UserView(*user)}}, c.req);
}

asio::awaitable<Response> HttpApi::ListUsers(Call& c) {
  auto users = ctx_.store->ListUsers(c.tenant_id);
  if (!users.ok()) co_return Error(users.status(), c.req);
  Json list = Json::array();
  for (const auto& u : *users) list.push_back(UserView(u));
  co_return JsonResponse(http::status::ok, Json{{"users", list}}, c.req);
}

// ---- knowledge: the tenant's FAQ and knowledge-base search -----------------

namespace {

std::string Editor(const std::optional<store::User>& user,
                   const std::optional<store::ApiKey>& key) {
  if (user) return "user:" + std::to_string(user->id);
  if (key) return "api_key:" + std::to_string(key->id);
  return "";
}

}  // namespace

asio::awaitable<Response> HttpApi::ListFaq(Call& c) {
  if (ctx_.responder == nullptr) {
    co_return Error(Status::NotFound("this server runs no bot (no knowledge base)"), c.req);
  }
  auto faq = ctx_.responder->ListFaq(c.tenant_id);
  if (!faq.ok()) co_return Error(faq.status(), c.req);
  co_return JsonResponse(http::status::ok, Json{{"faq", std::move(*faq)}}, c.req);
}

// PUT /api/v1/faq/{id} {"answer": {language: text}}: the answer the bot gives
// this tenant's customers from now on (the questions stay the package's).
asio::awaitable<Response> HttpApi::EditFaq(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto answer = body->find("answer");
  if (answer == body->end() || !answer->is_object()) {
    co_return Error(Status::InvalidArgument("\"answer\" must be an object {language: text}"),
                    c.req);
  }
  Json answers = Json::object();
  answers[c.params[0]] = *answer;
  Response res = co_await ApplyFaqEdits(c, std::move(answers));
  co_return res;
}

// POST /api/v1/faq/import, a CSV text with the columns id, language, answer
// (a header row first): every row applied, or none.
asio::awaitable<Response> HttpApi::ImportFaq(Call& c) {
  auto table = ParseCsv(c.req.body());
  if (!table.ok()) co_return Error(table.status(), c.req);
  const int id = table->Column("id"), lang = table->Column("language"),
            text = table->Column("answer");
  if (id < 0 || lang < 0 || text < 0) {
    co_return Error(Status::InvalidArgument("the CSV needs the columns id, language and answer"),
                    c.req);
  }
  if (table->rows.empty()) co_return Error(Status::InvalidArgument("the CSV has no rows"), c.req);
  Json answers = Json::object();
  for (size_t i = 0; i < table->rows.size(); ++i) {
    const auto& row = table->rows[i];
    if (row[id].empty() || row[lang].empty()) {
      co_return Error(Status::InvalidArgument(fmt::format(
                          "row {}: id and language must not be empty", i + 2)),
                      c.req);
    }
    answers[row[id]][row[lang]] = row[text];
  }
  Response res = co_await ApplyFaqEdits(c, std::move(answers));
  co_return res;
}

asio::awaitable<Response> HttpApi::ApplyFaqEdits(Call& c, Json answers) {
  if (ctx_.responder == nullptr) {
    co_return Error(Status::NotFound("this server runs no bot (no knowledge base)"), c.req);
  }
  conversation::Responder* responder = ctx_.responder;
  const int64_t tenant = c.tenant_id;
  const std::string by = Editor(c.user, c.key);
  auto edit = [this, responder, tenant, by, answers = std::move(answers)](auto cb) {
    jobs_.Post([responder, tenant, by, answers, cb] {
      cb(responder->EditFaqAnswers(tenant, answers, by));
    });
  };
  auto r = co_await AwaitResult<Json>(std::move(edit));
  if (!r.ok()) co_return Error(r.status(), c.req);
  // The edit is done and durable; its audit row follows (as a reload's).
  Json ids = Json::array();
  for (const Json& e : *r) ids.push_back(e.value("id", ""));
  auto audit = [&](auto cb) {
    ctx_.store->AppendAudit(AuditBy(c.tenant_id, c.key, c.user, "faq.edit", Json{{"faq", ids}}),
                            cb);
  };
  auto row = co_await AwaitResult<store::AuditEntry>(std::move(audit));
  if (!row.ok()) {
    spdlog::error("tenant={}: an FAQ edit's audit row was not written: {}", c.tenant_id,
                  row.status().ToString());
  }
  Json out{{"edited", r->size()}, {"faq", std::move(*r)}};
  co_return JsonResponse(http::status::ok, out, c.req);
}

// GET /api/v1/kb/search?q=…&language=zh&k=5
asio::awaitable<Response> HttpApi::SearchKnowledge(Call& c) {
  if (ctx_.responder == nullptr) {
    co_return Error(Status::NotFound("this server runs no bot (no knowledge base)"), c.req);
  }
  auto q = c.query.find("q");
  if (q == c.query.end() || q->second.empty() || q->second.size() > 4 * ctx_.limits.max_text_chars) {
    co_return Error(Status::InvalidArgument("q: the question, 1 to 4000 characters"), c.req);
  }
  if (!IsValidUtf8(q->second)) co_return Error(Status::InvalidUtf8("q is not UTF-8"), c.req);
  int k = 5;
  if (auto it = c.query.find("k"); it != c.query.end()) {
    auto v = ParseInt(it->second);
    if (!v || *v < 1 || *v > 20) co_return Error(Status::InvalidArgument("k must be 1..20"), c.req);
    k = static_cast<int>(*v);
  }
  std::string language;
  if (auto it = c.query.find("language"); it != c.query.end()) language = it->second;
  auto hits = ctx_.responder->SearchKnowledge(c.tenant_id, q->second, language, k);
  if (!hits.ok()) co_return Error(hits.status(), c.req);
  co_return JsonResponse(http::status::ok, Json{{"hits", std::move(*hits)}}, c.req);
}

// ---- canned responses ---------------------------------------------------------

namespace {

Json CannedView(const store::CannedResponse& r) {
  return Json{{"id", r.id},       {"shortcut", r.shortcut},     {"title", r.title},
              {"text", r.text},   {"language", r.language},     {"created_at", r.created_at},
              {"updated_at", r.updated_at}};
}

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

// {shortcut, text, title?, language?} → a canned response, or what is wrong.
Result<store::CannedResponse> ParseCanned(const Json& body) {
  store::CannedResponse r;
  auto shortcut = body.find("shortcut");
  if (shortcut == body.end() || !shortcut->is_string()) {
    return Status::InvalidArgument("\"shortcut\" must be a string");
  }
  r.shortcut = shortcut->get<std::string>();
  if (!r.shortcut.empty() && r.shortcut.front() == '/') r.shortcut.erase(0, 1);
  const bool spaced = r.shortcut.find_first_of(" \t\r\n/") != std::string::npos;
  if (r.shortcut.empty() || Utf8Chars(r.shortcut) > 32 || spaced) {
    return Status::InvalidArgument(
        "\"shortcut\" must be 1 to 32 characters without spaces or '/' (typed as /shortcut)");
  }
  auto text = body.find("text");
  if (text == body.end() || !text->is_string() ||
      text->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos ||
      Utf8Chars(text->get<std::string>()) > 4000) {
    return Status::InvalidArgument("\"text\" must be a text of 1 to 4000 characters");
  }
  r.text = text->get<std::string>();
  r.title = OptionalString(body, "title");
  if (Utf8Chars(r.title) > 100) {
    return Status::InvalidArgument("\"title\" must have at most 100 characters");
  }
  r.language = OptionalString(body, "language");
  if (r.language.size() > 8) return Status::InvalidArgument("\"language\" is a language tag");
  return r;
}

}  // namespace

asio::awaitable<Response> HttpApi::ListCanned(Call& c) {
  auto list = ctx_.store->ListCannedResponses(c.tenant_id);
  if (!list.ok()) co_return Error(list.status(), c.req);
  Json out = Json::array();
  for (const auto& r : *list) out.push_back(CannedView(r));
  co_return JsonResponse(http::status::ok, Json{{"canned_responses", out}}, c.req);
}

asio::awaitable<Response> HttpApi::CreateCanned(Call& c) {
  Response res = co_await PutCanned(c, 0);
  co_return res;
}

asio::awaitable<Response> HttpApi::UpdateCanned(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id || *id <= 0) co_return Error(Status::NotFound("no such canned response"), c.req);
  Response res = co_await PutCanned(c, *id);
  co_return res;
}

asio::awaitable<Response> HttpApi::PutCanned(Call& c, int64_t id) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto parsed = ParseCanned(*body);
  if (!parsed.ok()) co_return Error(parsed.status(), c.req);
  store::CannedResponse r = std::move(*parsed);
  r.id = id;
  r.tenant_id = c.tenant_id;
  auto put = [&](auto cb) { ctx_.store->PutCannedResponse(r, cb); };
  auto saved = co_await AwaitResult<store::CannedResponse>(std::move(put));
  if (!saved.ok()) co_return Error(saved.status(), c.req);
  const Json view = CannedView(*saved);
  auto audit = [&](auto cb) {
    ctx_.store->AppendAudit(AuditBy(c.tenant_id, c.key, c.user,
                                    id == 0 ? "canned.create" : "canned.update",
                                    Json{{"id", saved->id}, {"shortcut", saved->shortcut}}),
                            cb);
  };
  auto row = co_await AwaitResult<store::AuditEntry>(std::move(audit));
  if (!row.ok()) spdlog::error("tenant={}: a canned response's audit row: {}", c.tenant_id,
                               row.status().ToString());
  const auto status = id == 0 ? http::status::created : http::status::ok;
  co_return JsonResponse(status, Json{{"canned_response", view}}, c.req);
}

asio::awaitable<Response> HttpApi::DeleteCanned(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id || *id <= 0) co_return Error(Status::NotFound("no such canned response"), c.req);
  const int64_t tenant = c.tenant_id, which = *id;
  auto remove = [&](auto cb) { ctx_.store->DeleteCannedResponse(tenant, which, cb); };
  Status s = co_await AwaitStatus(std::move(remove));
  if (!s.ok()) co_return Error(s, c.req);
  auto audit = [&](auto cb) {
    ctx_.store->AppendAudit(
        AuditBy(c.tenant_id, c.key, c.user, "canned.delete", Json{{"id", which}}), cb);
  };
  auto row = co_await AwaitResult<store::AuditEntry>(std::move(audit));
  if (!row.ok()) spdlog::error("tenant={}: a canned response's audit row: {}", c.tenant_id,
                               row.status().ToString());
  Response res{http::status::no_content, c.req.version()};
  res.keep_alive(c.req.keep_alive());
  res.prepare_payload();
  co_return res;
}

// ---- the numbers ------------------------------------------------------------

// GET /api/v1/stats?from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Area/City: the tenant's
// numbers per day and in total (stats/stats.h defines each). The scan runs
// on the jobs thread: a year of a busy tenant's conversations is more reading
// than an I/O thread should do.
asio::awaitable<Response> HttpApi::GetStats(Call& c) {
  auto param = [&](const char* name) -> std::optional<std::string> {
    auto it = c.query.find(name);
    if (it == c.query.end()) return std::nullopt;
    return it->second;
  };
  auto range =
      stats::ResolveRange(param("from"), param("to"), param("tz"), ctx_.clock->NowMillis());
  if (!range.ok()) co_return Error(range.status(), c.req);
  store::Store* store = ctx_.store;
  const int64_t tenant = c.tenant_id;
  auto scan = [this, store, tenant, r = std::move(*range)](auto cb) {
    jobs_.Post([store, tenant, r, cb] {
      stats::Report report(r);
      Status s = store->ScanConversationFacts(
          tenant, report.scan_from_millis(), report.scan_until_millis(),
          [&report](const store::ConversationFacts& f) { report.Add(f); });
      if (!s.ok()) {
        cb(Result<Json>(s));
        return;
      }
      cb(Result<Json>(report.ToJson()));
    });
  };
  auto numbers = co_await AwaitResult<Json>(std::move(scan));
  if (!numbers.ok()) co_return Error(numbers.status(), c.req);
  co_return JsonResponse(http::status::ok, *numbers, c.req);
}

// ---- routing: queues, the takeover switch, contacts, agents' profiles ------

namespace {

// The audit row of a routing change, after the change (as a reload's).
void LogAuditFailure(int64_t tenant, const Result<store::AuditEntry>& row) {
  if (!row.ok()) {
    spdlog::error("tenant={}: a routing change's audit row was not written: {}", tenant,
                  row.status().ToString());
  }
}

}  // namespace

// GET /api/v1/queues: {"queues": [...], "default_queue": "general"}
asio::awaitable<Response> HttpApi::GetQueues(Call& c) {
  const Json out{{"queues", handoff::QueuesJson(ctx_.handoff->Queues(c.tenant_id))},
                 {"default_queue", handoff::kDefaultQueue}};
  co_return JsonResponse(http::status::ok, out, c.req);
}

// PUT /api/v1/queues {"queues": [{name, skills, languages, business_hours}]}
asio::awaitable<Response> HttpApi::PutQueues(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  const Json list = body->value("queues", Json());
  auto queues = handoff::ParseQueues(list);
  if (!queues.ok()) co_return Error(queues.status(), c.req);
  const Json view = handoff::QueuesJson(*queues);
  const int64_t tenant = c.tenant_id;
  auto put = [&](auto cb) { ctx_.handoff->SetQueues(tenant, std::move(*queues), cb); };
  Status s = co_await AwaitStatus(std::move(put));
  if (!s.ok()) co_return Error(s, c.req);
  Json names = Json::array();
  for (const Json& q : view) names.push_back(q["name"]);
  auto audit = [&](auto cb) {
    ctx_.store->AppendAudit(AuditBy(tenant, c.key, c.user, "queues.edit", Json{{"queues", names}}),
                            cb);
  };
  auto row = co_await AwaitResult<store::AuditEntry>(std::move(audit));
  LogAuditFailure(tenant, row);
  const Json out{{"queues", view}, {"default_queue", handoff::kDefaultQueue}};
  co_return JsonResponse(http::status::ok, out, c.req);
}

// GET /api/v1/takeover: {"enabled": bool}
asio::awaitable<Response> HttpApi::GetTakeover(Call& c) {
  const Json out{{"enabled", ctx_.handoff->Takeover(c.tenant_id)}};
  co_return JsonResponse(http::status::ok, out, c.req);
}

// PUT /api/v1/takeover {"enabled": bool}
asio::awaitable<Response> HttpApi::PutTakeover(Call& c) {
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto enabled = body->find("enabled");
  if (enabled == body->end() || !enabled->is_boolean()) {
    co_return Error(Status::InvalidArgument("\"enabled\" must be true or false"), c.req);
  }
  const bool on = enabled->get<bool>();
  const int64_t tenant = c.tenant_id;
  auto put = [&](auto cb) { ctx_.handoff->SetTakeover(tenant, on, cb); };
  Status s = co_await AwaitStatus(std::move(put));
  if (!s.ok()) co_return Error(s, c.req);
  auto audit = [&](auto cb) {
    ctx_.store->AppendAudit(AuditBy(tenant, c.key, c.user, "takeover.set", Json{{"enabled", on}}),
                            cb);
  };
  auto row = co_await AwaitResult<store::AuditEntry>(std::move(audit));
  LogAuditFailure(tenant, row);
  spdlog::info("tenant={} human takeover {}", tenant, on ? "on" : "off");
  const Json out{{"enabled", on}};
  co_return JsonResponse(http::status::ok, out, c.req);
}

// GET /api/v1/contacts/{id}
asio::awaitable<Response> HttpApi::GetContact(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id || *id <= 0) co_return Error(Status::NotFound("no such contact"), c.req);
  auto contact = ctx_.store->GetContact(c.tenant_id, *id);
  if (!contact.ok()) co_return Error(contact.status(), c.req);
  const Json out{{"contact", conversation::ContactView(*contact)}};
  co_return JsonResponse(http::status::ok, out, c.req);
}

// PATCH /api/v1/contacts/{id} {"attributes": {key: value or null}}: merged
// into the contact's attributes (null removes a key). `tier` is a string.
asio::awaitable<Response> HttpApi::PatchContact(Call& c) {
  constexpr size_t kMaxAttributes = 50;
  constexpr size_t kMaxAttributesBytes = 8192;
  auto id = ParseInt(c.params[0]);
  if (!id || *id <= 0) co_return Error(Status::NotFound("no such contact"), c.req);
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  for (const auto& [k, v] : body->items()) {
    if (k != "attributes") {
      co_return Error(Status::InvalidArgument("unknown field \"" + k + "\" (allowed: attributes)"),
                      c.req);
    }
  }
  auto patch = body->find("attributes");
  if (patch == body->end() || !patch->is_object()) {
    co_return Error(Status::InvalidArgument("\"attributes\" must be an object"), c.req);
  }
  auto contact = ctx_.store->GetContact(c.tenant_id, *id);
  if (!contact.ok()) co_return Error(contact.status(), c.req);
  Json attributes = Json::parse(contact->attributes_json, nullptr, false);
  if (!attributes.is_object()) attributes = Json::object();
  for (const auto& [k, v] : patch->items()) {
    if (k.empty() || k.size() > 64) {
      co_return Error(Status::InvalidArgument("an attribute name is 1 to 64 characters"), c.req);
    }
    if (k == "tier" && !v.is_string() && !v.is_null()) {
      co_return Error(Status::InvalidArgument("attributes.tier must be a string"), c.req);
    }
    if (v.is_null()) {
      attributes.erase(k);
    } else {
      attributes[k] = v;
    }
  }
  std::string stored = DumpJson(attributes);
  if (attributes.size() > kMaxAttributes || stored.size() > kMaxAttributesBytes) {
    co_return Error(Status::InvalidArgument("at most 50 attributes, 8 KiB in all"), c.req);
  }
  const int64_t tenant = c.tenant_id, which = *id;
  std::optional<store::NewAuditEntry> audit =
      AuditBy(tenant, c.key, c.user, "contact.attributes", Json{{"attributes", *patch}});
  auto put = [&](auto cb) {
    ctx_.store->SetContactAttributes(tenant, which, std::move(stored), std::move(audit), cb);
  };
  auto saved = co_await AwaitResult<store::Contact>(std::move(put));
  if (!saved.ok()) co_return Error(saved.status(), c.req);
  const Json out{{"contact", conversation::ContactView(*saved)}};
  co_return JsonResponse(http::status::ok, out, c.req);
}

// GET /api/v1/users/{id}/routing: {"user_id", "queues", "skills", "languages"}
asio::awaitable<Response> HttpApi::GetUserRouting(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id || *id <= 0) co_return Error(Status::NotFound("no such user"), c.req);
  auto user = ctx_.store->GetUser(c.tenant_id, *id);
  if (!user.ok()) co_return Error(user.status(), c.req);
  Json out = handoff::AgentProfileJson(ctx_.handoff->ProfileOf(c.tenant_id, *id));
  out["user_id"] = *id;
  co_return JsonResponse(http::status::ok, out, c.req);
}

// PUT /api/v1/users/{id}/routing {"queues", "skills", "languages"}
asio::awaitable<Response> HttpApi::PutUserRouting(Call& c) {
  auto id = ParseInt(c.params[0]);
  if (!id || *id <= 0) co_return Error(Status::NotFound("no such user"), c.req);
  auto body = ParseJsonObject(c.req.body());
  if (!body.ok()) co_return Error(body.status(), c.req);
  auto profile = handoff::ParseAgentProfile(*body);
  if (!profile.ok()) co_return Error(profile.status(), c.req);
  auto user = ctx_.store->GetUser(c.tenant_id, *id);
  if (!user.ok()) co_return Error(user.status(), c.req);
  Json out = handoff::AgentProfileJson(*profile);
  const int64_t tenant = c.tenant_id, which = *id;
  auto put = [&](auto cb) { ctx_.handoff->SetProfile(tenant, which, std::move(*profile), cb); };
  Status s = co_await AwaitStatus(std::move(put));
  if (!s.ok()) co_return Error(s, c.req);
  auto audit = [&](auto cb) {
    store::NewAuditEntry e = AuditBy(tenant, c.key, c.user, "user.routing", out);
    e.target = "user:" + std::to_string(which);
    ctx_.store->AppendAudit(std::move(e), cb);
  };
  auto row = co_await AwaitResult<store::AuditEntry>(std::move(audit));
  LogAuditFailure(tenant, row);
  out["user_id"] = which;
  co_return JsonResponse(http::status::ok, out, c.req);
}

}  // namespace kefu::server
