#include "server/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

namespace kefu::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A small HTTP/1.1 server on 127.0.0.1 (an ephemeral port), on a thread of
// its own. Routes:
//   /hello            200 "hello, world" with X-Reply: yes
//   /echo             200; the request's method, Content-Type and
//                     User-Agent in X-Method, X-Content-Type, X-User-Agent,
//                     its body as the body
//   /status/N         status N, body "status N"
//   /sleep/MS         200 "slept" after MS milliseconds
//   /big/N            200 with a body of N bytes
//   /cut              promises 100 bytes, sends 9 and closes
//   /stream           a chunked body "data: " then, once first_piece_seen is
//                     set, "hi\n\n"
//   /silent           closes without answering
//   /hello-and-close  like /hello (keep-alive allowed), then closes
class TestServer {
 public:
  TestServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  std::atomic<int> connections{0};  // accepted so far
  std::atomic<int> open{0};         // open now
  std::atomic<int> max_open{0};     // most open at once
  std::atomic<bool> first_piece_seen{false};  // /stream goes on once set

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections;
      int now = ++open;
      int seen = max_open.load();
      while (now > seen && !max_open.compare_exchange_weak(seen, now)) {
      }
      asio::co_spawn(ioc_, Session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> Session(beast::tcp_stream stream) {
    struct Closed {
      std::atomic<int>& open;
      ~Closed() { --open; }
    } closed{open};
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] =
          co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      const std::string target(req.target());
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.keep_alive(req.keep_alive());
      bool close_after = false;
      if (target == "/hello" || target == "/hello-and-close") {
        res.set("X-Reply", "yes");
        res.set(http::field::content_type, "text/plain");
        res.body() = "hello, world";
        close_after = target == "/hello-and-close";
      } else if (target == "/echo") {
        res.set("X-Method", req.method_string());
        res.set("X-Content-Type", req[http::field::content_type]);
        res.set("X-User-Agent", req[http::field::user_agent]);
        res.body() = req.body();
      } else if (target.rfind("/status/", 0) == 0) {
        res.result(std::stoi(target.substr(8)));
        res.body() = "status " + target.substr(8);
      } else if (target.rfind("/sleep/", 0) == 0) {
        asio::steady_timer t(stream.get_executor(),
                             std::chrono::milliseconds(std::stoi(target.substr(7))));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        res.body() = "slept";
      } else if (target.rfind("/big/", 0) == 0) {
        res.body() = std::string(std::stoul(target.substr(5)), 'x');
      } else if (target == "/cut") {
        std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part";
        co_await asio::async_write(stream, asio::buffer(partial),
                                   asio::as_tuple(asio::use_awaitable));
        co_return;
      } else if (target == "/stream") {
        // Chunked, the second piece only once the client has seen the first.
        std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            "Transfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n";
        co_await asio::async_write(stream, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
        for (int i = 0; i < 500 && !first_piece_seen.load(); ++i) {
          asio::steady_timer t(stream.get_executor(), std::chrono::milliseconds(10));
          co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        std::string rest = "4\r\nhi\n\n\r\n0\r\n\r\n";
        co_await asio::async_write(stream, asio::buffer(rest), asio::as_tuple(asio::use_awaitable));
        co_return;
      } else if (target == "/silent") {
        co_return;
      } else {
        res.result(http::status::not_found);
      }
      res.prepare_payload();
      auto [wec, w] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      if (wec || !res.keep_alive() || close_after) co_return;
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// The client's side: an io_context run by two threads.
class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() : work_(asio::make_work_guard(ioc_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~HttpClientTest() override {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  std::unique_ptr<kefu::HttpClient> Client(HttpClientOptions o = {}) {
    return MakeHttpClient(ioc_.get_executor(), o);
  }

  // Sends and waits; fails the test if `done` is called other than once.
  Result<HttpResponse> Fetch(kefu::HttpClient& client, HttpRequest req) {
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto promise = std::make_shared<std::promise<Result<HttpResponse>>>();
    auto future = promise->get_future();
    client.Send(std::move(req), [calls, promise](Result<HttpResponse> r) {
      if (++*calls == 1) promise->set_value(std::move(r));
    });
    if (future.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within 20 s";
      return Status::Internal("no answer");
    }
    auto r = future.get();
    std::this_thread::sleep_for(5ms);
    EXPECT_EQ(calls->load(), 1);
    return r;
  }

  Result<HttpResponse> Get(kefu::HttpClient& client, std::string url, int64_t timeout_ms = 5000) {
    HttpRequest req;
    req.url = std::move(url);
    req.timeout_ms = timeout_ms;
    return Fetch(client, std::move(req));
  }

  static std::string Header(const HttpResponse& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (beast::iequals(n, name)) return v;
    }
    return "(none)";
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  TestServer server_;
};

TEST(ParseHttpUrl, SplitsWhatItCanSend) {
  struct Case {
    std::string url, host;
    uint16_t port;
    std::string target;
  } cases[] = {
      {"http://example.com", "example.com", 80, "/"},
      {"HTTP://Example.COM:8080/a/B?x=1&y=%20#frag", "example.com", 8080, "/a/B?x=1&y=%20"},
      {"http://127.0.0.1:9/api/orders/SO20261130001", "127.0.0.1", 9, "/api/orders/SO20261130001"},
      {"http://[::1]:8091/health", "::1", 8091, "/health"},
      {"http://[::1]", "::1", 80, "/"},
      {"http://host?q=1", "host", 80, "/?q=1"},
      {"  http://host/trimmed  ", "host", 80, "/trimmed"},
      {"http://host/a b/订单", "host", 80, "/a%20b/%E8%AE%A2%E5%8D%95"},
      {"http://my_host-1.local:65535/", "my_host-1.local", 65535, "/"},
  };
  for (const Case& c : cases) {
    auto u = ParseHttpUrl(c.url);
    ASSERT_TRUE(u.ok()) << c.url << ": " << u.status().ToString();
    EXPECT_EQ(u->scheme, "http") << c.url;
    EXPECT_EQ(u->host, c.host) << c.url;
    EXPECT_EQ(u->port, c.port) << c.url;
    EXPECT_EQ(u->target, c.target) << c.url;
  }
}

TEST(ParseHttpUrl, SaysWhatIsWrong) {
  struct Case {
    std::string url, message;
  } cases[] = {
      {"", "empty URL"},
      {"   ", "empty URL"},
      {"ftp://x", "unsupported scheme \"ftp\""},
      {"https://example.com/", "https is not supported by this build"},
      {"http://", "URL has no host"},
      {"http:///path", "URL has no host"},
      {"http://:80/", "URL has no host"},
      {"http://host:99999/", "port out of range: 99999"},
      {"http://host:0/", "port out of range: 0"},
      {"http://host:/", "empty port"},
      {"http://host:8o/", "port is not a number"},
      {"http://user:pw@host/", "user names or passwords"},
      {"http://[::1/", "unclosed '['"},
      {"http://[nonsense]/", "not an IPv6 address"},
      {"http://[::1]x/", "unexpected characters after ']'"},
      {"http://::1/", "must be in brackets"},
      {"http://ho st/", "invalid character ' '"},
      {"http://例子.cn/", "non-ASCII host name"},
      {"example.com/orders", "URL has no scheme"},
      {"😀😀", "URL has no scheme"},
      {"http://\xff\xfe/", "non-ASCII host name"},
      {"http://host/a\r\nX-Injected: 1", "control character 0x0d"},
      {"http://host/" + std::string(10000, 'a'), "URL longer than 8192 bytes"},
  };
  for (const Case& c : cases) {
    auto u = ParseHttpUrl(c.url);
    ASSERT_FALSE(u.ok()) << c.url;
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument) << c.url;
    EXPECT_NE(u.status().message().find(c.message), std::string::npos)
        << c.url << " -> " << u.status().message();
  }
}

TEST_F(HttpClientTest, GetReturnsStatusBodyAndHeaders) {
  auto client = Client();
  auto r = Get(*client, server_.Url("/hello"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello, world");
  EXPECT_EQ(Header(*r, "x-reply"), "yes");
  EXPECT_EQ(Header(*r, "Content-Type"), "text/plain");
}

TEST_F(HttpClientTest, PostBodyContentTypeAndUserAgentArrive) {
  auto client = Client();
  HttpRequest req;
  req.method = "POST";
  req.url = server_.Url("/echo");
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"reason":"尺码不合适 wrong size"})";
  auto r = Fetch(*client, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Header(*r, "X-Method"), "POST");
  EXPECT_EQ(Header(*r, "X-Content-Type"), "application/json");
  EXPECT_EQ(Header(*r, "X-User-Agent"), "kefu/0.1.0");
  EXPECT_EQ(r->body, req.body);

  // The caller's User-Agent wins; PUT and an empty body work too.
  req.method = "PUT";
  req.headers = {{"User-Agent", "shop-bot/2"}};
  req.body.clear();
  r = Fetch(*client, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Header(*r, "X-Method"), "PUT");
  EXPECT_EQ(Header(*r, "X-User-Agent"), "shop-bot/2");
  EXPECT_EQ(r->body, "");
}

TEST_F(HttpClientTest, ErrorStatusesAreResponsesWithTheirBody) {
  auto client = Client();
  for (int status : {404, 500, 503}) {
    auto r = Get(*client, server_.Url("/status/" + std::to_string(status)));
    ASSERT_TRUE(r.ok()) << status << ": " << r.status().ToString();
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(r->body, "status " + std::to_string(status));
  }
}

TEST_F(HttpClientTest, TimeoutIsDeadlineExceededInAboutTheTimeout) {
  auto client = Client();
  auto started = std::chrono::steady_clock::now();
  auto r = Get(*client, server_.Url("/sleep/3000"), 300);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded) << r.status().ToString();
  EXPECT_NE(r.status().message().find("300 ms"), std::string::npos) << r.status().message();
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailable) {
  uint16_t port;
  {
    asio::io_context tmp;
    tcp::acceptor a(tmp, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  auto client = Client();
  auto r = Get(*client, "http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("cannot connect"), std::string::npos);
}

TEST_F(HttpClientTest, UnresolvableHostIsUnavailable) {
  auto client = Client();
  auto r = Get(*client, "http://no-such-host.invalid/", 4000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("cannot resolve no-such-host.invalid"), std::string::npos)
      << r.status().message();
}

TEST_F(HttpClientTest, BodyOverTheLimitIsPayloadTooLarge) {
  auto client = Client();
  HttpRequest req;
  req.max_response_bytes = 1000;
  req.url = server_.Url("/big/1000");
  auto r = Fetch(*client, req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body.size(), 1000u);
  req.url = server_.Url("/big/1001");
  r = Fetch(*client, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPayloadTooLarge) << r.status().ToString();
  req.max_response_bytes = 1 << 20;
  req.url = server_.Url("/big/3000000");
  r = Fetch(*client, req);
  EXPECT_EQ(r.status().code(), Code::kPayloadTooLarge);
}

TEST_F(HttpClientTest, BadRequestsAreInvalidArgumentAndAnsweredOnce) {
  auto client = Client();
  for (std::string url : {"", "ftp://x", "http://", "http://host:99999/"}) {
    auto r = Get(*client, url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << url;
  }
  HttpRequest req;
  req.url = server_.Url("/hello");
  req.method = "TRACE";
  EXPECT_EQ(Fetch(*client, req).status().code(), Code::kInvalidArgument);
  req.method = "GET";
  req.headers = {{"X-Note", "a\r\nX-Injected: 1"}};
  EXPECT_EQ(Fetch(*client, req).status().code(), Code::kInvalidArgument);
  req.headers = {{"Bad Name", "v"}};
  EXPECT_EQ(Fetch(*client, req).status().code(), Code::kInvalidArgument);
  req.headers.clear();
  req.timeout_ms = 0;
  EXPECT_EQ(Fetch(*client, req).status().code(), Code::kInvalidArgument);
}

TEST_F(HttpClientTest, TwoHundredParallelRequestsAreEachAnsweredOnce) {
  HttpClientOptions o;
  o.max_connections_per_host = 8;
  auto client = Client(o);
  constexpr int kRequests = 200;
  std::vector<std::atomic<int>> calls(kRequests);
  std::atomic<int> ok{0}, finished{0};
  std::promise<void> all;
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest req;
    req.method = "POST";
    req.url = server_.Url("/echo");
    req.body = "request " + std::to_string(i);
    req.timeout_ms = 15000;
    client->Send(req, [&, i](Result<HttpResponse> r) {
      ++calls[i];
      if (r.ok() && r->status == 200 && r->body == "request " + std::to_string(i)) ++ok;
      if (++finished == kRequests) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ok.load(), kRequests);
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(calls[i].load(), 1) << i;
  EXPECT_LE(server_.max_open.load(), 8);      // the limit per host holds
  EXPECT_LE(server_.connections.load(), 16);  // and connections are reused
}

TEST_F(HttpClientTest, ServerClosingMidResponseIsUnavailable) {
  auto client = Client();
  for (std::string path : {"/cut", "/silent"}) {
    auto r = Get(*client, server_.Url(path));
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), Code::kUnavailable) << path << ": " << r.status().ToString();
  }
  // The client is still fine afterwards.
  auto r = Get(*client, server_.Url("/hello"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnectionAndCanBeTurnedOff) {
  auto client = Client();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Get(*client, server_.Url("/hello")).ok());
  EXPECT_EQ(server_.connections.load(), 1);

  HttpClientOptions o;
  o.keep_alive = false;
  auto closing = Client(o);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Get(*closing, server_.Url("/hello")).ok());
  EXPECT_EQ(server_.connections.load(), 4);
}

TEST_F(HttpClientTest, AnIdleConnectionTheServerClosedIsNotReused) {
  auto client = Client();
  for (int i = 0; i < 3; ++i) {
    HttpRequest req;
    req.method = "POST";  // not retried: must not meet a dead connection at all
    req.url = server_.Url("/hello-and-close");
    auto r = Fetch(*client, req);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    std::this_thread::sleep_for(20ms);  // the server's close arrives
  }
  EXPECT_EQ(server_.connections.load(), 3);
}

TEST_F(HttpClientTest, TheClientMayGoAwayWhileRequestsAreInFlight) {
  auto client = Client();
  std::promise<Result<HttpResponse>> done;
  HttpRequest req;
  req.url = server_.Url("/sleep/100");
  client->Send(req, [&done](Result<HttpResponse> r) { done.set_value(std::move(r)); });
  client.reset();
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  auto r = future.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "slept");
}

TEST_F(HttpClientTest, DestroyingTheIoContextAnswersPendingRequestsOnce) {
  std::atomic<int> calls{0};
  std::optional<Status> status;
  {
    asio::io_context ioc;
    auto client = MakeHttpClient(ioc.get_executor());
    HttpRequest slow;
    slow.url = server_.Url("/sleep/5000");
    client->Send(slow, [&](Result<HttpResponse> r) {
      ++calls;
      status = r.status();
    });
    HttpRequest never_started;  // posted, never run
    never_started.url = server_.Url("/hello");
    std::thread runner([&ioc] { ioc.run_for(200ms); });
    runner.join();
    client->Send(never_started, [&](Result<HttpResponse>) { ++calls; });
    EXPECT_EQ(calls.load(), 0);
    // The io_context stopped (not destroyed): nothing is answered yet.
  }
  EXPECT_EQ(calls.load(), 2);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), Code::kUnavailable);
  EXPECT_NE(status->message().find("shut down"), std::string::npos);
}

TEST_F(HttpClientTest, AStreamedBodyIsHandedOnAsItArrives) {
  auto client = Client();
  HttpRequest req;
  req.url = server_.Url("/stream");
  std::mutex mu;
  std::vector<std::string> pieces;
  req.on_body = [&](std::string_view piece) {
    std::lock_guard lock(mu);
    pieces.emplace_back(piece);
    server_.first_piece_seen = true;
  };
  auto r = Fetch(*client, std::move(req));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "data: hi\n\n");
  std::lock_guard lock(mu);
  ASSERT_GE(pieces.size(), 2u);  // the server held the rest back until it saw the first
  EXPECT_EQ(pieces.front(), "data: ");
  std::string joined;
  for (const std::string& p : pieces) joined += p;
  EXPECT_EQ(joined, "data: hi\n\n");
}

}  // namespace
}  // namespace kefu::server
