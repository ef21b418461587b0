// kefu demo-orders [--listen 127.0.0.1] [--port 8091] [--port-file F]
//                  [--data examples/shop/demo/orders.json] [--slow-ms N]
//
// Serves the demo order service (app/demo_orders.h, docs/demo-order-service.md)
// until SIGINT or SIGTERM. With --port 0 it binds an ephemeral port and
// writes it (atomically) to the --port-file.
// Exit codes: 0 after a signal, 1 bad data or cannot listen, 2 bad options.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <cstdio>
#include <fstream>

#include "app/demo_orders.h"
#include "app/tools.h"

namespace kefu::app {
namespace {

Status WritePort(const std::string& path, uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return Status::IoError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError("cannot rename " + tmp);
  return Status::Ok();
}

}  // namespace

int RunDemoOrders(int argc, char** argv) {
  CLI::App app{"Serve the demo shop's order system over HTTP (docs/demo-order-service.md)",
               "kefu demo-orders"};
  DemoOrderServiceOptions opts;
  std::string data = "examples/shop/demo/orders.json", port_file;
  app.add_option("--listen", opts.listen, "IP address to listen on")->capture_default_str();
  app.add_option("--port", opts.port, "port (0: an ephemeral one, see --port-file)")
      ->capture_default_str();
  app.add_option("--port-file", port_file, "write the bound port to this file");
  app.add_option("--data", data, "the orders (JSON)")->capture_default_str();
  app.add_option("--slow-ms", opts.slow_delay_ms,
                 "delay of the slow demo order in ms (default: the data file's)")
      ->check(CLI::Range(int64_t{0}, int64_t{60000}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  auto book = DemoOrderBook::Load(data);
  if (!book.ok()) {
    std::fprintf(stderr, "kefu demo-orders: %s\n", book.status().ToString().c_str());
    return 1;
  }
  const size_t orders = (*book)->size();
  boost::asio::io_context ioc(1);
  auto service = DemoOrderService::Start(ioc.get_executor(), std::move(*book), opts);
  if (!service.ok()) {
    std::fprintf(stderr, "kefu demo-orders: %s\n", service.status().ToString().c_str());
    return 1;
  }
  if (!port_file.empty()) {
    if (Status s = WritePort(port_file, (*service)->port()); !s.ok()) {
      std::fprintf(stderr, "kefu demo-orders: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("demo order service on http://%s:%u (%zu orders from %s)\n", opts.listen.c_str(),
              static_cast<unsigned>((*service)->port()), orders, data.c_str());
  std::fflush(stdout);

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    (*service)->Stop();
    ioc.stop();
  });
  ioc.run();
  return 0;
}

}  // namespace kefu::app
