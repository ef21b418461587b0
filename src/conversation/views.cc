#include "conversation/views.h"

namespace kefu::conversation {

Json MessageView(const store::Message& m, Audience audience) {
  Json j{{"id", m.id},
         {"conversation", m.conversation_id},
         {"seq", m.seq},
         {"sender", store::SenderName(m.sender)},
         {"text", m.text},
         {"created_at", m.created_at}};
  Json attachments = Json::parse(m.attachments_json, nullptr, false);
  j["attachments"] = attachments.is_array() ? attachments : Json::array();
  if (!m.client_id.empty() && m.sender == store::Sender::kContact) j["client_id"] = m.client_id;
  Json payload = Json::parse(m.payload_json, nullptr, false);
  if (!payload.is_object()) payload = Json::object();
  // The one part of a bot's payload customers see: its quick replies.
  auto quick = payload.find("quick_replies");
  if (m.sender == store::Sender::kBot && quick != payload.end() && quick->is_array()) {
    j["quick_replies"] = *quick;
  }
  if (audience == Audience::kStaff) j["payload"] = std::move(payload);
  return j;
}

Json ConversationView(const store::Conversation& c) {
  Json j{{"id", c.id},
         {"contact_id", c.contact_id},
         {"channel", c.channel},
         {"status", c.status},
         {"language", c.language},
         {"last_seq", c.last_seq},
         {"created_at", c.created_at},
         {"updated_at", c.updated_at},
         {"assignee_id", c.assignee_id ? Json(*c.assignee_id) : Json(nullptr)},
         {"first_response_at", c.first_response_at ? Json(*c.first_response_at) : Json(nullptr)},
         {"resolved_at", c.resolved_at ? Json(*c.resolved_at) : Json(nullptr)}};
  if (!c.queue.empty()) j["queue"] = c.queue;
  if (!c.handoff_reason.empty()) j["handoff_reason"] = c.handoff_reason;
  j["priority"] = c.priority;
  j["follow_up"] = c.follow_up;
  j["csat"] = c.csat_rating ? Json{{"rating", *c.csat_rating},
                                   {"comment", c.csat_comment},
                                   {"at", c.csat_at ? Json(*c.csat_at) : Json(nullptr)}}
                            : Json(nullptr);
  return j;
}

Result<std::string> NoteText(const Json& body) {
  auto it = body.find("text");
  if (it == body.end() || !it->is_string()) {
    return Status::InvalidArgument("\"text\" must be a string");
  }
  std::string text = it->get<std::string>();
  size_t chars = 0;
  for (unsigned char ch : text) chars += (ch & 0xC0) != 0x80;
  if (chars == 0) return Status::InvalidArgument("\"text\" must not be empty");
  if (chars > kMaxNoteChars) {
    return Status::InvalidArgument("\"text\" is " + std::to_string(chars) +
                                   " characters; a note has at most " +
                                   std::to_string(kMaxNoteChars));
  }
  return text;
}

Json NoteView(const store::Note& n, const std::string& author) {
  return Json{{"id", n.id},          {"conversation", n.conversation_id},
              {"author_id", n.author_id}, {"author", author},
              {"text", n.text},      {"created_at", n.created_at}};
}

Json ContactView(const store::Contact& c) {
  Json attributes = Json::parse(c.attributes_json, nullptr, false);
  if (!attributes.is_object()) attributes = Json::object();
  Json tier = attributes.contains("tier") && attributes["tier"].is_string() ? attributes["tier"]
                                                                           : Json(nullptr);
  return Json{{"id", c.id},
              {"external_id", c.external_id},
              {"name", c.name},
              {"language", c.language},
              {"created_at", c.created_at},
              {"attributes", std::move(attributes)},
              {"tier", std::move(tier)}};
}

}  // namespace kefu::conversation
