// JSON views of stored rows, as the REST API and the widget protocol show them
// (docs/protocol.md). One place, so every channel shows the same fields.
#pragma once

#include "core/json.h"
#include "store/store.h"

namespace kefu::conversation {

// {id, conversation, seq, sender, text, attachments, created_at, client_id?,
// quick_replies? (a bot message's one-tap answers, for everyone)}, and for
// staff (the REST API, not the widget) `payload`: what the bot understood and
// did (its NLU annotations, the dialogue state).
enum class Audience { kCustomer, kStaff };
Json MessageView(const store::Message& m, Audience audience = Audience::kCustomer);
// {id, contact_id, channel, status, language, last_seq, created_at, updated_at,
//  assignee_id, first_response_at, resolved_at (null when unset), queue?,
//  handoff_reason?}
Json ConversationView(const store::Conversation& c);
// {"id","external_id","name","language","created_at","attributes":{...},
//  "tier": attributes.tier or null} (staff and API keys only).
Json ContactView(const store::Contact& c);

// Internal notes: staff only, never sent to a customer (not over the widget,
// not in a resume, not in any contact-facing API).
inline constexpr size_t kMaxNoteChars = 2000;
// The note's text, checked: InvalidArgument naming the limit when it is
// empty, longer than kMaxNoteChars characters (code points) or not a string.
Result<std::string> NoteText(const Json& body);
// {id, conversation, author_id, author, text, created_at}; `author` is the
// writer's name ("" when unknown).
Json NoteView(const store::Note& n, const std::string& author);

}  // namespace kefu::conversation
