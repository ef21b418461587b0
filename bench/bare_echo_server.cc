// bare_echo_server: the ceiling of this machine for the widget WebSocket.
//
// A plain Boost.Beast WebSocket server (C++20 coroutines, one io_context run
// by --threads threads, one strand per connection) that speaks just enough of
// the widget protocol (docs/protocol.md) for kefu_loadgen to drive it exactly
// as it drives kefu, with no storage, no JSON DOM and no business logic:
//
//   hello    -> {"type":"welcome","contact":{"id":N},"conversation":{"id":N,...}}
//   message  -> {"type":"ack","client_id":…,"conversation":N,"seq":S,"duplicate":false}
//               and, with --bot-reply (the default), a bot push
//               {"type":"message",…,"seq":S+1,"sender":"bot","text":<same text>}
//               like kefu's echo responder, so both servers send the same frames;
//   ping     -> {"type":"pong"}
//   anything else is echoed back as is (with --mode echo, every frame is).
// Plain HTTP `POST /api/v1/bootstrap` gets a fixed 201 with public key
// "pk_bare", so scripts/bench can be tried end to end without kefu.
//
// Frames are built by string concatenation; fields are read with the
// allocation-free scanner in frame_scan.h. What kefu adds on top of this
// (parsing, persistence with fsync, the bus, the bot) is what the ratio
// kefu / bare measures.
//
// Usage: bare_echo_server [--port P] [--threads N] [--port-file F]
//                         [--mode protocol|echo] [--bot-reply on|off]
// Listens on 127.0.0.1 only. Stops on SIGINT/SIGTERM.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "frame_scan.h"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

struct Options {
  unsigned short port = 0;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string port_file;
  bool echo_only = false;
  bool bot_reply = true;
};

std::atomic<int64_t> g_next_id{1};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Builds the answer(s) to one client frame. Returns how many of out[0..1]
// were filled; 0 means echo the frame itself.
int Answer(std::string_view frame, int64_t conversation, int64_t& seq, bool bot_reply,
           std::string (&out)[2]) {
  kefu::bench::FrameFields f;
  if (!kefu::bench::ScanFrame(frame, f)) {
    out[0] = R"({"type":"error","code":"invalid_json","message":"frame is not a JSON object"})";
    return 1;
  }
  if (f.type == "message") {
    int64_t s = ++seq;
    std::string& ack = out[0];
    ack.clear();
    ack += R"({"type":"ack","client_id":")";
    ack += f.client_id;
    ack += R"(","conversation":)";
    ack += std::to_string(conversation);
    ack += R"(,"seq":)";
    ack += std::to_string(s);
    ack += R"(,"duplicate":false})";
    if (!bot_reply) return 1;
    int64_t r = ++seq;
    std::string& msg = out[1];
    msg.clear();
    msg += R"({"type":"message","conversation":)";
    msg += std::to_string(conversation);
    msg += R"(,"seq":)";
    msg += std::to_string(r);
    msg += R"(,"sender":"bot","text":")";
    msg += f.text;
    msg += R"(","attachments":[],"created_at":)";
    msg += std::to_string(NowMs());
    msg += "}";
    return 2;
  }
  if (f.type == "hello") {
    int64_t id = g_next_id.fetch_add(1, std::memory_order_relaxed);
    std::string& w = out[0];
    w = R"({"type":"welcome","contact":{"id":)" + std::to_string(id) +
        R"(},"conversation":{"id":)" + std::to_string(conversation) +
        R"(,"status":"bot","last_seq":)" + std::to_string(seq) + R"(},"server_time":)" +
        std::to_string(NowMs()) + "}";
    return 1;
  }
  if (f.type == "ping") {
    out[0] = R"({"type":"pong"})";
    return 1;
  }
  return 0;
}

// Plain HTTP: a fixed answer to POST /api/v1/bootstrap (so scripts and the
// load generator can be exercised without kefu), 404 for the rest.
net::awaitable<void> AnswerHttp(tcp::socket& socket, const http::request<http::string_body>& req) {
  http::response<http::string_body> res;
  res.version(req.version());
  res.set(http::field::content_type, "application/json");
  if (req.method() == http::verb::post && req.target() == "/api/v1/bootstrap") {
    res.result(http::status::created);
    res.body() =
        R"({"tenant":{"id":1,"name":"bare","public_key":"pk_bare","default_language":"en"},)"
        R"("admin":{"id":1,"email":"bench@example.com"},)"
        R"("api_key":{"id":1,"prefix":"bare","secret":"bare"}})";
  } else {
    res.result(http::status::not_found);
    res.body() = R"({"error":{"code":"not_found","message":"bare_echo_server"}})";
  }
  res.keep_alive(false);
  res.prepare_payload();
  co_await http::async_write(socket, res, kTuple);
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> Session(tcp::socket socket, Options opts) {
  websocket::stream<tcp::socket> ws(std::move(socket));
  // Like a real server: read the HTTP request, then upgrade it.
  beast::flat_buffer buffer;
  {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    auto [rec, rn] = co_await http::async_read(ws.next_layer(), buffer, parser, kTuple);
    if (rec) co_return;
    if (!websocket::is_upgrade(parser.get())) {
      co_await AnswerHttp(ws.next_layer(), parser.get());
      co_return;
    }
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(64 * 1024);
    auto [hec] = co_await ws.async_accept(parser.get(), kTuple);
    if (hec) co_return;
  }
  buffer.clear();
  buffer.shrink_to_fit();
  const int64_t conversation = g_next_id.fetch_add(1, std::memory_order_relaxed);
  int64_t seq = 0;
  std::string out[2];
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, kTuple);
    if (ec) co_return;  // closed, reset or timed out: nothing to report
    std::string_view frame(static_cast<const char*>(buffer.data().data()), buffer.size());
    int count = opts.echo_only ? 0 : Answer(frame, conversation, seq, opts.bot_reply, out);
    ws.text(true);
    if (count == 0) {
      auto [wec, wn] = co_await ws.async_write(buffer.data(), kTuple);
      if (wec) co_return;
    }
    for (int i = 0; i < count; ++i) {
      auto [wec, wn] = co_await ws.async_write(net::buffer(out[i]), kTuple);
      if (wec) co_return;
    }
    buffer.consume(buffer.size());
  }
}

net::awaitable<void> Listen(tcp::acceptor& acceptor, net::io_context& ioc, Options opts) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kTuple);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly rather than spin.
      net::steady_timer t(ioc, std::chrono::milliseconds(10));
      co_await t.async_wait(kTuple);
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto ex = socket.get_executor();
    net::co_spawn(ex, Session(std::move(socket), opts), net::detached);
  }
}

bool WritePortFile(const std::string& path, unsigned short port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!(f << port << "\n")) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

[[noreturn]] void Usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: bare_echo_server [--port P] [--threads N] [--port-file F]\n"
               "                        [--mode protocol|echo] [--bot-reply on|off]\n");
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(2);
      return argv[++i];
    };
    if (a == "--port") {
      opts.port = static_cast<unsigned short>(std::stoi(value()));
    } else if (a == "--threads") {
      opts.threads = static_cast<unsigned>(std::max(1, std::stoi(value())));
    } else if (a == "--port-file") {
      opts.port_file = value();
    } else if (a == "--mode") {
      std::string m = value();
      if (m != "protocol" && m != "echo") Usage(2);
      opts.echo_only = (m == "echo");
    } else if (a == "--bot-reply") {
      std::string m = value();
      if (m != "on" && m != "off") Usage(2);
      opts.bot_reply = (m == "on");
    } else if (a == "--help" || a == "-h") {
      Usage(0);
    } else {
      std::fprintf(stderr, "unknown argument: %s\n", a.c_str());
      Usage(2);
    }
  }

  try {
    net::io_context ioc(static_cast<int>(opts.threads));
    tcp::acceptor acceptor(ioc);
    tcp::endpoint ep(net::ip::make_address_v4("127.0.0.1"), opts.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(net::socket_base::max_listen_connections);
    unsigned short port = acceptor.local_endpoint().port();

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    net::co_spawn(ioc, Listen(acceptor, ioc, opts), net::detached);

    if (!opts.port_file.empty() && !WritePortFile(opts.port_file, port)) {
      std::fprintf(stderr, "cannot write port file %s\n", opts.port_file.c_str());
      return 1;
    }
    std::fprintf(stderr, "bare_echo_server: listening on 127.0.0.1:%u, %u threads, %s\n", port,
                 opts.threads,
                 opts.echo_only ? "echo" : (opts.bot_reply ? "protocol+bot-reply" : "protocol"));

    std::vector<std::thread> threads;
    for (unsigned i = 1; i < opts.threads; ++i) threads.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bare_echo_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
