#include "handoff/summary.h"

#include <algorithm>

namespace kefu::handoff {

Json HandoffSummary(store::Store& store, int64_t tenant_id, int64_t conversation_id) {
  constexpr int kLookBack = 200;
  auto conv = store.GetConversation(tenant_id, conversation_id);
  if (!conv.ok()) return Json::object();
  const int64_t from = std::max<int64_t>(0, conv->last_seq - kLookBack);
  auto msgs = store.ReadMessages(tenant_id, conversation_id, from, kLookBack);
  if (!msgs.ok()) return Json::object();
  Json out = Json::object();
  // The newest handoff the bot recorded, and the state it left.
  size_t handoff_at = msgs->size();
  for (size_t i = msgs->size(); i-- > 0;) {
    const store::Message& m = (*msgs)[i];
    if (m.sender != store::Sender::kBot) continue;
    Json p = Json::parse(m.payload_json, nullptr, false);
    if (!p.is_object() || !p.contains("nlu") || !p["nlu"].is_object()) continue;
    const Json& nlu = p["nlu"];
    if (!nlu.contains("handoff")) continue;
    handoff_at = i;
    out["reason"] = nlu.value("handoff", "");
    if (nlu.contains("intent")) out["intent"] = nlu["intent"];
    if (nlu.contains("emotion")) out["emotion"] = nlu["emotion"];
    if (nlu.contains("language")) out["language"] = nlu["language"];
    if (p.contains("dialog") && p["dialog"].is_object() && p["dialog"].contains("slots")) {
      out["slots"] = p["dialog"]["slots"];
    }
    break;
  }
  if (handoff_at == msgs->size() && !conv->handoff_reason.empty()) {
    out["reason"] = conv->handoff_reason;
  }
  Json said = Json::array();
  int bot_turns = 0;
  const size_t upto = handoff_at == msgs->size() ? msgs->size() : handoff_at + 1;
  for (size_t i = 0; i < upto; ++i) {
    const store::Message& m = (*msgs)[i];
    if (m.sender == store::Sender::kContact && !m.text.empty()) said.push_back(m.text);
    bot_turns += m.sender == store::Sender::kBot;
  }
  while (said.size() > 5) said.erase(said.begin());
  out["customer_said"] = std::move(said);
  out["bot_turns"] = bot_turns;
  return out;
}

}  // namespace kefu::handoff
