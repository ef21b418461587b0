#include "channels/widget_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <memory>

#include "conversation/views.h"
#include "handoff/handoff_service.h"
#include "core/crypto.h"
#include "core/json.h"
#include "server/async.h"

namespace kefu::channels {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using server::AwaitResult;

namespace {

constexpr size_t kMaxQueuedFrames = 4096;  // a consumer this slow is dropped
constexpr int kReplayPage = 500;

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

class WidgetSession : public std::enable_shared_from_this<WidgetSession> {
 public:
  WidgetSession(WidgetStream ws, server::Context& ctx)
      : ws_(std::move(ws)),
        ctx_(ctx),
        id_(++ctx.next_connection_id),
        wake_(ws_.get_executor()) {}

  asio::awaitable<void> Run(UpgradeRequest req) {
    ws_.set_option(websocket::stream_base::timeout{
        std::chrono::seconds(10), std::chrono::seconds(ctx_.limits.idle_timeout_s), true});
    ws_.read_message_max(ctx_.limits.max_frame);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "kefu"); }));
    auto [ec] = co_await ws_.async_accept(req, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    ctx_.metrics->widget_connections.Add(1);
    auto self = shared_from_this();
    ctx_.connections.Add(id_, [weak = weak_from_this()] {
      if (auto s = weak.lock()) {
        asio::post(s->ws_.get_executor(), [s] { s->RequestClose(); });
      }
    });
    asio::co_spawn(ws_.get_executor(), self->WriteLoop(), asio::detached);
    co_await ReadLoop();
    closing_ = true;
    wake_.cancel();
    if (subscription_) ctx_.bus->Unsubscribe(subscription_);
    ctx_.connections.Remove(id_);
    ctx_.metrics->widget_connections.Add(-1);
  }

 private:
  // ---- reading ----

  asio::awaitable<void> ReadLoop() {
    beast::flat_buffer buf;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buf, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec != websocket::error::closed && ec != asio::error::operation_aborted &&
            ec != asio::error::eof) {
          spdlog::debug("widget conn={} read ended: {}", id_, ec.message());
        }
        co_return;
      }
      ctx_.metrics->frames_in.Inc();
      std::string_view text(static_cast<const char*>(buf.data().data()), buf.size());
      auto frame = ParseJsonObject(text);
      buf.consume(buf.size());
      if (!frame.ok()) {
        SendError(frame.status(), "");
        continue;
      }
      try {
        co_await Dispatch(*frame);
      } catch (const std::exception& e) {
        spdlog::error("widget conn={} frame failed: {}", id_, e.what());
        SendError(Status::Internal("unexpected error"), "");
      }
    }
  }

  asio::awaitable<void> Dispatch(const Json& frame) {
    auto type_it = frame.find("type");
    if (type_it == frame.end() || !type_it->is_string()) {
      SendError(Status::InvalidArgument("\"type\" must be a string"), "");
      co_return;
    }
    const std::string& type = type_it->get_ref<const std::string&>();
    if (type == "ping") {
      Send(Json{{"type", "pong"}});
      co_return;
    }
    if (type == "hello") {
      co_await Hello(frame);
      co_return;
    }
    if (type != "message" && type != "typing" && type != "rate") {
      SendError({Code::kInvalidArgument, fmt::format("unknown frame type \"{}\"", type)}, "",
                "unknown_type");
      co_return;
    }
    if (!welcomed_) {
      SendError({Code::kInvalidArgument, "send hello first"}, "", "hello_required");
      co_return;
    }
    if (type == "message") {
      OnMessage(frame);
    } else if (type == "rate") {
      OnRate(frame);
    }
    // "typing" from the customer: accepted; agents will see it.
  }

  // The customer rates the resolved conversation (CSAT): {"rating": 1..5,
  // "comment"?}. Stored with the conversation; rating again replaces it.
  void OnRate(const Json& frame) {
    constexpr size_t kMaxComment = 500;  // characters
    auto r = frame.find("rating");
    if (r == frame.end() || !r->is_number_integer() || r->get<int64_t>() < 1 ||
        r->get<int64_t>() > 5) {
      SendError(Status::InvalidArgument("\"rating\" must be a whole number from 1 to 5"), "");
      return;
    }
    std::string comment;
    if (auto c = frame.find("comment"); c != frame.end()) {
      if (!c->is_string() || CodePoints(c->get<std::string>()) > kMaxComment) {
        SendError(Status::InvalidArgument("\"comment\" must be a text of at most 500 characters"),
                  "");
        return;
      }
      comment = c->get<std::string>();
    }
    store::ConversationChange ch;
    ch.tenant_id = tenant_id_;
    ch.id = conversation_id_;
    ch.csat_rating = static_cast<int>(r->get<int64_t>());
    ch.csat_comment = comment;
    ch.expect_status = "resolved";
    ch.events.push_back({"conversation.rated", DumpJson(Json{{"rating", *ch.csat_rating}})});
    const int rating = *ch.csat_rating;
    ctx_.store->UpdateConversation(
        std::move(ch), [self = shared_from_this(), rating](Result<store::Conversation> res) {
          asio::post(self->ws_.get_executor(), [self, rating, res = std::move(res)] {
            if (!res.ok()) {
              self->SendError(res.status().code() == Code::kAlreadyExists
                                  ? Status::InvalidArgument("only a resolved conversation is rated")
                                  : res.status(),
                              "");
              return;
            }
            self->Send(Json{{"type", "rated"}, {"conversation", self->conversation_id_},
                            {"rating", rating}});
          });
        });
  }

  asio::awaitable<void> Hello(const Json& frame) {
    if (welcomed_) {
      SendError(Status::InvalidArgument("hello was already received on this connection"), "");
      co_return;
    }
    auto pk = frame.find("public_key");
    if (pk == frame.end() || !pk->is_string()) {
      SendError(Status::InvalidArgument("\"public_key\" must be a string"), "");
      co_return;
    }
    auto tenant = ctx_.store->FindTenantByPublicKey(pk->get<std::string>());
    if (!tenant.ok()) {
      SendError(tenant.status().code() == Code::kNotFound
                    ? Status::UnknownTenant("no tenant has this public key")
                    : tenant.status(),
                "");
      co_return;
    }
    std::string language;
    if (auto l = frame.find("language"); l != frame.end() && l->is_string()) {
      language = l->get<std::string>().substr(0, 16);
    }
    if (language.empty()) language = tenant->default_language;

    // The contact: known by its token, or new.
    std::string new_token;
    Result<store::Contact> contact = Status::NotFound("");
    if (auto t = frame.find("contact_token"); t != frame.end() && !t->is_null()) {
      if (!t->is_string()) {
        SendError(Status::InvalidArgument("\"contact_token\" must be a string"), "");
        co_return;
      }
      contact = ctx_.store->FindContactByTokenHash(tenant->id, crypto::Sha256Hex(t->get<std::string>()));
      if (!contact.ok()) {
        SendError(contact.status().code() == Code::kNotFound
                      ? Status::Unauthenticated("contact token not recognised")
                      : contact.status(),
                  "");
        co_return;
      }
    } else {
      new_token = crypto::RandomToken("ct_");
      store::NewContact nc{tenant->id, "", "", language, crypto::Sha256Hex(new_token)};
      auto create_contact = [&](auto cb) { ctx_.store->CreateContact(std::move(nc), cb); };
      contact = co_await AwaitResult<store::Contact>(std::move(create_contact));
      if (!contact.ok()) {
        SendError(contact.status(), "");
        co_return;
      }
    }

    // The conversation: the one being resumed, the open one, or a new one.
    std::optional<int64_t> after_seq;
    Result<store::Conversation> conv = Status::NotFound("");
    if (auto r = frame.find("resume"); r != frame.end() && !r->is_null()) {
      auto c = r->is_object() ? r->find("conversation") : r->end();
      auto a = r->is_object() ? r->find("after_seq") : r->end();
      if (!r->is_object() || c == r->end() || !c->is_number_integer() || a == r->end() ||
          !a->is_number_integer() || a->get<int64_t>() < 0) {
        SendError(Status::InvalidArgument(
                      "\"resume\" must be {\"conversation\": id, \"after_seq\": n >= 0}"),
                  "");
        co_return;
      }
      conv = ctx_.store->GetConversation(tenant->id, c->get<int64_t>());
      if (!conv.ok() || conv->contact_id != contact->id) {
        SendError(Status::NotFound("no such conversation for this contact"), "");
        co_return;
      }
      after_seq = a->get<int64_t>();
    } else {
      auto open_conversation = [&](auto cb) {
        ctx_.conversations->OpenConversation(tenant->id, contact->id, "widget", language, cb);
      };
      auto opened =
          co_await AwaitResult<conversation::OpenedConversation>(std::move(open_conversation));
      if (!opened.ok()) {
        SendError(opened.status(), "");
        co_return;
      }
      // A conversation this hello created is all new to the customer: its
      // first messages (the bot's greeting) are delivered after the welcome.
      if (opened->created) after_seq = 0;
      conv = std::move(opened->conversation);
    }

    tenant_id_ = tenant->id;
    contact_id_ = contact->id;
    conversation_id_ = conv->id;
    status_ = conv->status;
    // Subscribe first, then read: an event that races the read is either in
    // the read or arrives after it; seq de-duplicates.
    subscription_ = ctx_.bus->Subscribe(conversation_id_, [weak = weak_from_this()](
                                                               const bus::Event& e) {
      if (auto s = weak.lock()) {
        asio::post(s->ws_.get_executor(), [s, e] { s->OnEvent(e); });
      }
    });
    auto fresh = ctx_.store->GetConversation(tenant_id_, conversation_id_);
    if (!fresh.ok()) {
      SendError(fresh.status(), "");
      co_return;
    }
    delivered_upto_ = after_seq ? std::min(*after_seq, fresh->last_seq) : fresh->last_seq;
    welcomed_ = true;
    Json welcome{{"type", "welcome"},
                 {"contact", {{"id", contact_id_}}},
                 {"conversation",
                  {{"id", conversation_id_}, {"status", fresh->status}, {"last_seq", fresh->last_seq}}},
                 {"server_time", ctx_.clock->NowMillis()}};
    if (!new_token.empty()) welcome["contact_token"] = new_token;
    Send(welcome);
    if (fresh->status == "queued" && ctx_.handoff != nullptr) {
      if (int position = ctx_.handoff->Position(conversation_id_); position > 0) {
        Send(Json{{"type", "queue"},
                  {"conversation", conversation_id_},
                  {"position", position},
                  {"waiting", ctx_.handoff->WaitingCount(tenant_id_)},
                  {"estimated_wait_s", nullptr}});
      }
    }
    CatchUp(fresh->last_seq);
  }

  // Delivers stored messages with delivered_upto_ < seq <= upto.
  void CatchUp(int64_t upto) {
    while (delivered_upto_ < upto) {
      auto msgs = ctx_.store->ReadMessages(tenant_id_, conversation_id_, delivered_upto_,
                                           static_cast<int>(std::min<int64_t>(kReplayPage, upto - delivered_upto_)));
      if (!msgs.ok() || msgs->empty()) {
        spdlog::warn("widget conn={} replay conv={} after {} failed", id_, conversation_id_,
                     delivered_upto_);
        return;
      }
      for (const auto& m : *msgs) Deliver(m, 0);
    }
  }

  void OnMessage(const Json& frame) {
    auto cid = frame.find("client_id");
    if (cid == frame.end() || !cid->is_string() || cid->get_ref<const std::string&>().empty() ||
        cid->get_ref<const std::string&>().size() > 64) {
      SendError(Status::InvalidArgument("\"client_id\" must be a string of 1 to 64 characters"), "");
      return;
    }
    std::string client_id = cid->get<std::string>();
    std::string text;
    if (auto t = frame.find("text"); t != frame.end()) {
      if (!t->is_string()) {
        SendError(Status::InvalidArgument("\"text\" must be a string"), client_id);
        return;
      }
      text = t->get<std::string>();
    }
    Json attachments = Json::array();
    if (auto a = frame.find("attachments"); a != frame.end() && !a->is_null()) {
      if (!a->is_array() || a->size() > 10) {
        SendError(Status::InvalidArgument("\"attachments\" must be an array of at most 10 upload ids"),
                  client_id);
        return;
      }
      for (const Json& id : *a) {
        // Only the contact's own uploads: another customer's are unknown here.
        auto up = id.is_number_integer() ? ctx_.store->GetUpload(tenant_id_, id.get<int64_t>())
                                         : Result<store::Upload>(Status::NotFound("no id"));
        if (!up.ok() || up->contact_id != contact_id_) {
          SendError(Status::InvalidArgument("unknown upload id in \"attachments\""), client_id);
          return;
        }
        attachments.push_back(id);
      }
    }
    if (text.empty() && attachments.empty()) {
      SendError(Status::InvalidArgument("\"text\" must not be empty"), client_id);
      return;
    }
    if (CodePoints(text) > ctx_.limits.max_text_chars) {
      SendError(Status::InvalidArgument(fmt::format("\"text\" is longer than {} characters",
                                                    ctx_.limits.max_text_chars)),
                client_id);
      return;
    }
    if (ctx_.draining) {
      SendError(Status::Unavailable("shutting down; reconnect shortly"), client_id);
      return;
    }
    if (unacked_ >= ctx_.limits.max_unacked) {
      SendError(Status::Busy(fmt::format("more than {} messages waiting for their ack",
                                         ctx_.limits.max_unacked)),
                client_id);
      return;
    }
    ++unacked_;
    conversation::Inbound in;
    in.tenant_id = tenant_id_;
    in.conversation_id = conversation_id_;
    in.contact_id = contact_id_;
    in.client_id = client_id;
    in.text = std::move(text);
    in.attachments_json = attachments.dump();
    in.origin = id_;
    in.bot_mode = status_ == "bot";
    if (status_ == "resolved") {
      // Writing again after the chat was resolved: the bot takes it up again.
      in.set_status = "bot";
      in.bot_mode = true;
      status_ = "bot";
    }
    ctx_.conversations->Receive(
        std::move(in), [self = shared_from_this(), client_id](Result<store::AppendResult> r) {
          asio::post(self->ws_.get_executor(), [self, client_id, r = std::move(r)] {
            --self->unacked_;
            if (!r.ok()) {
              self->SendError(r.status(), client_id);
            } else if (r->duplicate) {
              self->SendAck(client_id, r->seq, true);
            }
            // New messages are acknowledged when their bus event arrives, in
            // seq order with everything else (OnEvent).
          });
        });
  }

  // ---- events from the bus ----

  void OnEvent(const bus::Event& e) {
    if (closing_) return;
    if (e.type == bus::kConversationStatusChanged) {
      // From now on the customer's messages wait for a person (or, back to
      // "bot", are answered again).
      status_ = e.value;
      Send(Json{{"type", "status"}, {"conversation", conversation_id_}, {"status", e.value}});
      return;
    }
    if (e.type == handoff::kQueuePosition) {
      // The customer's place in the line for a person, and the wait expected.
      Json q = Json::parse(e.value, nullptr, false);
      if (!q.is_object()) return;
      q["type"] = "queue";
      q["conversation"] = conversation_id_;
      Send(q);
      return;
    }
    if (!e.message || e.type != bus::kMessageCreated) return;
    int64_t seq = e.message->seq;
    if (seq <= delivered_upto_) return;
    if (seq > delivered_upto_ + 1) CatchUp(seq - 1);  // should not happen; be safe
    if (seq != delivered_upto_ + 1) return;
    Deliver(*e.message, e.origin);
  }

  void Deliver(const store::Message& m, uint64_t origin) {
    delivered_upto_ = m.seq;
    if (origin == id_) {
      SendAck(m.client_id, m.seq, false);
      return;
    }
    Json j = conversation::MessageView(m);
    j["type"] = "message";
    j.erase("id");
    Send(j);
  }

  // ---- writing ----

  void SendAck(const std::string& client_id, int64_t seq, bool duplicate) {
    Send(Json{{"type", "ack"},
              {"client_id", client_id},
              {"conversation", conversation_id_},
              {"seq", seq},
              {"duplicate", duplicate}});
  }

  void SendError(const Status& s, const std::string& client_id, std::string_view code = {}) {
    Json j{{"type", "error"},
           {"code", code.empty() ? CodeName(s.code()) : code},
           {"message", s.message()}};
    if (!client_id.empty()) j["client_id"] = client_id;
    if (s.code() == Code::kBusy) j["retry_after_ms"] = ctx_.limits.busy_retry_after_ms;
    Send(j);
  }

  void Send(const Json& j) {
    if (closing_) return;
    if (outq_.size() >= kMaxQueuedFrames) {
      spdlog::warn("widget conn={} too slow to read; closing", id_);
      RequestClose();
      return;
    }
    outq_.push_back(DumpJson(j));
    wake_.cancel();
  }

  void RequestClose() {
    close_requested_ = true;
    wake_.cancel();
  }

  asio::awaitable<void> WriteLoop() {
    auto self = shared_from_this();
    for (;;) {
      if (outq_.empty()) {
        if (closing_) co_return;
        if (close_requested_) {
          co_await ws_.async_close(websocket::close_code::going_away,
                                   asio::as_tuple(asio::use_awaitable));
          co_return;
        }
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      ws_.text(true);
      auto [ec, n] = co_await ws_.async_write(asio::buffer(outq_.front()),
                                              asio::as_tuple(asio::use_awaitable));
      if (ec) {
        closing_ = true;
        outq_.clear();
        co_return;
      }
      ctx_.metrics->frames_out.Inc();
      outq_.pop_front();
    }
  }

  WidgetStream ws_;
  server::Context& ctx_;
  const uint64_t id_;
  asio::steady_timer wake_;
  std::deque<std::string> outq_;
  bool closing_ = false;
  bool close_requested_ = false;

  bool welcomed_ = false;
  int64_t tenant_id_ = 0;
  int64_t contact_id_ = 0;
  int64_t conversation_id_ = 0;
  std::string status_;
  int64_t delivered_upto_ = 0;
  uint64_t subscription_ = 0;
  int unacked_ = 0;
};

}  // namespace

asio::awaitable<void> RunWidgetSession(WidgetStream ws, UpgradeRequest req,
                                       server::Context& ctx) {
  try {
    auto session = std::make_shared<WidgetSession>(std::move(ws), ctx);
    co_await session->Run(std::move(req));
  } catch (const std::exception& e) {
    spdlog::error("widget session ended unexpectedly: {}", e.what());
  }
}

}  // namespace kefu::channels
