#include "app/demo_orders.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "core/json.h"

namespace kefu::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxBody = 64 * 1024;         // larger: 413
constexpr size_t kMaxDiscardedBody = 1 << 20;  // larger: 413 and the connection closes
constexpr size_t kMaxHeader = 16 * 1024;

struct Text {
  std::string zh, en;
};

struct Item {
  Text name;
  int64_t qty = 0;
  int64_t price_cents = 0;
};

Json ToJson(const Text& t) { return Json{{"zh", t.zh}, {"en", t.en}}; }

double Money(int64_t cents) { return static_cast<double>(cents) / 100.0; }

std::string MoneyText(int64_t cents) { return fmt::format("{}.{:02}", cents / 100, cents % 100); }

// What the statuses are called, and why an order in a status cannot be
// returned or change its address (unless the order says why itself).
struct StatusInfo {
  std::string_view name;
  Text text;
  Text no_return;
  Text no_address_change;
};

const StatusInfo kStatuses[] = {
    {"paid",
     {"已付款，待发货", "Paid, waiting to ship"},
     {"订单尚未发货，可以直接取消订单",
      "the order has not shipped yet: it can be cancelled instead"},
     {"订单正在打包，地址已无法修改",
      "the order is being packed: the address can no longer change"}},
    {"shipped",
     {"已发货", "Shipped"},
     {"包裹还在路上，签收后才能申请退货",
      "the parcel is on its way: a return can be requested once it is delivered"},
     {"订单已发货，地址无法修改，可联系快递改派",
      "the order has shipped: the address can no longer change (the carrier may redirect it)"}},
    {"in_transit",
     {"运输中", "In transit"},
     {"包裹还在路上，签收后才能申请退货",
      "the parcel is on its way: a return can be requested once it is delivered"},
     {"订单已发货，地址无法修改，可联系快递改派",
      "the order has shipped: the address can no longer change (the carrier may redirect it)"}},
    {"delivered",
     {"已签收", "Delivered"},
     {"该订单不支持退货", "this order cannot be returned"},
     {"订单已签收，地址无法修改", "the order was delivered: the address can no longer change"}},
    {"cancelled",
     {"已取消", "Cancelled"},
     {"订单已取消，无需退货", "the order was cancelled: there is nothing to return"},
     {"订单已取消", "the order was cancelled"}},
};

const StatusInfo* FindStatus(std::string_view name) {
  for (const StatusInfo& s : kStatuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

bool IsDate(std::string_view s) {  // yyyy-mm-dd
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!IsDigits(s.substr(0, 4)) || !IsDigits(s.substr(5, 2)) || !IsDigits(s.substr(8, 2)))
    return false;
  const int m = ToInt(s.substr(5, 2)), d = ToInt(s.substr(8, 2));
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

// "SO" + yyyymmdd + a 3-digit sequence; "so…" is read as "SO…".
std::optional<std::string> NormalizeOrderNo(std::string_view s) {
  if (s.size() != 13) return std::nullopt;
  std::string out(s);
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  out[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[1])));
  if (out.substr(0, 2) != "SO" || !IsDigits(std::string_view(out).substr(2))) return std::nullopt;
  const std::string date = out.substr(2, 4) + "-" + out.substr(6, 2) + "-" + out.substr(8, 2);
  if (!IsDate(date)) return std::nullopt;
  return out;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

DemoResponse Reply(int status, const Json& body, int64_t delay_ms = 0) {
  return DemoResponse{status, DumpJson(body), delay_ms};
}

DemoResponse Error(int status, std::string_view code, std::string message,
                   const Text* details = nullptr) {
  Json error{{"code", code}, {"message", std::move(message)}};
  if (details) error["details"] = ToJson(*details);
  return Reply(status, Json{{"error", std::move(error)}});
}

// ---- reading the data file ---------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  Status Fail(std::string_view field, std::string_view what) const {
    return Status::InvalidArgument(fmt::format("{}.{}: {}", where_, field, what));
  }

  Result<std::string> String(const Json& j, std::string_view field, bool nullable = false) const {
    auto it = j.find(field);
    if (it == j.end()) return Fail(field, "missing");
    if (nullable && it->is_null()) return std::string();
    if (!it->is_string() || it->get<std::string>().empty())
      return Fail(field,
                  nullable ? "must be a non-empty string or null" : "must be a non-empty string");
    return it->get<std::string>();
  }

  Result<Text> Bilingual(const Json& j, std::string_view field) const {
    auto it = j.find(field);
    if (it == j.end() || !it->is_object()) return Fail(field, "must be an object {zh, en}");
    Reader inner(fmt::format("{}.{}", where_, field));
    auto zh = inner.String(*it, "zh");
    if (!zh.ok()) return zh.status();
    auto en = inner.String(*it, "en");
    if (!en.ok()) return en.status();
    return Text{*zh, *en};
  }

  Result<bool> Bool(const Json& j, std::string_view field) const {
    auto it = j.find(field);
    if (it == j.end() || !it->is_boolean()) return Fail(field, "must be true or false");
    return it->get<bool>();
  }

  // A non-negative amount with at most two decimals, in cents.
  Result<int64_t> Cents(const Json& j, std::string_view field) const {
    auto it = j.find(field);
    if (it == j.end() || !it->is_number()) return Fail(field, "must be a number");
    const double v = it->get<double>() * 100.0;
    if (!(v >= 0) || v > 1e12 || std::fabs(v - std::round(v)) > 1e-6)
      return Fail(field, "must be an amount >= 0 with at most two decimals");
    return static_cast<int64_t>(std::llround(v));
  }

 private:
  std::string where_;
};

}  // namespace

struct DemoOrderBook::Order {
  std::string order_no;
  const StatusInfo* status = nullptr;
  std::optional<Text> carrier;
  std::string tracking_no, eta;  // empty: none yet
  std::vector<Item> items;
  int64_t total_cents = 0;
  std::string address, phone;
  bool returnable = false, address_changeable = false;
  std::optional<Text> return_refusal, address_refusal;
  int64_t delay_ms = 0;  // the slow demo order
  int fail_status = 0;   // the failing demo order: answers this status

  // Changed by requests; guarded by DemoOrderBook::mu_.
  std::string return_id, return_reason;
  bool address_changed = false;
};

namespace {

using Order = DemoOrderBook::Order;

Result<std::unique_ptr<Order>> ReadOrder(const Json& j, size_t index) {
  Reader r(fmt::format("orders[{}]", index));
  if (!j.is_object()) return r.Fail("", "must be an object");
  auto o = std::make_unique<Order>();
  auto no = r.String(j, "order_no");
  if (!no.ok()) return no.status();
  auto normal = NormalizeOrderNo(*no);
  if (!normal || *normal != *no)
    return r.Fail("order_no", "\"" + *no + "\" is not SO + yyyymmdd + 3 digits");
  o->order_no = *no;
  auto status = r.String(j, "status");
  if (!status.ok()) return status.status();
  o->status = FindStatus(*status);
  if (!o->status) {
    return r.Fail("status", "unknown status \"" + *status +
                                "\" (paid, shipped, in_transit, delivered or cancelled)");
  }
  const bool on_its_way = *status == "shipped" || *status == "in_transit" || *status == "delivered";
  if (on_its_way) {
    auto carrier = r.Bilingual(j, "carrier");
    if (!carrier.ok()) return carrier.status();
    o->carrier = *carrier;
    auto tracking = r.String(j, "tracking_no");
    if (!tracking.ok()) return tracking.status();
    o->tracking_no = *tracking;
  }
  auto eta = r.String(j, "eta", /*nullable=*/*status == "cancelled");
  if (!eta.ok()) return eta.status();
  if (!eta->empty() && !IsDate(*eta)) return r.Fail("eta", "\"" + *eta + "\" is not yyyy-mm-dd");
  o->eta = *eta;

  auto items = j.find("items");
  if (items == j.end() || !items->is_array() || items->empty())
    return r.Fail("items", "must be a non-empty array");
  int64_t sum = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    Reader ri(fmt::format("orders[{}].items[{}]", index, i));
    const Json& it = (*items)[i];
    if (!it.is_object()) return ri.Fail("", "must be an object");
    Item item;
    auto name = ri.Bilingual(it, "name");
    if (!name.ok()) return name.status();
    item.name = *name;
    auto qty = it.find("qty");
    if (qty == it.end() || !qty->is_number_integer() || qty->get<int64_t>() < 1 ||
        qty->get<int64_t>() > 999)
      return ri.Fail("qty", "must be a whole number from 1 to 999");
    item.qty = qty->get<int64_t>();
    auto price = ri.Cents(it, "price");
    if (!price.ok()) return price.status();
    item.price_cents = *price;
    sum += item.qty * item.price_cents;
    o->items.push_back(std::move(item));
  }
  auto total = r.Cents(j, "total");
  if (!total.ok()) return total.status();
  if (*total != sum) {
    return r.Fail("total", fmt::format("{} is not the sum of the items ({})", MoneyText(*total),
                                       MoneyText(sum)));
  }
  o->total_cents = *total;
  auto address = r.String(j, "address");
  if (!address.ok()) return address.status();
  o->address = *address;
  auto phone = r.String(j, "phone");
  if (!phone.ok()) return phone.status();
  o->phone = *phone;
  auto returnable = r.Bool(j, "returnable");
  if (!returnable.ok()) return returnable.status();
  if (*returnable && *status != "delivered")
    return r.Fail("returnable", "only a delivered order can be returnable");
  o->returnable = *returnable;
  auto changeable = r.Bool(j, "address_changeable");
  if (!changeable.ok()) return changeable.status();
  if (*changeable && *status != "paid")
    return r.Fail("address_changeable", "only a paid, unshipped order can change its address");
  o->address_changeable = *changeable;
  if (j.contains("return_refusal")) {
    auto t = r.Bilingual(j, "return_refusal");
    if (!t.ok()) return t.status();
    o->return_refusal = *t;
  }
  if (j.contains("address_refusal")) {
    auto t = r.Bilingual(j, "address_refusal");
    if (!t.ok()) return t.status();
    o->address_refusal = *t;
  }
  if (auto demo = j.find("demo"); demo != j.end()) {
    if (!demo->is_object()) return r.Fail("demo", "must be an object");
    if (auto d = demo->find("delay_ms"); d != demo->end()) {
      if (!d->is_number_integer() || d->get<int64_t>() < 0 || d->get<int64_t>() > 60000)
        return r.Fail("demo.delay_ms", "must be a whole number from 0 to 60000");
      o->delay_ms = d->get<int64_t>();
    }
    if (auto f = demo->find("fail_status"); f != demo->end()) {
      if (!f->is_number_integer() || f->get<int>() < 500 || f->get<int>() > 599)
        return r.Fail("demo.fail_status", "must be a status from 500 to 599");
      o->fail_status = f->get<int>();
    }
  }
  return o;
}

Json OrderJson(const Order& o) {
  Json items = Json::array();
  for (const Item& it : o.items) {
    items.push_back({{"name", ToJson(it.name)}, {"qty", it.qty}, {"price", Money(it.price_cents)}});
  }
  Json j{{"order_no", o.order_no},
         {"status", o.status->name},
         {"status_text", ToJson(o.status->text)},
         {"carrier", o.carrier ? ToJson(*o.carrier) : Json(nullptr)},
         {"tracking_no", o.tracking_no.empty() ? Json(nullptr) : Json(o.tracking_no)},
         {"eta", o.eta.empty() ? Json(nullptr) : Json(o.eta)},
         {"items", std::move(items)},
         {"total", Money(o.total_cents)},
         {"currency", "CNY"},
         {"address", o.address},
         {"phone", o.phone},
         {"returnable", o.returnable && o.return_id.empty()},
         {"address_changeable", o.address_changeable}};
  j["return"] = o.return_id.empty() ? Json(nullptr)
                                    : Json{{"return_id", o.return_id}, {"reason", o.return_reason}};
  return j;
}

// A string field of a request body. Absent and optional: "".
Result<std::string> Field(const Json& body, std::string_view name, size_t max_chars,
                          bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(fmt::format("missing field \"{}\"", name));
    return std::string();
  }
  if (!it->is_string())
    return Status::InvalidArgument(fmt::format("\"{}\" must be a string", name));
  std::string v = Trim(it->get<std::string>());
  if (required && v.empty())
    return Status::InvalidArgument(fmt::format("\"{}\" must not be empty", name));
  if (Utf8Length(v) > max_chars) {
    return Status::InvalidArgument(
        fmt::format("\"{}\" is longer than {} characters", name, max_chars));
  }
  return v;
}

DemoResponse BadField(const Status& s) { return Error(400, "invalid_argument", s.message()); }

bool IsEmail(std::string_view s) {
  const size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
    return false;
  const size_t dot = s.find('.', at);
  if (dot == std::string_view::npos || dot == at + 1 || dot + 1 >= s.size()) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20;
  });
}

bool IsPhone(std::string_view s) {
  size_t digits = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 5 && digits <= 20;
}

bool IsTaxId(std::string_view s) {  // 统一社会信用代码 and the like
  return s.size() >= 15 && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
         });
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

DemoOrderBook::~DemoOrderBook() = default;

Result<std::unique_ptr<DemoOrderBook>> DemoOrderBook::Parse(std::string_view json) {
  auto root = ParseJsonObject(json);
  if (!root.ok()) return root.status();
  auto orders = root->find("orders");
  if (orders == root->end() || !orders->is_array())
    return Status::InvalidArgument("orders: missing, or not an array");
  std::unique_ptr<DemoOrderBook> book(new DemoOrderBook());
  for (size_t i = 0; i < orders->size(); ++i) {
    auto order = ReadOrder((*orders)[i], i);
    if (!order.ok()) return order.status();
    const std::string no = (*order)->order_no;
    if (!book->orders_.emplace(no, std::move(*order)).second) {
      return Status::InvalidArgument(fmt::format("orders[{}].order_no: {} appears twice", i, no));
    }
  }
  return book;
}

Result<std::unique_ptr<DemoOrderBook>> DemoOrderBook::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path);
  auto book = Parse(text.str());
  if (!book.ok()) return Status(book.status().code(), path + ": " + book.status().message());
  return book;
}

size_t DemoOrderBook::size() const { return orders_.size(); }

DemoResponse DemoOrderBook::Handle(const DemoRequest& req) {
  try {
    return Route(req);
  } catch (const std::exception& e) {  // a bug: answered, not fatal
    spdlog::error("demo order service: {} {}: {}", req.method, req.target, e.what());
    return Error(500, "internal", "unexpected error");
  }
}

DemoResponse DemoOrderBook::Route(const DemoRequest& req) {
  const std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
  const std::vector<std::string_view> seg = Segments(path);
  const std::string& m = req.method;
  auto wrong_method = [&](std::string_view allowed) {
    return Error(405, "method_not_allowed",
                 fmt::format("{} {} is not allowed (use {})", m, path, allowed));
  };

  if (seg.size() == 1 && seg[0] == "health") {
    if (m != "GET") return wrong_method("GET");
    return Reply(200, Json{{"ok", true}});
  }
  if (seg.size() < 2 || seg[0] != "api") {
    return Error(404, "not_found", fmt::format("no such endpoint: {} {}", m, path));
  }

  // Bodies of POST and PUT are JSON objects.
  Json body = Json::object();
  auto read_body = [&]() -> std::optional<DemoResponse> {
    auto parsed = ParseJsonObject(req.body);
    if (!parsed.ok()) return Error(400, "invalid_json", parsed.status().message());
    body = std::move(*parsed);
    return std::nullopt;
  };

  if (seg.size() == 2 && seg[1] == "complaints") {
    if (m != "POST") return wrong_method("POST");
    if (auto bad = read_body()) return *bad;
    auto text = Field(body, "text", 2000, true);
    if (!text.ok()) return BadField(text.status());
    auto no = Field(body, "order_no", 20, false);
    if (!no.ok()) return BadField(no.status());
    std::string order_no;
    if (!no->empty()) {
      auto normal = NormalizeOrderNo(*no);
      if (!normal) {
        return Error(400, "invalid_order_no",
                     "\"" + *no + "\" is not an order number (SO + 11 digits, e.g. SO20261130001)");
      }
      if (!orders_.count(*normal)) return Error(404, "not_found", "no order " + *normal);
      order_no = *normal;
    }
    std::lock_guard lock(mu_);
    const std::string ticket = fmt::format("CT{:06}", ++next_ticket_);
    spdlog::info("demo order service: complaint {} about {}", ticket,
                 order_no.empty() ? "no order" : order_no);
    return Reply(201, Json{{"ticket_id", ticket},
                           {"order_no", order_no.empty() ? Json(nullptr) : Json(order_no)}});
  }

  if (seg[1] != "orders" || seg.size() < 3 || seg.size() > 4) {
    return Error(404, "not_found", fmt::format("no such endpoint: {} {}", m, path));
  }
  const std::string_view action = seg.size() == 4 ? seg[3] : std::string_view();
  if (!action.empty() && action != "returns" && action != "address" && action != "invoice") {
    return Error(404, "not_found", fmt::format("no such endpoint: {} {}", m, path));
  }
  const std::string_view allowed = action.empty() ? "GET" : action == "address" ? "PUT" : "POST";
  if (m != allowed) return wrong_method(allowed);

  auto normal = NormalizeOrderNo(seg[2]);
  if (!normal) {
    return Error(400, "invalid_order_no",
                 "\"" + std::string(seg[2].substr(0, 40)) +
                     "\" is not an order number (SO + 11 digits, e.g. SO20261130001)");
  }
  auto found = orders_.find(*normal);
  if (found == orders_.end()) return Error(404, "not_found", "no order " + *normal);
  Order& o = *found->second;
  auto delayed = [&o](DemoResponse r) {
    r.delay_ms = o.delay_ms;
    return r;
  };
  if (o.fail_status) {
    return delayed(Error(o.fail_status, "internal",
                         "the order system failed (a demo order for testing errors)"));
  }
  if (action.empty()) {
    std::lock_guard lock(mu_);
    return delayed(Reply(200, OrderJson(o)));
  }
  if (auto bad = read_body()) return delayed(*bad);

  if (action == "returns") {
    auto reason = Field(body, "reason", 500, true);
    if (!reason.ok()) return delayed(BadField(reason.status()));
    auto photo = Field(body, "photo", 500, false);
    if (!photo.ok()) return delayed(BadField(photo.status()));
    std::lock_guard lock(mu_);
    if (!o.return_id.empty()) {
      return delayed(
          Error(409, "return_exists",
                fmt::format("a return was already requested for {}: {}", o.order_no, o.return_id)));
    }
    if (!o.returnable) {
      const Text& why = o.return_refusal ? *o.return_refusal : o.status->no_return;
      return delayed(Error(409, "not_returnable",
                           fmt::format("{} cannot be returned: {}", o.order_no, why.en), &why));
    }
    o.return_id = fmt::format("RT{:06}", ++next_return_);
    o.return_reason = *reason;
    spdlog::info("demo order service: return {} for {} ({})", o.return_id, o.order_no, *reason);
    const Text instructions{
        fmt::format("退货申请 {} 已受理。请在 7 天内将商品连同配件寄回：浙江省杭州市示例区蜂巢路 "
                    "1 号 小蜜蜂商城退货组（电话 400-000-0000），并在快递单上写明退货单号。"
                    "我们收到商品后 1–3 个工作日内退款 ¥{}。",
                    o.return_id, MoneyText(o.total_cents)),
        fmt::format("Return {} is accepted. Within 7 days, send the item with its accessories to "
                    "Honeybee Shop Returns, 1 Fengchao Road, Hangzhou, Zhejiang (phone "
                    "400-000-0000), with the return number on the parcel. We refund ¥{} within "
                    "1–3 working days of receiving it.",
                    o.return_id, MoneyText(o.total_cents))};
    return delayed(Reply(201, Json{{"return_id", o.return_id},
                                   {"order_no", o.order_no},
                                   {"refund_amount", Money(o.total_cents)},
                                   {"currency", "CNY"},
                                   {"photo", photo->empty() ? Json(nullptr) : Json(*photo)},
                                   {"instructions", ToJson(instructions)}}));
  }

  if (action == "address") {
    auto address = Field(body, "address", 200, true);
    if (!address.ok()) return delayed(BadField(address.status()));
    if (Utf8Length(*address) < 5)
      return delayed(BadField(Status::InvalidArgument("\"address\" is too short to deliver to")));
    auto phone = Field(body, "phone", 30, false);
    if (!phone.ok()) return delayed(BadField(phone.status()));
    if (!phone->empty() && !IsPhone(*phone)) {
      return delayed(BadField(Status::InvalidArgument("\"phone\" is not a phone number")));
    }
    std::lock_guard lock(mu_);
    if (!o.address_changeable) {
      const Text& why = o.address_refusal ? *o.address_refusal : o.status->no_address_change;
      return delayed(Error(409, "address_locked",
                           fmt::format("the address of {} cannot change: {}", o.order_no, why.en),
                           &why));
    }
    o.address = *address;
    if (!phone->empty()) o.phone = *phone;
    o.address_changed = true;
    return delayed(
        Reply(200, Json{{"order_no", o.order_no}, {"address", o.address}, {"phone", o.phone}}));
  }

  // invoice
  auto title = Field(body, "title", 100, true);
  if (!title.ok()) return delayed(BadField(title.status()));
  auto email = Field(body, "email", 254, true);
  if (!email.ok()) return delayed(BadField(email.status()));
  if (!IsEmail(*email)) {
    return delayed(BadField(Status::InvalidArgument("\"email\" is not an e-mail address")));
  }
  auto tax_id = Field(body, "tax_id", 20, false);
  if (!tax_id.ok()) return delayed(BadField(tax_id.status()));
  if (!tax_id->empty() && !IsTaxId(*tax_id)) {
    return delayed(BadField(Status::InvalidArgument(
        "\"tax_id\" must be 15 to 20 digits or capital letters (统一社会信用代码)")));
  }
  if (o.status->name == "cancelled") {
    const Text why{"订单已取消，无法开具发票",
                   "the order was cancelled: there is nothing to invoice"};
    return delayed(Error(409, "not_invoiceable",
                         fmt::format("{} cannot be invoiced: {}", o.order_no, why.en), &why));
  }
  std::lock_guard lock(mu_);
  const std::string invoice = fmt::format("INV{:06}", ++next_invoice_);
  return delayed(Reply(201, Json{{"invoice_id", invoice},
                                 {"order_no", o.order_no},
                                 {"title", *title},
                                 {"tax_id", tax_id->empty() ? Json(nullptr) : Json(*tax_id)},
                                 {"email", *email},
                                 {"amount", Money(o.total_cents)}}));
}

// ---- the HTTP service ----------------------------------------------------------

namespace {

// One client connection, on its own strand.
struct Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)), delay(stream.get_executor()) {}
  beast::tcp_stream stream;
  asio::steady_timer delay;  // the slow order's wait
  bool closed = false;       // on the strand: Stop() closed it
};

}  // namespace

struct DemoOrderService::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor e, std::unique_ptr<DemoOrderBook> b, DemoOrderServiceOptions o)
      : ex(std::move(e)), acceptor(asio::make_strand(ex)), book(std::move(b)), opts(std::move(o)) {}

  const asio::any_io_executor ex;
  tcp::acceptor acceptor;  // used on its own strand only
  std::unique_ptr<DemoOrderBook> book;
  const DemoOrderServiceOptions opts;
  uint16_t port = 0;

  std::mutex mu;
  bool stopped = false;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections;

  static asio::awaitable<void> Accept(std::shared_ptr<Impl> self) {
    for (;;) {
      auto [ec, socket] = co_await self->acceptor.async_accept(asio::make_strand(self->ex),
                                                               asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) co_return;
      if (ec) {  // out of descriptors or the like: wait a little, go on
        asio::steady_timer t(self->acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      auto conn = std::make_shared<Connection>(std::move(socket));
      uint64_t id;
      {
        std::lock_guard lock(self->mu);
        if (self->stopped) co_return;
        id = ++self->next_id;
        self->connections.emplace(id, conn);
      }
      auto ex = conn->stream.get_executor();
      asio::co_spawn(ex, Session(self, conn, id), asio::detached);
    }
  }

  static asio::awaitable<bool> Write(Connection& c, unsigned version, bool keep_alive,
                                     const DemoResponse& r) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::server, "honeybee-orders (kefu demo)");
    res.keep_alive(keep_alive);
    res.body() = r.body;
    res.prepare_payload();
    c.stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await http::async_write(c.stream, res, asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  static asio::awaitable<void> Session(std::shared_ptr<Impl> self, std::shared_ptr<Connection> c,
                                       uint64_t id) {
    try {
      co_await Serve(*self, *c);
    } catch (const std::exception& e) {
      spdlog::error("demo order service: connection ended unexpectedly: {}", e.what());
    }
    boost::system::error_code ignored;
    c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::lock_guard lock(self->mu);
    self->connections.erase(id);
  }

  static asio::awaitable<void> Serve(Impl& self, Connection& c) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kMaxHeader);
      parser.body_limit(kMaxDiscardedBody);
      c.stream.expires_after(std::chrono::seconds(60));
      auto [ec, n] = co_await http::async_read_header(c.stream, buffer, parser,
                                                      asio::as_tuple(asio::use_awaitable));
      const DemoResponse too_large =
          Error(413, "payload_too_large", fmt::format("the body is over {} bytes", kMaxBody));
      if (ec == http::error::body_limit) {  // a Content-Length over the discard limit
        co_await Write(c, parser.get().version(), false, too_large);
        co_return;
      }
      if (ec) {
        if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
            ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
            !c.closed) {
          const DemoResponse bad =
              Error(400, "bad_request", "malformed HTTP request: " + ec.message());
          co_await Write(c, 11, false, bad);
        }
        co_return;
      }
      if (parser.content_length() && *parser.content_length() > kMaxDiscardedBody) {
        co_await Write(c, parser.get().version(), false, too_large);
        co_return;
      }
      c.stream.expires_after(std::chrono::seconds(30));
      std::tie(ec, n) =
          co_await http::async_read(c.stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec == http::error::body_limit) {
        co_await Write(c, parser.get().version(), false, too_large);
        co_return;
      }
      if (ec) co_return;
      auto& req = parser.get();
      const bool keep = req.keep_alive();
      DemoResponse r;
      if (req.body().size() > kMaxBody) {
        r = too_large;
      } else {
        r = self.book->Handle(
            DemoRequest{std::string(req.method_string()), std::string(req.target()), req.body()});
      }
      if (r.delay_ms > 0 && self.opts.slow_delay_ms >= 0) r.delay_ms = self.opts.slow_delay_ms;
      if (r.delay_ms > 0) {
        c.delay.expires_after(std::chrono::milliseconds(r.delay_ms));
        auto [dec] = co_await c.delay.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)dec;
        if (c.closed) co_return;
      }
      if (!co_await Write(c, req.version(), keep, r) || !keep) co_return;
    }
  }
};

Result<std::unique_ptr<DemoOrderService>> DemoOrderService::Start(
    asio::any_io_executor ex, std::unique_ptr<DemoOrderBook> book,
    DemoOrderServiceOptions options) {
  if (!book) return Status::InvalidArgument("no order book");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.listen, ec);
  if (ec) return Status::InvalidArgument("--listen: not an IP address: " + options.listen);
  auto impl = std::make_shared<Impl>(ex, std::move(book), options);
  const tcp::endpoint endpoint{address, options.port};
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IoError(
        fmt::format("cannot listen on {}:{}: {}", options.listen, options.port, ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  asio::co_spawn(impl->acceptor.get_executor(), Impl::Accept(impl), asio::detached);
  return std::unique_ptr<DemoOrderService>(new DemoOrderService(std::move(impl)));
}

DemoOrderService::~DemoOrderService() { Stop(); }

uint16_t DemoOrderService::port() const { return impl_->port; }

void DemoOrderService::Stop() {
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    open = impl_->connections;
  }
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
  for (auto& [id, c] : open) {
    asio::post(c->stream.get_executor(), [c] {
      c->closed = true;
      boost::system::error_code ignored;
      c->stream.socket().close(ignored);
      c->delay.cancel();
    });
  }
}

}  // namespace kefu::app
