#include "handoff/summary.h"


namespace kefu::handoff {

Json HandoffSummary(const store::Conversation& conversation,
                    const std::vector<store::Message>& messages) {
  Json out = Json::object();
  // The newest handoff the bot recorded, and the state it left.
  size_t handoff_at = messages.size();
  for (size_t i = messages.size(); i-- > 0;) {
    const store::Message& m = messages[i];
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
  if (handoff_at == messages.size() && !conversation.handoff_reason.empty()) {
    out["reason"] = conversation.handoff_reason;
  }
  Json said = Json::array();
  int bot_turns = 0;
  const size_t upto = handoff_at == messages.size() ? messages.size() : handoff_at + 1;
  for (size_t i = 0; i < upto; ++i) {
    const store::Message& m = messages[i];
    if (m.sender == store::Sender::kContact && !m.text.empty()) said.push_back(m.text);
    bot_turns += m.sender == store::Sender::kBot;
  }
  while (said.size() > 5) said.erase(said.begin());
  out["customer_said"] = std::move(said);
  out["bot_turns"] = bot_turns;
  return out;
}

}  // namespace kefu::handoff
