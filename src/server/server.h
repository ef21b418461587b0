// `kefu serve`: the HTTP/WebSocket server on one io_context run by one thread
// per core, with the store, the bus and the conversation service behind it.
#pragma once

#include <cstdint>
#include <string>

#include "server/context.h"

namespace kefu::server {

struct ServerOptions {
  std::string listen = "127.0.0.1";
  uint16_t port = 8080;          // 0: an ephemeral port (see port_file)
  std::string port_file;         // written (atomically) with the bound port
  int threads = 0;               // 0: one per core
  int shutdown_timeout_s = 10;   // graceful shutdown deadline
  std::string data_dir = "var";  // kefu.db and uploads/
  std::string static_dir;        // files served at / (the demo page)
  std::string sync = "full";     // SQLite synchronous: full | normal | off
  size_t max_queue = 20000;      // store writes waiting before shedding load
  bool enable_fault_injection = false;  // POST /debug/faults (tests only)
  std::string bootstrap_token;   // empty: generated and printed at first start
  bool demo = false;             // first start: create the demo shop tenant (pk_demo_shop)
  std::string responder = "echo";
  int64_t responder_delay_ms = 0;
  Limits limits;
};

// Runs until SIGTERM or SIGINT, then shuts down gracefully: stops accepting,
// closes connections, lets in-flight work finish within the deadline, flushes
// the store. Returns the process exit code (0 after a clean shutdown).
int RunServer(const ServerOptions& opts);

}  // namespace kefu::server
