#include "store/sqlite/conversation_facts.h"

#include <optional>

namespace kefu::store::sqlite {
namespace {

// One row per (conversation, routing event), conversations in creation
// order, a conversation's events oldest first; a conversation without
// events is one row with NULL event columns. Every table is read by
// tenant_id: conversations through conversations_created (tenant_id,
// created_at), events through events_conversation (tenant_id,
// conversation_id, id), the customer's messages through messages_seq.
// Only the routing events are read (message.created has no events row).
constexpr const char* kFactsSql =
    "SELECT c.id, c.created_at, c.status, c.first_response_at, c.csat_rating, "
    "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id "
    "AND m.tenant_id = c.tenant_id AND m.sender = 'contact'), "
    "e.type, e.created_at, "
    "CASE WHEN e.type = 'conversation.handoff_requested' AND json_valid(e.payload_json) "
    "THEN coalesce(json_extract(e.payload_json, '$.reason'), '') ELSE '' END "
    "FROM conversations c LEFT JOIN events e ON e.tenant_id = c.tenant_id "
    "AND e.conversation_id = c.id AND e.type IN ('conversation.handoff_requested', "
    "'conversation.assigned', 'conversation.requeued', 'conversation.resolved', "
    "'conversation.returned_to_bot') "
    "WHERE c.tenant_id = ?1 AND c.created_at >= ?2 AND c.created_at < ?3 "
    "ORDER BY c.created_at, c.id, e.id";

}  // namespace

Status ScanConversationFacts(Conn& conn, int64_t tenant_id, int64_t from_millis,
                             int64_t until_millis,
                             const std::function<void(const ConversationFacts&)>& visit) {
  // One read transaction: the conversations and their events agree.
  if (Status s = conn.Exec("BEGIN"); !s.ok()) return s;
  struct EndRead {
    Conn& c;
    ~EndRead() { (void)c.Exec("COMMIT"); }
  } end{conn};
  Result<Stmt> prepared = conn.Prepare(kFactsSql);
  if (!prepared.ok()) return prepared.status();
  Stmt& q = *prepared;
  q.Bind(tenant_id).Bind(from_millis).Bind(until_millis);
  std::optional<ConversationFacts> current;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const int64_t id = q.Int(0);
    if (!current || current->id != id) {
      if (current) visit(*current);
      current.emplace();
      current->id = id;
      current->created_at = q.Int(1);
      current->status = q.Text(2);
      current->first_response_at = q.OptInt(3);
      if (auto r = q.OptInt(4)) current->csat_rating = static_cast<int>(*r);
      current->customer_wrote = q.Int(5) != 0;
    }
    if (!q.IsNull(6)) current->steps.push_back({q.Text(6), q.Int(7), q.Text(8)});
  }
  if (current) visit(*current);
  return Status::Ok();
}

}  // namespace kefu::store::sqlite
