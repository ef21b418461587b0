#include "server/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "channels/agent_session.h"
#include "channels/widget_session.h"
#include "core/crypto.h"
#include "core/json.h"
#include "server/async.h"
#include "server/auth.h"
#include "server/http_api.h"

namespace kefu::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

namespace {

// Executor over an Asio execution context, with a pool of strands for
// ordered work (a conversation always maps to the same strand).
class AsioExecutor final : public Executor {
 public:
  explicit AsioExecutor(asio::any_io_executor ex, size_t strands = 256) : ex_(ex) {
    for (size_t i = 0; i < strands; ++i) strands_.push_back(asio::make_strand(ex_));
  }
  void Post(std::function<void()> f) override { asio::post(ex_, std::move(f)); }
  void PostAfter(int64_t millis, std::function<void()> f) override {
    auto t = std::make_shared<asio::steady_timer>(ex_, std::chrono::milliseconds(millis));
    t->async_wait([t, f = std::move(f)](boost::system::error_code) { f(); });
  }
  void PostOrdered(uint64_t key, std::function<void()> f) override {
    asio::post(strands_[key % strands_.size()], std::move(f));
  }

 private:
  asio::any_io_executor ex_;
  std::vector<asio::strand<asio::any_io_executor>> strands_;
};

bool IsWidgetPath(std::string_view target) {
  return target.substr(0, target.find('?')) == "/ws/widget";
}
bool IsAgentPath(std::string_view target) {
  return target.substr(0, target.find('?')) == "/ws/agent";
}

class Server {
 public:
  Server(const ServerOptions& opts, store::Store& store)
      : opts_(opts),
        threads_(opts.threads > 0 ? opts.threads
                                  : std::max(1u, std::thread::hardware_concurrency())),
        ioc_(threads_),
        jobs_pool_(1),
        executor_(ioc_.get_executor()),
        jobs_(jobs_pool_.get_executor(), 1),
        bus_(bus::Bus::InProcess()),
        responder_(MakeResponder(opts, store)),
        service_(conversation::Deps{&store, bus_.get(), responder_.get(), &executor_, Clock::Real(),
                                    &metrics_, [this](int64_t t) { return handoff_.Takeover(t); }}),
        handoff_(handoff::HandoffDeps{&store, bus_.get(), &executor_, Clock::Real()},
                 handoff::HandoffOptions{5, opts.agent_grace_ms}),
        login_limiter_(Clock::Real(), opts.login_limits),
        api_(ctx_, jobs_),
        acceptor_(ioc_),
        signals_(ioc_, SIGINT, SIGTERM) {
    ctx_.store = &store;
    ctx_.bus = bus_.get();
    ctx_.conversations = &service_;
    ctx_.responder = responder_.get();
    ctx_.handoff = &handoff_;
    ctx_.metrics = &metrics_;
    ctx_.clock = Clock::Real();
    ctx_.login_limiter = &login_limiter_;
    ctx_.session_lifetime_ms = opts.session_lifetime_ms;
    ctx_.data_dir = opts.data_dir;
    ctx_.static_dir = opts.static_dir;
    ctx_.console_dir = opts.console_dir;
    ctx_.limits = opts.limits;
    ctx_.store_max_queue = opts.max_queue;
    metrics_.store_queue_depth = [&store] { return static_cast<int64_t>(store.QueueDepth()); };
  }

  // Reads the conversations waiting for agents. Errors: the store's.
  Status StartHandoff() { return handoff_.Start(); }
  // Why the responder could not be built (e.g. an invalid bot package).
  const Status& responder_status() const { return responder_status_; }
  metrics::Registry& metrics() { return metrics_; }
  Context& context() { return ctx_; }

  // Binds and listens. Errors: IoError with the reason.
  Status Listen() {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(opts_.listen, ec);
    if (ec) return Status::InvalidArgument("--listen: not an IP address: " + opts_.listen);
    tcp::endpoint ep{addr, opts_.port};
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IoError(fmt::format("cannot listen on {}:{}: {}", opts_.listen, opts_.port,
                                         ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  int Run() {
    asio::co_spawn(ioc_, Accept(), asio::detached);
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      spdlog::info("signal {}: shutting down (deadline {} s)", sig, opts_.shutdown_timeout_s);
      asio::co_spawn(ioc_, Shutdown(), asio::detached);
    });
    // Answer what a crash left unanswered.
    asio::post(ioc_, [this] {
      auto n = service_.Recover();
      if (!n.ok()) {
        spdlog::error("recovery failed: {}", n.status().ToString());
      } else if (*n > 0) {
        spdlog::info("recovery: answering {} stored message(s) left unanswered", *n);
      }
    });
    std::vector<std::thread> threads;
    for (int i = 1; i < threads_; ++i) threads.emplace_back([this] { RunLoop(); });
    RunLoop();
    for (auto& t : threads) t.join();
    jobs_pool_.join();
    return exit_code_;
  }

 private:
  std::unique_ptr<conversation::Responder> MakeResponder(const ServerOptions& opts,
                                                         store::Store& store) {
    if (opts.responder == "none") return nullptr;
    if (opts.responder == "echo") {
      return conversation::MakeEchoResponder(&executor_, opts.responder_delay_ms);
    }
    if (opts.responder != "bot" || !opts.make_responder) {
      responder_status_ = Status::InvalidArgument("unknown responder: " + opts.responder);
      return nullptr;
    }
    // handoff_ is built after the responder; it is only asked once serving.
    auto r = opts.make_responder(ResponderEnv{ioc_.get_executor(), &executor_, &store,
                                              [this](int64_t t) { return handoff_.AgentsOnline(t); },
                                              [this](int64_t t, const std::string& q) {
                                                return handoff_.QueueOpen(t, q);
                                              }});
    if (!r.ok()) {
      responder_status_ = r.status();
      return nullptr;
    }
    return std::move(*r);
  }

  void RunLoop() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("unexpected exception on an I/O thread: {}", e.what());
      }
    }
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] =
          co_await acceptor_.async_accept(asio::make_strand(ioc_), asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      if (ec) {
        // Out of file descriptors or similar: keep the connections we have
        // and try again shortly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer t(ioc_, std::chrono::milliseconds(100));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto ex = socket.get_executor();
      asio::co_spawn(ex, Session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> Session(beast::tcp_stream stream) {
    metrics_.http_connections.Add(1);
    struct Gone {
      metrics::Gauge& g;
      ~Gone() { g.Add(-1); }
    } gone{metrics_.http_connections};
    try {
      co_await ServeHttp(stream);
    } catch (const std::exception& e) {
      spdlog::error("connection ended unexpectedly: {}", e.what());
    }
  }

  asio::awaitable<void> ServeHttp(beast::tcp_stream& stream) {
    const uint64_t id = ++ctx_.next_connection_id;
    // Asked to close: an idle keep-alive connection is cut now, a busy one
    // after its response.
    auto idle = std::make_shared<bool>(true);
    auto close_after = std::make_shared<bool>(false);
    ctx_.connections.Add(id, [&stream, idle, close_after] {
      asio::post(stream.get_executor(), [&stream, idle, close_after] {
        *close_after = true;
        if (*idle) stream.cancel();
      });
    });
    struct Unregister {
      Context& ctx;
      uint64_t id;
      ~Unregister() { ctx.connections.Remove(id); }
    } unregister{ctx_, id};

    // The client's address, for the failed sign-ins it may make.
    boost::system::error_code peer_ec;
    const auto remote = stream.socket().remote_endpoint(peer_ec);
    const std::string peer = peer_ec ? "" : remote.address().to_string();

    beast::flat_buffer buf;
    bool first = true;
    uint64_t requests = 0;
    while (!*close_after) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(boost::none);  // the route's limit is set once the target is known
      stream.expires_after(std::chrono::seconds(first ? ctx_.limits.read_timeout_s
                                                      : ctx_.limits.idle_timeout_s));
      *idle = true;
      auto [ec, n] = co_await http::async_read_header(stream, buf, parser,
                                                      asio::as_tuple(asio::use_awaitable));
      *idle = false;
      first = false;
      if (ec) {
        if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
            ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
          co_await WriteError(stream, Status::InvalidArgument("malformed HTTP request: " + ec.message()));
        }
        break;
      }
      const size_t limit = api_.BodyLimit(parser.get().target());
      const Status too_large = Status::PayloadTooLarge(fmt::format("body over {} bytes", limit));
      if (parser.content_length() && *parser.content_length() > limit) {
        co_await WriteError(stream, too_large);
        break;
      }
      parser.body_limit(limit);  // chunked bodies
      stream.expires_after(std::chrono::seconds(ctx_.limits.read_timeout_s));
      std::tie(ec, n) = co_await http::async_read(stream, buf, parser,
                                                  asio::as_tuple(asio::use_awaitable));
      if (ec == http::error::body_limit) {
        co_await WriteError(stream, too_large);
        break;
      }
      if (ec) break;
      Request req = parser.release();
      if (websocket::is_upgrade(req) && IsAgentPath(req.target())) {
        auto user = SessionUser(req, ctx_);
        if (!user.ok() || ctx_.draining) {
          // Built before the co_await: g++ 12 destroys a temporary of a
          // conditional expression inside a co_await statement twice.
          Status refused = user.status();
          if (ctx_.draining) refused = Status::Unavailable("shutting down");
          Response res = ErrorResponse(refused, req.version(), false);
          co_await Write(stream, std::move(res));
          break;
        }
        ctx_.connections.Remove(id);
        stream.expires_never();
        co_await channels::RunAgentSession(channels::WidgetStream(std::move(stream)),
                                           std::move(req), std::move(*user), ctx_);
        co_return;
      }
      if (websocket::is_upgrade(req)) {
        if (!IsWidgetPath(req.target())) {
          co_await Write(stream, ErrorResponse(Status::NotFound("no WebSocket at this path"),
                                               req.version(), false));
          break;
        }
        if (ctx_.draining) {
          co_await Write(stream, ErrorResponse(Status::Unavailable("shutting down"), req.version(),
                                               false));
          break;
        }
        ctx_.connections.Remove(id);
        stream.expires_never();
        co_await channels::RunWidgetSession(channels::WidgetStream(std::move(stream)),
                                            std::move(req), ctx_);
        co_return;
      }
      auto started = std::chrono::steady_clock::now();
      // A request id: the caller's (if sane) or ours; echoed and logged.
      std::string rid(req["X-Request-Id"]);
      if (rid.empty() || rid.size() > 64 || !IsValidUtf8(rid)) {
        rid = fmt::format("{:x}-{:x}", id, ++requests);
      }
      Response res = co_await api_.Handle(req, peer);
      res.set("X-Request-Id", rid);
      if (ctx_.draining || *close_after) res.keep_alive(false);
      metrics_.http_requests.Inc();
      if (res.result_int() >= 500) {
        metrics_.http_errors_5xx.Inc();
      } else if (res.result_int() >= 400) {
        metrics_.http_errors_4xx.Inc();
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      metrics_.http_request_seconds.Observe(seconds);
      if (res.result_int() >= 500) {
        spdlog::warn("rid={} {} {} -> {} ({:.1f} ms)", rid, std::string(req.method_string()),
                     std::string(req.target().substr(0, 200)), res.result_int(), seconds * 1e3);
      } else {
        spdlog::debug("rid={} {} {} -> {} ({:.1f} ms)", rid, std::string(req.method_string()),
                      std::string(req.target().substr(0, 200)), res.result_int(), seconds * 1e3);
      }
      bool keep = res.keep_alive();
      if (!co_await Write(stream, std::move(res))) break;
      if (!keep) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<bool> Write(beast::tcp_stream& stream, Response res) {
    stream.expires_after(std::chrono::seconds(ctx_.limits.read_timeout_s));
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  asio::awaitable<void> WriteError(beast::tcp_stream& stream, Status s) {
    co_await Write(stream, ErrorResponse(s, 11, false));
  }

  asio::awaitable<void> Shutdown() {
    ctx_.draining = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    ctx_.connections.CloseAll();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opts_.shutdown_timeout_s);
    asio::steady_timer t(ioc_);
    while (std::chrono::steady_clock::now() < deadline &&
           (ctx_.connections.Count() > 0 || service_.RepliesInFlight() > 0)) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (ctx_.connections.Count() > 0) {
      spdlog::warn("shutdown deadline: {} connection(s) still open, closing them",
                   ctx_.connections.Count());
    }
    auto flush = [this](auto cb) { ctx_.store->Flush(cb); };
    Status flushed = co_await AwaitStatus(std::move(flush));
    if (!flushed.ok()) {
      spdlog::error("final flush failed: {}", flushed.ToString());
      exit_code_ = 1;
    }
    spdlog::info("shutdown complete");
    ioc_.stop();
  }

  const ServerOptions& opts_;
  int threads_;
  asio::io_context ioc_;
  asio::thread_pool jobs_pool_;
  metrics::Registry metrics_;
  AsioExecutor executor_;
  AsioExecutor jobs_;
  std::unique_ptr<bus::Bus> bus_;
  Status responder_status_;
  std::unique_ptr<conversation::Responder> responder_;
  conversation::ConversationService service_;
  handoff::HandoffService handoff_;
  Context ctx_;
  LoginLimiter login_limiter_;
  HttpApi api_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  uint16_t port_ = 0;
  int exit_code_ = 0;
};

Status WritePortFile(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return Status::IoError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError("cannot rename " + tmp);
  return Status::Ok();
}

// `--demo` on an empty database: the demo shop tenant, its admin and a key.
Status CreateDemoTenant(store::Store& store) {
  std::string password = crypto::RandomToken("").substr(0, 16);
  auto hash = crypto::HashPassword(password);
  if (!hash.ok()) return hash.status();
  auto [key, secret] = MintApiKey(0, "demo", "admin");
  std::promise<Result<store::BootstrapResult>> done;
  store.Bootstrap(store::NewTenant{"Demo Shop", "pk_demo_shop", "zh-CN"},
                  store::NewUser{0, "admin@demo.local", "Admin", "admin", *hash}, std::move(key),
                  [&done](Result<store::BootstrapResult> r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  if (!r.ok()) return r.status();
  // Two teams: complaints go to `senior` (the demo shop's routing rules),
  // the rest to `general`; the admin has the senior skill and serves both.
  // Written as HandoffService keeps them (handoff_service.cc: tenant settings).
  auto queues = handoff::ParseQueues(
      Json::parse(R"([{"name":"general"},{"name":"senior","skills":["complaints"]}])"));
  if (!queues.ok()) return queues.status();
  handoff::AgentProfile admin;
  admin.skills = {"complaints"};
  const std::pair<std::string, std::string> settings[] = {
      {"routing.queues." + std::to_string(r->tenant.id), DumpJson(handoff::QueuesJson(*queues))},
      {"routing.agent." + std::to_string(r->tenant.id) + "." + std::to_string(r->admin.id),
       DumpJson(handoff::AgentProfileJson(admin))}};
  for (const auto& [k, v] : settings) {
    std::promise<Status> put;
    store.PutSetting(k, v, [&put](Status s) { put.set_value(std::move(s)); });
    if (Status s = put.get_future().get(); !s.ok()) return s;
  }
  std::printf(
      "\nDemo shop created (tenant public key pk_demo_shop).\n"
      "  admin:   admin@demo.local / %s\n"
      "  API key: %s   (shown once)\n\n",
      password.c_str(), secret.c_str());
  std::fflush(stdout);
  return Status::Ok();
}

// At the first start of an empty database, a one-time token lets the
// operator create the first tenant and admin (POST /api/v1/bootstrap).
Status PrepareBootstrap(store::Store& store, const std::string& given, bool demo) {
  auto tenants = store.CountTenants();
  if (!tenants.ok()) return tenants.status();
  if (*tenants > 0) return Status::Ok();
  if (demo) return CreateDemoTenant(store);
  std::string token = given.empty() ? crypto::RandomToken("bt_") : given;
  std::promise<Status> done;
  store.PutSetting("bootstrap_token_sha256", crypto::Sha256Hex(token),
                   [&done](Status s) { done.set_value(std::move(s)); });
  Status s = done.get_future().get();
  if (!s.ok()) return s;
  if (given.empty()) {
    std::printf(
        "\nkefu has no tenant yet. Create the first one with this one-time token:\n"
        "  curl -X POST http://HOST:PORT/api/v1/bootstrap -H 'Content-Type: application/json' \\\n"
        "       -d '{\"token\":\"%s\",\"tenant_name\":\"My shop\",\"admin_email\":\"me@example.com\","
        "\"admin_password\":\"…\"}'\n\n",
        token.c_str());
    std::fflush(stdout);
  }
  return Status::Ok();
}

}  // namespace

int RunServer(const ServerOptions& opts) {
  if (!crypto::Init()) {
    spdlog::critical("libsodium failed to initialise");
    return 1;
  }
  std::error_code fsec;
  fs::create_directories(opts.data_dir, fsec);
  if (fsec) {
    spdlog::critical("cannot create data dir {}: {}", opts.data_dir, fsec.message());
    return 1;
  }
  static store::FaultInjector faults;
  // Commits before the server exists (bootstrap) are not counted.
  std::atomic<metrics::Registry*> metrics_ptr{nullptr};
  store::SqliteOptions so;
  so.path = (fs::path(opts.data_dir) / "kefu.db").string();
  so.synchronous = opts.sync;
  so.max_queue = opts.max_queue;
  so.faults = opts.enable_fault_injection ? &faults : nullptr;
  so.on_commit = [&metrics_ptr](size_t ops, int64_t micros, bool ok) {
    metrics::Registry* m = metrics_ptr.load(std::memory_order_acquire);
    if (!m) return;
    if (!ok) {
      m->store_commit_failures.Inc();
      return;
    }
    m->store_commits.Inc();
    m->store_commit_ops.Observe(static_cast<double>(ops));
    m->store_commit_seconds.Observe(static_cast<double>(micros) / 1e6);
  };
  auto store = store::Store::OpenSqlite(so);
  if (!store.ok()) {
    spdlog::critical("cannot open the store at {}: {}", so.path, store.status().ToString());
    return 1;
  }
  if (Status s = PrepareBootstrap(**store, opts.bootstrap_token, opts.demo); !s.ok()) {
    spdlog::critical("bootstrap preparation failed: {}", s.ToString());
    return 1;
  }
  int code;
  {
    Server server(opts, **store);
    metrics_ptr.store(&server.metrics(), std::memory_order_release);
    if (!server.responder_status().ok()) {
      spdlog::critical("cannot start the {}: {}", opts.responder,
                       server.responder_status().ToString());
      return 1;
    }
    if (opts.enable_fault_injection) server.context().faults = &faults;
    if (Status s = server.StartHandoff(); !s.ok()) {
      spdlog::critical("cannot read the conversations waiting for agents: {}", s.ToString());
      return 1;
    }
    if (Status s = server.Listen(); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 1;
    }
    if (!opts.port_file.empty()) {
      if (Status s = WritePortFile(opts.port_file, server.port()); !s.ok()) {
        spdlog::critical("{}", s.ToString());
        return 1;
      }
    }
    spdlog::info("kefu listening on http://{}:{} (data in {}, sync={})", opts.listen,
                 server.port(), opts.data_dir, opts.sync);
    code = server.Run();
    metrics_ptr.store(nullptr, std::memory_order_release);
  }
  (*store)->Close();
  return code;
}

}  // namespace kefu::server
