// JSON views of stored rows, as the REST API and the widget protocol show them
// (docs/protocol.md). One place, so every channel shows the same fields.
#pragma once

#include "core/json.h"
#include "store/store.h"

namespace kefu::conversation {

// {id, conversation, seq, sender, text, attachments, created_at, client_id?},
// and for staff (the REST API, not the widget) `payload`: what the bot
// understood and did (its NLU annotations, the dialogue state).
enum class Audience { kCustomer, kStaff };
Json MessageView(const store::Message& m, Audience audience = Audience::kCustomer);
// {id, contact_id, channel, status, language, last_seq, created_at, updated_at,
//  assignee_id, first_response_at, resolved_at (null when unset), queue?,
//  handoff_reason?}
Json ConversationView(const store::Conversation& c);
// {"id","external_id","name","language","created_at","attributes":{...},
//  "tier": attributes.tier or null} (staff and API keys only).
Json ContactView(const store::Contact& c);

}  // namespace kefu::conversation
