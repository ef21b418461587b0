#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <future>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/json.h"
#include "store/sqlite/conversation_facts.h"
#include "store/sqlite/faulty_vfs.h"
#include "store/sqlite/migrations.h"

namespace kefu::store::sqlite {
namespace {

// ---- column lists and row readers (one order per table) --------------------

#define KEFU_TENANT_COLS "id, name, public_key, default_language, created_at"
#define KEFU_USER_COLS "id, tenant_id, email, name, role, password_hash, created_at"
#define KEFU_APIKEY_COLS "id, tenant_id, name, prefix, role, created_at, revoked_at"
#define KEFU_CONTACT_COLS "id, tenant_id, external_id, name, language, created_at, attributes_json"
#define KEFU_CONV_COLS                                                                     \
  "id, tenant_id, contact_id, channel, status, language, last_seq, created_at, updated_at, " \
  "assignee_id, coalesce(queue, ''), coalesce(handoff_reason, ''), first_response_at, "      \
  "resolved_at, csat_rating, csat_comment, csat_at, coalesce(priority, 0), follow_up"
#define KEFU_MSG_COLS                                                         \
  "id, tenant_id, conversation_id, seq, sender, sender_id, client_id, text, " \
  "attachments_json, payload_json, created_at"
#define KEFU_EVENT_COLS "id, tenant_id, conversation_id, type, payload_json, created_at"
#define KEFU_OUTBOX_COLS \
  "id, tenant_id, topic, payload_json, status, attempts, next_attempt_at, created_at"
#define KEFU_UPLOAD_COLS "id, tenant_id, sha256, content_type, size, path, created_at, contact_id"
#define KEFU_AUDIT_COLS "id, tenant_id, at, actor_kind, actor_id, action, target, detail_json"

Tenant TenantRow(const Stmt& q) {
  return Tenant{q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Int(4)};
}
User UserRow(const Stmt& q) {
  return User{q.Int(0), q.Int(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Int(6)};
}
ApiKey ApiKeyRow(const Stmt& q) {
  return ApiKey{q.Int(0), q.Int(1), q.Text(2), q.Text(3), q.Text(4), q.Int(5), q.OptInt(6)};
}
Contact ContactRow(const Stmt& q) {
  Contact c{q.Int(0), q.Int(1), q.Text(2), q.Text(3), q.Text(4), q.Int(5)};
  c.attributes_json = q.Text(6);
  if (c.attributes_json.empty()) c.attributes_json = "{}";
  return c;
}
Conversation ConvRow(const Stmt& q) {
  Conversation c{q.Int(0),   q.Int(1),   q.Int(2),     q.Text(3),    q.Text(4),
                 q.Text(5),  q.Int(6),   q.Int(7),     q.Int(8),     q.OptInt(9),
                 q.Text(10), q.Text(11), q.OptInt(12), q.OptInt(13)};
  if (auto r = q.OptInt(14)) c.csat_rating = static_cast<int>(*r);
  c.csat_comment = q.Text(15);
  c.csat_at = q.OptInt(16);
  c.priority = static_cast<int>(q.Int(17));
  c.follow_up = q.Int(18) != 0;
  return c;
}
Message MessageRow(const Stmt& q) {
  Message m;
  m.id = q.Int(0);
  m.tenant_id = q.Int(1);
  m.conversation_id = q.Int(2);
  m.seq = q.Int(3);
  m.sender = ParseSender(q.Text(4)).value_or(Sender::kSystem);
  m.sender_id = q.Int(5);
  m.client_id = q.Text(6);
  m.text = q.Text(7);
  m.attachments_json = q.Text(8);
  m.payload_json = q.Text(9);
  m.created_at = q.Int(10);
  return m;
}
Event EventRow(const Stmt& q) {
  return Event{q.Int(0), q.Int(1), q.Int(2), q.Text(3), q.Text(4), q.Int(5)};
}
OutboxItem OutboxRow(const Stmt& q) {
  return OutboxItem{q.Int(0), q.Int(1), q.Text(2), q.Text(3), q.Text(4), static_cast<int>(q.Int(5)),
                    q.Int(6), q.Int(7)};
}
Upload UploadRow(const Stmt& q) {
  return Upload{q.Int(0), q.Int(1), q.Text(2), q.Text(3), q.Int(4), q.Text(5), q.Int(6), q.Int(7)};
}
PendingReply PendingRow(const Stmt& q) { return PendingReply{q.Int(0), q.Int(1), q.Int(2)}; }
AuditEntry AuditRow(const Stmt& q) {
  return AuditEntry{q.Int(0), q.Int(1),  q.Int(2),  q.Text(3),
                    q.Int(4), q.Text(5), q.Text(6), q.Text(7)};
}

// The single row of `q`. Errors: NotFound("<what> not found"), SqlError.
template <typename RowFn>
auto One(Stmt& q, RowFn row, const char* what) -> Result<decltype(row(q))> {
  Result<bool> r = q.Step();
  if (!r.ok()) return r.status();
  if (!*r) return Status::NotFound(std::string(what) + " not found");
  return row(q);
}

// Every row of `q`.
template <typename RowFn>
auto Many(Stmt& q, RowFn row) -> Result<std::vector<decltype(row(q))>> {
  std::vector<decltype(row(q))> out;
  for (;;) {
    Result<bool> r = q.Step();
    if (!r.ok()) return r.status();
    if (!*r) return out;
    out.push_back(row(q));
  }
}

// SQLite treats a negative LIMIT as "no limit": never pass one.
int ClampLimit(int limit) { return std::max(limit, 0); }

// Declares `Stmt& var` for `sql` on `conn`, or returns the prepare error.
#define KEFU_PREPARE(var, conn, sql)          \
  Result<Stmt> var##_r = (conn).Prepare(sql); \
  if (!var##_r.ok()) return var##_r.status(); \
  Stmt& var = *var##_r

// ---- write bodies (writer thread, inside the group's transaction) ---------

Result<Tenant> InsertTenant(Conn& c, int64_t now, const NewTenant& t) {
  if (t.public_key.empty()) return Status::InvalidArgument("tenant public_key is empty");
  KEFU_PREPARE(q, c,
               "INSERT INTO tenants(name, public_key, default_language, created_at) "
               "VALUES (?, ?, ?, ?)");
  if (Status s = q.Bind(t.name).Bind(t.public_key).Bind(t.default_language).Bind(now).Exec();
      !s.ok()) {
    return s;
  }
  return Tenant{c.LastInsertId(), t.name, t.public_key, t.default_language, now};
}

// An audit row of `tenant_id`; `default_target` when the entry names none.
Result<AuditEntry> InsertAudit(Conn& c, int64_t now, int64_t tenant_id, const NewAuditEntry& e,
                               const std::string& default_target = "") {
  if (e.action.empty() || e.actor_kind.empty()) {
    return Status::InvalidArgument("an audit entry needs an action and an actor");
  }
  Json detail = Json::parse(e.detail_json, nullptr, false);
  if (!detail.is_object()) return Status::InvalidArgument("audit detail must be a JSON object");
  const std::string& target = e.target.empty() ? default_target : e.target;
  KEFU_PREPARE(q, c,
               "INSERT INTO audit_log(tenant_id, at, actor_kind, actor_id, action, target, "
               "detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)");
  Status s = q.Bind(tenant_id)
                 .Bind(now)
                 .Bind(e.actor_kind)
                 .Bind(e.actor_id)
                 .Bind(e.action)
                 .Bind(target)
                 .Bind(e.detail_json)
                 .Exec();
  if (s.code() == Code::kNotFound) return Status::NotFound("tenant not found");
  if (!s.ok()) return s;
  return AuditEntry{c.LastInsertId(), tenant_id, now,    e.actor_kind,
                    e.actor_id,       e.action,  target, e.detail_json};
}

Result<User> InsertUser(Conn& c, int64_t now, const NewUser& u) {
  if (u.email.empty()) return Status::InvalidArgument("user email is empty");
  KEFU_PREPARE(q, c,
               "INSERT INTO users(tenant_id, email, name, role, password_hash, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)");
  Status s = q.Bind(u.tenant_id)
                 .Bind(u.email)
                 .Bind(u.name)
                 .Bind(u.role)
                 .Bind(u.password_hash)
                 .Bind(now)
                 .Exec();
  if (s.code() == Code::kAlreadyExists) return Status::AlreadyExists("email already in use");
  if (s.code() == Code::kNotFound) return Status::NotFound("tenant not found");
  if (!s.ok()) return s;
  User user{c.LastInsertId(), u.tenant_id, u.email, u.name, u.role, u.password_hash, now};
  if (u.audit) {
    auto a = InsertAudit(c, now, u.tenant_id, *u.audit, "user:" + std::to_string(user.id));
    if (!a.ok()) return a.status();
  }
  return user;
}

Result<ApiKey> InsertApiKey(Conn& c, int64_t now, const NewApiKey& k) {
  if (k.secret_sha256.empty()) return Status::InvalidArgument("api key hash is empty");
  KEFU_PREPARE(q, c,
               "INSERT INTO api_keys(tenant_id, name, prefix, role, secret_sha256, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)");
  Status s = q.Bind(k.tenant_id)
                 .Bind(k.name)
                 .Bind(k.prefix)
                 .Bind(k.role)
                 .Bind(k.secret_sha256)
                 .Bind(now)
                 .Exec();
  if (s.code() == Code::kNotFound) return Status::NotFound("tenant not found");
  if (!s.ok()) return s;
  ApiKey key{c.LastInsertId(), k.tenant_id, k.name, k.prefix, k.role, now, std::nullopt};
  if (k.audit) {
    auto a = InsertAudit(c, now, k.tenant_id, *k.audit, "api_key:" + std::to_string(key.id));
    if (!a.ok()) return a.status();
  }
  return key;
}

// `first_only`: refuse when any tenant exists (Bootstrap).
Result<BootstrapResult> DoBootstrap(Conn& c, int64_t now, const NewTenant& t, NewUser admin,
                                    NewApiKey key, bool first_only) {
  if (first_only) {
    KEFU_PREPARE(count, c, "SELECT EXISTS (SELECT 1 FROM tenants)");
    Result<bool> row = count.Step();
    if (!row.ok()) return row.status();
    if (count.Int(0) != 0) return Status::AlreadyExists("already bootstrapped");
  }
  BootstrapResult out;
  Result<Tenant> tenant = InsertTenant(c, now, t);
  if (!tenant.ok()) return tenant.status();
  out.tenant = *tenant;
  admin.tenant_id = key.tenant_id = tenant->id;
  admin.role = "admin";
  Result<User> user = InsertUser(c, now, admin);
  if (!user.ok()) return user.status();
  out.admin = *user;
  Result<ApiKey> api_key = InsertApiKey(c, now, key);
  if (!api_key.ok()) return api_key.status();
  out.api_key = *api_key;
  return out;
}

Status DoRevokeApiKey(Conn& c, int64_t now, int64_t tenant_id, int64_t id,
                      const std::optional<NewAuditEntry>& audit) {
  KEFU_PREPARE(q, c,
               "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) "
               "WHERE id = ? AND tenant_id = ?");
  if (Status s = q.Bind(now).Bind(id).Bind(tenant_id).Exec(); !s.ok()) return s;
  if (c.Changes() == 0) return Status::NotFound("api key not found");
  if (audit) {
    auto a = InsertAudit(c, now, tenant_id, *audit, "api_key:" + std::to_string(id));
    if (!a.ok()) return a.status();
  }
  return Status::Ok();
}

Result<Contact> FindContactByExternal(Conn& c, int64_t tenant_id, const std::string& ext) {
  // The `external_id <> ''` term lets SQLite use the partial unique index.
  KEFU_PREPARE(q, c,
               "SELECT " KEFU_CONTACT_COLS
               " FROM contacts "
               "WHERE tenant_id = ? AND external_id = ? AND external_id <> ''");
  q.Bind(tenant_id).Bind(ext);
  return One(q, ContactRow, "contact");
}

Result<Contact> InsertContact(Conn& c, int64_t now, const NewContact& n) {
  if (!n.external_id.empty()) {
    Result<Contact> existing = FindContactByExternal(c, n.tenant_id, n.external_id);
    if (existing.ok() || existing.status().code() != Code::kNotFound) return existing;
  }
  KEFU_PREPARE(q, c,
               "INSERT INTO contacts(tenant_id, external_id, name, language, token_sha256, "
               "created_at) VALUES (?, ?, ?, ?, ?, ?)");
  Status s = q.Bind(n.tenant_id)
                 .Bind(n.external_id)
                 .Bind(n.name)
                 .Bind(n.language)
                 .Bind(n.token_sha256)
                 .Bind(now)
                 .Exec();
  if (s.code() == Code::kNotFound) return Status::NotFound("tenant not found");
  if (!s.ok()) return s;
  return Contact{c.LastInsertId(), n.tenant_id, n.external_id, n.name, n.language, now};
}

Result<Conversation> InsertConversation(Conn& c, int64_t now, const NewConversation& n) {
  KEFU_PREPARE(contact, c, "SELECT 1 FROM contacts WHERE id = ? AND tenant_id = ?");
  Result<bool> found = contact.Bind(n.contact_id).Bind(n.tenant_id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("contact not found");
  KEFU_PREPARE(q, c,
               "INSERT INTO conversations(tenant_id, contact_id, channel, status, language, "
               "last_seq, created_at, updated_at) VALUES (?, ?, ?, 'bot', ?, 0, ?, ?)");
  Status s = q.Bind(n.tenant_id)
                 .Bind(n.contact_id)
                 .Bind(n.channel)
                 .Bind(n.language)
                 .Bind(now)
                 .Bind(now)
                 .Exec();
  if (!s.ok()) return s;
  Conversation conv;
  conv.id = c.LastInsertId();
  conv.tenant_id = n.tenant_id;
  conv.contact_id = n.contact_id;
  conv.channel = n.channel;
  conv.language = n.language;
  conv.created_at = conv.updated_at = now;
  return conv;
}

Result<Upload> InsertUpload(Conn& c, int64_t now, const NewUpload& u) {
  KEFU_PREPARE(q, c,
               "INSERT INTO uploads(tenant_id, sha256, content_type, size, path, created_at, "
               "contact_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
  Status s = q.Bind(u.tenant_id)
                 .Bind(u.sha256)
                 .Bind(u.content_type)
                 .Bind(u.size)
                 .Bind(u.path)
                 .Bind(now)
                 .Bind(u.contact_id)
                 .Exec();
  if (s.code() == Code::kNotFound) return Status::NotFound("tenant not found");
  if (!s.ok()) return s;
  return Upload{c.LastInsertId(), u.tenant_id, u.sha256, u.content_type,
                u.size,           u.path,      now,      u.contact_id};
}

Status DeletePending(Conn& c, int64_t tenant_id, int64_t conversation_id, int64_t seq) {
  KEFU_PREPARE(q, c,
               "DELETE FROM pending_replies "
               "WHERE conversation_id = ? AND seq = ? AND tenant_id = ?");
  return q.Bind(conversation_id).Bind(seq).Bind(tenant_id).Exec();
}

Status DoPutSetting(Conn& c, int64_t now, const std::string& key, const std::string& value) {
  KEFU_PREPARE(q, c,
               "INSERT INTO settings(tenant_id, key, value, updated_at) VALUES (0, ?, ?, ?) "
               "ON CONFLICT(tenant_id, key) DO UPDATE SET value = excluded.value, "
               "updated_at = excluded.updated_at");
  return q.Bind(key).Bind(value).Bind(now).Exec();
}

#define KEFU_BOTPKG_COLS "id, tenant_id, version, sha256, files, bytes, source, created_at"

BotPackageVersion BotPackageRow(const Stmt& q) {
  return BotPackageVersion{q.Int(0), q.Int(1), q.Int(2), q.Text(3),
                           q.Int(4), q.Int(5), q.Text(6), q.Int(7)};
}

Result<BotPackageVersion> InsertBotPackage(Conn& c, int64_t now, const NewBotPackage& p) {
  if (p.files.empty()) return Status::InvalidArgument("a bot package needs at least one file");
  std::set<std::string_view> paths;
  int64_t bytes = 0;
  for (const BotPackageFile& f : p.files) {
    if (f.path.empty() || !paths.insert(f.path).second) {
      return Status::InvalidArgument("bot package file path empty or given twice: " + f.path);
    }
    bytes += static_cast<int64_t>(f.content.size());
  }
  KEFU_PREPARE(t, c, "SELECT 1 FROM tenants WHERE id = ?");
  t.Bind(p.tenant_id);
  Result<bool> known = t.Step();
  if (!known.ok()) return known.status();
  if (!*known) return Status::NotFound("tenant not found");
  KEFU_PREPARE(q, c,
               "INSERT INTO bot_packages(tenant_id, version, sha256, files, bytes, source, "
               "created_at) SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3, ?4, ?5, ?6 "
               "FROM bot_packages WHERE tenant_id = ?1");
  Status s = q.Bind(p.tenant_id)
                 .Bind(p.sha256)
                 .Bind(static_cast<int64_t>(p.files.size()))
                 .Bind(bytes)
                 .Bind(p.source)
                 .Bind(now)
                 .Exec();
  if (!s.ok()) return s;
  const int64_t id = c.LastInsertId();
  for (const BotPackageFile& f : p.files) {
    KEFU_PREPARE(ins, c,
                 "INSERT INTO bot_package_files(package_id, tenant_id, path, content) "
                 "VALUES (?, ?, ?, ?)");
    if (s = ins.Bind(id).Bind(p.tenant_id).Bind(f.path).BindBlob(f.content).Exec(); !s.ok()) {
      return s;
    }
  }
  KEFU_PREPARE(r, c, "SELECT " KEFU_BOTPKG_COLS " FROM bot_packages WHERE id = ?");
  r.Bind(id);
  return One(r, BotPackageRow, "bot package");
}

bool KnownStatus(const std::string& s) {
  return s == "bot" || s == "queued" || s == "assigned" || s == "pending" || s == "resolved";
}

Result<Conversation> DoUpdateConversation(Conn& c, int64_t now, const ConversationChange& ch) {
  if (ch.status && !KnownStatus(*ch.status)) {
    return Status::InvalidArgument("unknown conversation status: " + *ch.status);
  }
  KEFU_PREPARE(q, c, "SELECT " KEFU_CONV_COLS " FROM conversations WHERE id = ? AND tenant_id = ?");
  q.Bind(ch.id).Bind(ch.tenant_id);
  Result<Conversation> cur = One(q, ConvRow, "conversation");
  if (!cur.ok()) return cur;
  if (ch.expect_status && cur->status != *ch.expect_status) {
    return Status::AlreadyExists("the conversation is " + cur->status + ", not " +
                                 *ch.expect_status);
  }
  if (ch.expect_assignee && cur->assignee_id != *ch.expect_assignee) {
    return Status::AlreadyExists("the conversation's assignee changed");
  }
  Conversation next = *cur;
  if (ch.status) next.status = *ch.status;
  if (ch.assignee_id) next.assignee_id = *ch.assignee_id;
  if (ch.queue) next.queue = *ch.queue;
  if (ch.handoff_reason) next.handoff_reason = *ch.handoff_reason;
  if (ch.priority) next.priority = *ch.priority;
  if (ch.follow_up) next.follow_up = *ch.follow_up;
  if (ch.csat_rating) {
    if (*ch.csat_rating < 1 || *ch.csat_rating > 5) {
      return Status::InvalidArgument("a rating is 1 to 5");
    }
    next.csat_rating = *ch.csat_rating;
    next.csat_comment = ch.csat_comment.value_or("");
    next.csat_at = now;
  }
  if (ch.status && *ch.status == "resolved" && cur->status != "resolved") next.resolved_at = now;
  if (ch.status && *ch.status != "resolved") next.resolved_at.reset();
  next.updated_at = now;
  KEFU_PREPARE(u, c,
               "UPDATE conversations SET status = ?, assignee_id = ?, queue = ?, "
               "handoff_reason = ?, resolved_at = ?, csat_rating = ?, csat_comment = ?, "
               "csat_at = ?, updated_at = ?, priority = ?, follow_up = ? WHERE id = ?");
  std::optional<int64_t> rating;
  if (next.csat_rating) rating = *next.csat_rating;
  Status s = u.Bind(next.status)
                 .Bind(next.assignee_id)
                 .Bind(next.queue)
                 .Bind(next.handoff_reason)
                 .Bind(next.resolved_at)
                 .Bind(rating)
                 .Bind(next.csat_comment)
                 .Bind(next.csat_at)
                 .Bind(now)
                 .Bind(static_cast<int64_t>(next.priority))
                 .Bind(static_cast<int64_t>(next.follow_up ? 1 : 0))
                 .Bind(next.id)
                 .Exec();
  if (!s.ok()) return s;
  for (const NewEvent& e : ch.events) {
    KEFU_PREPARE(ev, c,
                 "INSERT INTO events(tenant_id, conversation_id, type, payload_json, created_at) "
                 "VALUES (?, ?, ?, ?, ?)");
    s = ev.Bind(next.tenant_id).Bind(next.id).Bind(e.type).Bind(e.payload_json).Bind(now).Exec();
    if (!s.ok()) return s;
  }
  return next;
}

Result<Session> InsertSession(Conn& c, int64_t now, const NewSession& n) {
  KEFU_PREPARE(u, c, "SELECT 1 FROM users WHERE id = ? AND tenant_id = ?");
  Result<bool> found = u.Bind(n.user_id).Bind(n.tenant_id).Step();
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("user not found");
  KEFU_PREPARE(q, c,
               "INSERT INTO sessions(token_sha256, tenant_id, user_id, created_at, expires_at) "
               "VALUES (?, ?, ?, ?, ?)");
  Status s = q.Bind(n.token_sha256).Bind(n.tenant_id).Bind(n.user_id).Bind(now).Bind(n.expires_at).Exec();
  if (!s.ok()) return s;
  return Session{n.tenant_id, n.user_id, now, n.expires_at};
}

// ---- AppendMessage ---------------------------------------------------------

Status ValidateMessage(const NewMessage& m) {
  if (m.tenant_id <= 0 || m.conversation_id <= 0) {
    return Status::InvalidArgument("tenant_id and conversation_id are required");
  }
  if (m.set_status && !KnownStatus(*m.set_status)) {
    return Status::InvalidArgument("unknown conversation status: " + *m.set_status);
  }
  switch (m.sender) {
    case Sender::kContact:
    case Sender::kBot:
    case Sender::kAgent:
    case Sender::kSystem:
      return Status::Ok();
  }
  return Status::InvalidArgument("unknown sender");
}

// The message already stored under (conversation, client_id) in the tenant.
Result<AppendResult> FindDuplicate(Conn& c, const NewMessage& m) {
  KEFU_PREPARE(q, c,
               "SELECT id, seq, created_at FROM messages WHERE conversation_id = ? "
               "AND client_id = ? AND client_id <> '' AND tenant_id = ?");
  q.Bind(m.conversation_id).Bind(m.client_id).Bind(m.tenant_id);
  return One(
      q,
      [](const Stmt& s) {
        return AppendResult{s.Int(0), s.Int(1), true, s.Int(2)};
      },
      "message");
}

// The seq the insert took (from the conversation's last_seq), and the
// conversation's bump to it. REQUIRES: `message_id` was just inserted.
Result<int64_t> TakeSeq(Conn& c, const NewMessage& m, int64_t message_id, int64_t now) {
  KEFU_PREPARE(q, c, "SELECT seq FROM messages WHERE id = ?");
  q.Bind(message_id);
  Result<int64_t> seq = One(
      q, [](const Stmt& s) { return s.Int(0); }, "message");
  if (!seq.ok()) return seq;
  // An agent's first message is the conversation's first response.
  KEFU_PREPARE(u, c,
               "UPDATE conversations SET last_seq = ?1, updated_at = ?2, "
               "status = coalesce(?3, status), queue = coalesce(?6, queue), "
               "handoff_reason = coalesce(?7, handoff_reason), priority = coalesce(?8, priority), "
               "follow_up = coalesce(?9, follow_up), "
               "resolved_at = CASE WHEN ?3 IS NOT NULL AND ?3 <> 'resolved' THEN NULL "
               "ELSE resolved_at END, first_response_at = CASE WHEN ?4 = 1 AND "
               "first_response_at IS NULL THEN ?2 ELSE first_response_at END WHERE id = ?5");
  if (Status s = u.Bind(*seq)
                     .Bind(now)
                     .Bind(m.set_status)
                     .Bind(m.sender == Sender::kAgent ? 1 : 0)
                     .Bind(m.conversation_id)
                     .Bind(m.set_queue)
                     .Bind(m.set_handoff_reason)
                     .Bind(m.set_priority ? std::optional<int64_t>(*m.set_priority) : std::nullopt)
                     .Bind(m.set_follow_up ? std::optional<int64_t>(*m.set_follow_up ? 1 : 0)
                                           : std::nullopt)
                     .Exec();
      !s.ok()) {
    return s;
  }
  return seq;
}

Status InsertEvents(Conn& c, const NewMessage& m, const AppendResult& r) {
  for (const NewEvent& e : m.events) {
    Json payload = e.payload_json.empty()
                       ? Json::object()
                       : Json::parse(e.payload_json, nullptr, /*allow_exceptions=*/false);
    if (!payload.is_object()) {
      return Status::InvalidArgument("event payload is not a JSON object: " + e.type);
    }
    payload["seq"] = r.seq;
    payload["message_id"] = r.message_id;
    KEFU_PREPARE(q, c,
                 "INSERT INTO events(tenant_id, conversation_id, type, payload_json, "
                 "created_at) VALUES (?, ?, ?, ?, ?)");
    Status s = q.Bind(m.tenant_id)
                   .Bind(m.conversation_id)
                   .Bind(e.type)
                   .Bind(DumpJson(payload))
                   .Bind(r.created_at)
                   .Exec();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status InsertOutbox(Conn& c, const NewMessage& m, int64_t now) {
  for (const NewOutbox& o : m.outbox) {
    KEFU_PREPARE(q, c,
                 "INSERT INTO outbox(tenant_id, topic, payload_json, status, attempts, "
                 "next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)");
    Status s = q.Bind(m.tenant_id).Bind(o.topic).Bind(o.payload_json).Bind(now).Bind(now).Exec();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status UpdatePending(Conn& c, const NewMessage& m, const AppendResult& r, int64_t now) {
  if (m.expects_reply) {
    KEFU_PREPARE(q, c,
                 "INSERT INTO pending_replies(tenant_id, conversation_id, seq, message_id, "
                 "created_at) VALUES (?, ?, ?, ?, ?)");
    if (Status s = q.Bind(m.tenant_id)
                       .Bind(m.conversation_id)
                       .Bind(r.seq)
                       .Bind(r.message_id)
                       .Bind(now)
                       .Exec();
        !s.ok()) {
      return s;
    }
  }
  if (m.reply_to.has_value()) {
    if (m.reply_to->last) return DeletePending(c, m.tenant_id, m.conversation_id, m.reply_to->seq);
    KEFU_PREPARE(q, c,
                 "UPDATE pending_replies SET replies_done = replies_done + 1 "
                 "WHERE conversation_id = ? AND seq = ? AND tenant_id = ?");
    return q.Bind(m.conversation_id).Bind(m.reply_to->seq).Bind(m.tenant_id).Exec();
  }
  return Status::Ok();
}

// A reply is due while its question is pending with exactly `index`
// replies stored. Errors: AlreadyExists (answered, or this reply stored).
Status CheckReplyDue(Conn& c, const NewMessage& m) {
  KEFU_PREPARE(q, c,
               "SELECT replies_done FROM pending_replies "
               "WHERE conversation_id = ? AND seq = ? AND tenant_id = ?");
  q.Bind(m.conversation_id).Bind(m.reply_to->seq).Bind(m.tenant_id);
  Result<int64_t> done = One(
      q, [](const Stmt& s) { return s.Int(0); }, "pending reply");
  if (!done.ok()) {
    return done.status().code() == Code::kNotFound
               ? Status::AlreadyExists("message already answered")
               : done.status();
  }
  if (*done != m.reply_to->index) return Status::AlreadyExists("reply already stored");
  return Status::Ok();
}

Result<AppendResult> DoAppend(Conn& c, int64_t now, const NewMessage& m) {
  if (Status s = ValidateMessage(m); !s.ok()) return s;
  if (m.reply_to.has_value()) {
    if (Status s = CheckReplyDue(c, m); !s.ok()) return s;
  }
  AppendResult r{0, 0, false, m.created_at != 0 ? m.created_at : now};
  // One statement takes the next seq from the conversation and inserts; it
  // inserts nothing when the conversation is unknown (or another tenant's)
  // or when (conversation, client_id) exists: then we find out which.
  KEFU_PREPARE(q, c,
               "INSERT INTO messages(tenant_id, conversation_id, seq, sender, sender_id, "
               "client_id, text, attachments_json, payload_json, created_at) "
               "SELECT tenant_id, id, last_seq + 1, ?, ?, ?, ?, ?, ?, ? FROM conversations "
               "WHERE id = ? AND tenant_id = ? ON CONFLICT DO NOTHING");
  Status s = q.Bind(SenderName(m.sender))
                 .Bind(m.sender_id)
                 .Bind(m.client_id)
                 .Bind(m.text)
                 .Bind(m.attachments_json)
                 .Bind(m.payload_json)
                 .Bind(r.created_at)
                 .Bind(m.conversation_id)
                 .Bind(m.tenant_id)
                 .Exec();
  if (!s.ok()) return s;
  if (c.Changes() == 0) {
    if (!m.client_id.empty()) {
      Result<AppendResult> dup = FindDuplicate(c, m);
      if (dup.ok() || dup.status().code() != Code::kNotFound) return dup;
    }
    return Status::NotFound("conversation not found");
  }
  const int64_t message_id = c.LastInsertId();
  Result<int64_t> seq = TakeSeq(c, m, message_id, now);
  if (!seq.ok()) return seq.status();
  r.seq = *seq;
  r.message_id = message_id;
  if (s = InsertEvents(c, m, r); !s.ok()) return s;
  if (s = InsertOutbox(c, m, now); !s.ok()) return s;
  if (s = UpdatePending(c, m, r, now); !s.ok()) return s;
  return r;
}

// The store whose writer thread this is (null on other threads).
thread_local const SqliteStore* t_writer_of = nullptr;

// Runs user code on the writer thread; an exception is logged, not fatal.
template <typename Fn>
void Guarded(const char* what, Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("store: {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("store: {} threw", what);
  }
}

// fsyncs the directory holding `path` so a rename in it is durable.
void SyncParentDir(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

void RemoveDbFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix, ec);
  }
}

}  // namespace

// ---- opening and closing ---------------------------------------------------

SqliteStore::SqliteStore(const SqliteOptions& opts)
    : opts_(opts), clock_(opts.clock != nullptr ? opts.clock : Clock::Real()) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& opts) {
  if (opts.path.empty()) return Status::InvalidArgument("sqlite path is empty");
  if (opts.synchronous != "full" && opts.synchronous != "normal" && opts.synchronous != "off") {
    return Status::InvalidArgument("synchronous must be full, normal or off, not '" +
                                   opts.synchronous + "'");
  }
  std::unique_ptr<SqliteStore> s(new SqliteStore(opts));
  s->opts_.max_queue = std::max<size_t>(opts.max_queue, 1);
  s->opts_.max_group = std::max<size_t>(opts.max_group, 1);
  s->opts_.read_connections = std::max(opts.read_connections, 1);
  if (opts.faults != nullptr) {
    Result<std::string> vfs = FaultyVfsName();
    if (!vfs.ok()) return vfs.status();
    Result<std::string> key = BindFaults(opts.path, opts.faults);
    if (!key.ok()) return key.status();
    s->vfs_ = *vfs;
    s->fault_key_ = *key;
  }
  Result<std::unique_ptr<Conn>> conn = s->OpenConn(/*writer=*/true);
  if (!conn.ok()) return conn.status();
  if (Status m = Migrate(**conn, s->clock_); !m.ok()) return m;
  Result<std::unique_ptr<Conn>> ckpt = s->OpenConn(/*writer=*/true);
  if (!ckpt.ok()) return ckpt.status();
  // Our hook replaces SQLite's automatic checkpoint on commit.
  sqlite3_wal_hook((*conn)->db(), &SqliteStore::OnWalCommit, s.get());
  s->writer_conn_ = std::move(*conn);
  s->writer_ = std::thread([p = s.get()] { p->WriterLoop(); });
  s->checkpointer_ = std::thread(&SqliteStore::CheckpointLoop, s.get(), std::move(*ckpt));
  return s;
}

Result<std::unique_ptr<Conn>> SqliteStore::OpenConn(bool writer) {
  int flags = SQLITE_OPEN_READWRITE | (writer ? SQLITE_OPEN_CREATE : 0);
  Result<std::unique_ptr<Conn>> r =
      Conn::Open(opts_.path, flags, vfs_.empty() ? nullptr : vfs_.c_str());
  if (!r.ok()) return r;
  Conn& c = **r;
  sqlite3_busy_timeout(c.db(), 5000);
  const char* sync = opts_.synchronous == "full"     ? "PRAGMA synchronous = FULL"
                     : opts_.synchronous == "normal" ? "PRAGMA synchronous = NORMAL"
                                                     : "PRAGMA synchronous = OFF";
  Status s = c.Exec(sync);
  if (s.ok()) s = c.Exec("PRAGMA foreign_keys = ON");
  // Keep hot pages in memory (SQLite's default cache is 2 MB) and read the
  // file through a memory map instead of a pread per page.
  if (s.ok()) s = c.Exec("PRAGMA cache_size = -65536");
  if (s.ok()) s = c.Exec("PRAGMA mmap_size = 268435456");
  if (s.ok() && !writer) s = c.Exec("PRAGMA query_only = ON");
  // A commit writes every page it dirtied to the WAL, and the per-conversation
  // indexes of messages put each message of a group on a page of its own:
  // 1 KiB pages make that a quarter of the bytes of SQLite's default 4 KiB
  // (+50 % durable messages/s in `make bench`). Takes effect on new databases.
  if (s.ok() && writer) s = c.Exec("PRAGMA page_size = 1024");
  if (s.ok() && writer) {
    Result<Stmt> mode = c.Prepare("PRAGMA journal_mode = WAL");
    Result<bool> row = mode.ok() ? mode->Step() : Result<bool>(mode.status());
    if (!row.ok()) {
      s = row.status();
    } else if (!*row || mode->Text(0) != "wal") {
      s = Status::IoError("cannot switch " + opts_.path + " to WAL mode");
    }
  }
  if (!s.ok()) {
    return s.code() == Code::kIoError ? s : Status::IoError(s.message());
  }
  return r;
}

SqliteStore::~SqliteStore() {
  Close();
  {
    std::lock_guard lock(join_mu_);
    if (writer_.joinable()) writer_.join();  // Close() from a callback did not join
  }
  StopCheckpointer();
  writer_conn_.reset();
  {
    std::lock_guard lock(readers_mu_);
    free_readers_.clear();
  }
  if (opts_.faults != nullptr) UnbindFaults(fault_key_, opts_.faults);
}

void SqliteStore::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
  // From a callback (the writer thread itself): the writer drains and exits
  // on its own; the destructor joins it.
  if (t_writer_of == this) return;
  {
    std::lock_guard lock(join_mu_);
    if (writer_.joinable()) writer_.join();
  }
  StopCheckpointer();
}

// ---- checkpoints -----------------------------------------------------------

constexpr int kCheckpointPages = 1000;

int SqliteStore::OnWalCommit(void* self, sqlite3*, const char*, int pages) {
  auto* store = static_cast<SqliteStore*>(self);
  bool wake;
  {
    std::lock_guard lock(store->ckpt_mu_);
    wake = pages >= kCheckpointPages && store->wal_pages_ < kCheckpointPages;
    store->wal_pages_ = pages;
  }
  if (wake) store->ckpt_cv_.notify_one();
  return SQLITE_OK;
}

void SqliteStore::CheckpointLoop(std::unique_ptr<Conn> conn) {
  pthread_setname_np(pthread_self(), "kefu-checkpoint");
  std::unique_lock lock(ckpt_mu_);
  bool warned = false;
  for (;;) {
    ckpt_cv_.wait_for(lock, std::chrono::seconds(2),
                      [this] { return ckpt_stop_ || wal_pages_ >= kCheckpointPages; });
    if (ckpt_stop_) break;
    if (wal_pages_ == 0) continue;
    lock.unlock();
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(conn->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && !warned) {
      spdlog::warn("store: checkpoint failed: {}", sqlite3_errmsg(conn->db()));
      warned = true;
    } else if (rc == SQLITE_OK) {
      warned = false;
    }
    lock.lock();
    // The writer resets the WAL on its next commit once all of it is in the
    // database; until then a complete checkpoint has nothing left to do.
    if (rc == SQLITE_OK && done == log) wal_pages_ = 0;
    // Readers may keep a checkpoint from completing: don't spin meanwhile.
    ckpt_cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return ckpt_stop_; });
  }
  lock.unlock();
  // Leave a short WAL behind (the writer has stopped).
  (void)sqlite3_wal_checkpoint_v2(conn->db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

void SqliteStore::StopCheckpointer() {
  {
    std::lock_guard lock(ckpt_mu_);
    ckpt_stop_ = true;
  }
  ckpt_cv_.notify_all();
  std::lock_guard lock(join_mu_);
  if (checkpointer_.joinable()) checkpointer_.join();
}

// ---- the write queue -------------------------------------------------------

template <typename T, typename Fn>
void SqliteStore::Submit(Callback<T> done, Fn fn) {
  auto slot = std::make_shared<std::optional<Result<T>>>();
  WriteOp op;
  op.apply = [slot, fn = std::move(fn)](Conn& c) mutable -> Status {
    try {
      slot->emplace(fn(c));
    } catch (const std::exception& e) {
      slot->emplace(Status::Internal(std::string("write failed: ") + e.what()));
    } catch (...) {
      slot->emplace(Status::Internal("write failed"));
    }
    return (*slot)->status();
  };
  op.complete = [slot, done = std::move(done)](Status group) {
    if (!group.ok()) return done(Result<T>(std::move(group)));
    if (!slot->has_value()) return done(Result<T>(Status::Internal("write did not run")));
    done(std::move(**slot));
  };
  Push(std::move(op), /*bounded=*/true);
}

void SqliteStore::SubmitStatus(StatusCallback done, std::function<Status(Conn&)> fn) {
  struct Unit {};
  Submit<Unit>([done = std::move(done)](Result<Unit> r) { done(r.status()); },
               [fn = std::move(fn)](Conn& c) -> Result<Unit> {
                 Status s = fn(c);
                 if (!s.ok()) return s;
                 return Unit{};
               });
}

void SqliteStore::Push(WriteOp op, bool bounded) {
  Status reject;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      reject = Status::Unavailable("store is closed");
    } else if (bounded && queue_.size() >= opts_.max_queue) {
      reject = Status::Busy("write queue full");
    } else {
      queue_.push_back(std::move(op));
      cv_.notify_one();
      return;
    }
  }
  op.complete(std::move(reject));  // on the caller's thread, by contract
}

size_t SqliteStore::QueueDepth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void SqliteStore::WriterLoop() {
  t_writer_of = this;
  pthread_setname_np(pthread_self(), "kefu-writer");
  std::vector<WriteOp> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || closed_; });
      if (queue_.empty()) break;  // closed and drained
      size_t n = std::min(queue_.size(), opts_.max_group);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunGroup(group);
    group.clear();
  }
  writer_conn_.reset();
}

// Runs static SQL through the connection's statement cache.
Status ExecCached(Conn& c, const char* sql) {
  Result<Stmt> q = c.Prepare(sql);
  if (!q.ok()) return q.status();
  return q->Exec();
}

Status SqliteStore::ApplyOne(WriteOp& op) {
  Conn& c = *writer_conn_;
  if (Status s = ExecCached(c, "SAVEPOINT w"); !s.ok()) return s;
  Status s = op.apply(c);
  if (s.code() == Code::kIoError) return s;
  if (!c.InTransaction()) return Status::IoError("transaction aborted: " + s.message());
  if (!s.ok()) {
    if (Status r = ExecCached(c, "ROLLBACK TO w"); !r.ok()) return r;
  }
  return ExecCached(c, "RELEASE w");
}

void SqliteStore::RunGroup(std::vector<WriteOp>& ops) {
  const size_t writes = static_cast<size_t>(
      std::count_if(ops.begin(), ops.end(), [](const WriteOp& op) { return !op.barrier; }));
  Status group;
  if (writes > 0) {  // a group of Flush barriers only needs no transaction
    auto start = std::chrono::steady_clock::now();
    group = CommitGroup(ops);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    if (opts_.on_commit) Guarded("on_commit", [&] { opts_.on_commit(writes, micros, group.ok()); });
  }
  for (WriteOp& op : ops) {
    Guarded("a write callback", [&] { op.complete(op.barrier ? Status::Ok() : group); });
  }
}

Status SqliteStore::CommitGroup(std::vector<WriteOp>& ops) {
  // Fast path: the writes run without savepoints. One that fails on its own
  // (NotFound, AlreadyExists…) may have left part of itself behind, so then
  // the whole transaction is rolled back and the group runs again with a
  // savepoint around each write. Writes are functions of their input and the
  // database, so running one twice is safe.
  bool logical_failure = false;
  Status group = RunGroupTransaction(ops, /*savepoints=*/false, &logical_failure);
  if (logical_failure) group = RunGroupTransaction(ops, /*savepoints=*/true, nullptr);
  return group;
}

Status SqliteStore::RunGroupTransaction(std::vector<WriteOp>& ops, bool savepoints,
                                        bool* logical_failure) {
  Conn& c = *writer_conn_;
  Status group = ExecCached(c, "BEGIN IMMEDIATE");
  for (size_t i = 0; group.ok() && i < ops.size(); ++i) {
    if (ops[i].barrier) continue;
    if (savepoints) {
      group = ApplyOne(ops[i]);
      continue;
    }
    Status s = ops[i].apply(c);
    if (s.ok()) continue;
    if (s.code() == Code::kIoError || !c.InTransaction()) {
      group = s.code() == Code::kIoError ? s : Status::IoError("transaction aborted: " + s.message());
    } else {
      (void)ExecCached(c, "ROLLBACK");
      *logical_failure = true;
      return Status::Ok();
    }
  }
  if (group.ok()) group = ExecCached(c, "COMMIT");
  if (group.ok()) return group;
  if (c.InTransaction()) (void)c.Exec("ROLLBACK");
  spdlog::error("store: group of {} writes failed: {}", ops.size(), group.ToString());
  return group.code() == Code::kIoError ? group : Status::IoError(group.message());
}

// ---- writes ------------------------------------------------------------------

void SqliteStore::AppendMessage(NewMessage m, Callback<AppendResult> done) {
  Submit<AppendResult>(std::move(done),
                       [this, m = std::move(m)](Conn& c) { return DoAppend(c, Now(), m); });
}

void SqliteStore::Bootstrap(NewTenant t, NewUser admin, NewApiKey key,
                            Callback<BootstrapResult> done) {
  Submit<BootstrapResult>(std::move(done),
                          [this, t = std::move(t), admin = std::move(admin), key = std::move(key)](
                              Conn& c) { return DoBootstrap(c, Now(), t, admin, key, true); });
}

void SqliteStore::AddTenant(NewTenant t, NewUser admin, NewApiKey key,
                            Callback<BootstrapResult> done) {
  Submit<BootstrapResult>(std::move(done),
                          [this, t = std::move(t), admin = std::move(admin), key = std::move(key)](
                              Conn& c) { return DoBootstrap(c, Now(), t, admin, key, false); });
}

void SqliteStore::CreateTenant(NewTenant t, Callback<Tenant> done) {
  Submit<Tenant>(std::move(done),
                 [this, t = std::move(t)](Conn& c) { return InsertTenant(c, Now(), t); });
}

void SqliteStore::CreateUser(NewUser u, Callback<User> done) {
  Submit<User>(std::move(done),
               [this, u = std::move(u)](Conn& c) { return InsertUser(c, Now(), u); });
}

void SqliteStore::CreateApiKey(NewApiKey k, Callback<ApiKey> done) {
  Submit<ApiKey>(std::move(done),
                 [this, k = std::move(k)](Conn& c) { return InsertApiKey(c, Now(), k); });
}

void SqliteStore::RevokeApiKey(int64_t tenant_id, int64_t id, std::optional<NewAuditEntry> audit,
                               StatusCallback done) {
  SubmitStatus(std::move(done), [this, tenant_id, id, audit = std::move(audit)](Conn& c) {
    return DoRevokeApiKey(c, Now(), tenant_id, id, audit);
  });
}

void SqliteStore::AppendAudit(NewAuditEntry e, Callback<AuditEntry> done) {
  Submit<AuditEntry>(std::move(done), [this, e = std::move(e)](Conn& c) {
    return InsertAudit(c, Now(), e.tenant_id, e);
  });
}

#define KEFU_CANNED_COLS \
  "id, tenant_id, shortcut, title, text, language, created_at, updated_at"

namespace {
CannedResponse CannedRow(const Stmt& q) {
  return CannedResponse{q.Int(0),  q.Int(1),  q.Text(2), q.Text(3),
                        q.Text(4), q.Text(5), q.Int(6),  q.Int(7)};
}

Result<CannedResponse> DoPutCanned(Conn& c, int64_t now, const CannedResponse& r) {
  if (r.shortcut.empty() || r.text.empty()) {
    return Status::InvalidArgument("a canned response needs a shortcut and a text");
  }
  Status s;
  if (r.id == 0) {
    KEFU_PREPARE(q, c,
                 "INSERT INTO canned_responses(tenant_id, shortcut, title, text, language, "
                 "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s = q.Bind(r.tenant_id).Bind(r.shortcut).Bind(r.title).Bind(r.text).Bind(r.language)
            .Bind(now).Bind(now).Exec();
  } else {
    KEFU_PREPARE(q, c,
                 "UPDATE canned_responses SET shortcut = ?, title = ?, text = ?, language = ?, "
                 "updated_at = ? WHERE id = ? AND tenant_id = ?");
    s = q.Bind(r.shortcut).Bind(r.title).Bind(r.text).Bind(r.language).Bind(now).Bind(r.id)
            .Bind(r.tenant_id).Exec();
    if (s.ok() && c.Changes() == 0) return Status::NotFound("no such canned response");
  }
  if (s.code() == Code::kAlreadyExists) {
    return Status::AlreadyExists("the shortcut \"" + r.shortcut + "\" is taken");
  }
  if (s.code() == Code::kNotFound) return Status::NotFound("tenant not found");
  if (!s.ok()) return s;
  const int64_t id = r.id == 0 ? c.LastInsertId() : r.id;
  KEFU_PREPARE(g, c, "SELECT " KEFU_CANNED_COLS " FROM canned_responses WHERE id = ?");
  g.Bind(id);
  return One(g, CannedRow, "canned response");
}
}  // namespace

void SqliteStore::PutCannedResponse(CannedResponse r, Callback<CannedResponse> done) {
  Submit<CannedResponse>(std::move(done),
                         [this, r = std::move(r)](Conn& c) { return DoPutCanned(c, Now(), r); });
}

void SqliteStore::DeleteCannedResponse(int64_t tenant_id, int64_t id, StatusCallback done) {
  SubmitStatus(std::move(done), [tenant_id, id](Conn& c) {
    KEFU_PREPARE(q, c, "DELETE FROM canned_responses WHERE id = ? AND tenant_id = ?");
    if (Status s = q.Bind(id).Bind(tenant_id).Exec(); !s.ok()) return s;
    if (c.Changes() == 0) return Status::NotFound("no such canned response");
    return Status::Ok();
  });
}

Result<std::vector<CannedResponse>> SqliteStore::ListCannedResponses(int64_t tenant_id) {
  return Read<std::vector<CannedResponse>>(
      [&](Conn& c) -> Result<std::vector<CannedResponse>> {
        KEFU_PREPARE(q, c,
                     "SELECT " KEFU_CANNED_COLS
                     " FROM canned_responses WHERE tenant_id = ? ORDER BY shortcut LIMIT 1000");
        q.Bind(tenant_id);
        return Many(q, CannedRow);
      });
}

#define KEFU_NOTE_COLS "id, tenant_id, conversation_id, author_id, text, created_at"

namespace {
Note NoteRow(const Stmt& q) {
  return Note{q.Int(0), q.Int(1), q.Int(2), q.Int(3), q.Text(4), q.Int(5)};
}
}  // namespace

void SqliteStore::AddNote(NewNote n, Callback<Note> done) {
  Submit<Note>(std::move(done), [this, n = std::move(n)](Conn& c) -> Result<Note> {
    if (n.text.empty()) return Status::InvalidArgument("a note needs a text");
    KEFU_PREPARE(k, c, "SELECT 1 FROM conversations WHERE id = ? AND tenant_id = ?");
    k.Bind(n.conversation_id).Bind(n.tenant_id);
    Result<bool> found = k.Step();
    if (!found.ok()) return found.status();
    if (!*found) return Status::NotFound("conversation not found");
    const int64_t now = Now();
    KEFU_PREPARE(q, c,
                 "INSERT INTO notes(tenant_id, conversation_id, author_id, text, created_at) "
                 "VALUES (?, ?, ?, ?, ?)");
    Status s = q.Bind(n.tenant_id).Bind(n.conversation_id).Bind(n.author_id).Bind(n.text)
                   .Bind(now).Exec();
    if (!s.ok()) return s;
    return Note{c.LastInsertId(), n.tenant_id, n.conversation_id, n.author_id, n.text, now};
  });
}

Result<std::vector<Note>> SqliteStore::ListNotes(int64_t tenant_id, int64_t conversation_id,
                                                 int limit) {
  return Read<std::vector<Note>>([&](Conn& c) -> Result<std::vector<Note>> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_NOTE_COLS
                 " FROM notes WHERE tenant_id = ? AND conversation_id = ? ORDER BY id LIMIT ?");
    q.Bind(tenant_id).Bind(conversation_id).Bind(static_cast<int64_t>(limit));
    return Many(q, NoteRow);
  });
}

void SqliteStore::CreateContact(NewContact n, Callback<Contact> done) {
  Submit<Contact>(std::move(done),
                  [this, n = std::move(n)](Conn& c) { return InsertContact(c, Now(), n); });
}

void SqliteStore::SetContactAttributes(int64_t tenant_id, int64_t id, std::string attributes_json,
                                       std::optional<NewAuditEntry> audit, Callback<Contact> done) {
  Submit<Contact>(std::move(done), [this, tenant_id, id, attributes = std::move(attributes_json),
                                    audit = std::move(audit)](Conn& c) -> Result<Contact> {
    KEFU_PREPARE(u, c, "UPDATE contacts SET attributes_json = ? WHERE id = ? AND tenant_id = ?");
    if (Status s = u.Bind(attributes).Bind(id).Bind(tenant_id).Exec(); !s.ok()) return s;
    KEFU_PREPARE(q, c, "SELECT " KEFU_CONTACT_COLS " FROM contacts WHERE id = ? AND tenant_id = ?");
    q.Bind(id).Bind(tenant_id);
    Result<Contact> row = One(q, ContactRow, "contact");
    if (!row.ok()) return row;
    if (audit) {
      auto a = InsertAudit(c, Now(), tenant_id, *audit, "contact:" + std::to_string(id));
      if (!a.ok()) return a.status();
    }
    return row;
  });
}

void SqliteStore::CreateConversation(NewConversation n, Callback<Conversation> done) {
  Submit<Conversation>(std::move(done), [this, n = std::move(n)](Conn& c) {
    return InsertConversation(c, Now(), n);
  });
}

void SqliteStore::CreateUpload(NewUpload u, Callback<Upload> done) {
  Submit<Upload>(std::move(done),
                 [this, u = std::move(u)](Conn& c) { return InsertUpload(c, Now(), u); });
}

void SqliteStore::UpdateConversation(ConversationChange ch, Callback<Conversation> done) {
  Submit<Conversation>(std::move(done), [this, ch = std::move(ch)](Conn& c) {
    return DoUpdateConversation(c, Now(), ch);
  });
}

void SqliteStore::CreateSession(NewSession n, Callback<Session> done) {
  Submit<Session>(std::move(done),
                  [this, n = std::move(n)](Conn& c) { return InsertSession(c, Now(), n); });
}

void SqliteStore::DeleteSession(std::string token_sha256, StatusCallback done) {
  SubmitStatus(std::move(done), [token = std::move(token_sha256)](Conn& c) {
    KEFU_PREPARE(q, c, "DELETE FROM sessions WHERE token_sha256 = ?");
    return q.Bind(token).Exec();
  });
}

void SqliteStore::PutBotPackage(NewBotPackage p, Callback<BotPackageVersion> done) {
  Submit<BotPackageVersion>(std::move(done), [this, p = std::move(p)](Conn& c) {
    return InsertBotPackage(c, Now(), p);
  });
}

void SqliteStore::MarkAnswered(int64_t tenant_id, int64_t conversation_id, int64_t seq,
                               StatusCallback done) {
  SubmitStatus(std::move(done), [tenant_id, conversation_id, seq](Conn& c) {
    return DeletePending(c, tenant_id, conversation_id, seq);
  });
}

void SqliteStore::PutSetting(std::string key, std::string value, StatusCallback done) {
  SubmitStatus(std::move(done), [this, key = std::move(key), value = std::move(value)](Conn& c) {
    return DoPutSetting(c, Now(), key, value);
  });
}

void SqliteStore::Flush(StatusCallback done) {
  WriteOp op;
  op.barrier = true;
  op.complete = [done = std::move(done)](Status s) { done(std::move(s)); };
  Push(std::move(op), /*bounded=*/false);
}

Result<int> SqliteStore::WriterSynchronousForTesting() {
  std::promise<Result<int>> p;
  Submit<int>([&p](Result<int> r) { p.set_value(std::move(r)); },
              [](Conn& c) -> Result<int> {
                KEFU_PREPARE(q, c, "PRAGMA synchronous");
                return One(
                    q, [](const Stmt& s) { return static_cast<int>(s.Int(0)); }, "pragma");
              });
  return p.get_future().get();
}

// ---- reads -------------------------------------------------------------------

SqliteStore::Lease::~Lease() {
  if (conn_ != nullptr) store_->ReleaseReader(std::move(conn_));
}

Result<SqliteStore::Lease> SqliteStore::AcquireReader() {
  {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(
        lock, [this] { return !free_readers_.empty() || open_readers_ < opts_.read_connections; });
    if (!free_readers_.empty()) {
      std::unique_ptr<Conn> c = std::move(free_readers_.back());
      free_readers_.pop_back();
      return Lease(this, std::move(c));
    }
    ++open_readers_;
  }
  Result<std::unique_ptr<Conn>> c = OpenConn(/*writer=*/false);
  if (!c.ok()) {
    std::lock_guard lock(readers_mu_);
    --open_readers_;
    readers_cv_.notify_one();
    return c.status();
  }
  return Lease(this, std::move(*c));
}

void SqliteStore::ReleaseReader(std::unique_ptr<Conn> conn) {
  std::lock_guard lock(readers_mu_);
  free_readers_.push_back(std::move(conn));
  readers_cv_.notify_one();
}

template <typename T, typename Fn>
Result<T> SqliteStore::Read(Fn fn) {
  Result<Lease> lease = AcquireReader();
  if (!lease.ok()) return lease.status();
  try {
    return fn(lease->conn());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("read failed: ") + e.what());
  }
}

Result<int> SqliteStore::SchemaVersionForTesting() {
  return Read<int>([](Conn& c) { return SchemaVersion(c); });
}

Result<int64_t> SqliteStore::CountTenants() {
  return Read<int64_t>([](Conn& c) -> Result<int64_t> {
    KEFU_PREPARE(q, c, "SELECT COUNT(*) FROM tenants");
    return One(
        q, [](const Stmt& s) { return s.Int(0); }, "count");
  });
}

Result<std::vector<Tenant>> SqliteStore::ListTenants() {
  return Read<std::vector<Tenant>>([](Conn& c) -> Result<std::vector<Tenant>> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_TENANT_COLS " FROM tenants ORDER BY id");
    return Many(q, TenantRow);
  });
}

Result<std::vector<BotPackageVersion>> SqliteStore::ListBotPackages(int64_t tenant_id) {
  return Read<std::vector<BotPackageVersion>>(
      [&](Conn& c) -> Result<std::vector<BotPackageVersion>> {
        KEFU_PREPARE(q, c,
                     "SELECT " KEFU_BOTPKG_COLS
                     " FROM bot_packages WHERE tenant_id = ? ORDER BY version DESC");
        q.Bind(tenant_id);
        return Many(q, BotPackageRow);
      });
}

Result<BotPackageVersion> SqliteStore::GetBotPackage(int64_t tenant_id, int64_t version,
                                                     std::vector<BotPackageFile>* files) {
  return Read<BotPackageVersion>([&](Conn& c) -> Result<BotPackageVersion> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_BOTPKG_COLS
                 " FROM bot_packages WHERE tenant_id = ?1 AND (?2 = 0 OR version = ?2) "
                 "ORDER BY version DESC LIMIT 1");
    q.Bind(tenant_id).Bind(version);
    Result<BotPackageVersion> v = One(q, BotPackageRow, "bot package version");
    if (!v.ok() || files == nullptr) return v;
    KEFU_PREPARE(f, c,
                 "SELECT path, content FROM bot_package_files "
                 "WHERE package_id = ? AND tenant_id = ? ORDER BY path");
    f.Bind(v->id).Bind(tenant_id);
    auto rows = Many(f, [](const Stmt& s) { return BotPackageFile{s.Text(0), s.Blob(1)}; });
    if (!rows.ok()) return rows.status();
    *files = std::move(*rows);
    return v;
  });
}

Result<std::string> SqliteStore::GetSetting(const std::string& key) {
  return Read<std::string>([&](Conn& c) -> Result<std::string> {
    KEFU_PREPARE(q, c, "SELECT value FROM settings WHERE tenant_id = 0 AND key = ?");
    q.Bind(key);
    return One(
        q, [](const Stmt& s) { return s.Text(0); }, "setting");
  });
}

Result<Tenant> SqliteStore::GetTenant(int64_t tenant_id) {
  return Read<Tenant>([&](Conn& c) -> Result<Tenant> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_TENANT_COLS " FROM tenants WHERE id = ?");
    q.Bind(tenant_id);
    return One(q, TenantRow, "tenant");
  });
}

Result<Tenant> SqliteStore::FindTenantByPublicKey(const std::string& public_key) {
  return Read<Tenant>([&](Conn& c) -> Result<Tenant> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_TENANT_COLS " FROM tenants WHERE public_key = ?");
    q.Bind(public_key);
    return One(q, TenantRow, "tenant");
  });
}

Result<ApiKey> SqliteStore::FindApiKeyBySecretHash(const std::string& sha256) {
  return Read<ApiKey>([&](Conn& c) -> Result<ApiKey> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_APIKEY_COLS
                 " FROM api_keys "
                 "WHERE secret_sha256 = ? AND revoked_at IS NULL");
    q.Bind(sha256);
    return One(q, ApiKeyRow, "api key");
  });
}

Result<std::vector<ApiKey>> SqliteStore::ListApiKeys(int64_t tenant_id) {
  return Read<std::vector<ApiKey>>([&](Conn& c) -> Result<std::vector<ApiKey>> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_APIKEY_COLS " FROM api_keys WHERE tenant_id = ? ORDER BY id");
    q.Bind(tenant_id);
    return Many(q, ApiKeyRow);
  });
}

Result<User> SqliteStore::FindUserByEmail(int64_t tenant_id, const std::string& email) {
  return Read<User>([&](Conn& c) -> Result<User> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_USER_COLS " FROM users WHERE tenant_id = ? AND email = ?");
    q.Bind(tenant_id).Bind(email);
    return One(q, UserRow, "user");
  });
}

Result<std::vector<User>> SqliteStore::FindUsersByEmail(const std::string& email) {
  return Read<std::vector<User>>([&](Conn& c) -> Result<std::vector<User>> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_USER_COLS " FROM users WHERE email = ? ORDER BY id");
    q.Bind(email);
    return Many(q, UserRow);
  });
}

Result<User> SqliteStore::GetUser(int64_t tenant_id, int64_t id) {
  return Read<User>([&](Conn& c) -> Result<User> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_USER_COLS " FROM users WHERE id = ? AND tenant_id = ?");
    q.Bind(id).Bind(tenant_id);
    return One(q, UserRow, "user");
  });
}

Result<std::vector<User>> SqliteStore::ListUsers(int64_t tenant_id) {
  return Read<std::vector<User>>([&](Conn& c) -> Result<std::vector<User>> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_USER_COLS " FROM users WHERE tenant_id = ? ORDER BY id");
    q.Bind(tenant_id);
    return Many(q, UserRow);
  });
}

Result<Session> SqliteStore::FindSession(const std::string& token_sha256, int64_t now_millis) {
  return Read<Session>([&](Conn& c) -> Result<Session> {
    KEFU_PREPARE(q, c,
                 "SELECT tenant_id, user_id, created_at, expires_at FROM sessions "
                 "WHERE token_sha256 = ? AND expires_at > ?");
    q.Bind(token_sha256).Bind(now_millis);
    return One(
        q, [](const Stmt& s) { return Session{s.Int(0), s.Int(1), s.Int(2), s.Int(3)}; },
        "session");
  });
}

Result<Contact> SqliteStore::GetContact(int64_t tenant_id, int64_t id) {
  return Read<Contact>([&](Conn& c) -> Result<Contact> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_CONTACT_COLS " FROM contacts WHERE id = ? AND tenant_id = ?");
    q.Bind(id).Bind(tenant_id);
    return One(q, ContactRow, "contact");
  });
}

Result<Contact> SqliteStore::FindContactByTokenHash(int64_t tenant_id, const std::string& sha256) {
  if (sha256.empty()) return Status::NotFound("contact not found");
  return Read<Contact>([&](Conn& c) -> Result<Contact> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_CONTACT_COLS
                 " FROM contacts "
                 "WHERE token_sha256 = ? AND tenant_id = ?");
    q.Bind(sha256).Bind(tenant_id);
    return One(q, ContactRow, "contact");
  });
}

Result<Contact> SqliteStore::FindContactByExternalId(int64_t tenant_id,
                                                     const std::string& external_id) {
  if (external_id.empty()) return Status::NotFound("contact not found");
  return Read<Contact>([&](Conn& c) { return FindContactByExternal(c, tenant_id, external_id); });
}

Result<Conversation> SqliteStore::GetConversation(int64_t tenant_id, int64_t id) {
  return Read<Conversation>([&](Conn& c) -> Result<Conversation> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_CONV_COLS " FROM conversations WHERE id = ? AND tenant_id = ?");
    q.Bind(id).Bind(tenant_id);
    return One(q, ConvRow, "conversation");
  });
}

Result<Conversation> SqliteStore::FindOpenConversation(int64_t tenant_id, int64_t contact_id,
                                                       const std::string& channel) {
  return Read<Conversation>([&](Conn& c) -> Result<Conversation> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_CONV_COLS
                 " FROM conversations WHERE tenant_id = ? "
                 "AND contact_id = ? AND channel = ? AND status <> 'resolved' "
                 "ORDER BY id DESC LIMIT 1");
    q.Bind(tenant_id).Bind(contact_id).Bind(channel);
    return One(q, ConvRow, "conversation");
  });
}

Result<std::vector<Conversation>> SqliteStore::ListConversations(int64_t tenant_id,
                                                                 const ConversationQuery& cq) {
  return Read<std::vector<Conversation>>([&](Conn& c) -> Result<std::vector<Conversation>> {
    // Optional filters as NULL-able parameters: one static statement.
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_CONV_COLS
                 " FROM conversations WHERE tenant_id = ?1 "
                 "AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR contact_id = ?3) "
                 "AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5");
    q.Bind(tenant_id)
        .Bind(cq.status)
        .Bind(cq.contact_id)
        .Bind(cq.before_id)
        .Bind(ClampLimit(cq.limit));
    return Many(q, ConvRow);
  });
}

Result<std::vector<Message>> SqliteStore::ReadMessages(int64_t tenant_id, int64_t conversation_id,
                                                       int64_t after_seq, int limit) {
  return Read<std::vector<Message>>([&](Conn& c) -> Result<std::vector<Message>> {
    // One read transaction so the conversation check and the rows agree.
    if (Status s = c.Exec("BEGIN"); !s.ok()) return s;
    struct EndRead {
      Conn& c;
      ~EndRead() { (void)c.Exec("COMMIT"); }
    } end{c};
    KEFU_PREPARE(conv, c, "SELECT 1 FROM conversations WHERE id = ? AND tenant_id = ?");
    Result<bool> found = conv.Bind(conversation_id).Bind(tenant_id).Step();
    if (!found.ok()) return found.status();
    if (!*found) return Status::NotFound("conversation not found");
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_MSG_COLS
                 " FROM messages WHERE conversation_id = ? "
                 "AND tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
    q.Bind(conversation_id).Bind(tenant_id).Bind(after_seq).Bind(ClampLimit(limit));
    return Many(q, MessageRow);
  });
}

Result<Message> SqliteStore::GetMessage(int64_t tenant_id, int64_t conversation_id, int64_t seq) {
  return Read<Message>([&](Conn& c) -> Result<Message> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_MSG_COLS
                 " FROM messages WHERE conversation_id = ? "
                 "AND seq = ? AND tenant_id = ?");
    q.Bind(conversation_id).Bind(seq).Bind(tenant_id);
    return One(q, MessageRow, "message");
  });
}

Result<std::vector<Event>> SqliteStore::ListEvents(int64_t tenant_id, int64_t after_id, int limit) {
  return Read<std::vector<Event>>([&](Conn& c) -> Result<std::vector<Event>> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_EVENT_COLS
                 " FROM events WHERE tenant_id = ? AND id > ? "
                 "ORDER BY id LIMIT ?");
    q.Bind(tenant_id).Bind(after_id).Bind(ClampLimit(limit));
    return Many(q, EventRow);
  });
}

Result<Event> SqliteStore::LastEvent(int64_t tenant_id, int64_t conversation_id,
                                     const std::string& type) {
  return Read<Event>([&](Conn& c) -> Result<Event> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_EVENT_COLS
                 " FROM events WHERE tenant_id = ? AND conversation_id = ? AND type = ? "
                 "ORDER BY id DESC LIMIT 1");
    q.Bind(tenant_id).Bind(conversation_id).Bind(type);
    return One(q, EventRow, "event");
  });
}

Result<std::vector<OutboxItem>> SqliteStore::ListOutbox(int64_t tenant_id, int limit) {
  return Read<std::vector<OutboxItem>>([&](Conn& c) -> Result<std::vector<OutboxItem>> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_OUTBOX_COLS
                 " FROM outbox WHERE tenant_id = ? "
                 "ORDER BY id LIMIT ?");
    q.Bind(tenant_id).Bind(ClampLimit(limit));
    return Many(q, OutboxRow);
  });
}

Result<std::vector<AuditEntry>> SqliteStore::ListAuditLog(int64_t tenant_id, int64_t before_id,
                                                          int limit) {
  return Read<std::vector<AuditEntry>>([&](Conn& c) -> Result<std::vector<AuditEntry>> {
    KEFU_PREPARE(q, c,
                 "SELECT " KEFU_AUDIT_COLS
                 " FROM audit_log WHERE tenant_id = ?1 AND (?2 = 0 OR id < ?2) "
                 "ORDER BY id DESC LIMIT ?3");
    q.Bind(tenant_id).Bind(before_id).Bind(ClampLimit(limit));
    return Many(q, AuditRow);
  });
}

Status SqliteStore::ScanConversationFacts(
    int64_t tenant_id, int64_t from_millis, int64_t until_millis,
    const std::function<void(const ConversationFacts&)>& visit) {
  Result<bool> done = Read<bool>([&](Conn& c) -> Result<bool> {
    Status s = sqlite::ScanConversationFacts(c, tenant_id, from_millis, until_millis, visit);
    if (!s.ok()) return s;
    return true;
  });
  return done.status();
}

Result<std::vector<PendingReply>> SqliteStore::ListPendingReplies(int limit) {
  return Read<std::vector<PendingReply>>([&](Conn& c) -> Result<std::vector<PendingReply>> {
    KEFU_PREPARE(q, c,
                 "SELECT tenant_id, conversation_id, seq FROM pending_replies "
                 "ORDER BY message_id LIMIT ?");
    q.Bind(ClampLimit(limit));
    return Many(q, PendingRow);
  });
}

Result<Upload> SqliteStore::GetUpload(int64_t tenant_id, int64_t id) {
  return Read<Upload>([&](Conn& c) -> Result<Upload> {
    KEFU_PREPARE(q, c, "SELECT " KEFU_UPLOAD_COLS " FROM uploads WHERE id = ? AND tenant_id = ?");
    q.Bind(id).Bind(tenant_id);
    return One(q, UploadRow, "upload");
  });
}

// ---- backup ------------------------------------------------------------------

Status SqliteStore::Backup(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("backup path is empty");
  Result<Lease> src = AcquireReader();
  if (!src.ok()) return src.status();
  const std::string tmp = path + ".tmp";
  RemoveDbFiles(tmp);
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(tmp.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Status s;
  if (rc != SQLITE_OK) {
    s = SqlError(dest, rc, "backup: cannot open " + tmp);
  } else if (sqlite3_backup* b = sqlite3_backup_init(dest, "main", src->conn().db(), "main");
             b == nullptr) {
    s = SqlError(dest, sqlite3_errcode(dest), "backup: init");
  } else {
    // One step copies everything inside one read transaction: a consistent
    // snapshot, whatever the writer does meanwhile.
    rc = sqlite3_backup_step(b, -1);
    int finish_rc = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
      s = SqlError(dest, rc, "backup: copy");
    } else if (finish_rc != SQLITE_OK) {
      s = SqlError(dest, finish_rc, "backup: finish");
    }
  }
  if (int close_rc = sqlite3_close_v2(dest); s.ok() && close_rc != SQLITE_OK) {
    s = SqlError(nullptr, close_rc, "backup: close");
  }
  if (s.ok()) {
    RemoveDbFiles(path);  // a stale -wal next to the new file would corrupt it
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) s = Status::IoError("backup: rename to " + path + ": " + ec.message());
  }
  if (!s.ok()) {
    RemoveDbFiles(tmp);
    return s.code() == Code::kIoError ? s : Status::IoError(s.message());
  }
  SyncParentDir(path);
  return Status::Ok();
}

}  // namespace kefu::store::sqlite
