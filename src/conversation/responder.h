// The Responder answers a customer message. The bot (dialog/) implements it;
// until then a trivial echo stands in, behind the same interface.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/executor.h"
#include "store/store.h"

namespace kefu::conversation {

struct Reply {
  std::string text;
  std::string payload_json = "{}";  // e.g. NLU annotations, quick replies
};

struct Turn {
  store::Conversation conversation;
  store::Message message;  // the customer's message being answered
};

using RespondCallback = std::function<void(std::vector<Reply>)>;

// Thread-safe. Respond must not block: slow work (LLM, HTTP actions) is
// asynchronous and calls `done` exactly once, on any thread, possibly with no
// replies (nothing to say).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Respond(const Turn& turn, RespondCallback done) = 0;
};

// Answers "echo: <text>" after `delay_ms` (0: at once). `executor` is used
// only for the delay and must outlive the responder.
std::unique_ptr<Responder> MakeEchoResponder(Executor* executor, int64_t delay_ms);

}  // namespace kefu::conversation
