// The Beast implementation of kefu::HttpClient (core/http_client.h): HTTP/1.1
// over TCP on an Asio executor, with a limit of connections per host and
// reuse of idle keep-alive connections.
//
// Thread-safety: Send may be called from any thread, concurrently. Each
// request runs as a coroutine on a strand of its own over the given executor;
// `done` is called on that strand (a thread running the io_context), never
// inside Send.
//
// Ownership and shutdown:
// - The client may be destroyed while requests are in flight: they go on and
//   complete as usual (their state is shared, not owned by the client).
// - If the io_context stops running, pending requests wait; they complete
//   when it runs again. If it is destroyed with requests still pending, each
//   pending `done` is called once, with kUnavailable ("the client's
//   io_context was shut down"), on the destroying thread, while the
//   io_context destroys its handlers. A callback must then not touch that
//   io_context.
// - Idle keep-alive connections are kept as plain file descriptors, so no
//   Asio object outlives the io_context whatever the order of destruction.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/http_client.h"

namespace kefu::server {

struct HttpClientOptions {
  // Connections in use to one host:port at once; further requests wait for
  // one (their timeout runs while they wait). At least 1.
  int max_connections_per_host = 8;
  // Sent unless the request names its own User-Agent.
  std::string user_agent = "kefu/0.1.0";
  // Keep connections open after a response that allows it, and reuse them
  // for the next request to the same host:port. Off: "Connection: close".
  bool keep_alive = true;
  // An idle connection older than this is closed instead of reused.
  int64_t idle_timeout_ms = 30000;
};

// A URL the client can send to.
struct HttpUrl {
  std::string scheme;  // "http"
  std::string host;    // "example.com", "127.0.0.1", "::1" (no brackets)
  uint16_t port = 80;
  std::string target;  // "/path?query", never empty; non-ASCII bytes and
                       // spaces percent-encoded; the fragment dropped
};

// Parses http://host[:port][/path][?query][#fragment]; the scheme and host
// are case-insensitive (returned lower-case), an IPv6 literal goes in
// brackets. Errors: kInvalidArgument with what is wrong ("empty URL",
// "https is not supported by this build", "unsupported scheme \"ftp\"",
// "URL has no host", "port out of range: 99999", ...).
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// The client. `ex` is usually an io_context's executor; the io_context may be
// run by any number of threads.
std::unique_ptr<kefu::HttpClient> MakeHttpClient(boost::asio::any_io_executor ex,
                                                 HttpClientOptions options = {});

}  // namespace kefu::server
