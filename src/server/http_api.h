// The HTTP API: one route table (method, path pattern, the principals that
// may call it: access.h) and a handler per route, each a coroutine from
// request to response, testable without a socket. Errors are JSON
// {"error":{"code","message"}} with the status of their code (core/status.h):
// no or bad credentials 401 unauthenticated, the wrong principal 403
// permission_denied, another tenant's row 404 not_found.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <vector>

#include "core/executor.h"
#include "server/access.h"
#include "server/context.h"

namespace kefu::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// A new API key: the row to store (the secret's SHA-256 and prefix) and the
// secret, to show once.
struct MintedApiKey {
  store::NewApiKey key;
  std::string secret;
};
MintedApiKey MintApiKey(int64_t tenant_id, std::string name, std::string role);

// Answer with a JSON error.
Response ErrorResponse(const Status& s, unsigned version = 11, bool keep_alive = true);

// One row of the route table, as GET /api/v1/routes lists it.
struct RouteInfo {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/conversations/{}": {} is one segment
  Allow allow = 0;      // who may call it
};

class HttpApi {
 public:
  // `jobs` runs slow CPU work (password hashing). Both outlive the API.
  HttpApi(Context& ctx, Executor& jobs) : ctx_(ctx), jobs_(jobs) {}

  // `peer` is the client's address (limits failed sign-ins per client).
  // REQUIRES: the body respected the route's limit (BodyLimit).
  boost::asio::awaitable<Response> Handle(const Request& req, std::string_view peer = {});

  // The body limit for a request target (uploads are bigger).
  size_t BodyLimit(std::string_view target) const;

  // Every route, in table order.
  static std::vector<RouteInfo> RouteTable();

 private:
  struct Call;
  using Handler = boost::asio::awaitable<Response> (HttpApi::*)(Call&);
  struct Route {
    http::verb method;
    std::string_view pattern;  // "/api/v1/conversations/{}": {} is one segment
    Allow allow;               // the principals that may call it (access.h)
    Handler handler;
  };
  static const std::vector<Route>& Routes();

  boost::asio::awaitable<Response> Healthz(Call& c);
  boost::asio::awaitable<Response> Readyz(Call& c);
  boost::asio::awaitable<Response> Metrics(Call& c);
  boost::asio::awaitable<Response> DebugFaults(Call& c);
  boost::asio::awaitable<Response> Bootstrap(Call& c);
  boost::asio::awaitable<Response> CreateApiKey(Call& c);
  boost::asio::awaitable<Response> ListApiKeys(Call& c);
  boost::asio::awaitable<Response> RevokeApiKey(Call& c);
  boost::asio::awaitable<Response> ListConversations(Call& c);
  boost::asio::awaitable<Response> GetConversation(Call& c);
  boost::asio::awaitable<Response> ListMessages(Call& c);
  boost::asio::awaitable<Response> PostMessage(Call& c);
  boost::asio::awaitable<Response> CreateUpload(Call& c);
  boost::asio::awaitable<Response> GetUpload(Call& c);
  boost::asio::awaitable<Response> GetBot(Call& c);
  boost::asio::awaitable<Response> Login(Call& c);
  boost::asio::awaitable<Response> Logout(Call& c);
  boost::asio::awaitable<Response> Me(Call& c);
  boost::asio::awaitable<Response> CreateUser(Call& c);
  boost::asio::awaitable<Response> ListUsers(Call& c);
  boost::asio::awaitable<Response> ReloadBot(Call& c);
  boost::asio::awaitable<Response> ListRoutes(Call& c);
  boost::asio::awaitable<Response> ListAuditLog(Call& c);
  boost::asio::awaitable<Response> ListCanned(Call& c);
  boost::asio::awaitable<Response> CreateCanned(Call& c);
  boost::asio::awaitable<Response> UpdateCanned(Call& c);
  boost::asio::awaitable<Response> DeleteCanned(Call& c);
  // Creates (id 0) or replaces a canned response from the request body.
  boost::asio::awaitable<Response> PutCanned(Call& c, int64_t id);
  boost::asio::awaitable<Response> ListFaq(Call& c);
  boost::asio::awaitable<Response> EditFaq(Call& c);
  boost::asio::awaitable<Response> ImportFaq(Call& c);
  boost::asio::awaitable<Response> SearchKnowledge(Call& c);
  boost::asio::awaitable<Response> GetStats(Call& c);
  boost::asio::awaitable<Response> ListNotes(Call& c);
  boost::asio::awaitable<Response> AddNote(Call& c);
  boost::asio::awaitable<Response> ContactConversations(Call& c);
  boost::asio::awaitable<Response> GetMonitor(Call& c);
  // Routing: queues, the takeover switch, contacts' attributes, agents' profiles.
  boost::asio::awaitable<Response> GetQueues(Call& c);
  boost::asio::awaitable<Response> PutQueues(Call& c);
  boost::asio::awaitable<Response> GetTakeover(Call& c);
  boost::asio::awaitable<Response> PutTakeover(Call& c);
  boost::asio::awaitable<Response> GetContact(Call& c);
  boost::asio::awaitable<Response> PatchContact(Call& c);
  boost::asio::awaitable<Response> GetUserRouting(Call& c);
  boost::asio::awaitable<Response> PutUserRouting(Call& c);
  // Applies FAQ answer edits ({id: {lang: text}}) off the I/O threads.
  boost::asio::awaitable<Response> ApplyFaqEdits(Call& c, Json answers);

  // Sets the caller's principal and tenant from the request's credentials,
  // then checks the route allows that principal (a route that allows
  // anonymous callers looks at no credentials). Errors: Unauthenticated (no
  // credentials, or wrong, revoked, forged or expired ones), UnknownTenant
  // (a widget public key of no tenant), PermissionDenied (a principal the
  // route does not allow), the store's.
  Status Authenticate(const Route& route, Call& c);
  Status Identify(Call& c);
  // The file under `root` that the target names after `prefix`.
  Response StaticFile(const Request& req, const std::string& root, std::string_view prefix);

  Context& ctx_;
  Executor& jobs_;
};

}  // namespace kefu::server
