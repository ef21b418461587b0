// kefu_loadgen: drives the widget WebSocket (docs/protocol.md) of kefu, or of
// bare_echo_server, and reports throughput, ack latency, errors and the
// server's memory.
//
// Modes
//   closed  every connection sends `message`, waits for the `ack` with its
//           client_id (counting bot replies and other pushes on the way),
//           then sends the next. Latency = send -> ack.
//   open    every connection sends on a fixed schedule (--rate messages/s in
//           total) whatever the acks do; a separate reader matches acks.
//           Latency = scheduled send time -> ack, so a stalled server shows up
//           in the latency instead of silently slowing the generator
//           (no coordinated omission).
//   idle    opens --connections connections (hello/welcome each), holds them
//           for --duration seconds while Beast answers WebSocket pings, and
//           reports the server's RSS growth per connection.
//
// Design: --threads worker threads, each with its own single-threaded
// io_context (no locks on the hot path); connections are spread round-robin,
// each is a coroutine. Connection setup runs through a bounded number of
// launchers (--connect-concurrency) so the server's accept backlog is not
// flooded. A per-worker watchdog closes any connection that waits longer than
// --timeout for the server, and the main thread stops everything at a hard
// deadline: every run ends by itself. Traffic goes to 127.0.0.0/8 only.
//
// Output: a human summary, or one JSON object with --json.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "frame_scan.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Json = nlohmann::json;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::time_point ToTimePoint(int64_t ns) {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "kefu_loadgen: %s\n", what.c_str());
  std::exit(1);
}

// ---- options -----------------------------------------------------------------

enum class Mode { kClosed, kOpen, kIdle };

struct Options {
  std::string url = "ws://127.0.0.1:8080/ws/widget";
  std::string host;  // IPv4 literal, 127.0.0.0/8
  unsigned short port = 0;
  std::string path;
  std::string public_key;
  std::string bootstrap_token;
  bool bootstrap_only = false;
  int connections = 64;
  int64_t messages = -1;  // per connection; default depends on the mode
  Mode mode = Mode::kClosed;
  double rate = 0;             // open loop: messages/s across all connections
  double duration = 0;         // seconds; closed: optional cap, open: required, idle: hold time
  double warmup = 0;           // seconds not recorded at the start of the load
  double timeout = 10;         // seconds the server may keep a connection waiting
  double drain = 5;            // open loop: seconds to wait for the last acks
  double max_time = 120;       // closed loop without --duration: hard cap on the load
  double setup_timeout = 120;  // all connections established within this
  double settle = 2;           // idle: seconds between "all established" and the RSS reading
  int server_pid = 0;
  std::vector<net::ip::address_v4> source_ips;
  int threads = 1;
  int connect_concurrency = 200;
  std::string text = "Hello, where is my order? 你好，我的订单到哪里了？";
  std::vector<std::string> texts;  // --text given more than once: each message the next
  // A message is done when its ack arrives (false) or, with --await reply,
  // when the first bot message after its ack arrives (the bot's answer).
  bool await_reply = false;
  bool json = false;
  bool timeline = false;
};

void Usage(int code) {
  std::fprintf(code ? stderr : stdout, "%s", R"(usage: kefu_loadgen [options]
  --url ws://127.0.0.1:PORT/ws/widget   server to drive (127.0.0.0/8 only)
  --public-key PK                       tenant public key for hello
  --bootstrap-token T                   POST /api/v1/bootstrap first and use its tenant
  --bootstrap-only                      with --bootstrap-token: print the public key, exit
  --mode closed|open|idle               (closed)
  --connections N                       (64)
  --messages M                          per connection (closed: 1000; open: no cap)
  --rate R                              open loop: messages/s in total
  --duration S                          closed: cap; open: schedule length; idle: hold time
  --warmup S                            seconds of load not recorded (0)
  --timeout S                           max wait for the server on one connection (10)
  --drain S                             open loop: wait for outstanding acks (5)
  --max-time S                          closed loop without --duration: cap (120)
  --setup-timeout S                     all connections established within (120)
  --settle S                            idle: pause before reading RSS (2)
  --server-pid PID                      read VmRSS and CPU time of the server
  --source-ips A-B|A,B,...              bind client sockets to these 127.x addresses
  --threads N                           generator threads (1)
  --connect-concurrency N               connection setups in flight (200)
  --text T                              message text; repeat to cycle through several
  --await ack|reply                     a message is done at its ack (default) or at the
                                        first bot message after its ack; latency likewise
  --json                                one JSON object on stdout
  --timeline                            with --json: worst latency per 100 ms of the run
usage: kefu_loadgen --fsync-probe DIR [--duration S]
  time pwrite(4 KiB) + fdatasync in DIR for S seconds (3); JSON on stdout
)");
  std::exit(code);
}

net::ip::address_v4 ParseLoopback(const std::string& s) {
  boost::system::error_code ec;
  auto a = net::ip::make_address_v4(s == "localhost" ? "127.0.0.1" : s, ec);
  if (ec) Die("not an IPv4 address: " + s);
  if ((a.to_uint() >> 24) != 127) Die("refusing non-loopback address " + s + " (127.0.0.0/8 only)");
  return a;
}

std::vector<net::ip::address_v4> ParseSourceIps(const std::string& spec) {
  std::vector<net::ip::address_v4> out;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto dash = item.find('-');
    if (dash == std::string::npos) {
      out.push_back(ParseLoopback(item));
      continue;
    }
    uint32_t a = ParseLoopback(item.substr(0, dash)).to_uint();
    uint32_t b = ParseLoopback(item.substr(dash + 1)).to_uint();
    if (b < a || b - a > 65536) Die("bad source range " + item);
    for (uint32_t x = a; x <= b; ++x) out.emplace_back(x);
  }
  if (out.empty()) Die("empty --source-ips");
  return out;
}

void ParseUrl(Options& o) {
  const std::string prefix = "ws://";
  if (o.url.rfind(prefix, 0) != 0) Die("--url must start with ws:// (got " + o.url + ")");
  std::string rest = o.url.substr(prefix.size());
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  o.path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) Die("--url needs a port: " + o.url);
  o.host = hostport.substr(0, colon);
  o.port = static_cast<unsigned short>(std::stoi(hostport.substr(colon + 1)));
  ParseLoopback(o.host);
  if (o.host == "localhost") o.host = "127.0.0.1";
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    auto number = [&]() -> double {
      std::string v = value();
      try {
        return std::stod(v);
      } catch (...) {
        Die("not a number for " + a + ": " + v);
      }
    };
    if (a == "--url") {
      o.url = value();
    } else if (a == "--public-key") {
      o.public_key = value();
    } else if (a == "--bootstrap-token") {
      o.bootstrap_token = value();
    } else if (a == "--bootstrap-only") {
      o.bootstrap_only = true;
    } else if (a == "--mode") {
      std::string m = value();
      if (m == "closed") {
        o.mode = Mode::kClosed;
      } else if (m == "open") {
        o.mode = Mode::kOpen;
      } else if (m == "idle") {
        o.mode = Mode::kIdle;
      } else {
        Die("--mode must be closed, open or idle");
      }
    } else if (a == "--connections") {
      o.connections = static_cast<int>(number());
    } else if (a == "--messages") {
      o.messages = static_cast<int64_t>(number());
    } else if (a == "--rate") {
      o.rate = number();
    } else if (a == "--duration") {
      o.duration = number();
    } else if (a == "--warmup") {
      o.warmup = number();
    } else if (a == "--timeout") {
      o.timeout = number();
    } else if (a == "--drain") {
      o.drain = number();
    } else if (a == "--max-time") {
      o.max_time = number();
    } else if (a == "--setup-timeout") {
      o.setup_timeout = number();
    } else if (a == "--settle") {
      o.settle = number();
    } else if (a == "--server-pid") {
      o.server_pid = static_cast<int>(number());
    } else if (a == "--source-ips") {
      o.source_ips = ParseSourceIps(value());
    } else if (a == "--threads") {
      o.threads = std::max(1, static_cast<int>(number()));
    } else if (a == "--connect-concurrency") {
      o.connect_concurrency = std::max(1, static_cast<int>(number()));
    } else if (a == "--text") {
      o.texts.push_back(value());
      o.text = o.texts.front();
    } else if (a == "--await") {
      std::string m = value();
      if (m != "ack" && m != "reply") Die("--await must be ack or reply");
      o.await_reply = m == "reply";
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--timeline") {
      o.timeline = true;
    } else if (a == "--help" || a == "-h") {
      Usage(0);
    } else {
      std::fprintf(stderr, "unknown argument: %s\n", a.c_str());
      Usage(2);
    }
  }
  ParseUrl(o);
  if (o.public_key.empty() && o.bootstrap_token.empty())
    Die("need --public-key or --bootstrap-token");
  if (o.connections < 1) Die("--connections must be >= 1");
  if (o.mode == Mode::kOpen && (o.rate <= 0 || o.duration <= 0))
    Die("open loop needs --rate and --duration");
  if (o.mode == Mode::kIdle && o.duration <= 0) o.duration = 10;
  if (o.messages < 0) o.messages = o.mode == Mode::kClosed ? 1000 : INT64_MAX;
  if (o.timeout <= 0) Die("--timeout must be > 0");
  return o;
}

// ---- /proc readings -----------------------------------------------------------

// VmRSS of `pid` in KiB, or -1.
int64_t ReadRssKb(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

// User + system CPU seconds of `pid`, or -1.
double ReadCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto rparen = all.rfind(')');
  if (rparen == std::string::npos) return -1;
  std::istringstream rest(all.substr(rparen + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Fields after the command: state(3) ... utime(14) stime(15).
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) stime = std::atof(field.c_str());
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ---- bootstrap ----------------------------------------------------------------

// POSTs /api/v1/bootstrap and returns tenant.public_key. Dies with a clear
// message on 409 (already bootstrapped) or any other failure.
std::string Bootstrap(const Options& o) {
  net::io_context ioc;
  std::string result, failure;
  auto run = [&]() -> net::awaitable<void> {
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::milliseconds(static_cast<int64_t>(o.timeout * 1000)));
    auto [cec] = co_await stream.async_connect(
        tcp::endpoint(net::ip::make_address_v4(o.host), o.port), kTuple);
    if (cec) {
      failure =
          "bootstrap: connect to " + o.host + ":" + std::to_string(o.port) + ": " + cec.message();
      co_return;
    }
    Json body = {{"token", o.bootstrap_token},
                 {"tenant_name", "Bench Shop"},
                 {"admin_email", "bench@example.com"},
                 {"admin_password", "bench-password-0123456789"},
                 {"default_language", "en"}};
    http::request<http::string_body> req{http::verb::post, "/api/v1/bootstrap", 11};
    req.set(http::field::host, o.host + ":" + std::to_string(o.port));
    req.set(http::field::content_type, "application/json");
    req.body() = body.dump();
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, req, kTuple);
    if (wec) {
      failure = "bootstrap: write: " + wec.message();
      co_return;
    }
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    auto [rec, rn] = co_await http::async_read(stream, buf, res, kTuple);
    if (rec) {
      failure = "bootstrap: read: " + rec.message();
      co_return;
    }
    if (res.result_int() == 409) {
      failure =
          "bootstrap: the server is already bootstrapped (409); pass --public-key of its "
          "tenant instead of --bootstrap-token";
      co_return;
    }
    if (res.result_int() != 201) {
      failure = "bootstrap: HTTP " + std::to_string(res.result_int()) + ": " + res.body();
      co_return;
    }
    Json j = Json::parse(res.body(), nullptr, false);
    if (j.is_discarded() || !j.contains("tenant") || !j["tenant"].contains("public_key") ||
        !j["tenant"]["public_key"].is_string()) {
      failure = "bootstrap: 201 without tenant.public_key: " + res.body();
      co_return;
    }
    result = j["tenant"]["public_key"].get<std::string>();
  };
  net::co_spawn(ioc, run(), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      failure = std::string("bootstrap: ") + ex.what();
    }
  });
  ioc.run();
  if (!failure.empty()) Die(failure);
  if (result.empty()) Die("bootstrap: no answer");
  return result;
}

// ---- statistics -----------------------------------------------------------------

struct Stats {
  uint64_t established = 0;
  uint64_t setup_failed = 0;
  uint64_t sent = 0;  // message frames written (measured or not)
  uint64_t sent_measured = 0;
  uint64_t acked = 0;  // measured acks
  uint64_t acked_warmup = 0;
  uint64_t resends = 0;          // closed loop: resends after busy
  uint64_t hello_busy = 0;       // hello answered busy (and resent)
  uint64_t failed_messages = 0;  // answered with an error other than busy
  uint64_t shed = 0;             // open loop: answered busy (not resent)
  uint64_t unacked = 0;          // sent, never answered before the end
  uint64_t bot_replies = 0;
  uint64_t other_messages = 0;   // `message` pushes not from the bot
  uint64_t other_frames = 0;     // pong, typing, status, …
  uint64_t unexpected_acks = 0;  // ack for a client_id not outstanding
  uint64_t duplicates = 0;
  uint64_t seq_errors = 0;  // a seq that is not last + 1 on this connection
  uint64_t bad_frames = 0;
  uint64_t timeouts = 0;
  uint64_t dropped = 0;  // connections closed by the server or failed mid-run
  int64_t last_ack_ns = 0;
  int64_t max_send_lag_ns = 0;                     // open loop: how late the generator sent
  std::map<std::string, uint64_t> errors;          // error frames by code
  std::map<std::string, uint64_t> setup_failures;  // by reason
  std::vector<uint32_t> latency_us;
  // Per 100 ms of (scheduled) send time since the measurement started: the
  // worst latency and the number of acks, to see when stalls happen.
  std::vector<uint32_t> slot_max_us;
  std::vector<uint32_t> slot_count;

  static constexpr int64_t kSlotNs = 100'000'000;

  // Records one ack: `sent_ns` after the start of measurement, `latency_ns`.
  void Record(int64_t sent_ns, int64_t latency_ns) {
    auto us = static_cast<uint32_t>(std::clamp<int64_t>(latency_ns / 1000, 0, UINT32_MAX));
    latency_us.push_back(us);
    auto slot = static_cast<size_t>(std::max<int64_t>(sent_ns, 0) / kSlotNs);
    if (slot >= 100000) return;
    if (slot >= slot_max_us.size()) {
      slot_max_us.resize(slot + 1, 0);
      slot_count.resize(slot + 1, 0);
    }
    slot_max_us[slot] = std::max(slot_max_us[slot], us);
    ++slot_count[slot];
  }

  void Merge(const Stats& o) {
    established += o.established;
    setup_failed += o.setup_failed;
    sent += o.sent;
    sent_measured += o.sent_measured;
    acked += o.acked;
    acked_warmup += o.acked_warmup;
    resends += o.resends;
    hello_busy += o.hello_busy;
    failed_messages += o.failed_messages;
    shed += o.shed;
    unacked += o.unacked;
    bot_replies += o.bot_replies;
    other_messages += o.other_messages;
    other_frames += o.other_frames;
    unexpected_acks += o.unexpected_acks;
    duplicates += o.duplicates;
    seq_errors += o.seq_errors;
    bad_frames += o.bad_frames;
    timeouts += o.timeouts;
    dropped += o.dropped;
    last_ack_ns = std::max(last_ack_ns, o.last_ack_ns);
    max_send_lag_ns = std::max(max_send_lag_ns, o.max_send_lag_ns);
    for (auto& [k, v] : o.errors) errors[k] += v;
    for (auto& [k, v] : o.setup_failures) setup_failures[k] += v;
    latency_us.insert(latency_us.end(), o.latency_us.begin(), o.latency_us.end());
    if (o.slot_max_us.size() > slot_max_us.size()) {
      slot_max_us.resize(o.slot_max_us.size(), 0);
      slot_count.resize(o.slot_max_us.size(), 0);
    }
    for (size_t i = 0; i < o.slot_max_us.size(); ++i) {
      slot_max_us[i] = std::max(slot_max_us[i], o.slot_max_us[i]);
      slot_count[i] += o.slot_count[i];
    }
  }
};

// ---- the run ----------------------------------------------------------------------

// Written by the main thread before it posts "go" to the workers (the post
// orders the writes before the reads), read-only afterwards.
struct Schedule {
  int64_t start_ns = 0;    // load starts
  int64_t measure_ns = 0;  // start + warmup
  int64_t end_ns = 0;      // no new message is sent (scheduled) at or after this
};

struct Shared {
  Options opts;
  tcp::endpoint endpoint;
  std::string host_header;
  std::string tag;  // makes client_ids unique across runs
  Schedule schedule;
  std::atomic<int> setup_done{0};
  std::atomic<int> established{0};
  std::atomic<int> finished{0};
};

struct Conn {
  explicit Conn(net::io_context& ioc, int i) : ws(ioc), drain_timer(ioc), index(i) {}

  websocket::stream<tcp::socket> ws;
  beast::flat_buffer buf;
  net::steady_timer drain_timer;
  int index;
  std::string prefix;     // client_id prefix
  int64_t last_seq = -1;  // highest seq seen on this connection
  // Watchdog: while `watched`, the server must make progress within --timeout.
  bool watched = false;
  int64_t progress_ns = 0;
  bool timed_out = false;
  bool closing = false;  // we started the close: read errors are expected
  bool failed = false;
  int coroutines = 0;  // live coroutines of this connection
  // Open loop: messages sent and not answered, oldest first.
  struct Pending {
    int64_t k;
    int64_t scheduled_ns;
    bool measured;
    bool acked = false;  // --await reply: acked, waiting for the bot's answer
  };
  std::deque<Pending> outstanding;
  bool sender_done = false;
};

struct Worker {
  Worker()
      : go(ioc, net::steady_timer::time_point::max()),
        release(ioc, net::steady_timer::time_point::max()) {}
  net::io_context ioc{1};
  Stats stats;
  // Many connections wait on each; cancel() wakes them all.
  net::steady_timer go;
  net::steady_timer release;
  bool go_fired = false;
  bool release_fired = false;
  std::vector<int> indices;  // connections of this worker
  size_t next = 0;
  int launchers = 0;
  std::vector<std::shared_ptr<Conn>> conns;
  int live = 0;  // connections created and not finished
  std::thread thread;
};

class LoadGen {
 public:
  explicit LoadGen(Shared& s) : s_(s), o_(s.opts) {}

  void Start(std::vector<std::unique_ptr<Worker>>& workers) {
    int per_worker = std::max(1, o_.connect_concurrency / static_cast<int>(workers.size()));
    for (auto& w : workers) {
      int n = std::min<int>(per_worker, static_cast<int>(w->indices.size()));
      w->launchers = n;
      for (int i = 0; i < n; ++i) net::co_spawn(w->ioc, Launcher(*w), net::detached);
      net::co_spawn(w->ioc, Watchdog(*w), net::detached);
    }
  }

 private:
  // Sets up this worker's connections one after another; several launchers
  // per worker give the wanted concurrency.
  net::awaitable<void> Launcher(Worker& w) {
    while (w.next < w.indices.size()) {
      int index = w.indices[w.next++];
      auto c = std::make_shared<Conn>(w.ioc, index);
      c->prefix = s_.tag + "-" + std::to_string(index) + "-";
      w.conns.push_back(c);
      ++w.live;
      bool ok = co_await Setup(w, *c);
      if (ok) {
        ++w.stats.established;
        s_.established.fetch_add(1);
      } else {
        ++w.stats.setup_failed;
        c->failed = true;
        CloseSocket(*c);
      }
      s_.setup_done.fetch_add(1);
      if (!ok) {
        Finish(w, *c);
        continue;
      }
      c->coroutines = 1;
      switch (o_.mode) {
        case Mode::kClosed:
          net::co_spawn(w.ioc, ClosedLoop(w, c), net::detached);
          break;
        case Mode::kOpen:
          c->coroutines = 2;
          net::co_spawn(w.ioc, OpenReader(w, c), net::detached);
          net::co_spawn(w.ioc, OpenSender(w, c), net::detached);
          break;
        case Mode::kIdle:
          c->coroutines = 2;
          net::co_spawn(w.ioc, IdleReader(w, c), net::detached);
          net::co_spawn(w.ioc, IdleCloser(w, c), net::detached);
          break;
      }
    }
    --w.launchers;
  }

  static void CloseSocket(Conn& c) {
    boost::system::error_code ec;
    c.ws.next_layer().close(ec);
  }

  void Finish(Worker& w, Conn&) {
    --w.live;
    s_.finished.fetch_add(1);
  }

  // Called at the end of each of a connection's coroutines.
  void CoroutineDone(Worker& w, Conn& c) {
    if (--c.coroutines == 0) {
      CloseSocket(c);
      Finish(w, c);
    }
  }

  net::awaitable<void> Watchdog(Worker& w) {
    net::steady_timer t(w.ioc);
    const auto limit = static_cast<int64_t>(o_.timeout * 1e9);
    while (w.launchers > 0 || w.live > 0) {
      t.expires_after(std::chrono::milliseconds(200));
      co_await t.async_wait(kTuple);
      int64_t now = NowNs();
      for (auto& c : w.conns) {
        if (c->watched && !c->timed_out && now - c->progress_ns > limit) {
          c->timed_out = true;
          CloseSocket(*c);  // the pending operation fails; its coroutine counts it
        }
      }
      // Forget finished connections now and then.
      if (w.launchers == 0 && w.conns.size() > 64) {
        std::erase_if(w.conns, [](const std::shared_ptr<Conn>& c) { return c.use_count() == 1; });
      }
    }
  }

  void Fail(Worker& w, Conn& c, const boost::system::error_code& ec, const char* where) {
    if (c.failed) return;
    c.failed = true;
    if (c.timed_out) {
      ++w.stats.timeouts;
    } else if (!c.closing) {
      ++w.stats.dropped;
      ++w.stats.errors[std::string("connection_") + where + ": " + ec.message()];
    }
  }

  // Counts one server frame and checks its seq. Returns false if it is not
  // a JSON object.
  bool Account(Worker& w, Conn& c, const kefu::bench::FrameFields& f, bool scanned) {
    Stats& st = w.stats;
    if (!scanned) {
      ++st.bad_frames;
      return false;
    }
    if (f.seq >= 0 && !f.duplicate) {
      if (c.last_seq >= 0 && f.seq != c.last_seq + 1) ++st.seq_errors;
      c.last_seq = std::max(c.last_seq, f.seq);
    }
    if (f.type == "ack") {
      if (f.duplicate) ++st.duplicates;
    } else if (f.type == "message") {
      if (f.sender == "bot") {
        ++st.bot_replies;
      } else {
        ++st.other_messages;
      }
    } else if (f.type == "error") {
      ++st.errors[f.code.empty() ? std::string("(no code)") : std::string(f.code)];
    } else {
      ++st.other_frames;
    }
    return true;
  }

  // True when `f` answers the message `cid`: an `ack` carrying it, or (for a
  // plain echo server) the echoed `message` frame itself, which has no sender.
  static bool IsAckFor(const kefu::bench::FrameFields& f, std::string_view cid) {
    if (f.client_id != cid) return false;
    return f.type == "ack" || (f.type == "message" && f.sender.empty());
  }

  void BuildMessage(std::string& out, const std::string& cid, int64_t k) const {
    out.clear();
    out += R"({"type":"message","client_id":")";
    out += cid;
    out += R"(","text":")";
    const std::string& text =
        o_.texts.size() > 1 ? o_.texts[static_cast<size_t>(k) % o_.texts.size()] : o_.text;
    kefu::bench::AppendJsonEscaped(out, text);
    out += "\"}";
  }

  std::string_view FrameText(Conn& c) {
    return {static_cast<const char*>(c.buf.data().data()), c.buf.size()};
  }

  // connect (from a source address), WebSocket handshake, hello -> welcome.
  net::awaitable<bool> Setup(Worker& w, Conn& c) {
    Stats& st = w.stats;
    c.watched = true;
    c.progress_ns = NowNs();
    auto fail = [&](const std::string& why) {
      ++st.setup_failures[c.timed_out ? "timeout" : why];
      c.watched = false;
      return false;
    };
    tcp::socket& sock = c.ws.next_layer();
    boost::system::error_code ec;
    sock.open(tcp::v4(), ec);
    if (ec) co_return fail("socket: " + ec.message());
    if (!o_.source_ips.empty()) {
      int one = 1;
      // Pick the port at connect time, per (source, destination) pair, so each
      // source address offers the whole ephemeral range.
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sock.bind(tcp::endpoint(o_.source_ips[c.index % o_.source_ips.size()], 0), ec);
      if (ec) co_return fail("bind: " + ec.message());
    }
    auto [cec] = co_await sock.async_connect(s_.endpoint, kTuple);
    if (cec) co_return fail("connect: " + cec.message());
    sock.set_option(tcp::no_delay(true), ec);
    c.ws.read_message_max(1 << 20);
    auto [hec] = co_await c.ws.async_handshake(s_.host_header, o_.path, kTuple);
    if (hec) co_return fail("handshake: " + hec.message());
    std::string hello = R"({"type":"hello","public_key":")";
    kefu::bench::AppendJsonEscaped(hello, o_.public_key);
    hello += "\"}";
    // A server shedding load may answer `busy`: retry after its hint, as a
    // widget would, until the setup timeout.
    const int64_t give_up = c.progress_ns + static_cast<int64_t>(o_.setup_timeout * 1e9);
    for (bool welcomed = false; !welcomed;) {
      c.ws.text(true);
      auto [wec, wn] = co_await c.ws.async_write(net::buffer(hello), kTuple);
      if (wec) co_return fail("hello: " + wec.message());
      int64_t retry_ms = -1;
      while (!welcomed && retry_ms < 0) {
        auto [rec, rn] = co_await c.ws.async_read(c.buf, kTuple);
        if (rec) co_return fail("welcome: " + rec.message());
        kefu::bench::FrameFields f;
        bool scanned = kefu::bench::ScanFrame(FrameText(c), f);
        c.buf.consume(c.buf.size());
        if (scanned && f.type == "welcome") {
          welcomed = true;
        } else if (scanned && f.type == "error" && f.code == "busy" && NowNs() < give_up) {
          ++st.hello_busy;
          retry_ms = std::clamp<int64_t>(f.retry_after_ms, 1, 1000);
        } else if (scanned && f.type == "error") {
          co_return fail("hello answered with error " + std::string(f.code));
        } else {
          Account(w, c, f, scanned);
        }
      }
      if (retry_ms >= 0) {
        c.watched = false;  // our own wait, not the server's
        net::steady_timer t(w.ioc, std::chrono::milliseconds(retry_ms));
        co_await t.async_wait(kTuple);
        c.watched = true;
        c.progress_ns = NowNs();
      }
    }
    c.watched = false;
    co_return true;
  }

  // Waits until the main thread says go (returns at once if it has).
  net::awaitable<void> WaitFor(net::steady_timer& t, const bool& fired) {
    if (!fired) co_await t.async_wait(kTuple);
  }

  net::awaitable<void> ClosedLoop(Worker& w, std::shared_ptr<Conn> cp) {
    Conn& c = *cp;
    Stats& st = w.stats;
    co_await WaitFor(w.go, w.go_fired);
    const Schedule& sch = s_.schedule;
    if (NowNs() < sch.start_ns) {
      net::steady_timer t(w.ioc, ToTimePoint(sch.start_ns));
      co_await t.async_wait(kTuple);
    }
    std::string cid, msg;
    int64_t measured_count = 0;
    for (int64_t k = 0; !c.failed; ++k) {
      int64_t t0 = NowNs();
      if (t0 >= sch.end_ns || measured_count >= o_.messages) break;
      bool measured = t0 >= sch.measure_ns;
      cid = c.prefix + std::to_string(k);
      BuildMessage(msg, cid, k + c.index);
      bool answered = false;
      bool acked = false;
      while (!answered && !c.failed) {
        c.watched = true;
        c.progress_ns = NowNs();
        c.ws.text(true);
        auto [wec, wn] = co_await c.ws.async_write(net::buffer(msg), kTuple);
        if (wec) {
          Fail(w, c, wec, "write");
          break;
        }
        ++st.sent;
        if (measured) ++st.sent_measured;
        int64_t retry_ms = -1;
        while (!c.failed) {
          auto [rec, rn] = co_await c.ws.async_read(c.buf, kTuple);
          if (rec) {
            Fail(w, c, rec, "read");
            ++st.unacked;
            break;
          }
          int64_t now = NowNs();
          c.progress_ns = now;
          kefu::bench::FrameFields f;
          bool scanned = kefu::bench::ScanFrame(FrameText(c), f);
          Account(w, c, f, scanned);
          bool mine = scanned && f.client_id == cid;
          // Done: at its ack, or (--await reply) at the bot's first message after it.
          const bool ack = scanned && IsAckFor(f, cid);
          const bool done = o_.await_reply ? acked && scanned && f.type == "message" &&
                                                 f.sender == "bot"
                                           : ack;
          if (o_.await_reply && ack && !acked) {
            acked = true;  // now its answer
          } else if (done) {
            if (measured) {
              ++st.acked;
              ++measured_count;
              st.Record(t0 - s_.schedule.measure_ns, now - t0);
              st.last_ack_ns = std::max(st.last_ack_ns, now);
            } else {
              ++st.acked_warmup;
            }
            answered = true;
          } else if (mine && f.type == "error") {
            if (f.code == "busy") {
              retry_ms = std::clamp<int64_t>(f.retry_after_ms, 1, 1000);
            } else {
              ++st.failed_messages;
              answered = true;  // give up on this one, go on with the next
            }
          } else if (scanned && f.type == "ack") {
            ++st.unexpected_acks;
          }
          c.buf.consume(c.buf.size());
          if (answered || retry_ms >= 0) break;
        }
        c.watched = false;
        if (retry_ms >= 0 && !c.failed) {
          ++st.resends;
          net::steady_timer t(w.ioc, std::chrono::milliseconds(retry_ms));
          co_await t.async_wait(kTuple);
          if (NowNs() >= sch.end_ns) break;  // out of time: leave it unanswered
        }
      }
    }
    co_await Close(c);
    CoroutineDone(w, c);
  }

  net::awaitable<void> Close(Conn& c) {
    if (c.failed) co_return;
    c.closing = true;
    c.watched = true;
    c.progress_ns = NowNs();
    co_await c.ws.async_close(websocket::close_code::normal, kTuple);
    c.watched = false;
  }

  net::awaitable<void> OpenSender(Worker& w, std::shared_ptr<Conn> cp) {
    Conn& c = *cp;
    Stats& st = w.stats;
    co_await WaitFor(w.go, w.go_fired);
    const Schedule& sch = s_.schedule;
    // Each connection sends every `interval`; connections are staggered
    // evenly over one interval so the total is smooth.
    const double interval = 1e9 * o_.connections / o_.rate;
    const int64_t first = sch.start_ns + static_cast<int64_t>(interval * c.index / o_.connections);
    net::steady_timer t(w.ioc);
    std::string cid, msg;
    for (int64_t k = 0; k < o_.messages && !c.failed; ++k) {
      int64_t at = first + static_cast<int64_t>(interval * static_cast<double>(k));
      if (at >= sch.end_ns) break;
      if (NowNs() < at) {
        t.expires_at(ToTimePoint(at));
        co_await t.async_wait(kTuple);
        if (c.failed) break;
      }
      int64_t now = NowNs();
      st.max_send_lag_ns = std::max(st.max_send_lag_ns, now - at);
      cid = c.prefix + std::to_string(k);
      BuildMessage(msg, cid, k + c.index);
      bool measured = at >= sch.measure_ns;
      if (c.outstanding.empty()) c.progress_ns = now;
      c.outstanding.push_back({k, at, measured});
      c.watched = true;
      c.ws.text(true);
      auto [wec, wn] = co_await c.ws.async_write(net::buffer(msg), kTuple);
      if (wec) {
        Fail(w, c, wec, "write");
        break;
      }
      ++st.sent;
      if (measured) ++st.sent_measured;
    }
    c.sender_done = true;
    if (!c.outstanding.empty() && !c.failed) {
      c.drain_timer.expires_after(std::chrono::milliseconds(static_cast<int64_t>(o_.drain * 1000)));
      co_await c.drain_timer.async_wait(kTuple);  // the reader cancels it when all are in
    }
    co_await Close(c);
    CoroutineDone(w, c);
  }

  net::awaitable<void> OpenReader(Worker& w, std::shared_ptr<Conn> cp) {
    Conn& c = *cp;
    Stats& st = w.stats;
    while (!c.failed) {
      auto [rec, rn] = co_await c.ws.async_read(c.buf, kTuple);
      if (rec) {
        Fail(w, c, rec, "read");
        break;
      }
      int64_t now = NowNs();
      c.progress_ns = now;
      kefu::bench::FrameFields f;
      bool scanned = kefu::bench::ScanFrame(FrameText(c), f);
      Account(w, c, f, scanned);
      bool ack = scanned && (f.type == "ack" || (f.type == "message" && f.sender.empty()));
      bool err = scanned && f.type == "error";
      // --await reply: a bot message answers the oldest acked message.
      auto answered = c.outstanding.end();
      if (o_.await_reply && scanned && f.type == "message" && f.sender == "bot") {
        answered = std::find_if(c.outstanding.begin(), c.outstanding.end(),
                                [](const Conn::Pending& p) { return p.acked; });
      }
      if (answered != c.outstanding.end()) {
        if (answered->measured) {
          ++st.acked;
          st.Record(answered->scheduled_ns - s_.schedule.measure_ns, now - answered->scheduled_ns);
          st.last_ack_ns = std::max(st.last_ack_ns, now);
        } else {
          ++st.acked_warmup;
        }
        c.outstanding.erase(answered);
      } else if ((ack || err) && f.client_id.size() > c.prefix.size() &&
          f.client_id.substr(0, c.prefix.size()) == c.prefix) {
        int64_t k = -1;
        auto digits = f.client_id.substr(c.prefix.size());
        std::from_chars(digits.data(), digits.data() + digits.size(), k);
        auto it = std::find_if(c.outstanding.begin(), c.outstanding.end(),
                               [k](const Conn::Pending& p) { return p.k == k; });
        if (it == c.outstanding.end()) {
          if (ack) ++st.unexpected_acks;
        } else {
          if (ack && o_.await_reply) {
            it->acked = true;
          } else if (ack) {
            if (it->measured) {
              ++st.acked;
              st.Record(it->scheduled_ns - s_.schedule.measure_ns, now - it->scheduled_ns);
              st.last_ack_ns = std::max(st.last_ack_ns, now);
            } else {
              ++st.acked_warmup;
            }
          } else if (f.code == "busy") {
            ++st.shed;
          } else {
            ++st.failed_messages;
          }
          if (!(ack && o_.await_reply)) c.outstanding.erase(it);
        }
      } else if (ack && f.type == "ack") {
        ++st.unexpected_acks;
      }
      c.buf.consume(c.buf.size());
      if (c.outstanding.empty()) {
        c.watched = false;
        if (c.sender_done) c.drain_timer.cancel();
      }
    }
    st.unacked += c.outstanding.size();
    c.outstanding.clear();
    c.drain_timer.cancel();
    CoroutineDone(w, c);
  }

  net::awaitable<void> IdleReader(Worker& w, std::shared_ptr<Conn> cp) {
    Conn& c = *cp;
    while (!c.failed) {
      // Beast answers WebSocket pings from the server while this read waits.
      auto [rec, rn] = co_await c.ws.async_read(c.buf, kTuple);
      if (rec) {
        Fail(w, c, rec, "read");
        break;
      }
      kefu::bench::FrameFields f;
      Account(w, c, f, kefu::bench::ScanFrame(FrameText(c), f));
      c.buf.consume(c.buf.size());
    }
    c.buf.shrink_to_fit();
    CoroutineDone(w, c);
  }

  net::awaitable<void> IdleCloser(Worker& w, std::shared_ptr<Conn> cp) {
    Conn& c = *cp;
    co_await WaitFor(w.release, w.release_fired);
    if (!c.failed) {
      c.closing = true;
      c.watched = true;
      c.progress_ns = NowNs();
      co_await c.ws.async_close(websocket::close_code::normal, kTuple);
      c.watched = false;
    }
    CoroutineDone(w, c);
  }

  Shared& s_;
  const Options& o_;
};

// ---- report ----------------------------------------------------------------------

double Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;  // ms
}

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kClosed:
      return "closed";
    case Mode::kOpen:
      return "open";
    case Mode::kIdle:
      return "idle";
  }
  return "?";
}

// Posts `fn` to every worker and waits until all have run it.
template <class Fn>
void OnEachWorker(std::vector<std::unique_ptr<Worker>>& workers, Fn fn) {
  std::atomic<int> done{0};
  for (auto& w : workers) {
    Worker* wp = w.get();
    net::post(w->ioc, [wp, &fn, &done] {
      fn(*wp);
      done.fetch_add(1);
    });
  }
  auto until = NowNs() + 5'000'000'000LL;
  while (done.load() < static_cast<int>(workers.size()) && NowNs() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void SleepUntilNs(int64_t ns) {
  int64_t now = NowNs();
  if (ns > now) std::this_thread::sleep_for(std::chrono::nanoseconds(ns - now));
}

// --fsync-probe DIR [--duration S]: how long this disk takes to make 4 KiB
// durable (pwrite + fdatasync, the unit of kefu's group commit). Printed as
// JSON so scripts/bench can show it next to the latencies it explains.
int FsyncProbe(const std::string& dir, double seconds) {
  std::string path = dir + "/kefu-fsync-probe." + std::to_string(getpid());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) Die("cannot create " + path);
  std::vector<uint32_t> us;
  char block[4096];
  std::memset(block, 'k', sizeof block);
  const int64_t end = NowNs() + static_cast<int64_t>(seconds * 1e9);
  for (int64_t i = 0; NowNs() < end && us.size() < 100000; ++i) {
    if (::pwrite(fd, block, sizeof block, (i % 256) * 4096) != sizeof block) Die("pwrite failed");
    int64_t t0 = NowNs();
    if (::fdatasync(fd) != 0) Die("fdatasync failed");
    us.push_back(static_cast<uint32_t>((NowNs() - t0) / 1000));
  }
  ::close(fd);
  ::unlink(path.c_str());
  std::sort(us.begin(), us.end());
  Json j = {{"fsync_ms",
             {{"count", us.size()},
              {"p50", Percentile(us, 50)},
              {"p90", Percentile(us, 90)},
              {"p99", Percentile(us, 99)},
              {"max", Percentile(us, 100)}}}};
  std::cout << j.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--fsync-probe") {
    double seconds = 3;
    if (argc >= 5 && std::string(argv[3]) == "--duration") seconds = std::atof(argv[4]);
    return FsyncProbe(argv[2], seconds);
  }
  Shared shared;
  shared.opts = ParseOptions(argc, argv);
  Options& o = shared.opts;
  if (!o.bootstrap_token.empty() && o.public_key.empty()) o.public_key = Bootstrap(o);
  if (o.bootstrap_only) {
    std::printf("%s\n", o.public_key.c_str());
    return 0;
  }

  // Each connection is one file here; say so before the kernel does.
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  if (static_cast<rlim_t>(o.connections) + 64 > nofile.rlim_cur) {
    Die("--connections " + std::to_string(o.connections) + " needs more files than ulimit -n (" +
        std::to_string(nofile.rlim_cur) + "); use at most " +
        std::to_string(static_cast<long>(nofile.rlim_cur) - 64));
  }

  shared.endpoint = tcp::endpoint(net::ip::make_address_v4(o.host), o.port);
  shared.host_header = o.host + ":" + std::to_string(o.port);
  shared.tag = "lg" + std::to_string(getpid()) + "x" + std::to_string(NowNs() % 100000);

  const int64_t rss_before = ReadRssKb(o.server_pid);

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < o.threads; ++i) workers.push_back(std::make_unique<Worker>());
  for (int i = 0; i < o.connections; ++i) workers[i % o.threads]->indices.push_back(i);

  LoadGen gen(shared);
  gen.Start(workers);
  const int64_t t_setup = NowNs();
  for (auto& w : workers) {
    Worker* wp = w.get();
    w->thread = std::thread([wp] { wp->ioc.run(); });
  }

  // 1. Establish every connection.
  const int64_t setup_deadline = t_setup + static_cast<int64_t>(o.setup_timeout * 1e9);
  while (shared.setup_done.load() < o.connections && NowNs() < setup_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double setup_s = (NowNs() - t_setup) / 1e9;
  const int established = shared.established.load();
  const bool setup_complete = shared.setup_done.load() == o.connections;

  // 2. Load (or hold).
  int64_t rss_after = -1, rss_peak = rss_before;
  double server_cpu0 = ReadCpuSeconds(o.server_pid), self_cpu0 = SelfCpuSeconds();
  double server_cpu = -1, self_cpu = -1;
  Schedule& sch = shared.schedule;
  sch.start_ns = NowNs() + 20'000'000;  // a moment for "go" to reach every worker
  sch.measure_ns = sch.start_ns + static_cast<int64_t>(o.warmup * 1e9);
  double load_s = o.mode == Mode::kClosed && o.duration <= 0 ? o.max_time : o.duration;
  if (o.mode == Mode::kIdle) load_s = 0;
  sch.end_ns = sch.measure_ns + static_cast<int64_t>(load_s * 1e9);
  OnEachWorker(workers, [](Worker& w) {
    w.go_fired = true;
    w.go.cancel();
  });

  bool forced = false;
  if (o.mode == Mode::kIdle) {
    SleepUntilNs(NowNs() + static_cast<int64_t>(o.settle * 1e9));
    rss_after = ReadRssKb(o.server_pid);
    rss_peak = std::max(rss_peak, rss_after);
    server_cpu = ReadCpuSeconds(o.server_pid) - server_cpu0;
    SleepUntilNs(sch.start_ns + static_cast<int64_t>(o.duration * 1e9));
    OnEachWorker(workers, [](Worker& w) {
      w.release_fired = true;
      w.release.cancel();
    });
  }
  const int64_t hard_deadline = (o.mode == Mode::kIdle ? NowNs() : sch.end_ns) +
                                static_cast<int64_t>((o.drain + 2 * o.timeout + 5) * 1e9);
  while (shared.finished.load() < o.connections) {
    if (NowNs() > hard_deadline) {
      forced = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(o.server_pid > 0 ? 100 : 5));
    if (o.mode != Mode::kIdle) rss_peak = std::max(rss_peak, ReadRssKb(o.server_pid));
  }
  const int64_t t_end = NowNs();
  if (o.mode != Mode::kIdle) {
    server_cpu = ReadCpuSeconds(o.server_pid) - server_cpu0;
    rss_after = ReadRssKb(o.server_pid);
  }
  self_cpu = SelfCpuSeconds() - self_cpu0;
  for (auto& w : workers) {
    if (forced) w->ioc.stop();
    w->thread.join();
  }

  // 3. Report.
  Stats total;
  for (auto& w : workers) total.Merge(w->stats);
  std::sort(total.latency_us.begin(), total.latency_us.end());
  double measured_s = 0;
  if (o.mode == Mode::kClosed) {
    measured_s = std::max<int64_t>(0, std::min(total.last_ack_ns, t_end) - sch.measure_ns) / 1e9;
  } else if (o.mode == Mode::kOpen) {
    measured_s = (sch.end_ns - sch.measure_ns) / 1e9;
  }
  const double rate = measured_s > 0 ? total.acked / measured_s : 0;
  double mean_ms = 0;
  for (uint32_t v : total.latency_us) mean_ms += v;
  if (!total.latency_us.empty()) mean_ms /= total.latency_us.size() * 1000.0;
  const int64_t rss_growth = (rss_before >= 0 && rss_after >= 0) ? rss_after - rss_before : -1;
  const double kb_per_conn =
      (rss_growth >= 0 && established > 0) ? static_cast<double>(rss_growth) / established : -1;
  const double peak_kb_per_conn = (rss_before >= 0 && established > 0)
                                      ? static_cast<double>(rss_peak - rss_before) / established
                                      : -1;

  Json j;
  j["mode"] = ModeName(o.mode);
  j["url"] = o.url;
  j["public_key"] = o.public_key;
  j["threads"] = o.threads;
  j["connections"] = o.connections;
  j["established"] = established;
  j["setup_complete"] = setup_complete;
  j["setup_s"] = setup_s;
  j["setup_failures"] = total.setup_failures;
  j["hello_busy"] = total.hello_busy;
  j["forced_stop"] = forced;
  if (o.mode != Mode::kIdle) {
    j["messages_per_connection"] = o.messages == INT64_MAX ? -1 : o.messages;
    j["target_rate"] = o.rate;
    j["warmup_s"] = o.warmup;
    j["measured_s"] = measured_s;
    j["sent"] = total.sent;
    j["sent_measured"] = total.sent_measured;
    j["acked"] = total.acked;
    j["acked_warmup"] = total.acked_warmup;
    j["acked_per_s"] = rate;
    j["latency_ms"] = {
        {"count", total.latency_us.size()},        {"mean", mean_ms},
        {"p50", Percentile(total.latency_us, 50)}, {"p90", Percentile(total.latency_us, 90)},
        {"p99", Percentile(total.latency_us, 99)}, {"p999", Percentile(total.latency_us, 99.9)},
        {"max", Percentile(total.latency_us, 100)}};
    j["resends_after_busy"] = total.resends;
    j["shed_busy"] = total.shed;
    j["failed_messages"] = total.failed_messages;
    j["unacked"] = total.unacked;
    j["max_send_lag_ms"] = total.max_send_lag_ns / 1e6;
    if (o.timeline) {
      Json max_ms = Json::array();
      for (uint32_t v : total.slot_max_us) max_ms.push_back(v / 1000.0);
      j["timeline_100ms"] = {{"max_ms", max_ms}, {"acks", total.slot_count}};
    }
  } else {
    j["hold_s"] = o.duration;
  }
  j["bot_replies"] = total.bot_replies;
  j["other_messages"] = total.other_messages;
  j["other_frames"] = total.other_frames;
  j["unexpected_acks"] = total.unexpected_acks;
  j["duplicates"] = total.duplicates;
  j["seq_errors"] = total.seq_errors;
  j["bad_frames"] = total.bad_frames;
  j["timeouts"] = total.timeouts;
  j["dropped"] = total.dropped;
  j["errors"] = total.errors;
  j["server"] = {{"pid", o.server_pid},
                 {"rss_kb_before", rss_before},
                 {"rss_kb_after", rss_after},
                 {"rss_kb_peak", rss_peak},
                 {"rss_kb_growth", rss_growth},
                 {"kb_per_connection", kb_per_conn},
                 {"peak_kb_per_connection", peak_kb_per_conn},
                 {"cpu_s", server_cpu}};
  j["loadgen"] = {{"rss_kb", ReadRssKb(getpid())}, {"cpu_s", self_cpu}};

  if (o.json) {
    std::cout << j.dump() << std::endl;
  } else {
    std::printf("mode %s  connections %d established %d (setup %.2f s)  threads %d\n",
                ModeName(o.mode), o.connections, established, setup_s, o.threads);
    for (auto& [why, n] : total.setup_failures)
      std::printf("  setup failed: %s x%llu\n", why.c_str(), static_cast<unsigned long long>(n));
    if (total.hello_busy)
      std::printf("  hello answered busy (resent) x%llu\n",
                  static_cast<unsigned long long>(total.hello_busy));
    if (o.mode != Mode::kIdle) {
      std::printf("measured %.2f s  sent %llu  acked %llu  =>  %.0f acked msg/s\n", measured_s,
                  static_cast<unsigned long long>(total.sent_measured),
                  static_cast<unsigned long long>(total.acked), rate);
      std::printf("ack latency ms  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
                  Percentile(total.latency_us, 50), Percentile(total.latency_us, 90),
                  Percentile(total.latency_us, 99), Percentile(total.latency_us, 99.9),
                  Percentile(total.latency_us, 100), mean_ms);
      std::printf("busy: resent %llu shed %llu  failed %llu  unacked %llu  max send lag %.1f ms\n",
                  static_cast<unsigned long long>(total.resends),
                  static_cast<unsigned long long>(total.shed),
                  static_cast<unsigned long long>(total.failed_messages),
                  static_cast<unsigned long long>(total.unacked), total.max_send_lag_ns / 1e6);
    }
    std::printf(
        "bot replies %llu  other messages %llu  other frames %llu  seq errors %llu  "
        "duplicates %llu  unexpected acks %llu  bad frames %llu\n",
        static_cast<unsigned long long>(total.bot_replies),
        static_cast<unsigned long long>(total.other_messages),
        static_cast<unsigned long long>(total.other_frames),
        static_cast<unsigned long long>(total.seq_errors),
        static_cast<unsigned long long>(total.duplicates),
        static_cast<unsigned long long>(total.unexpected_acks),
        static_cast<unsigned long long>(total.bad_frames));
    std::printf("timeouts %llu  dropped %llu%s\n", static_cast<unsigned long long>(total.timeouts),
                static_cast<unsigned long long>(total.dropped), forced ? "  (FORCED STOP)" : "");
    for (auto& [code, n] : total.errors)
      std::printf("  error %s x%llu\n", code.c_str(), static_cast<unsigned long long>(n));
    if (o.server_pid > 0) {
      std::printf(
          "server rss KB  before %lld  after %lld  peak %lld  growth %lld  per connection %.2f "
          "(peak %.2f)  cpu %.2f s\n",
          static_cast<long long>(rss_before), static_cast<long long>(rss_after),
          static_cast<long long>(rss_peak), static_cast<long long>(rss_growth), kb_per_conn,
          peak_kb_per_conn, server_cpu);
    }
    std::printf("loadgen rss %lld KB  cpu %.2f s\n", static_cast<long long>(ReadRssKb(getpid())),
                self_cpu);
  }
  bool ok = established == o.connections && !forced && total.timeouts == 0 && total.dropped == 0;
  return ok ? 0 : 3;
}
