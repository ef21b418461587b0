#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace kefu::it {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The test process must survive writes to sockets the server closed.
[[maybe_unused]] const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

// Runs handlers of `ioc` until `done()` or the deadline. True when done.
bool RunUntil(net::io_context& ioc, const std::function<bool()>& done,
              SteadyClock::time_point deadline) {
  while (!done()) {
    auto now = SteadyClock::now();
    if (now >= deadline) return false;
    if (ioc.stopped()) ioc.restart();
    if (ioc.run_one_for(deadline - now) == 0 && ioc.stopped()) {
      // No pending work at all: nothing can make `done` true by itself.
      std::this_thread::sleep_for(1ms);
    }
  }
  return true;
}

bool CurrentTestFailed() {
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (const auto* info = unit->current_test_info()) return info->result()->Failed();
  if (const auto* suite = unit->current_test_suite()) return suite->Failed();
  return unit->failed_test_count() > 0;
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    // Client sockets of the test must not live on in the server.
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  return pid;
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` to exit. The decoded status, or nullopt on timeout.
std::optional<int> WaitExit(pid_t pid, Millis timeout) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return DecodeWaitStatus(status);
    if (r < 0 && errno != EINTR) return -1;
    if (SteadyClock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// ---- JSON accessors -----------------------------------------------------------

std::string Str(const Json& j, std::string_view key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t Int(const Json& j, std::string_view key, int64_t fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

bool Bool(const Json& j, std::string_view key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

Json ListOf(const Json& body, std::string_view field) {
  if (body.is_array()) return body;
  if (body.is_object()) {
    auto it = body.find(field);
    if (it != body.end() && it->is_array()) return *it;
  }
  return Json::array();
}

FramePredicate IsType(std::string type) {
  return [type = std::move(type)](const Json& j) { return Str(j, "type") == type; };
}

FramePredicate IsAck(std::string client_id) {
  return [id = std::move(client_id)](const Json& j) {
    return Str(j, "type") == "ack" && Str(j, "client_id") == id;
  };
}

FramePredicate IsError(std::string code) {
  return [code = std::move(code)](const Json& j) {
    return Str(j, "type") == "error" && Str(j, "code") == code;
  };
}

FramePredicate IsMessageSeq(int64_t seq) {
  return [seq](const Json& j) { return Str(j, "type") == "message" && Int(j, "seq") == seq; };
}

FramePredicate IsBotText(std::string text) {
  return [text = std::move(text)](const Json& j) {
    return Str(j, "type") == "message" && Str(j, "sender") == "bot" && Str(j, "text") == text;
  };
}

// ---- ServerProcess --------------------------------------------------------------

ServerProcess::ServerProcess(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)) {
  char tmpl[] = "/tmp/kefu-it-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed: " << std::strerror(errno);
    return;
  }
  dir_ = tmpl;
}

ServerProcess::~ServerProcess() {
  Kill9();
  if (dir_.empty()) return;
  if (CurrentTestFailed()) {
    std::fprintf(stderr, "[harness] kept data dir %s; server.log ends with:\n%s\n", dir_.c_str(),
                 LogTail(3000).c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ServerProcess::Start(Millis timeout) {
  if (running()) {
    ADD_FAILURE() << "Start: the server is already running";
    return false;
  }
  const std::string port_file = dir_ + "/port";
  std::error_code ec;
  std::filesystem::remove(port_file, ec);
  std::vector<std::string> args = {KEFU_BINARY,   "serve",   "--data-dir",  dir_,
                                   "--listen",    "127.0.0.1", "--port",    "0",
                                   "--port-file", port_file, "--bootstrap-token", kBootstrapToken};
  const char* level = std::getenv("KEFU_IT_LOG_LEVEL");
  args.insert(args.end(), {"--log-level", level != nullptr ? level : "warn"});
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = Spawn(args, dir_ + "/server.log");
  if (pid_ <= 0) {
    ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    pid_ = -1;
    return false;
  }
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (std::filesystem::exists(port_file)) {
      std::string text = ReadFile(port_file);
      int port = std::atoi(text.c_str());
      if (port > 0 && port < 65536) {
        port_ = static_cast<uint16_t>(port);
        return true;
      }
      ADD_FAILURE() << "port file holds '" << text << "'";
      Kill9();
      return false;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "kefu serve exited with " << DecodeWaitStatus(status)
                    << " before writing its port file; log:\n"
                    << LogTail();
      return false;
    }
    if (SteadyClock::now() >= deadline) {
      ADD_FAILURE() << "kefu serve wrote no port file within " << timeout.count() << " ms; log:\n"
                    << LogTail();
      Kill9();
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
}

bool ServerProcess::Restart(std::optional<std::vector<std::string>> extra_args) {
  if (running()) {
    ADD_FAILURE() << "Restart: the server is still running";
    return false;
  }
  if (extra_args) extra_args_ = std::move(*extra_args);
  // A bot trains again at every start: on a loaded machine that takes longer
  // than the default wait (the bot tests start with 60 s too).
  return Start(std::chrono::seconds(60));
}

void ServerProcess::Kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

int ServerProcess::Terminate(Millis timeout, int sig) {
  if (!running()) return -1;
  ::kill(pid_, sig);
  std::optional<int> code = WaitExit(pid_, timeout);
  if (!code) {
    Kill9();
    return -1;
  }
  pid_ = -1;
  return *code;
}

std::string ServerProcess::LogTail(size_t bytes) const {
  std::string log = ReadFile(dir_ + "/server.log");
  return log.size() > bytes ? log.substr(log.size() - bytes) : log;
}

Tenant ServerProcess::Bootstrap() {
  Json body = {{"token", kBootstrapToken},
               {"tenant_name", "T"},
               {"admin_email", "a@x.io"},
               {"admin_password", "pw-long-enough"},
               {"default_language", "zh-CN"}};
  HttpResponse r = HttpRequest(port_, "POST", "/api/v1/bootstrap", body.dump(),
                               {{"Content-Type", "application/json"}});
  Tenant t;
  if (r.status != 201) {
    ADD_FAILURE() << "bootstrap: " << r.Describe();
    return t;
  }
  t.raw = r.json();
  if (t.raw.is_object() && t.raw.contains("tenant") && t.raw.contains("api_key")) {
    t.public_key = Str(t.raw["tenant"], "public_key");
    t.api_key = Str(t.raw["api_key"], "secret");
  }
  if (t.public_key.empty() || t.api_key.empty()) {
    ADD_FAILURE() << "bootstrap answer lacks tenant.public_key or api_key.secret: " << r.body;
  }
  return t;
}

int RunCommand(const std::vector<std::string>& argv, const std::string& log_path,
               Millis timeout) {
  pid_t pid = Spawn(argv, log_path);
  if (pid <= 0) return -1;
  std::optional<int> code = WaitExit(pid, timeout);
  if (code) return *code;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

// ---- HTTP -------------------------------------------------------------------------

Json HttpResponse::json() const {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json() : j;
}

std::string HttpResponse::error_code() const {
  Json j = json();
  if (!j.is_object() || !j.contains("error")) return "";
  return Str(j["error"], "code");
}

std::string HttpResponse::header(std::string_view name) const {
  std::string key(name);
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(key);
  return it == headers.end() ? "" : it->second;
}

std::string HttpResponse::Describe() const {
  if (status == 0) return "no response (" + error + ")";
  std::string b = body.size() > 400 ? body.substr(0, 400) + "..." : body;
  return std::to_string(status) + " " + b;
}

Headers Bearer(const std::string& api_key) { return {{"Authorization", "Bearer " + api_key}}; }

struct HttpConnection::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpConnection::HttpConnection(uint16_t port, Millis timeout) : impl_(std::make_unique<Impl>()) {
  bool done = false;
  beast::error_code ec;
  impl_->socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                              [&](beast::error_code e) {
                                ec = e;
                                done = true;
                              });
  if (!RunUntil(impl_->ioc, [&] { return done; }, SteadyClock::now() + timeout)) {
    impl_->socket.close();
    RunUntil(impl_->ioc, [&] { return done; }, SteadyClock::now() + 1s);
    return;
  }
  impl_->connected = !ec;
}

HttpConnection::~HttpConnection() = default;

bool HttpConnection::connected() const { return impl_->connected; }

uint16_t HttpConnection::local_port() const {
  beast::error_code ec;
  auto ep = impl_->socket.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

HttpResponse HttpConnection::Request(std::string_view method, std::string_view target,
                                     const std::string& body, const Headers& headers,
                                     Millis timeout) {
  HttpResponse out;
  if (!impl_->connected) {
    out.error = "not connected";
    return out;
  }
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::user_agent, "kefu-integration-tests");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.prepare_payload();
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  bool wrote = false, read = false;
  beast::error_code wec, rec;
  http::async_write(impl_->socket, req, [&](beast::error_code e, size_t) {
    wec = e;
    wrote = true;
  });
  http::async_read(impl_->socket, impl_->buffer, parser, [&](beast::error_code e, size_t) {
    rec = e;
    read = true;
  });
  auto deadline = SteadyClock::now() + timeout;
  bool ok = RunUntil(impl_->ioc, [&] { return read; }, deadline);
  if (ok && !wrote) {
    // Answered before the whole request was taken: the server will not
    // read the rest; give the write a moment, then stop it.
    RunUntil(impl_->ioc, [&] { return wrote; }, SteadyClock::now() + 200ms);
  }
  if (!read || !wrote) {
    beast::error_code ignored;
    impl_->socket.close(ignored);
    impl_->connected = false;
    RunUntil(impl_->ioc, [&] { return read && wrote; }, SteadyClock::now() + 2s);
  }
  if (!ok) {
    out.error = "timed out after " + std::to_string(timeout.count()) + " ms";
    return out;
  }
  if (rec) {
    out.error = "read: " + rec.message() + (wec ? "; write: " + wec.message() : "");
    impl_->connected = false;
    return out;
  }
  auto& res = parser.get();
  out.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = res.body();
  out.keep_alive = res.keep_alive();
  if (!out.keep_alive) impl_->connected = false;
  return out;
}

HttpResponse HttpRequest(uint16_t port, std::string_view method, std::string_view target,
                         const std::string& body, const Headers& headers, Millis timeout) {
  HttpConnection conn(port, timeout);
  if (!conn.connected()) {
    HttpResponse out;
    out.error = "connect to 127.0.0.1:" + std::to_string(port) + " failed";
    return out;
  }
  Headers h = headers;
  h.emplace_back("Connection", "close");
  return conn.Request(method, target, body, h, timeout);
}

// ---- WidgetClient -----------------------------------------------------------------
//
// After the handshake an I/O thread runs the client's io_context: one read
// is always pending, control frames (ping, close) are answered at once like a
// browser would, and received frames go to the inbox under `mu`.

struct WidgetClient::Impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread io;
  beast::flat_buffer rbuf;  // I/O thread only
  bool connected = false;   // set before the I/O thread starts

  mutable std::mutex mu;
  std::condition_variable cv;
  bool closed = false;   // guarded by mu
  bool reading = false;  // guarded by mu
  std::optional<int> close_code;
  std::string close_reason;
  std::deque<Json> inbox;
  std::vector<Json> history;

  ~Impl() {
    work.reset();
    ioc.stop();
    if (io.joinable()) io.join();
  }

  // I/O thread (or before it starts).
  void StartRead() {
    {
      std::lock_guard lock(mu);
      if (closed || reading) return;
      reading = true;
    }
    ws.async_read(rbuf, [this](beast::error_code ec, size_t) { OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    std::unique_lock lock(mu);
    reading = false;
    if (ec) {
      closed = true;
      // A close frame was received even when answering it failed.
      if (ws.reason().code != websocket::close_code::none) {
        close_code = static_cast<int>(ws.reason().code);
      }
      if (close_reason.empty()) {
        close_reason = ec == websocket::error::closed ? "closed" : ec.message();
      }
      cv.notify_all();
      return;
    }
    std::string text = beast::buffers_to_string(rbuf.data());
    rbuf.consume(rbuf.size());
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      ADD_FAILURE() << "server sent a frame that is not JSON: " << text.substr(0, 200);
      j = Json{{"type", "__not_json__"}, {"raw", text}};
    }
    history.push_back(j);
    inbox.push_back(std::move(j));
    cv.notify_all();
    lock.unlock();
    StartRead();
  }

  bool IsClosed() const {
    std::lock_guard lock(mu);
    return closed;
  }

  // Runs `start(done)` on the I/O thread, where `done(ec)` must be called
  // once; waits up to 5 s, then closes the socket.
  bool RunOnIo(std::function<void(std::function<void(beast::error_code)>)> start) {
    if (!connected || IsClosed()) return false;
    auto promise = std::make_shared<std::promise<beast::error_code>>();
    std::future<beast::error_code> result = promise->get_future();
    net::post(ioc, [start = std::move(start), promise] {
      start([promise](beast::error_code ec) { promise->set_value(ec); });
    });
    if (result.wait_for(5s) != std::future_status::ready) {
      CloseSocket();
      return false;
    }
    return !result.get();
  }

  bool Write(std::string_view bytes, bool text) {
    auto data = std::make_shared<std::string>(bytes);
    return RunOnIo([this, data, text](auto done) {
      ws.text(text);
      ws.async_write(net::buffer(*data),
                     [data, done](beast::error_code ec, size_t) { done(ec); });
    });
  }

  // Writes one masked frame straight to the socket, past Beast: when the
  // server resets the connection during the write, the stream is not marked
  // failed and the close frame it sent first is still read.
  bool WriteUnchecked(std::string_view payload, bool text) {
    auto frame = std::make_shared<std::string>();
    frame->push_back(static_cast<char>(0x80 | (text ? 0x1 : 0x2)));
    const uint64_t n = payload.size();
    if (n < 126) {
      frame->push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
      frame->push_back(static_cast<char>(0x80 | 126));
      frame->push_back(static_cast<char>(n >> 8));
      frame->push_back(static_cast<char>(n & 0xff));
    } else {
      frame->push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) frame->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    const unsigned char mask[4] = {0x3a, 0x5c, 0x77, 0x19};
    frame->append(reinterpret_cast<const char*>(mask), 4);
    for (uint64_t i = 0; i < n; ++i) {
      frame->push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    }
    return RunOnIo([this, frame](auto done) {
      net::async_write(beast::get_lowest_layer(ws), net::buffer(*frame),
                       [frame, done](beast::error_code ec, size_t) { done(ec); });
    });
  }

  // Closes the TCP socket (RST, no close frame) on the I/O thread and waits
  // for the pending read to end.
  void CloseSocket() {
    auto promise = std::make_shared<std::promise<void>>();
    auto done = promise->get_future();
    net::post(ioc, [this, promise] {
      beast::error_code ignored;
      auto& sock = beast::get_lowest_layer(ws);
      if (sock.is_open()) {
        sock.set_option(net::socket_base::linger(true, 0), ignored);
        sock.close(ignored);
      }
      promise->set_value();
    });
    if (io.joinable()) done.wait_for(2s);
    std::unique_lock lock(mu);
    cv.wait_for(lock, 2s, [&] { return !reading; });
    closed = true;
    if (close_reason.empty()) close_reason = "closed by the client";
  }
};

WidgetClient::WidgetClient(uint16_t port, Millis timeout)
    : WidgetClient(port, "/ws/widget", {}, timeout) {}

WidgetClient::WidgetClient(uint16_t port, const std::string& path, const Headers& headers,
                           Millis timeout)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  bool done = false;
  beast::error_code ec;
  auto deadline = SteadyClock::now() + timeout;
  s.ws.next_layer().async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                  [&](beast::error_code e) {
                                    ec = e;
                                    done = true;
                                  });
  bool ok = RunUntil(s.ioc, [&] { return done; }, deadline) && !ec;
  if (ok) {
    s.ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      req.set(http::field::user_agent, "kefu-integration-tests");
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    s.ws.auto_fragment(false);
    s.ws.read_message_max(64u << 20);
    done = false;
    s.ws.async_handshake("127.0.0.1", path, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    ok = RunUntil(s.ioc, [&] { return done; }, deadline) && !ec;
  }
  if (!ok) {
    s.closed = true;
    s.close_reason = done ? "handshake: " + ec.message() : "handshake timed out";
    beast::error_code ignored;
    beast::get_lowest_layer(s.ws).close(ignored);
    RunUntil(s.ioc, [&] { return done; }, SteadyClock::now() + 1s);
    return;
  }
  s.connected = true;
  s.ioc.restart();
  s.work.emplace(net::make_work_guard(s.ioc));
  s.StartRead();
  s.io = std::thread([&s] { s.ioc.run(); });
}

WidgetClient::~WidgetClient() {
  if (!impl_->IsClosed()) CloseAbruptly();
}

bool WidgetClient::connected() const { return impl_->connected; }

std::optional<Json> WidgetClient::Hello(const std::string& public_key,
                                        const std::string& contact_token, const Json& resume,
                                        Millis timeout) {
  Json hello = {{"type", "hello"}, {"public_key", public_key}};
  if (!contact_token.empty()) hello["contact_token"] = contact_token;
  if (!resume.is_null()) hello["resume"] = resume;
  if (!Send(hello)) return std::nullopt;
  return WaitFor(
      [](const Json& j) {
        std::string t = Str(j, "type");
        return t == "welcome" || t == "error";
      },
      timeout);
}

bool WidgetClient::Send(const Json& frame) { return impl_->Write(frame.dump(), true); }

bool WidgetClient::SendRaw(std::string_view bytes, bool text) { return impl_->Write(bytes, text); }

bool WidgetClient::SendUnchecked(std::string_view bytes, bool text) {
  return impl_->WriteUnchecked(bytes, text);
}

bool WidgetClient::SendMessage(const std::string& client_id, const std::string& text) {
  return Send({{"type", "message"}, {"client_id", client_id}, {"text", text}});
}

std::optional<Json> WidgetClient::Recv(Millis timeout) {
  Impl& s = *impl_;
  std::unique_lock lock(s.mu);
  s.cv.wait_for(lock, timeout, [&] { return !s.inbox.empty() || s.closed; });
  if (s.inbox.empty()) return std::nullopt;
  Json j = std::move(s.inbox.front());
  s.inbox.pop_front();
  return j;
}

std::optional<Json> WidgetClient::WaitFor(const FramePredicate& pred, Millis timeout) {
  Impl& s = *impl_;
  auto deadline = SteadyClock::now() + timeout;
  std::unique_lock lock(s.mu);
  size_t scanned = 0;
  for (;;) {
    for (; scanned < s.inbox.size(); ++scanned) {
      if (pred(s.inbox[scanned])) {
        Json j = std::move(s.inbox[scanned]);
        s.inbox.erase(s.inbox.begin() + static_cast<std::ptrdiff_t>(scanned));
        return j;
      }
    }
    if (s.closed) return std::nullopt;
    size_t seen = s.inbox.size();
    if (!s.cv.wait_until(lock, deadline, [&] { return s.inbox.size() > seen || s.closed; })) {
      return std::nullopt;
    }
  }
}

void WidgetClient::Drain(Millis quiet, Millis timeout) {
  Impl& s = *impl_;
  auto deadline = SteadyClock::now() + timeout;
  std::unique_lock lock(s.mu);
  while (!s.closed && SteadyClock::now() < deadline) {
    size_t seen = s.history.size();
    auto until = std::min(deadline, SteadyClock::now() + quiet);
    if (!s.cv.wait_until(lock, until, [&] { return s.history.size() > seen || s.closed; })) {
      return;
    }
  }
}

void WidgetClient::CloseAbruptly() { impl_->CloseSocket(); }

void WidgetClient::Close() {
  Impl& s = *impl_;
  if (!s.connected || s.IsClosed()) return;
  net::post(s.ioc, [&s] {
    s.ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
  });
  std::unique_lock lock(s.mu);
  bool done = s.cv.wait_for(lock, 2s, [&] { return s.closed && !s.reading; });
  lock.unlock();
  if (!done) CloseAbruptly();
}

bool WidgetClient::closed() const { return impl_->IsClosed(); }

std::optional<int> WidgetClient::close_code() const {
  std::lock_guard lock(impl_->mu);
  return impl_->close_code;
}

std::string WidgetClient::close_reason() const {
  std::lock_guard lock(impl_->mu);
  return impl_->close_reason;
}

std::vector<Json> WidgetClient::history() const {
  std::lock_guard lock(impl_->mu);
  return impl_->history;
}

size_t WidgetClient::inbox_size() const {
  std::lock_guard lock(impl_->mu);
  return impl_->inbox.size();
}

// ---- REST helpers -------------------------------------------------------------------

std::vector<Json> FetchMessages(uint16_t port, const std::string& api_key,
                                int64_t conversation_id) {
  std::vector<Json> all;
  int64_t after = 0;
  for (int page = 0; page < 10000; ++page) {
    std::string target = "/api/v1/conversations/" + std::to_string(conversation_id) +
                         "/messages?after_seq=" + std::to_string(after) + "&limit=100";
    HttpResponse r = HttpRequest(port, "GET", target, "", Bearer(api_key));
    if (r.status != 200) {
      ADD_FAILURE() << "GET " << target << ": " << r.Describe();
      return all;
    }
    Json items = ListOf(r.json(), "messages");
    if (items.empty()) return all;
    for (auto& m : items) {
      int64_t seq = Int(m, "seq");
      if (seq <= after) {
        ADD_FAILURE() << "GET " << target << " returned seq " << seq << " (not > after_seq)";
        return all;
      }
      after = seq;
      all.push_back(m);
    }
  }
  return all;
}

std::string CheckGapFree(const std::vector<Json>& messages) {
  for (size_t i = 0; i < messages.size(); ++i) {
    int64_t seq = Int(messages[i], "seq");
    if (seq != static_cast<int64_t>(i) + 1) {
      return "message #" + std::to_string(i + 1) + " has seq " + std::to_string(seq) +
             " (expected " + std::to_string(i + 1) + ")";
    }
  }
  return "";
}

HttpResponse PostApiMessage(uint16_t port, const std::string& api_key,
                            const std::string& external_id, const std::string& client_id,
                            const std::string& text) {
  Json body = {{"contact", {{"external_id", external_id}, {"name", external_id}}},
               {"client_id", client_id},
               {"text", text}};
  Headers h = Bearer(api_key);
  h.emplace_back("Content-Type", "application/json");
  return HttpRequest(port, "POST", "/api/v1/messages", body.dump(), h);
}

void ServerTest::SetUp() {
  server_ = std::make_unique<ServerProcess>(Args());
  ASSERT_TRUE(server_->Start());
  tenant_ = server_->Bootstrap();
  ASSERT_FALSE(tenant_.public_key.empty());
}

WidgetSession OpenWidget(uint16_t port, const std::string& public_key,
                         const std::string& contact_token, const Json& resume) {
  WidgetSession s;
  auto ws = std::make_unique<WidgetClient>(port);
  if (!ws->connected()) {
    ADD_FAILURE() << "WebSocket handshake on /ws/widget failed: " << ws->close_reason();
    return s;
  }
  std::optional<Json> welcome = ws->Hello(public_key, contact_token, resume);
  if (!welcome || Str(*welcome, "type") != "welcome") {
    ADD_FAILURE() << "hello got " << (welcome ? welcome->dump() : "nothing (" + ws->close_reason() + ")");
    return s;
  }
  s.welcome = *welcome;
  if (welcome->contains("contact")) s.contact_id = Int((*welcome)["contact"], "id");
  if (welcome->contains("conversation")) s.conversation_id = Int((*welcome)["conversation"], "id");
  s.contact_token = Str(*welcome, "contact_token");
  if (s.contact_id < 0 || s.conversation_id < 0) {
    ADD_FAILURE() << "welcome lacks contact.id or conversation.id: " << welcome->dump();
  }
  s.ws = std::move(ws);
  return s;
}

WidgetLoad::WidgetLoad(uint16_t port, std::string public_key, int connections, int window)
    : port_(port), public_key_(std::move(public_key)), window_(window) {
  for (int i = 0; i < connections; ++i) threads_.emplace_back([this, i] { Run(i); });
}

WidgetLoad::~WidgetLoad() { Stop(); }

void WidgetLoad::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::map<int64_t, std::vector<AckedMessage>> WidgetLoad::Acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}

void WidgetLoad::Run(int index) {
  WidgetSession s = OpenWidget(port_, public_key_);
  if (!s.ws) return;
  std::map<std::string, std::string> inflight;  // client_id -> text
  int next = 0;
  while (!stop_) {
    while (static_cast<int>(inflight.size()) < window_) {
      std::string id = "w" + std::to_string(index) + "-" + std::to_string(next++);
      std::string text = "load " + id;
      if (!s.ws->SendMessage(id, text)) return;  // the server went away
      inflight[id] = text;
    }
    std::optional<Json> f = s.ws->Recv(200ms);
    if (!f) {
      if (s.ws->closed()) return;
      continue;
    }
    std::string type = Str(*f, "type");
    std::string id = Str(*f, "client_id");
    auto it = inflight.find(id);
    if (type == "ack" && it != inflight.end()) {
      std::lock_guard lock(mu_);
      acked_[s.conversation_id].push_back({id, it->second, Int(*f, "seq")});
      ++acked_count_;
      inflight.erase(it);
    } else if (type == "error" && it != inflight.end()) {
      if (Str(*f, "code") == "busy") ++busy_count_;
      inflight.erase(it);
    }
  }
}

std::string CheckAckedPresent(const std::vector<Json>& messages,
                              const std::vector<AckedMessage>& acked) {
  std::string gaps = CheckGapFree(messages);
  if (!gaps.empty()) return gaps;
  for (const AckedMessage& a : acked) {
    if (a.seq < 1 || a.seq > static_cast<int64_t>(messages.size())) {
      return "acked " + a.client_id + " (seq " + std::to_string(a.seq) + ") is missing; only " +
             std::to_string(messages.size()) + " messages stored";
    }
    const Json& m = messages[static_cast<size_t>(a.seq - 1)];
    if (Str(m, "client_id") != a.client_id || Str(m, "text") != a.text) {
      return "acked " + a.client_id + " had seq " + std::to_string(a.seq) + " but that seq holds " +
             m.dump();
    }
  }
  return "";
}

bool Eventually(const std::function<bool()>& cond, Millis timeout) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace kefu::it
