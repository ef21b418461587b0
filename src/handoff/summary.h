// What an agent sees first when a conversation reaches them: why the bot
// handed over, what the customer wanted (intent, the details the bot already
// collected, e.g. the order number), how they feel, and the customer's own
// words from the bot part, condensed (extractive: their last messages).
#pragma once

#include <vector>

#include "core/json.h"
#include "store/store.h"

namespace kefu::handoff {

// {"reason","intent","emotion":{label,intensity},"language","slots":{...},
//  "customer_said":[up to 5 texts, oldest first],"bot_turns":N}
// From the conversation's newest messages, oldest first (the bot's payloads;
// the caller reads them once for this and the transcript); fields the bot
// did not record are absent.
Json HandoffSummary(const store::Conversation& conversation,
                    const std::vector<store::Message>& messages);

}  // namespace kefu::handoff
