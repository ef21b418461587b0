#include "app/demo_orders.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <tuple>

#include "core/json.h"
#include "server/http_client.h"

namespace kefu::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const std::string kOrdersFile = std::string(KEFU_SOURCE_DIR) + "/examples/shop/demo/orders.json";

std::unique_ptr<DemoOrderBook> ShippedBook() {
  auto book = DemoOrderBook::Load(kOrdersFile);
  EXPECT_TRUE(book.ok()) << book.status().ToString();
  return book.ok() ? std::move(*book) : nullptr;
}

// The service on an ephemeral port of 127.0.0.1, spoken to with the Beast
// HttpClient over real sockets; one io_context, two threads, for both.
class DemoOrderServiceTest : public ::testing::Test {
 protected:
  DemoOrderServiceTest() : work_(asio::make_work_guard(ioc_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    service_ = StartService(-1);
    client_ = server::MakeHttpClient(ioc_.get_executor());
  }
  ~DemoOrderServiceTest() override {
    client_.reset();
    service_.reset();
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  std::unique_ptr<DemoOrderService> StartService(int64_t slow_delay_ms) {
    DemoOrderServiceOptions o;
    o.port = 0;
    o.slow_delay_ms = slow_delay_ms;
    auto s = DemoOrderService::Start(ioc_.get_executor(), ShippedBook(), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::string Url(std::string_view path, const DemoOrderService* s = nullptr) const {
    return "http://127.0.0.1:" + std::to_string((s ? s : service_.get())->port()) +
           std::string(path);
  }

  Result<HttpResponse> Call(std::string method, std::string path, std::string body = "",
                            int64_t timeout_ms = 5000, const DemoOrderService* s = nullptr) {
    HttpRequest req;
    req.method = std::move(method);
    req.url = Url(path, s);
    req.body = std::move(body);
    if (!req.body.empty()) req.headers = {{"Content-Type", "application/json"}};
    req.timeout_ms = timeout_ms;
    std::promise<Result<HttpResponse>> done;
    client_->Send(std::move(req),
                  [&done](Result<HttpResponse> r) { done.set_value(std::move(r)); });
    auto f = done.get_future();
    if (f.wait_for(20s) != std::future_status::ready) return Status::Internal("no answer");
    return f.get();
  }

  // The status and the JSON body of a call that must get a response.
  std::pair<int, Json> Answer(std::string method, std::string path, std::string body = "") {
    auto r = Call(std::move(method), std::move(path), std::move(body));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {0, Json()};
    auto j = ParseJsonObject(r->body);
    EXPECT_TRUE(j.ok()) << r->body;
    return {r->status, j.ok() ? *j : Json()};
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  std::unique_ptr<DemoOrderService> service_;
  std::unique_ptr<HttpClient> client_;
};

TEST(DemoOrderBook, TheShippedOrdersLoadWithEveryStatus) {
  auto book = ShippedBook();
  ASSERT_TRUE(book);
  EXPECT_EQ(book->size(), 14u);
  std::set<std::string> statuses;
  for (std::string no :
       {"SO20261130001", "SO20261128002", "SO20261201003", "SO20261129004", "SO20261125006"}) {
    auto r = book->Handle({"GET", "/api/orders/" + no, ""});
    ASSERT_EQ(r.status, 200) << no << " " << r.body;
    statuses.insert(Json::parse(r.body)["status"].get<std::string>());
  }
  EXPECT_EQ(statuses,
            (std::set<std::string>{"paid", "shipped", "in_transit", "delivered", "cancelled"}));
}

TEST(DemoOrderBook, BadDataIsRefusedNamingTheField) {
  const std::string good_item =
      R"("items":[{"name":{"zh":"杯子","en":"Mug"},"qty":2,"price":39.9}])";
  auto order = [&](std::string fields) {
    return R"({"orders":[{"order_no":"SO20261201003","status":"paid","carrier":null,)"
           R"("tracking_no":null,"eta":"2026-12-05",)" +
           good_item +
           R"(,"address":"某市某路 1 号","phone":"100","returnable":false,)"
           R"("address_changeable":true)" +
           fields + "}]}";
  };
  ASSERT_TRUE(DemoOrderBook::Parse(order(R"(,"total":79.8)")).ok());
  struct Case {
    std::string json;
    Code code;
    std::string message;
  } cases[] = {
      {"not json", Code::kInvalidJson, ""},
      {"", Code::kInvalidJson, ""},
      {"\xff\xfe", Code::kInvalidUtf8, ""},
      {R"({"orders":{}})", Code::kInvalidArgument, "orders: missing, or not an array"},
      {order(R"(,"total":80)"), Code::kInvalidArgument,
       "orders[0].total: 80.00 is not the sum of the items (79.80)"},
      {order(R"(,"total":79.8,"demo":{"fail_status":404})"), Code::kInvalidArgument,
       "orders[0].demo.fail_status"},
      {R"({"orders":[{"order_no":"SO123","status":"paid"}]})", Code::kInvalidArgument,
       "orders[0].order_no: \"SO123\" is not SO + yyyymmdd + 3 digits"},
      {R"({"orders":[{"order_no":"SO20261201003","status":"lost"}]})", Code::kInvalidArgument,
       "orders[0].status: unknown status \"lost\""},
      {R"({"orders":[{"order_no":"SO20261201003","status":"shipped"}]})", Code::kInvalidArgument,
       "orders[0].carrier: must be an object {zh, en}"},
  };
  for (const Case& c : cases) {
    auto b = DemoOrderBook::Parse(c.json);
    ASSERT_FALSE(b.ok()) << c.json;
    EXPECT_EQ(b.status().code(), c.code) << c.json << " -> " << b.status().ToString();
    EXPECT_NE(b.status().message().find(c.message), std::string::npos) << b.status().message();
  }
  // Two orders with one number; a returnable order that was never delivered.
  std::string twice = order(R"(,"total":79.8)");
  const std::string one = twice.substr(11, twice.size() - 13);
  twice = "{\"orders\":[" + one + "," + one + "]}";
  EXPECT_NE(DemoOrderBook::Parse(twice).status().message().find("appears twice"),
            std::string::npos);
  auto returnable = order(R"(,"total":79.8)");
  returnable.replace(returnable.find("\"returnable\":false"), 18, "\"returnable\":true");
  EXPECT_NE(DemoOrderBook::Parse(returnable).status().message().find("only a delivered order"),
            std::string::npos);
  EXPECT_EQ(DemoOrderBook::Load("/nonexistent/orders.json").status().code(), Code::kNotFound);
}

TEST_F(DemoOrderServiceTest, HealthAndAnOrder) {
  auto [hs, health] = Answer("GET", "/health");
  EXPECT_EQ(hs, 200);
  EXPECT_EQ(health, Json({{"ok", true}}));

  for (std::string no : {"SO20261130001", "so20261130001"}) {
    auto [status, o] = Answer("GET", "/api/orders/" + no + "?lang=zh");
    ASSERT_EQ(status, 200) << o.dump();
    EXPECT_EQ(o["order_no"], "SO20261130001");
    EXPECT_EQ(o["status"], "in_transit");
    EXPECT_EQ(o["status_text"]["zh"], "运输中");
    EXPECT_EQ(o["status_text"]["en"], "In transit");
    EXPECT_EQ(o["carrier"]["en"], "SF Express");
    EXPECT_EQ(o["tracking_no"], "SF1402286153201");
    EXPECT_EQ(o["eta"], "2026-12-03");
    ASSERT_EQ(o["items"].size(), 1u);
    EXPECT_EQ(o["items"][0]["name"]["en"], "Cotton crew-neck T-shirt (white, M)");
    EXPECT_EQ(o["items"][0]["qty"], 2);
    EXPECT_DOUBLE_EQ(o["items"][0]["price"].get<double>(), 79.0);
    EXPECT_DOUBLE_EQ(o["total"].get<double>(), 158.0);
    EXPECT_FALSE(o["returnable"].get<bool>());
    EXPECT_FALSE(o["address_changeable"].get<bool>());
    EXPECT_TRUE(o["address"].is_string());
  }
  // An unshipped order has no carrier yet.
  auto [ps, paid] = Answer("GET", "/api/orders/SO20261201003");
  EXPECT_EQ(ps, 200);
  EXPECT_TRUE(paid["carrier"].is_null());
  EXPECT_TRUE(paid["tracking_no"].is_null());
  EXPECT_TRUE(paid["address_changeable"].get<bool>());
}

TEST_F(DemoOrderServiceTest, LookupErrorsAreJsonWithTheirStatus) {
  struct Case {
    std::string method, path;
    int status;
    std::string code;
  } cases[] = {
      {"GET", "/api/orders/SO20261130999", 404, "not_found"},
      {"GET", "/api/orders/SO123", 400, "invalid_order_no"},
      {"GET", "/api/orders/SO20261330001", 400, "invalid_order_no"},  // month 13
      {"GET", "/api/orders/SX20261130001", 400, "invalid_order_no"},
      {"GET", "/api/orders/%E8%AE%A2%E5%8D%95", 400, "invalid_order_no"},
      {"GET", "/api/orders/😀", 400, "invalid_order_no"},
      {"GET", "/api/orders/" + std::string(5000, '1'), 400, "invalid_order_no"},
      {"GET", "/api/nothing", 404, "not_found"},
      {"GET", "/", 404, "not_found"},
      {"GET", "/api/orders/SO20261130001/refunds", 404, "not_found"},
      {"DELETE", "/api/orders/SO20261130001", 405, "method_not_allowed"},
      {"GET", "/api/orders/SO20261130001/returns", 405, "method_not_allowed"},
      {"POST", "/api/orders/SO20261201003/address", 405, "method_not_allowed"},
      {"POST", "/health", 405, "method_not_allowed"},
  };
  for (const Case& c : cases) {
    auto [status, j] = Answer(c.method, c.path);
    EXPECT_EQ(status, c.status) << c.method << " " << c.path.substr(0, 60);
    EXPECT_EQ(j["error"]["code"], c.code) << c.path.substr(0, 60) << ": " << j.dump();
    EXPECT_TRUE(j["error"]["message"].is_string());
  }
}

TEST_F(DemoOrderServiceTest, AReturnOnceWhenReturnableAndAReasonWhenNot) {
  const std::string path = "/api/orders/SO20261128002/returns";
  auto [s1, created] = Answer("POST", path, R"({"reason":"尺码偏小 too small","photo":"up_123"})");
  ASSERT_EQ(s1, 201) << created.dump();
  const std::string id = created["return_id"];
  EXPECT_EQ(id.rfind("RT", 0), 0u);
  EXPECT_DOUBLE_EQ(created["refund_amount"].get<double>(), 399.0);
  EXPECT_NE(created["instructions"]["zh"].get<std::string>().find(id), std::string::npos);
  EXPECT_NE(created["instructions"]["en"].get<std::string>().find(id), std::string::npos);

  auto [s2, again] = Answer("POST", path, R"({"reason":"again"})");
  EXPECT_EQ(s2, 409);
  EXPECT_EQ(again["error"]["code"], "return_exists");
  auto [s3, order] = Answer("GET", "/api/orders/SO20261128002");
  EXPECT_EQ(s3, 200);
  EXPECT_FALSE(order["returnable"].get<bool>());
  EXPECT_EQ(order["return"]["return_id"], id);

  struct Case {
    std::string order_no, body;
    int status;
    std::string code, message;
  } cases[] = {
      {"SO20261120005", R"({"reason":"不想要了"})", 409, "not_returnable", "return window ended"},
      {"SO20261124010", R"({"reason":"changed my mind"})", 409, "not_returnable", "personalised"},
      {"SO20261130001", R"({"reason":"late"})", 409, "not_returnable", "on its way"},
      {"SO20261125006", R"({"reason":"x"})", 409, "not_returnable", "cancelled"},
      {"SO20261127007", R"({})", 400, "invalid_argument", "missing field \"reason\""},
      {"SO20261127007", R"({"reason":"   "})", 400, "invalid_argument", "must not be empty"},
      {"SO20261127007", R"({"reason":42})", 400, "invalid_argument", "must be a string"},
      {"SO20261127007", "{\"reason\":\"" + std::string(501, 'a') + "\"}", 400, "invalid_argument",
       "longer than 500"},
      {"SO20261127007", "reason=broken", 400, "invalid_json", ""},
      {"SO20261127007", "", 400, "invalid_json", ""},
      {"SO20261127007", "[1,2]", 400, "invalid_json", ""},
      {"SO20261127007", "{\"reason\":\"\xff\"}", 400, "invalid_json", ""},
      {"SO20261130999", R"({"reason":"x"})", 404, "not_found", "no order SO20261130999"},
  };
  for (const Case& c : cases) {
    auto [status, j] = Answer("POST", "/api/orders/" + c.order_no + "/returns", c.body);
    EXPECT_EQ(status, c.status) << c.order_no << " " << c.body.substr(0, 40) << " " << j.dump();
    EXPECT_EQ(j["error"]["code"], c.code) << j.dump();
    EXPECT_NE(j["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << j.dump();
  }
  // The refusal is given in both languages.
  auto [s4, refused] = Answer("POST", "/api/orders/SO20261120005/returns", R"({"reason":"x"})");
  EXPECT_EQ(s4, 409);
  EXPECT_NE(refused["error"]["details"]["zh"].get<std::string>().find("7 天"), std::string::npos);
}

TEST_F(DemoOrderServiceTest, AnAddressChangesOnlyBeforeShipping) {
  const std::string body =
      R"({"address":"广东省深圳市福田区示例路 8 号","phone":"+86 137 0000 0003"})";
  auto [s1, changed] = Answer("PUT", "/api/orders/SO20261201003/address", body);
  ASSERT_EQ(s1, 200) << changed.dump();
  EXPECT_EQ(changed["order_no"], "SO20261201003");
  EXPECT_EQ(changed["address"], "广东省深圳市福田区示例路 8 号");
  auto [s2, order] = Answer("GET", "/api/orders/SO20261201003");
  EXPECT_EQ(order["address"], "广东省深圳市福田区示例路 8 号");
  EXPECT_EQ(order["phone"], "+86 137 0000 0003");

  struct Case {
    std::string order_no, body;
    int status;
    std::string code, message;
  } cases[] = {
      {"SO20261130001", body, 409, "address_locked", "has shipped"},
      {"SO20261128002", body, 409, "address_locked", "delivered"},
      {"SO20261125006", body, 409, "address_locked", "cancelled"},
      {"SO20261202011", R"({"phone":"13100000011"})", 400, "invalid_argument", "\"address\""},
      {"SO20261202011", R"({"address":"短"})", 400, "invalid_argument", "too short"},
      {"SO20261202011", R"({"address":"天津市和平区示例路 1 号","phone":"call me"})", 400,
       "invalid_argument", "\"phone\""},
      {"SO20261202011", "{\"address\":\"" + std::string(201, 'x') + "\"}", 400, "invalid_argument",
       "longer than 200"},
      {"SO20261202011", "not json", 400, "invalid_json", ""},
  };
  for (const Case& c : cases) {
    auto [status, j] = Answer("PUT", "/api/orders/" + c.order_no + "/address", c.body);
    EXPECT_EQ(status, c.status) << c.order_no << " " << j.dump();
    EXPECT_EQ(j["error"]["code"], c.code) << j.dump();
    EXPECT_NE(j["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << j.dump();
  }
}

TEST_F(DemoOrderServiceTest, InvoicesAndComplaints) {
  auto [s1, inv] = Answer(
      "POST", "/api/orders/SO20261128002/invoice",
      R"({"title":"示例科技有限公司","tax_id":"91330100MA00000000","email":"ap@example.com"})");
  ASSERT_EQ(s1, 201) << inv.dump();
  EXPECT_EQ(inv["invoice_id"].get<std::string>().rfind("INV", 0), 0u);
  EXPECT_EQ(inv["email"], "ap@example.com");
  auto [s2, personal] = Answer("POST", "/api/orders/SO20261130001/invoice",
                               R"({"title":"个人","email":"me@example.com"})");
  EXPECT_EQ(s2, 201) << personal.dump();
  EXPECT_NE(personal["invoice_id"], inv["invoice_id"]);

  struct Case {
    std::string path, body;
    int status;
    std::string code;
  } cases[] = {
      {"/api/orders/SO20261125006/invoice", R"({"title":"个人","email":"me@example.com"})", 409,
       "not_invoiceable"},
      {"/api/orders/SO20261128002/invoice", R"({"title":"个人","email":"not-an-email"})", 400,
       "invalid_argument"},
      {"/api/orders/SO20261128002/invoice",
       R"({"title":"个人","email":"me@example.com","tax_id":"12"})", 400, "invalid_argument"},
      {"/api/orders/SO20261128002/invoice", R"({"email":"me@example.com"})", 400,
       "invalid_argument"},
      {"/api/complaints", R"({"order_no":"SO20261130999","text":"太慢了"})", 404, "not_found"},
      {"/api/complaints", R"({"order_no":"SO1","text":"太慢了"})", 400, "invalid_order_no"},
      {"/api/complaints", R"({"order_no":"SO20261130001"})", 400, "invalid_argument"},
      {"/api/complaints", "😀", 400, "invalid_json"},
  };
  for (const Case& c : cases) {
    auto [status, j] = Answer("POST", c.path, c.body);
    EXPECT_EQ(status, c.status) << c.path << " " << c.body << " " << j.dump();
    EXPECT_EQ(j["error"]["code"], c.code) << j.dump();
  }

  auto [s3, ticket] =
      Answer("POST", "/api/complaints",
             R"({"order_no":"SO20261130001","text":"快递员态度很差 rude courier"})");
  ASSERT_EQ(s3, 201) << ticket.dump();
  EXPECT_EQ(ticket["ticket_id"].get<std::string>().rfind("CT", 0), 0u);
  auto [s4, loose] = Answer("POST", "/api/complaints", R"({"text":"客服电话打不通"})");
  EXPECT_EQ(s4, 201) << loose.dump();
  EXPECT_NE(loose["ticket_id"], ticket["ticket_id"]);
}

TEST_F(DemoOrderServiceTest, TheSlowOrderOutlastsAShortTimeoutAndAnswersLater) {
  auto started = std::chrono::steady_clock::now();
  auto r = Call("GET", "/api/orders/SO20261111901", "", 500);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(took, 1500ms);

  auto quick = StartService(200);  // the same order, its delay shortened
  ASSERT_TRUE(quick);
  started = std::chrono::steady_clock::now();
  r = Call("GET", "/api/orders/SO20261111901", "", 5000, quick.get());
  took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(took, 190ms);
  // Other orders are not slow.
  started = std::chrono::steady_clock::now();
  r = Call("GET", "/api/orders/SO20261130001", "", 5000, quick.get());
  EXPECT_TRUE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 150ms);
}

TEST_F(DemoOrderServiceTest, TheFailingOrderAnswers500Everywhere) {
  for (auto [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/api/orders/SO20261111902", ""},
           {"POST", "/api/orders/SO20261111902/returns", R"({"reason":"x"})"},
           {"PUT", "/api/orders/SO20261111902/address", R"({"address":"某市某路 1 号"})"},
           {"POST", "/api/orders/SO20261111902/invoice", R"({"title":"t","email":"a@b.cn"})"}}) {
    auto [status, j] = Answer(method, path, body);
    EXPECT_EQ(status, 500) << path;
    EXPECT_EQ(j["error"]["code"], "internal") << j.dump();
  }
}

// A raw connection: what arrives after a refused body on the same socket.
TEST_F(DemoOrderServiceTest, AHugeBodyIs413AndTheConnectionLivesOn) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), service_->port()));
  beast::flat_buffer buffer;
  auto exchange = [&](http::verb verb, std::string target, std::string body) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
  };
  auto res = exchange(http::verb::post, "/api/orders/SO20261128002/returns",
                      "{\"reason\":\"" + std::string(100 * 1024, 'a') + "\"}");
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_NE(res.body().find("payload_too_large"), std::string::npos);
  EXPECT_TRUE(res.keep_alive());
  res = exchange(http::verb::get, "/health", "");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), R"({"ok":true})");

  // Over 1 MiB: refused from the header alone, and closed.
  const std::string header =
      "POST /api/complaints HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2097152\r\n\r\n";
  asio::write(stream, asio::buffer(header));
  res = {};
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(DemoOrderServiceTest, StopClosesConnectionsAndRefusesNewOnes) {
  std::promise<Result<HttpResponse>> pending;
  HttpRequest slow;
  slow.url = Url("/api/orders/SO20261111901");
  client_->Send(slow, [&pending](Result<HttpResponse> r) { pending.set_value(std::move(r)); });
  std::this_thread::sleep_for(100ms);  // the service waits out the slow order's delay
  const auto stopped = std::chrono::steady_clock::now();
  service_->Stop();
  auto f = pending.get_future();
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
  auto r = f.get();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  std::this_thread::sleep_for(50ms);
  auto refused = Call("GET", "/health");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  service_->Stop();  // again: nothing happens
}

}  // namespace
}  // namespace kefu::app
