// Outbound HTTP, injected so that layers below the server (the bot's HTTP
// actions, later webhooks and LLM providers) do not depend on Asio, and tests
// can answer requests themselves. The server's implementation is the Beast
// client on its own io_context (server/http_client.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace kefu {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string url;             // http://host[:port]/path?query (https: when TLS is built in)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The whole exchange — resolve, connect, write, read — must finish within
  // this, else the request fails with kDeadlineExceeded.
  int64_t timeout_ms = 5000;
  // A response body larger than this fails the request with kPayloadTooLarge.
  size_t max_response_bytes = 1 << 20;
  // When set, the response body is also passed here as it arrives (a
  // server-sent event stream), in pieces of any size, on the client's
  // thread, before `done`; the response still carries the whole body.
  std::function<void(std::string_view piece)> on_body;
};

struct HttpResponse {
  int status = 0;  // 200, 404, 500, ...: any status is a response, not an error
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using HttpCallback = std::function<void(Result<HttpResponse>)>;

// Thread-safe. Send never blocks: `done` is called exactly once, on some
// worker thread, possibly before Send returns.
// Errors passed to `done`: kInvalidArgument for a URL or method it cannot
// send; kDeadlineExceeded when the timeout passed first; kUnavailable when
// the host does not resolve, refuses the connection or closes it early;
// kPayloadTooLarge for a body above max_response_bytes.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual void Send(HttpRequest request, HttpCallback done) = 0;
};

}  // namespace kefu
