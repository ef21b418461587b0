// The demo order service: the fictional Honeybee Shop's order system, which
// the demo shop bot (examples/shop) calls over real HTTP. Orders come from a
// JSON file (examples/shop/demo/orders.json); returns, changed addresses,
// invoices and complaints live in memory until the process ends.
// The API is in docs/demo-order-service.md.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu::app {

// One request and its answer, without sockets.
struct DemoRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // "/api/orders/SO20261130001?lang=zh" (the query is ignored)
  std::string body;
};

struct DemoResponse {
  int status = 200;
  std::string body;      // JSON; errors are {"error":{"code","message"}}
  int64_t delay_ms = 0;  // the service answers only after this long
};

// The orders and what was done to them. Thread-safe: Handle may be called
// from any number of threads.
class DemoOrderBook {
 public:
  // Errors: kInvalidJson or kInvalidUtf8 for a file that is not a JSON
  // object; kInvalidArgument naming the bad field ("orders[3].total: 158.00
  // is not the sum of the items (150.00)").
  static Result<std::unique_ptr<DemoOrderBook>> Parse(std::string_view json);
  // As Parse; kNotFound or kIoError when the file cannot be read.
  static Result<std::unique_ptr<DemoOrderBook>> Load(const std::string& path);

  ~DemoOrderBook();
  size_t size() const;

  // Answers one request of the API; never fails (bad input is a 4xx).
  DemoResponse Handle(const DemoRequest& req);

  struct Order;  // private: defined in demo_orders.cc

 private:
  DemoOrderBook() = default;
  DemoResponse Route(const DemoRequest& req);

  std::map<std::string, std::unique_ptr<Order>> orders_;  // by order_no; constant after Parse
  std::mutex mu_;                                         // guards the state inside orders
  uint64_t next_return_ = 0, next_invoice_ = 0, next_ticket_ = 0;
};

struct DemoOrderServiceOptions {
  std::string listen = "127.0.0.1";  // an IP address
  uint16_t port = 8091;              // 0: an ephemeral port (see port())
  // The delay of the slow demo order: -1 keeps the file's (3 s); tests
  // shorten it.
  int64_t slow_delay_ms = -1;
};

// Serves a book over HTTP/1.1 (keep-alive; bodies up to 64 KiB, larger ones
// get 413 and the connection lives on up to 1 MiB) on an executor that
// someone else runs, so `kefu serve --demo` can host it beside the main
// server. Thread-safe.
class DemoOrderService {
 public:
  // Binds and starts accepting. Errors: kInvalidArgument (listen is not an IP
  // address), kIoError (cannot bind, with the reason).
  static Result<std::unique_ptr<DemoOrderService>> Start(boost::asio::any_io_executor ex,
                                                         std::unique_ptr<DemoOrderBook> book,
                                                         DemoOrderServiceOptions options = {});
  // Calls Stop().
  ~DemoOrderService();

  uint16_t port() const;
  // Stops accepting and closes every connection (a response not yet sent is
  // dropped). Returns at once; the coroutines end on the executor's threads.
  // Safe to call more than once.
  void Stop();

  struct Impl;

 private:
  explicit DemoOrderService(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace kefu::app
