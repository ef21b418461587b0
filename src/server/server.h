// `kefu serve`: the HTTP/WebSocket server on one io_context run by one thread
// per core, with the store, the bus and the conversation service behind it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "conversation/responder.h"
#include "server/context.h"

namespace kefu::server {

// What a responder may use: the server's I/O executor (for its own
// sockets, e.g. the bot's HTTP actions), its Executor and its store.
struct ResponderEnv {
  boost::asio::any_io_executor io;
  Executor* executor = nullptr;
  store::Store* store = nullptr;
  // Whether an agent of the tenant is online now (a handoff is then taken
  // soon; else the customer is told and may leave a message).
  std::function<bool(int64_t tenant_id)> agents_online;
  // Whether a queue of the tenant is within its business hours now.
  std::function<bool(int64_t tenant_id, const std::string& queue)> queue_open;
};
// Builds the responder at start-up (before the server listens).
using ResponderFactory =
    std::function<Result<std::unique_ptr<conversation::Responder>>(const ResponderEnv&)>;

struct ServerOptions {
  std::string listen = "127.0.0.1";
  uint16_t port = 8080;          // 0: an ephemeral port (see port_file)
  std::string port_file;         // written (atomically) with the bound port
  int threads = 0;               // 0: one per core
  int shutdown_timeout_s = 10;   // graceful shutdown deadline
  std::string data_dir = "var";  // kefu.db and uploads/
  std::string static_dir;        // files served at / (the demo page)
  std::string console_dir;       // the agent console's built files, served at /console/
  std::string sync = "full";     // SQLite synchronous: full | normal | off
  size_t max_queue = 20000;      // store writes waiting before shedding load
  bool enable_fault_injection = false;  // POST /debug/faults (tests only)
  std::string bootstrap_token;   // empty: generated and printed at first start
  bool demo = false;             // first start: create the demo shop tenant (pk_demo_shop)
  std::string responder = "echo";  // echo | none | bot (then make_responder builds it)
  int64_t responder_delay_ms = 0;
  ResponderFactory make_responder;  // for responder "bot" (`kefu serve --bot DIR`)
  int64_t agent_grace_ms = 30000;   // an agent gone this long: their chats go back to the line
  int64_t session_lifetime_ms = kSessionLifetimeMs;  // a sign-in lasts this long
  LoginLimits login_limits;                          // failed sign-ins per email and per client
  Limits limits;
};

// Runs until SIGTERM or SIGINT, then shuts down gracefully: stops accepting,
// closes connections, lets in-flight work finish within the deadline, flushes
// the store. Returns the process exit code (0 after a clean shutdown).
int RunServer(const ServerOptions& opts);

}  // namespace kefu::server
