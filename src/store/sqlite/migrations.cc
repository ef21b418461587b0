#include "store/sqlite/migrations.h"

#include <string>

#include "store/sqlite/sql.h"

namespace kefu::store::sqlite {
namespace {

// Version 1: the first cut of DESIGN.md's data model. Every row carries
// tenant_id (tenants.id is the tenant id itself; settings use tenant_id 0
// for system rows). Nullable conversation columns are for later features.
constexpr const char* kV1 = R"sql(
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  public_key TEXT NOT NULL,
  default_language TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX tenants_public_key ON tenants(public_key);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users(tenant_id, email);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  role TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX api_keys_secret ON api_keys(secret_sha256);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id, id);

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  external_id TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL DEFAULT '',
  token_sha256 TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_external_id ON contacts(tenant_id, external_id)
  WHERE external_id <> '';
CREATE INDEX contacts_token ON contacts(token_sha256);

CREATE TABLE channels (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  config_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX channels_tenant ON channels(tenant_id, id);

CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  channel TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'bot',
  language TEXT NOT NULL DEFAULT '',
  last_seq INTEGER NOT NULL DEFAULT 0,
  assignee_id INTEGER REFERENCES users(id),
  queue TEXT,
  priority INTEGER,
  emotion TEXT,
  handoff_reason TEXT,
  csat INTEGER,
  first_response_at INTEGER,
  resolved_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_tenant ON conversations(tenant_id, id);
CREATE INDEX conversations_contact ON conversations(tenant_id, contact_id, channel, id);
CREATE INDEX conversations_status ON conversations(tenant_id, status, id);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL,
  sender_id INTEGER NOT NULL DEFAULT 0,
  client_id TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  attachments_json TEXT NOT NULL DEFAULT '[]',
  payload_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_seq ON messages(conversation_id, seq);
CREATE UNIQUE INDEX messages_client_id ON messages(conversation_id, client_id)
  WHERE client_id <> '';

CREATE TABLE uploads (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  path TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX uploads_sha256 ON uploads(tenant_id, sha256);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  conversation_id INTEGER NOT NULL DEFAULT 0,
  type TEXT NOT NULL,
  payload_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX events_tenant ON events(tenant_id, id);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  topic TEXT NOT NULL,
  payload_json TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_tenant ON outbox(tenant_id, id);

CREATE TABLE pending_replies (
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  tenant_id INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  replies_done INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

CREATE TABLE settings (
  tenant_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
) WITHOUT ROWID;
)sql";

// Bot packages imported into the database (kefu import / kefu export): each
// version of a tenant's package, its files byte for byte.
constexpr const char* kV2 = R"sql(
CREATE TABLE bot_packages (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  files INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, version)
);
CREATE TABLE bot_package_files (
  package_id INTEGER NOT NULL REFERENCES bot_packages(id),
  tenant_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  content BLOB NOT NULL,
  PRIMARY KEY (package_id, path)
) WITHOUT ROWID;
)sql";

// Signed-in users' sessions (the console's cookie).
constexpr const char* kV3 = R"sql(
CREATE TABLE sessions (
  token_sha256 TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(tenant_id, user_id);
)sql";

// The audit log of admin actions (who created which user or key, revoked a
// key, reloaded the bot), read per tenant newest first.
constexpr const char* kV4 = R"sql(
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  at INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, id);
)sql";

// Who uploaded a file: a widget contact may read and attach only its own
// uploads (0: staff, as every upload before this version).
constexpr const char* kV5 = R"sql(
ALTER TABLE uploads ADD COLUMN contact_id INTEGER NOT NULL DEFAULT 0;
)sql";

// Customer satisfaction: the 1–5 rating (and a comment) a customer gives a
// resolved conversation.
constexpr const char* kV6 = R"sql(
ALTER TABLE conversations ADD COLUMN csat_rating INTEGER;
ALTER TABLE conversations ADD COLUMN csat_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN csat_at INTEGER;
)sql";

// Canned responses: a tenant's ready answers, each with a shortcut agents
// type ("/refund") to put it in the reply box.
constexpr const char* kV7 = R"sql(
CREATE TABLE canned_responses (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  shortcut TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, shortcut)
);
)sql";

// The numbers (GET /api/v1/stats) read a tenant's conversations by creation
// time and each one's events; without these, both reads scan every row of
// the tenant.
constexpr const char* kV8 = R"sql(
CREATE INDEX conversations_created ON conversations(tenant_id, created_at);
CREATE INDEX events_conversation ON events(tenant_id, conversation_id, id);
)sql";

// Internal notes: what staff write on a conversation for each other. Not
// messages: the customer never sees them, and the customer's seq stays
// gap-free.
constexpr const char* kV9 = R"sql(
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  author_id INTEGER NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX notes_conversation ON notes(tenant_id, conversation_id, id);
)sql";

// Routing: a contact's attributes (the integrator's, e.g. {"tier": "vip"}),
// and whether a handed-over conversation waits for a follow-up (handed over
// outside business hours or with nobody online). Its priority has a column
// since v1.
constexpr const char* kV10 = R"sql(
ALTER TABLE contacts ADD COLUMN attributes_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE conversations ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 0;
)sql";

// One migration a line.
// clang-format off
constexpr Migration kMigrations[] = {
    {1, "initial schema", kV1},
    {2, "bot packages", kV2},
    {3, "sessions", kV3},
    {4, "audit log", kV4},
    {5, "uploads by contact", kV5},
    {6, "customer satisfaction", kV6},
    {7, "canned responses", kV7},
    {8, "indexes for the numbers", kV8},
    {9, "internal notes", kV9},
    {10, "routing: contact attributes, follow-up", kV10},
};
// clang-format on

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";

Result<int> ReadVersion(Conn& conn);

// Applies `m` in its own transaction, unless another process just did.
Status Apply(Conn& conn, const Migration& m, Clock* clock) {
  if (Status s = conn.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Result<int> now = ReadVersion(conn);
  if (now.ok() && *now >= m.version) return conn.Exec("COMMIT");
  Status s = now.ok() ? conn.Exec(m.sql) : now.status();
  if (s.ok()) {
    Result<Stmt> ins =
        conn.Prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)");
    s = ins.ok() ? ins->Bind(m.version).Bind(clock->NowMillis()).Exec() : ins.status();
  }
  if (s.ok()) s = conn.Exec("COMMIT");
  if (!s.ok()) {
    if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");
    if (s.code() == Code::kIoError) return s;
    return Status::Internal("migration " + std::to_string(m.version) + " (" + m.name +
                            ") failed: " + s.message());
  }
  return Status::Ok();
}

Result<int> ReadVersion(Conn& conn) {
  Result<Stmt> q = conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!q.ok()) return q.status();
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(q->Int(0));
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Status Migrate(Conn& conn, Clock* clock) {
  if (Status s = conn.Exec(kCreateMigrationsTable); !s.ok()) return s;
  Result<int> current = ReadVersion(conn);
  if (!current.ok()) return current.status();
  if (*current > LatestSchemaVersion()) {
    return Status::Internal("database schema version " + std::to_string(*current) +
                            " is newer than this binary's " +
                            std::to_string(LatestSchemaVersion()));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (Status s = Apply(conn, m, clock); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<int> SchemaVersion(Conn& conn) { return ReadVersion(conn); }

}  // namespace kefu::store::sqlite
