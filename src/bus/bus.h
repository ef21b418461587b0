// The bus: in-process publish/subscribe of conversation events. Consoles,
// widget sessions, webhooks and analytics are subscribers. A redis/ backend
// will carry the same events between nodes.
//
// Thread-safety: all methods are thread-safe. Handlers are called on the
// publisher's thread (for messages: the store's writer thread) in publish
// order, so they must be quick: post the real work to your own executor.
// A handler may Unsubscribe itself; it is not called after Unsubscribe returns
// on another thread... unless a publish that copied it is in progress, so
// handlers must tolerate one late call (check a "closed" flag).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store/store.h"

namespace kefu::bus {

// The catalogue of event types.
inline constexpr const char* kMessageCreated = "message.created";
inline constexpr const char* kConversationStatusChanged = "conversation.status_changed";
inline constexpr const char* kTyping = "typing";
// An internal note was written: for staff sessions only (the widget ignores
// it). value: the note's JSON view (conversation::NoteView).
inline constexpr const char* kNoteCreated = "note.created";

struct Event {
  std::string type;
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  // message.created: the stored message.
  std::shared_ptr<const store::Message> message;
  // conversation.status_changed: the new status. typing: "on"/"off".
  std::string value;
  // Who caused it (a widget session id), so it can recognise its own
  // messages and acknowledge them instead of echoing them. 0: nobody.
  uint64_t origin = 0;
};

using Handler = std::function<void(const Event&)>;

class Bus {
 public:
  virtual ~Bus() = default;
  static std::unique_ptr<Bus> InProcess();

  // Events of one conversation. Returns a subscription id.
  virtual uint64_t Subscribe(int64_t conversation_id, Handler h) = 0;
  // Every event of every tenant.
  virtual uint64_t SubscribeAll(Handler h) = 0;
  virtual void Unsubscribe(uint64_t subscription) = 0;
  virtual void Publish(const Event& e) = 0;
  // Live subscriptions (for tests and metrics).
  virtual size_t SubscriptionCount() const = 0;
};

}  // namespace kefu::bus
