#include "conversation/responder.h"

namespace kefu::conversation {
namespace {

class EchoResponder final : public Responder {
 public:
  EchoResponder(Executor* executor, int64_t delay_ms)
      : executor_(executor), delay_ms_(delay_ms) {}

  void Respond(const Turn& turn, RespondCallback done) override {
    std::vector<Reply> replies{{"echo: " + turn.message.text}};
    if (delay_ms_ <= 0) {
      done(std::move(replies));
      return;
    }
    executor_->PostAfter(delay_ms_, [done = std::move(done), r = std::move(replies)]() mutable {
      done(std::move(r));
    });
  }

  Json Describe() const override { return Json{{"kind", "echo"}, {"delay_ms", delay_ms_}}; }

 private:
  Executor* executor_;
  int64_t delay_ms_;
};

}  // namespace

std::unique_ptr<Responder> MakeEchoResponder(Executor* executor, int64_t delay_ms) {
  return std::make_unique<EchoResponder>(executor, delay_ms);
}

}  // namespace kefu::conversation
