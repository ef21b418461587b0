// What an agent sees first when a conversation reaches them: why the bot
// handed over, what the customer wanted (intent, the details the bot already
// collected, e.g. the order number), how they feel, and the customer's own
// words from the bot part, condensed (extractive: their last messages).
#pragma once

#include "core/json.h"
#include "store/store.h"

namespace kefu::handoff {

// {"reason","intent","emotion":{label,intensity},"language","slots":{...},
//  "customer_said":[up to 5 texts, oldest first],"bot_turns":N}
// From the conversation's newest messages (the bot's payloads); fields the
// bot did not record are absent. Never fails: a store error gives {}.
Json HandoffSummary(store::Store& store, int64_t tenant_id, int64_t conversation_id);

}  // namespace kefu::handoff
