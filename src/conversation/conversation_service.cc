#include "conversation/conversation_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include "core/json.h"

namespace kefu::conversation {
namespace {

// The row a successful append wrote.
store::Message StoredMessage(const store::NewMessage& m, const store::AppendResult& r) {
  store::Message msg;
  msg.id = r.message_id;
  msg.tenant_id = m.tenant_id;
  msg.conversation_id = m.conversation_id;
  msg.seq = r.seq;
  msg.sender = m.sender;
  msg.sender_id = m.sender_id;
  msg.client_id = m.client_id;
  msg.text = m.text;
  msg.attachments_json = m.attachments_json;
  msg.payload_json = m.payload_json;
  msg.created_at = r.created_at;
  return msg;
}

}  // namespace

void ConversationService::Publish(const store::NewMessage& m, const store::AppendResult& r,
                                  uint64_t origin) {
  d_.bus->Publish(bus::Event{bus::kMessageCreated, m.tenant_id, m.conversation_id,
                             std::make_shared<store::Message>(StoredMessage(m, r)), "", origin});
}

void ConversationService::PublishStatus(const store::NewMessage& m) {
  if (!m.set_status) return;
  d_.bus->Publish(bus::Event{bus::kConversationStatusChanged, m.tenant_id, m.conversation_id,
                             nullptr, *m.set_status, 0});
}

void ConversationService::Receive(Inbound in, store::Callback<store::AppendResult> done) {
  auto started = std::chrono::steady_clock::now();
  store::NewMessage m;
  m.tenant_id = in.tenant_id;
  m.conversation_id = in.conversation_id;
  m.sender = in.sender;
  m.sender_id = in.contact_id;
  m.client_id = std::move(in.client_id);
  m.text = std::move(in.text);
  m.attachments_json = std::move(in.attachments_json);
  m.set_status = std::move(in.set_status);
  m.created_at = d_.clock->NowMillis();
  in.bot_mode = in.bot_mode && d_.responder != nullptr && in.sender == store::Sender::kContact;
  // The tenant's human-takeover switch: the bot answers nobody; a customer
  // message in a bot conversation (or one reopening a resolved one) goes to
  // the line in its own transaction, without a pending reply, so nothing
  // answers it after a restart either.
  if (in.sender == store::Sender::kContact && d_.takeover && d_.takeover(in.tenant_id) &&
      (in.bot_mode || (m.set_status && *m.set_status == "bot"))) {
    in.bot_mode = false;
    m.set_status = "queued";
    m.set_handoff_reason = "takeover";
    m.set_queue = kTakeoverQueue;
    m.events.push_back({"conversation.handoff_requested",
                        DumpJson(Json{{"reason", "takeover"}, {"queue", kTakeoverQueue}})});
  }
  m.expects_reply = in.bot_mode;
  // No events row: the messages table is the durable record of
  // message.created (ordered by id); the bus carries it live.
  // The writer owns `m` until the callback; keep what the callback needs.
  auto copy = std::make_shared<store::NewMessage>(m);
  d_.store->AppendMessage(
      std::move(m), [this, copy, origin = in.origin, bot = in.bot_mode, started,
                     done = std::move(done)](Result<store::AppendResult> r) {
        if (!r.ok()) {
          if (r.status().code() == Code::kBusy) {
            d_.metrics->messages_rejected_busy.Inc();
          } else {
            d_.metrics->messages_rejected_error.Inc();
          }
          done(std::move(r));
          return;
        }
        if (r->duplicate) {
          d_.metrics->messages_duplicate.Inc();
          done(std::move(r));
          return;
        }
        d_.metrics->messages_in.Inc();
        // Off the store's writer thread, in this conversation's order: publish
        // (the widget's ack rides on it), hand the question to the responder,
        // then tell the caller, who thus finds the answer already under way.
        d_.executor->PostOrdered(
            static_cast<uint64_t>(copy->conversation_id),
            [this, copy, result = *r, origin, bot, started, done = std::move(done)] {
              Publish(*copy, result, origin);
              PublishStatus(*copy);
              d_.metrics->ack_seconds.Observe(
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                      .count());
              if (bot) Answer(*copy, result);
              done(result);
            });
      });
}

void ConversationService::Answer(const store::NewMessage& m, const store::AppendResult& r) {
  store::Conversation conversation;
  conversation.id = m.conversation_id;
  conversation.tenant_id = m.tenant_id;
  conversation.status = "bot";
  Answer(std::move(conversation), StoredMessage(m, r));
}

void ConversationService::Answer(store::Conversation conversation, store::Message message) {
  replies_in_flight_.fetch_add(1);
  uint64_t key = static_cast<uint64_t>(conversation.id);
  d_.executor->PostOrdered(key, [this, turn = Turn{std::move(conversation), std::move(message)}] {
    d_.responder->Respond(turn, [this, question = turn.message](std::vector<Reply> replies) {
      StoreReplies(question, std::move(replies));
    });
  });
}

void ConversationService::StoreReplies(const store::Message& question,
                                       std::vector<Reply> replies) {
  if (replies.empty()) {
    d_.store->MarkAnswered(question.tenant_id, question.conversation_id, question.seq,
                           [this](Status s) {
                             if (!s.ok()) spdlog::warn("mark answered failed: {}", s.ToString());
                             replies_in_flight_.fetch_sub(1);
                           });
    return;
  }
  auto chain = std::make_shared<std::vector<store::NewMessage>>();
  for (size_t i = 0; i < replies.size(); ++i) {
    store::NewMessage m;
    m.tenant_id = question.tenant_id;
    m.conversation_id = question.conversation_id;
    m.sender = store::Sender::kBot;
    m.text = std::move(replies[i].text);
    m.payload_json = std::move(replies[i].payload_json);
    m.set_status = std::move(replies[i].set_status);
    m.set_queue = std::move(replies[i].set_queue);
    m.set_handoff_reason = std::move(replies[i].set_handoff_reason);
    m.set_priority = replies[i].set_priority;
    m.set_follow_up = replies[i].set_follow_up;
    m.events = std::move(replies[i].events);
    m.created_at = d_.clock->NowMillis();
    // Answering the same question again (a retry, or after a crash) stores
    // nothing twice: the store refuses a reply that is not due.
    m.reply_to = store::NewMessage::ReplyTo{question.seq, static_cast<int>(i),
                                            i + 1 == replies.size()};
    chain->push_back(std::move(m));
  }
  // One turn's replies after the previous turn's, never interleaved: a turn
  // waits until the one before it has handed its last reply to the store,
  // whose queue keeps that order (a turn of one reply waits for nothing).
  bool first;
  {
    std::lock_guard lock(chains_mu_);
    auto& queue = chains_[question.conversation_id];
    queue.push_back(chain);
    first = queue.size() == 1;
  }
  if (first) StoreReply(std::move(chain), 0, 0);
}

void ConversationService::NextTurn(int64_t conversation_id) {
  std::shared_ptr<std::vector<store::NewMessage>> next;
  {
    std::lock_guard lock(chains_mu_);
    auto it = chains_.find(conversation_id);
    if (it == chains_.end()) return;
    it->second.pop_front();
    if (it->second.empty()) {
      chains_.erase(it);
    } else {
      next = it->second.front();
    }
  }
  if (next) StoreReply(std::move(next), 0, 0);
}

// Replies of one turn are stored one after the other, in order. A reply the
// store refused for now (busy, a disk error) is tried again with back-off:
// the customer's message was acknowledged, so its answer must not be lost.
void ConversationService::StoreReply(std::shared_ptr<std::vector<store::NewMessage>> chain,
                                     size_t i, int attempt) {
  store::NewMessage m = (*chain)[i];
  const int64_t conversation_id = m.conversation_id;
  const bool last = i + 1 == chain->size();
  d_.store->AppendMessage(std::move(m), [this, chain, i, attempt](Result<store::AppendResult> r) {
    const store::NewMessage& sent = (*chain)[i];
    const Code code = r.status().code();
    // Stored now, or before (AlreadyExists: a retry, or answered again after
    // a crash): publish what is new, then go on with the next reply.
    if (r.ok() || code == Code::kAlreadyExists) {
      std::optional<store::AppendResult> stored;
      if (r.ok()) stored = *r;
      d_.executor->PostOrdered(static_cast<uint64_t>(sent.conversation_id),
                               [this, chain, i, stored] {
                                 if (stored) {
                                   d_.metrics->messages_out.Inc();
                                   Publish((*chain)[i], *stored, 0);
                                   PublishStatus((*chain)[i]);
                                 }
                                 if (i + 1 < chain->size()) {
                                   StoreReply(chain, i + 1, 0);
                                 } else {
                                   replies_in_flight_.fetch_sub(1);
                                 }
                               });
      return;
    }
    if (code != Code::kBusy && code != Code::kIoError) {
      spdlog::warn("conv={} reply dropped: {}", sent.conversation_id, r.status().ToString());
      replies_in_flight_.fetch_sub(1);
      // The rest of this turn is given up: the next turn may go.
      if (i + 1 < chain->size()) NextTurn(sent.conversation_id);
      return;
    }
    const int64_t delay = std::min<int64_t>(int64_t{50} << std::min(attempt, 6), 2000);
    if (attempt == 0 || attempt % 20 == 0) {
      spdlog::warn("conv={} storing a reply failed ({}); retrying in {} ms", sent.conversation_id,
                   r.status().ToString(), delay);
    }
    d_.executor->PostAfter(delay, [this, chain, i, attempt] { StoreReply(chain, i, attempt + 1); });
  });
  // The turn's last reply is queued behind the others: the next turn's may
  // follow it (a retry is not a new turn).
  if (last && attempt == 0) NextTurn(conversation_id);
}

void ConversationService::OpenConversation(int64_t tenant_id, int64_t contact_id,
                                           const std::string& channel,
                                           const std::string& language,
                                           store::Callback<OpenedConversation> done) {
  auto open = d_.store->FindOpenConversation(tenant_id, contact_id, channel);
  if (open.ok()) {
    done(OpenedConversation{std::move(*open), false});
    return;
  }
  if (open.status().code() != Code::kNotFound) {
    done(open.status());
    return;
  }
  d_.store->CreateConversation(
      {tenant_id, contact_id, channel, language},
      [this, done = std::move(done)](Result<store::Conversation> created) mutable {
        std::optional<Reply> greeting;
        if (created.ok() && d_.responder != nullptr) greeting = d_.responder->Greeting(*created);
        if (!created.ok()) {
          done(created.status());
          return;
        }
        if (!greeting || greeting->text.empty()) {
          done(OpenedConversation{std::move(*created), true});
          return;
        }
        // The greeting is the conversation's first message: stored before
        // the caller learns of the conversation, so it reads it there. A
        // greeting that cannot be stored is not worth failing the
        // conversation for.
        store::NewMessage m;
        m.tenant_id = created->tenant_id;
        m.conversation_id = created->id;
        m.sender = store::Sender::kBot;
        m.text = std::move(greeting->text);
        m.payload_json = std::move(greeting->payload_json);
        m.created_at = d_.clock->NowMillis();
        auto copy = std::make_shared<store::NewMessage>(m);
        d_.store->AppendMessage(
            std::move(m), [this, copy, conversation = std::move(*created),
                           done = std::move(done)](Result<store::AppendResult> r) mutable {
              if (r.ok()) {
                conversation.last_seq = r->seq;
                d_.metrics->messages_out.Inc();
                Publish(*copy, *r, 0);
              } else {
                spdlog::warn("conv={} greeting not stored: {}", conversation.id,
                             r.status().ToString());
              }
              done(OpenedConversation{std::move(conversation), true});
            });
      });
}

Result<int> ConversationService::Recover() {
  if (d_.responder == nullptr) return 0;  // they wait until someone answers
  int resumed = 0;
  auto pending = d_.store->ListPendingReplies(100000);
  if (!pending.ok()) return pending.status();
  for (const store::PendingReply& p : *pending) {
    auto conversation = d_.store->GetConversation(p.tenant_id, p.conversation_id);
    auto message = d_.store->GetMessage(p.tenant_id, p.conversation_id, p.seq);
    if (!conversation.ok() || !message.ok()) {
      spdlog::warn("recover conv={} seq={}: {}", p.conversation_id, p.seq,
                   (conversation.ok() ? message.status() : conversation.status()).ToString());
      continue;
    }
    Answer(std::move(*conversation), std::move(*message));
    ++resumed;
  }
  return resumed;
}

}  // namespace kefu::conversation
