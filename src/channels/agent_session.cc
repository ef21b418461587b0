#include "channels/agent_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <algorithm>
#include <deque>
#include <map>
#include <memory>

#include "conversation/views.h"
#include "core/json.h"
#include "handoff/summary.h"

namespace kefu::channels {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr size_t kMaxQueuedFrames = 4096;
constexpr int kTranscript = 100;  // messages sent with an assigned chat
constexpr int kSummaryLookBack = 200;  // messages the handoff summary is drawn from
constexpr int kNotes = 200;  // internal notes sent with a chat

class AgentSession : public std::enable_shared_from_this<AgentSession> {
 public:
  AgentSession(WidgetStream ws, store::User user, server::Context& ctx)
      : ws_(std::move(ws)),
        user_(std::move(user)),
        ctx_(ctx),
        id_(++ctx.next_connection_id),
        wake_(ws_.get_executor()) {}

  asio::awaitable<void> Run(UpgradeRequest req) {
    ws_.set_option(websocket::stream_base::timeout{
        std::chrono::seconds(10), std::chrono::seconds(ctx_.limits.idle_timeout_s), true});
    ws_.read_message_max(ctx_.limits.max_frame);
    auto [ec] = co_await ws_.async_accept(req, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto self = shared_from_this();
    ctx_.connections.Add(id_, [weak = weak_from_this()] {
      if (auto s = weak.lock()) asio::post(s->ws_.get_executor(), [s] { s->RequestClose(); });
    });
    session_ = ctx_.handoff->AgentConnected(
        user_.tenant_id, user_.id, [weak = weak_from_this()](const handoff::AgentNotice& n) {
          if (auto s = weak.lock()) asio::post(s->ws_.get_executor(), [s, n] { s->OnNotice(n); });
        });
    asio::co_spawn(ws_.get_executor(), self->WriteLoop(), asio::detached);
    Welcome();
    co_await ReadLoop();
    closing_ = true;
    wake_.cancel();
    for (auto& [conv, sub] : subscriptions_) ctx_.bus->Unsubscribe(sub);
    subscriptions_.clear();
    ctx_.handoff->AgentDisconnected(session_);
    ctx_.connections.Remove(id_);
  }

 private:
  void Welcome() {
    Json chats = Json::array();
    for (int64_t conv : ctx_.handoff->ChatsOf(user_.id)) {
      Json chat = Chat(conv);
      if (!chat.is_null()) chats.push_back(std::move(chat));
    }
    Send(Json{{"type", "welcome"},
              {"user",
               {{"id", user_.id}, {"name", user_.name}, {"email", user_.email}, {"role", user_.role}}},
              {"presence", handoff::PresenceName(ctx_.handoff->PresenceOf(user_.id))},
              {"chats", std::move(chats)},
              {"waiting", ctx_.handoff->WaitingCount(user_.tenant_id)},
              {"server_time", ctx_.clock->NowMillis()}});
  }

  // A chat of this agent: the conversation, the handoff summary, the
  // transcript; subscribes to its live events. Null when it is unreadable.
  Json Chat(int64_t conversation_id) {
    auto conv = ctx_.store->GetConversation(user_.tenant_id, conversation_id);
    if (!conv.ok()) return nullptr;
    Subscribe(conversation_id);
    // One read for the summary and, of it, the transcript's last messages.
    const int64_t from = std::max<int64_t>(0, conv->last_seq - kSummaryLookBack);
    auto msgs = ctx_.store->ReadMessages(user_.tenant_id, conversation_id, from, kSummaryLookBack);
    Json transcript = Json::array();
    Json summary = Json::object();
    if (msgs.ok()) {
      summary = handoff::HandoffSummary(*conv, *msgs);
      // A transfer's note, for the agent who receives the chat.
      if (auto t = ctx_.store->LastEvent(user_.tenant_id, conversation_id,
                                         handoff::kConversationTransferred);
          t.ok()) {
        Json note = Json::parse(t->payload_json, nullptr, false);
        if (note.is_object()) {
          note["at"] = t->created_at;
          summary["transfer"] = std::move(note);
        }
      }
      const size_t first = msgs->size() > kTranscript ? msgs->size() - kTranscript : 0;
      for (size_t i = first; i < msgs->size(); ++i) {
        transcript.push_back(conversation::MessageView((*msgs)[i], conversation::Audience::kStaff));
      }
      if (!msgs->empty()) delivered_[conversation_id] = msgs->back().seq;
    }
    // Suggestions for the customer's last message, if nobody answered it yet.
    Json suggest = nullptr;
    if (msgs.ok() && !msgs->empty() && msgs->back().sender == store::Sender::kContact) {
      suggest = Suggest(*conv, msgs->back());
    }
    Json contact = Json::object();
    if (auto c = ctx_.store->GetContact(user_.tenant_id, conv->contact_id); c.ok()) {
      contact = {{"id", c->id}, {"name", c->name}, {"language", c->language},
                 {"external_id", c->external_id}};
      const Json view = conversation::ContactView(*c);
      contact["tier"] = view["tier"];
      contact["attributes"] = view["attributes"];
    }
    return Json{{"conversation", conversation::ConversationView(*conv)},
                {"summary", std::move(summary)},
                {"contact", std::move(contact)},
                {"messages", std::move(transcript)},
                {"notes", Notes(conversation_id)},
                {"suggest", std::move(suggest)}};
  }

  // The conversation's internal notes (staff only), oldest first.
  Json Notes(int64_t conversation_id) {
    Json out = Json::array();
    auto notes = ctx_.store->ListNotes(user_.tenant_id, conversation_id, kNotes);
    if (!notes.ok()) return out;
    std::map<int64_t, std::string> names;
    for (const store::Note& n : *notes) {
      auto [it, fresh] = names.try_emplace(n.author_id);
      if (fresh) {
        if (auto u = ctx_.store->GetUser(user_.tenant_id, n.author_id); u.ok()) {
          it->second = u->name.empty() ? u->email : u->name;
        }
      }
      out.push_back(conversation::NoteView(n, it->second));
    }
    return out;
  }

  bool Supervises() const { return user_.role == "supervisor" || user_.role == "admin"; }

  // Agent assist for a customer's message (the responder's; null if none).
  Json Suggest(const store::Conversation& conv, const store::Message& m) {
    if (ctx_.responder == nullptr) return nullptr;
    Json j = ctx_.responder->Suggest(conv, m);
    if (!j.is_null()) ctx_.metrics->suggestions.Inc();
    return j;
  }

  void Subscribe(int64_t conversation_id) {
    if (subscriptions_.count(conversation_id)) return;
    subscriptions_[conversation_id] = ctx_.bus->Subscribe(
        conversation_id, [weak = weak_from_this()](const bus::Event& e) {
          if (auto s = weak.lock()) asio::post(s->ws_.get_executor(), [s, e] { s->OnEvent(e); });
        });
  }
  void Unsubscribe(int64_t conversation_id) {
    auto it = subscriptions_.find(conversation_id);
    if (it == subscriptions_.end()) return;
    ctx_.bus->Unsubscribe(it->second);
    subscriptions_.erase(it);
    delivered_.erase(conversation_id);
  }

  void OnNotice(const handoff::AgentNotice& n) {
    if (closing_) return;
    if (n.kind == handoff::AgentNotice::Kind::kWaiting) {
      Send(Json{{"type", "waiting"}, {"count", n.waiting}});
      return;
    }
    if (n.kind == handoff::AgentNotice::Kind::kAssigned) {
      Json chat = Chat(n.conversation_id);
      if (chat.is_null()) return;
      chat["type"] = "assigned";
      Send(chat);
    } else {
      Unsubscribe(n.conversation_id);
      Send(Json{{"type", "unassigned"}, {"conversation", n.conversation_id}, {"status", n.status}});
    }
  }

  void OnEvent(const bus::Event& e) {
    if (closing_ || !subscriptions_.count(e.conversation_id)) return;
    if (e.type == bus::kConversationStatusChanged) {
      Send(Json{{"type", "status"}, {"conversation", e.conversation_id}, {"status", e.value}});
      return;
    }
    if (e.type == bus::kNoteCreated) {
      Json note = Json::parse(e.value, nullptr, false);
      if (!note.is_object()) return;
      Send(Json{{"type", "note"}, {"conversation", e.conversation_id}, {"note", std::move(note)}});
      return;
    }
    if (e.type != bus::kMessageCreated || !e.message) return;
    int64_t& upto = delivered_[e.conversation_id];
    if (e.message->seq <= upto) return;  // in the transcript already
    upto = e.message->seq;
    if (e.origin == id_) return;  // our own reply: acknowledged
    Json j = conversation::MessageView(*e.message, conversation::Audience::kStaff);
    j["type"] = "message";
    Send(j);
    if (e.message->sender == store::Sender::kContact) {
      auto conv = ctx_.store->GetConversation(user_.tenant_id, e.conversation_id);
      if (!conv.ok()) return;
      Json suggest = Suggest(*conv, *e.message);
      if (suggest.is_null()) return;
      suggest["type"] = "suggest";
      suggest["conversation"] = e.conversation_id;
      Send(suggest);
    }
  }

  // ---- reading ----

  asio::awaitable<void> ReadLoop() {
    beast::flat_buffer buf;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buf, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      std::string_view text(static_cast<const char*>(buf.data().data()), buf.size());
      auto frame = ParseJsonObject(text);
      buf.consume(buf.size());
      if (!frame.ok()) {
        SendError(frame.status(), "");
        continue;
      }
      try {
        Dispatch(*frame);
      } catch (const std::exception& e) {
        spdlog::error("agent conn={} frame failed: {}", id_, e.what());
        SendError(Status::Internal("unexpected error"), "");
      }
    }
  }

  static std::string Str(const Json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  }

  // The conversation a frame names, if it is this agent's (or, with
  // `supervising`, for a supervisor or admin: any live conversation of the
  // tenant, which they join). Errors sent.
  std::optional<int64_t> MyConversation(const Json& frame, const std::string& client_id,
                                        bool supervising = false) {
    auto c = frame.find("conversation");
    if (c == frame.end() || !c->is_number_integer()) {
      SendError(Status::InvalidArgument("\"conversation\" must be a conversation id"), client_id);
      return std::nullopt;
    }
    auto conv = ctx_.store->GetConversation(user_.tenant_id, c->get<int64_t>());
    if (!conv.ok()) {
      SendError(Status::NotFound("no such conversation"), client_id);
      return std::nullopt;
    }
    if (supervising && Supervises() &&
        (conv->status == "queued" || conv->status == "assigned" || conv->status == "pending")) {
      return conv->id;
    }
    if ((conv->status != "assigned" && conv->status != "pending") ||
        conv->assignee_id != user_.id) {
      SendError(Status::PermissionDenied("the conversation is not assigned to you"), client_id);
      return std::nullopt;
    }
    return conv->id;
  }

  void Dispatch(const Json& frame) {
    const std::string type = Str(frame, "type");
    if (type == "ping") {
      Send(Json{{"type", "pong"}});
    } else if (type == "presence") {
      handoff::Presence p;
      if (!handoff::ParsePresence(Str(frame, "status"), &p)) {
        SendError(Status::InvalidArgument("\"status\" must be online, away or offline"), "");
        return;
      }
      int capacity = 0;
      if (auto c = frame.find("capacity"); c != frame.end()) {
        if (!c->is_number_integer() || c->get<int64_t>() < 1 || c->get<int64_t>() > 50) {
          SendError(Status::InvalidArgument("\"capacity\" must be 1 to 50 chats"), "");
          return;
        }
        capacity = c->get<int>();
      }
      (void)ctx_.handoff->SetPresence(session_, p, capacity);
      Send(Json{{"type", "presence"}, {"status", handoff::PresenceName(p)}});
    } else if (type == "message") {
      OnReply(frame);
    } else if (type == "note") {
      OnNote(frame);
    } else if (type == "pending") {
      auto conv = MyConversation(frame, "");
      if (!conv) return;
      ctx_.handoff->SetPending(user_.tenant_id, user_.id, *conv,
                               [weak = weak_from_this()](Status s) {
                                 auto self = weak.lock();
                                 if (!self || s.ok()) return;  // status follows
                                 asio::post(self->ws_.get_executor(),
                                            [self, s] { self->SendError(s, ""); });
                               });
    } else if (type == "watch" || type == "unwatch") {
      OnWatch(frame, type == "watch");
    } else if (type == "resolve" || type == "return_to_bot") {
      auto conv = MyConversation(frame, "");
      if (!conv) return;
      const std::string status = type == "resolve" ? "resolved" : "bot";
      ctx_.handoff->Release(user_.tenant_id, user_.id, *conv, status,
                            [weak = weak_from_this(), conv = *conv](Status s) {
                              auto self = weak.lock();
                              if (!self || s.ok()) return;  // unassigned follows
                              asio::post(self->ws_.get_executor(),
                                         [self, s] { self->SendError(s, ""); });
                            });
    } else if (type == "transfer") {
      OnTransfer(frame);
    } else if (type == "transfer_targets") {
      SendTransferTargets();
    } else if (type.empty()) {
      SendError(Status::InvalidArgument("\"type\" must be a string"), "");
    } else {
      SendError({Code::kInvalidArgument, fmt::format("unknown frame type \"{}\"", type)}, "",
                "unknown_type");
    }
  }

  void OnReply(const Json& frame) {
    const std::string client_id = Str(frame, "client_id");
    if (client_id.empty() || client_id.size() > 64) {
      SendError(Status::InvalidArgument("\"client_id\" must be a string of 1 to 64 characters"), "");
      return;
    }
    std::string text = Str(frame, "text");
    if (text.empty() || text.size() > 4 * ctx_.limits.max_text_chars) {
      SendError(Status::InvalidArgument(fmt::format(
                    "\"text\" must have 1 to {} characters", ctx_.limits.max_text_chars)),
                client_id);
      return;
    }
    auto conv = MyConversation(frame, client_id, /*supervising=*/true);
    if (!conv) return;
    conversation::Inbound in;
    in.tenant_id = user_.tenant_id;
    in.conversation_id = *conv;
    in.sender = store::Sender::kAgent;
    in.contact_id = user_.id;
    in.client_id = "agent-" + std::to_string(user_.id) + "-" + client_id;
    in.text = std::move(text);
    in.origin = id_;
    in.bot_mode = false;
    ctx_.conversations->Receive(
        std::move(in), [weak = weak_from_this(), client_id, conv = *conv](
                           Result<store::AppendResult> r) {
          auto self = weak.lock();
          if (!self) return;
          asio::post(self->ws_.get_executor(), [self, client_id, conv, r = std::move(r)] {
            if (!r.ok()) {
              self->SendError(r.status(), client_id);
              return;
            }
            self->Send(Json{{"type", "ack"},
                            {"client_id", client_id},
                            {"conversation", conv},
                            {"seq", r->seq},
                            {"duplicate", r->duplicate}});
          });
        });
  }

  // A supervisor (or admin) joins any live chat of the tenant: its
  // transcript now and its events live, and may write into it.
  void OnWatch(const Json& frame, bool watch) {
    if (!Supervises()) {
      SendError(Status::PermissionDenied("only supervisors and admins join other agents' chats"),
                "");
      return;
    }
    auto c = frame.find("conversation");
    if (c == frame.end() || !c->is_number_integer()) {
      SendError(Status::InvalidArgument("\"conversation\" must be a conversation id"), "");
      return;
    }
    const int64_t id = c->get<int64_t>();
    if (!watch) {
      const auto mine = ctx_.handoff->ChatsOf(user_.id);
      if (std::find(mine.begin(), mine.end(), id) == mine.end()) Unsubscribe(id);
      Send(Json{{"type", "unwatched"}, {"conversation", id}});
      return;
    }
    auto conv = ctx_.store->GetConversation(user_.tenant_id, id);
    if (!conv.ok()) {
      SendError(Status::NotFound("no such conversation"), "");
      return;
    }
    Json chat = Chat(id);
    if (chat.is_null()) return;
    chat["type"] = "watching";
    Send(chat);
  }

  // An internal note on a chat of this agent (or, for a supervisor, any
  // live chat): stored, then shown to every staff session of the chat.
  void OnNote(const Json& frame) {
    const std::string client_id = Str(frame, "client_id");
    if (client_id.size() > 64) {
      SendError(Status::InvalidArgument("\"client_id\" must have at most 64 characters"), "");
      return;
    }
    auto text = conversation::NoteText(frame);
    if (!text.ok()) {
      SendError(text.status(), client_id);
      return;
    }
    auto conv = MyConversation(frame, client_id, /*supervising=*/true);
    if (!conv) return;
    store::NewNote n{user_.tenant_id, *conv, user_.id, std::move(*text)};
    const std::string author = user_.name.empty() ? user_.email : user_.name;
    ctx_.store->AddNote(std::move(n), [weak = weak_from_this(), bus = ctx_.bus, client_id,
                                       author](Result<store::Note> r) {
      if (r.ok()) {
        bus->Publish(bus::Event{bus::kNoteCreated, r->tenant_id, r->conversation_id, nullptr,
                                DumpJson(conversation::NoteView(*r, author)), 0});
      }
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->ws_.get_executor(), [self, client_id, r = std::move(r)] {
        if (!r.ok()) {
          self->SendError(r.status(), client_id);
          return;
        }
        self->Send(Json{{"type", "note_ack"},
                        {"client_id", client_id},
                        {"conversation", r->conversation_id},
                        {"id", r->id}});
      });
    });
  }

  // transfer {conversation, to_agent | to_queue, note}: the chat goes to
  // another agent or back to a queue; answered with `transferred` (and the
  // chat's `unassigned`), or an error.
  void OnTransfer(const Json& frame) {
    auto conv = MyConversation(frame, "");
    if (!conv) return;
    handoff::Transfer t;
    t.tenant_id = user_.tenant_id;
    t.from_user = user_.id;
    t.conversation_id = *conv;
    if (auto a = frame.find("to_agent"); a != frame.end() && !a->is_null()) {
      if (!a->is_number_integer()) {
        SendError(Status::InvalidArgument("\"to_agent\" must be a user id"), "");
        return;
      }
      t.to_agent = a->get<int64_t>();
    }
    t.to_queue = Str(frame, "to_queue");
    t.note = Str(frame, "note");
    ctx_.handoff->TransferChat(std::move(t), [weak = weak_from_this(), conv = *conv](Status s) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->ws_.get_executor(), [self, s, conv] {
        if (!s.ok()) {
          self->SendError(s, "");
          return;
        }
        self->Send(Json{{"type", "transferred"}, {"conversation", conv}});
      });
    });
  }

  // transfer_targets: the tenant's agents with a console open and its queues.
  void SendTransferTargets() {
    std::map<int64_t, std::string> names;
    if (auto users = ctx_.store->ListUsers(user_.tenant_id); users.ok()) {
      for (const auto& u : *users) names[u.id] = u.name.empty() ? u.email : u.name;
    }
    Json agents = Json::array();
    for (const auto& [id, presence] : ctx_.handoff->AgentsOf(user_.tenant_id)) {
      if (id == user_.id) continue;
      agents.push_back({{"id", id}, {"name", names[id]}, {"presence", handoff::PresenceName(presence)}});
    }
    Json queues = Json::array();
    for (const auto& q : ctx_.handoff->Queues(user_.tenant_id)) queues.push_back(q.name);
    if (queues.empty()) queues.push_back(handoff::kDefaultQueue);
    Send(Json{{"type", "transfer_targets"}, {"agents", agents}, {"queues", queues}});
  }

  // ---- writing ----

  void SendError(const Status& s, const std::string& client_id, std::string_view code = {}) {
    Json j{{"type", "error"},
           {"code", code.empty() ? CodeName(s.code()) : code},
           {"message", s.message()}};
    if (!client_id.empty()) j["client_id"] = client_id;
    Send(j);
  }

  void Send(const Json& j) {
    if (closing_) return;
    if (outq_.size() >= kMaxQueuedFrames) {
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
      outq_.pop_front();
    }
  }

  WidgetStream ws_;
  store::User user_;
  server::Context& ctx_;
  const uint64_t id_;
  asio::steady_timer wake_;
  std::deque<std::string> outq_;
  bool closing_ = false;
  bool close_requested_ = false;
  uint64_t session_ = 0;
  std::map<int64_t, uint64_t> subscriptions_;  // conversation → bus subscription
  std::map<int64_t, int64_t> delivered_;       // conversation → highest seq sent
};

}  // namespace

asio::awaitable<void> RunAgentSession(WidgetStream ws, UpgradeRequest req, store::User user,
                                      server::Context& ctx) {
  try {
    auto session = std::make_shared<AgentSession>(std::move(ws), std::move(user), ctx);
    co_await session->Run(std::move(req));
  } catch (const std::exception& e) {
    spdlog::error("agent session ended unexpectedly: {}", e.what());
  }
}

}  // namespace kefu::channels
