#include "server/http_client.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace kefu::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxUrlBytes = 8192;
constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' || c == '.' ||
         c == '_';
}

// A header name is an RFC 9110 token.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// For a printed message: at most 60 bytes of what the caller gave.
std::string Quote(std::string_view s) {
  return "\"" + std::string(s.substr(0, 60)) + (s.size() > 60 ? "…\"" : "\"");
}

Result<std::string> EncodeTarget(std::string_view tail) {
  tail = tail.substr(0, tail.find('#'));
  std::string out;
  if (tail.empty() || tail[0] != '/') out += '/';
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : tail) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(
          fmt::format("control character 0x{:02x} in the URL's path", c));
    }
    if (c == ' ' || c >= 0x80) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  while (!url.empty() && (url.front() == ' ' || url.front() == '\t')) url.remove_prefix(1);
  while (!url.empty() && (url.back() == ' ' || url.back() == '\t')) url.remove_suffix(1);
  if (url.empty()) return Status::InvalidArgument("empty URL");
  if (url.size() > kMaxUrlBytes) {
    return Status::InvalidArgument(fmt::format("URL longer than {} bytes", kMaxUrlBytes));
  }
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return Status::InvalidArgument("URL has no scheme (expected http://host/path): " + Quote(url));
  }
  HttpUrl out;
  out.scheme = LowerCopy(url.substr(0, sep));
  if (out.scheme == "https") return Status::InvalidArgument("https is not supported by this build");
  if (out.scheme != "http") {
    return Status::InvalidArgument("unsupported scheme " + Quote(out.scheme) + " (http only)");
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("user names or passwords in a URL are not supported");
  }
  if (authority.empty()) return Status::InvalidArgument("URL has no host: " + Quote(url));

  std::string_view host, port;
  bool has_port = false;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("unclosed '[' in the URL's host: " + Quote(authority));
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Status::InvalidArgument("unexpected characters after ']' in " + Quote(authority));
      }
      port = after.substr(1);
      has_port = true;
    }
    boost::system::error_code ec;
    asio::ip::make_address_v6(std::string(host), ec);
    if (host.empty() || ec) {
      return Status::InvalidArgument("not an IPv6 address: " + Quote(host));
    }
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
      if (port.find(':') != std::string_view::npos) {
        return Status::InvalidArgument("an IPv6 address in a URL must be in brackets: " +
                                       Quote(authority));
      }
    }
    if (host.empty()) return Status::InvalidArgument("URL has no host: " + Quote(url));
    for (char c : host) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        return Status::InvalidArgument("non-ASCII host name (use its punycode form): " +
                                       Quote(host));
      }
      if (!IsHostNameChar(c)) {
        return Status::InvalidArgument(
            fmt::format("invalid character '{}' in the host name {}", c, Quote(host)));
      }
    }
  }
  out.host = LowerCopy(host);
  if (has_port) {
    if (port.empty()) return Status::InvalidArgument("empty port in " + Quote(authority));
    if (!std::all_of(port.begin(), port.end(), IsDigit)) {
      return Status::InvalidArgument("port is not a number: " + Quote(port));
    }
    unsigned long value = 0;
    for (char c : port.substr(0, 6)) value = value * 10 + static_cast<unsigned long>(c - '0');
    if (port.size() > 5 || value == 0 || value > 65535) {
      return Status::InvalidArgument("port out of range: " + std::string(port.substr(0, 20)));
    }
    out.port = static_cast<uint16_t>(value);
  }
  auto target = EncodeTarget(tail);
  if (!target.ok()) return target.status();
  out.target = std::move(*target);
  return out;
}

namespace {

// An idle keep-alive connection: a bare descriptor, so that it can be adopted
// by the strand of the next request and outlive the io_context harmlessly.
struct IdleConnection {
  int fd = -1;
  bool v6 = false;
  SteadyClock::time_point since;
};

// A request waiting for a connection slot of its host. Woken by cancelling
// the timer (on the waiter's own strand) after `granted` is set.
struct Waiter {
  explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  bool granted = false;  // guarded by Shared::mu
};

struct HostPool {
  int in_use = 0;  // slots held by requests, including those connecting
  std::vector<IdleConnection> idle;
  std::deque<std::shared_ptr<Waiter>> waiters;
};

// What the client and its requests in flight share.
struct Shared {
  Shared(asio::any_io_executor e, HttpClientOptions o) : ex(std::move(e)), opts(std::move(o)) {
    opts.max_connections_per_host = std::max(1, opts.max_connections_per_host);
  }
  ~Shared() {
    for (auto& [key, pool] : hosts) {
      for (const IdleConnection& c : pool.idle) ::close(c.fd);
    }
  }

  const asio::any_io_executor ex;
  HttpClientOptions opts;
  std::mutex mu;
  std::unordered_map<std::string, HostPool> hosts;  // by "host:port"
};

// True when an idle connection has neither been closed by its server nor
// received anything unasked.
bool StillOpen(int fd) {
  char b;
  const ssize_t n = ::recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// One connection slot of a host: held from the grant until the response (or
// the failure), handed to the next waiter on release.
class Slot {
 public:
  Slot(std::shared_ptr<Shared> shared, std::string key)
      : shared_(std::move(shared)), key_(std::move(key)) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() { Release(std::nullopt); }

  // Waits for a slot until `deadline`. False: the deadline passed first.
  asio::awaitable<bool> Acquire(SteadyClock::time_point deadline) {
    auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    {
      std::lock_guard lock(shared_->mu);
      HostPool& pool = shared_->hosts[key_];
      if (pool.in_use < shared_->opts.max_connections_per_host) {
        ++pool.in_use;
        held_ = true;
        co_return true;
      }
      pool.waiters.push_back(waiter);
    }
    struct Dequeue {  // also when the coroutine is destroyed while waiting
      Slot& slot;
      std::shared_ptr<Waiter>& waiter;
      ~Dequeue() {
        std::lock_guard lock(slot.shared_->mu);
        if (waiter->granted) {
          slot.held_ = true;
          return;
        }
        auto& waiters = slot.shared_->hosts[slot.key_].waiters;
        waiters.erase(std::remove(waiters.begin(), waiters.end(), waiter), waiters.end());
      }
    };
    {
      Dequeue dequeue{*this, waiter};
      waiter->timer.expires_at(deadline);
      auto [ec] = co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      (void)ec;  // granted or not is what counts
    }
    co_return held_;
  }

  // An idle connection to reuse, if one is fresh and still open.
  std::optional<IdleConnection> TakeIdle() {
    std::lock_guard lock(shared_->mu);
    auto& idle = shared_->hosts[key_].idle;
    const auto now = SteadyClock::now();
    while (!idle.empty()) {
      IdleConnection c = idle.back();
      idle.pop_back();
      if (now - c.since <= std::chrono::milliseconds(shared_->opts.idle_timeout_ms) &&
          StillOpen(c.fd)) {
        return c;
      }
      ::close(c.fd);
    }
    return std::nullopt;
  }

  // Gives the slot back, with the connection to keep for reuse if any.
  void Release(std::optional<IdleConnection> keep) {
    if (!held_) {
      if (keep) ::close(keep->fd);
      return;
    }
    held_ = false;
    std::lock_guard lock(shared_->mu);
    HostPool& pool = shared_->hosts[key_];
    if (keep) {
      if (pool.idle.size() < static_cast<size_t>(shared_->opts.max_connections_per_host)) {
        pool.idle.push_back(*keep);
      } else {
        ::close(keep->fd);
      }
    }
    if (!pool.waiters.empty()) {  // the slot goes on to the first waiter
      std::shared_ptr<Waiter> next = std::move(pool.waiters.front());
      pool.waiters.pop_front();
      next->granted = true;
      asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
      return;
    }
    if (--pool.in_use == 0 && pool.idle.empty()) shared_->hosts.erase(key_);
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::string key_;
  bool held_ = false;
};

// Calls the callback exactly once: with the result, or — if the request is
// dropped unanswered because its io_context is destroyed — with `fallback`.
class Completion {
 public:
  Completion(HttpCallback done, Status fallback)
      : done_(std::move(done)), fallback_(std::move(fallback)) {}
  Completion(Completion&& o) noexcept
      : done_(std::exchange(o.done_, nullptr)), fallback_(std::move(o.fallback_)) {}
  Completion& operator=(Completion&&) = delete;
  ~Completion() {
    if (!done_) return;
    try {
      Finish(fallback_);
    } catch (...) {  // a destructor must not throw: the callback's own failure
    }
  }

  void Finish(Result<HttpResponse> r) {
    HttpCallback done = std::exchange(done_, nullptr);
    if (done) done(std::move(r));
  }

 private:
  HttpCallback done_;
  Status fallback_;
};

Status Dropped() { return Status::Unavailable("the client's io_context was shut down"); }

bool IsIdempotent(http::verb v) {
  return v == http::verb::get || v == http::verb::head || v == http::verb::put ||
         v == http::verb::delete_;
}

std::string HostHeader(const HttpUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != 80) host += ":" + std::to_string(url.port);
  return host;
}

using OutMessage = http::request<http::string_body>;

Result<OutMessage> BuildMessage(HttpRequest& request, const HttpUrl& url,
                                const HttpClientOptions& opts) {
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  if (std::find(std::begin(kMethods), std::end(kMethods), request.method) == std::end(kMethods)) {
    return Status::InvalidArgument("unsupported HTTP method " + Quote(request.method) +
                                   " (GET, HEAD, POST, PUT, PATCH or DELETE)");
  }
  if (request.timeout_ms <= 0) return Status::InvalidArgument("timeout_ms must be positive");
  OutMessage msg{http::string_to_verb(request.method), url.target, 11};
  bool host = false, agent = false;
  for (auto& [name, value] : request.headers) {
    if (!IsToken(name)) return Status::InvalidArgument("invalid header name " + Quote(name));
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Status::InvalidArgument("header " + Quote(name) + " has a line break or NUL");
    }
    const std::string lower = LowerCopy(name);
    // Framing is the client's: computed from the body and the options.
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
      continue;
    }
    host = host || lower == "host";
    agent = agent || lower == "user-agent";
    msg.insert(name, value);
  }
  if (!host) msg.set(http::field::host, HostHeader(url));
  if (!agent && !opts.user_agent.empty()) msg.set(http::field::user_agent, opts.user_agent);
  msg.keep_alive(opts.keep_alive);
  msg.body() = std::move(request.body);
  msg.prepare_payload();
  return msg;
}

struct ResolveState {
  explicit ResolveState(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  bool done = false;
  boost::system::error_code ec;
  tcp::resolver::results_type results;
};

struct Exchange {
  std::shared_ptr<Shared> shared;
  HttpUrl url;
  OutMessage msg;
  SteadyClock::time_point deadline;
  int64_t timeout_ms = 0;
  size_t max_response_bytes = 0;
  std::function<void(std::string_view)> on_body;

  std::string Where() const { return HostHeader(url); }

  Status TimedOut(std::string_view during) const {
    return Status::DeadlineExceeded(
        fmt::format("{} {} took longer than {} ms", during, Where(), timeout_ms));
  }

  // Resolves the host (an IP literal needs no lookup). The lookup runs on
  // Asio's resolver thread; it is not waited for beyond the deadline.
  asio::awaitable<Result<tcp::resolver::results_type>> Resolve() {
    const std::string port = std::to_string(url.port);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(url.host, ec);
    if (!ec) {
      co_return tcp::resolver::results_type::create(tcp::endpoint(address, url.port), url.host,
                                                    port);
    }
    auto ex = co_await asio::this_coro::executor;
    auto state = std::make_shared<ResolveState>(ex);
    auto resolver = std::make_shared<tcp::resolver>(ex);
    resolver->async_resolve(
        url.host, port,
        [state, resolver](boost::system::error_code e, tcp::resolver::results_type r) {
          state->done = true;
          state->ec = e;
          state->results = std::move(r);
          state->timer.cancel();
        });
    state->timer.expires_at(deadline);
    auto [timer_ec] = co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)timer_ec;
    if (!state->done) {
      resolver->cancel();
      co_return TimedOut("resolving");
    }
    if (state->ec || state->results.empty()) {
      co_return Status::Unavailable(
          fmt::format("cannot resolve {}: {}", url.host,
                      state->ec ? state->ec.message() : std::string("no address")));
    }
    co_return std::move(state->results);
  }

  // A connected stream, or an error. `v6` tells which family it is.
  asio::awaitable<Status> Connect(beast::tcp_stream& stream, bool& v6) {
    auto endpoints = co_await Resolve();
    if (!endpoints.ok()) co_return endpoints.status();
    stream.expires_at(deadline);
    auto [ec, endpoint] =
        co_await stream.async_connect(*endpoints, asio::as_tuple(asio::use_awaitable));
    if (ec == beast::error::timeout) co_return TimedOut("connecting to");
    if (ec) {
      co_return Status::Unavailable(fmt::format("cannot connect to {}: {}", Where(), ec.message()));
    }
    v6 = endpoint.protocol() == tcp::v6();
    boost::system::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    co_return Status::Ok();
  }

  asio::awaitable<Result<HttpResponse>> Run() {
    Slot slot(shared, fmt::format("{}:{}", url.host, url.port));
    const bool got_slot = co_await slot.Acquire(deadline);
    if (!got_slot) co_return TimedOut("waiting for a free connection to");
    auto ex = co_await asio::this_coro::executor;
    for (int attempt = 0;; ++attempt) {
      beast::tcp_stream stream(ex);
      bool v6 = false, reused = false;
      if (auto idle = slot.TakeIdle()) {
        boost::system::error_code ec;
        stream.socket().assign(idle->v6 ? tcp::v6() : tcp::v4(), idle->fd, ec);
        if (ec) {
          ::close(idle->fd);
        } else {
          reused = true;
          v6 = idle->v6;
        }
      }
      if (!reused) {
        Status connected = co_await Connect(stream, v6);
        if (!connected.ok()) co_return connected;
      }
      // A reused connection that its server closed meanwhile fails before
      // any response byte: an idempotent request is sent once more on a new
      // connection.
      const bool may_retry = reused && attempt == 0 && IsIdempotent(msg.method());

      stream.expires_at(deadline);
      auto [wec, written] =
          co_await http::async_write(stream, msg, asio::as_tuple(asio::use_awaitable));
      (void)written;
      if (wec == beast::error::timeout) co_return TimedOut("sending the request to");
      if (wec) {
        if (may_retry) continue;
        co_return Status::Unavailable(
            fmt::format("cannot send the request to {}: {}", Where(), wec.message()));
      }

      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.header_limit(kMaxResponseHeaderBytes);
      parser.body_limit(max_response_bytes);
      if (msg.method() == http::verb::head) parser.skip(true);
      boost::system::error_code rec;
      if (!on_body) {
        auto [e, read] =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        (void)read;
        rec = e;
      } else {
        // Read piece by piece, handing each new stretch of body on.
        auto [e, read] = co_await http::async_read_header(stream, buffer, parser,
                                                          asio::as_tuple(asio::use_awaitable));
        (void)read;
        rec = e;
        size_t delivered = 0;
        while (!rec && !parser.is_done()) {
          auto [e2, read2] = co_await http::async_read_some(stream, buffer, parser,
                                                            asio::as_tuple(asio::use_awaitable));
          (void)read2;
          rec = e2;
          const std::string& body = parser.get().body();
          if (body.size() > delivered) {
            on_body(std::string_view(body).substr(delivered));
            delivered = body.size();
          }
        }
      }
      if (rec == beast::error::timeout) co_return TimedOut("waiting for the response of");
      if (rec == http::error::body_limit) {
        co_return Status::PayloadTooLarge(
            fmt::format("the response of {} is over {} bytes", Where(), max_response_bytes));
      }
      if (rec == http::error::header_limit) {
        co_return Status::PayloadTooLarge(fmt::format("the response header of {} is over {} bytes",
                                                      Where(), kMaxResponseHeaderBytes));
      }
      if (rec) {
        const bool nothing = !parser.got_some() && buffer.size() == 0;
        if (nothing && may_retry) continue;
        const bool closed = rec == http::error::end_of_stream ||
                            rec == http::error::partial_message ||
                            rec == asio::error::connection_reset || rec == asio::error::eof;
        if (closed) {
          co_return Status::Unavailable(
              fmt::format("{} closed the connection {}", Where(),
                          nothing ? "without responding" : "before the response was complete"));
        }
        co_return Status::Unavailable(
            fmt::format("unreadable response from {}: {}", Where(), rec.message()));
      }

      auto& res = parser.get();
      HttpResponse out;
      out.status = static_cast<int>(res.result_int());
      for (const auto& field : res) {
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      const bool keep =
          shared->opts.keep_alive && res.keep_alive() && parser.is_done() && buffer.size() == 0;
      out.body = std::move(res.body());
      if (keep) {
        stream.expires_never();
        boost::system::error_code ec;
        const int fd = stream.socket().release(ec);
        if (!ec) slot.Release(IdleConnection{fd, v6, SteadyClock::now()});
      } else {
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      }
      co_return out;
    }
  }
};

asio::awaitable<void> RunExchange(Exchange exchange, Completion done) {
  try {
    auto result = co_await exchange.Run();
    done.Finish(std::move(result));
  } catch (const std::exception& e) {
    done.Finish(
        Status::Internal(std::string("unexpected failure of an HTTP request: ") + e.what()));
  }
}

class BeastHttpClient final : public kefu::HttpClient {
 public:
  BeastHttpClient(asio::any_io_executor ex, HttpClientOptions opts)
      : shared_(std::make_shared<Shared>(std::move(ex), std::move(opts))) {}

  void Send(HttpRequest request, HttpCallback done) override {
    auto url = ParseHttpUrl(request.url);
    Status bad = url.status();
    Result<OutMessage> msg = Status::InvalidArgument("unset");
    if (bad.ok()) {
      msg = BuildMessage(request, *url, shared_->opts);
      bad = msg.status();
    }
    if (!bad.ok()) {
      asio::post(shared_->ex,
                 [c = Completion(std::move(done), bad), bad]() mutable { c.Finish(bad); });
      return;
    }
    Exchange exchange{shared_,
                      std::move(*url),
                      std::move(*msg),
                      SteadyClock::now() + std::chrono::milliseconds(request.timeout_ms),
                      request.timeout_ms,
                      request.max_response_bytes,
                      std::move(request.on_body)};
    asio::co_spawn(asio::make_strand(shared_->ex),
                   RunExchange(std::move(exchange), Completion(std::move(done), Dropped())),
                   asio::detached);
  }

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace

std::unique_ptr<kefu::HttpClient> MakeHttpClient(asio::any_io_executor ex,
                                                 HttpClientOptions options) {
  return std::make_unique<BeastHttpClient>(std::move(ex), std::move(options));
}

}  // namespace kefu::server
