// The Store: every durable row kefu keeps. One interface, one folder per
// backend (sqlite/ now, postgres/ later), chosen by a factory. Nothing
// outside a backend's folder knows which SQL dialect is behind it.
//
// Threading: a Store is thread-safe. Reads are synchronous and run on the
// caller's thread with a connection of their own (microseconds on SQLite).
// Writes are asynchronous: they are queued to one writer that commits them
// in groups (many writes, one fsync) and calls each write's callback only
// after its group is durable. Callbacks run on the writer thread: they must
// be quick (post the real work elsewhere) and must not call a write and wait.
//
// Tenancy: every row has tenant_id and every per-tenant read takes it; a row
// of another tenant is reported as NotFound.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace kefu::store {

enum class Sender { kContact, kBot, kAgent, kSystem };
// "contact", "bot", "agent", "system".
const char* SenderName(Sender s);
// NotFound-free parse: returns nullopt for an unknown name.
std::optional<Sender> ParseSender(std::string_view name);

// Conversation status names: "bot", "queued", "assigned", "pending",
// "resolved". Stored and exchanged as strings.

struct Tenant {
  int64_t id = 0;
  std::string name;
  std::string public_key;  // identifies the tenant to the widget; not secret
  std::string default_language = "zh-CN";
  int64_t created_at = 0;
};

struct User {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string email;
  std::string name;
  std::string role;  // "admin" | "supervisor" | "agent"
  std::string password_hash;  // argon2id string
  int64_t created_at = 0;
};

struct ApiKey {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string name;
  std::string prefix;  // first characters of the secret, to recognise it
  std::string role;    // "admin" | "agent" | ...
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

struct Contact {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string external_id;  // the integrator's id, may be empty
  std::string name;
  std::string language;
  int64_t created_at = 0;
  // The integrator's attributes (a JSON object, e.g. {"tier": "vip"}).
  std::string attributes_json = "{}";
};

struct Conversation {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t contact_id = 0;
  std::string channel;  // "widget" | "api" | ...
  std::string status = "bot";
  std::string language;
  int64_t last_seq = 0;  // seq of the newest message, 0 when empty
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // Handoff and routing.
  std::optional<int64_t> assignee_id;  // the agent (a user) it is assigned to
  std::string queue;                   // the queue it waits in or was routed through
  std::string handoff_reason;          // why the bot handed it over
  std::optional<int64_t> first_response_at;  // an agent's first message
  std::optional<int64_t> resolved_at;
  // The customer's rating of the resolved conversation (CSAT, 1–5).
  std::optional<int> csat_rating;
  std::string csat_comment;
  std::optional<int64_t> csat_at;
  int priority = 0;        // of its handoff (higher: sooner)
  bool follow_up = false;  // handed over outside business hours or with nobody online
};

// A signed-in user's session (the console's cookie, or a bearer token).
struct Session {
  int64_t tenant_id = 0;
  int64_t user_id = 0;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

struct Message {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  int64_t seq = 0;  // 1, 2, 3... per conversation, gap-free
  Sender sender = Sender::kContact;
  int64_t sender_id = 0;     // contact id, user id, or 0 for the bot/system
  std::string client_id;     // the sender's idempotency key, may be empty
  std::string text;
  std::string attachments_json = "[]";  // JSON array of upload ids
  std::string payload_json = "{}";      // JSON object: NLU annotations etc.
  int64_t created_at = 0;
};

struct Event {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;  // 0 when not about a conversation
  std::string type;             // "message.created", ... (one catalogue)
  std::string payload_json = "{}";
  int64_t created_at = 0;
};

struct OutboxItem {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string topic;  // what to deliver, e.g. "webhook"
  std::string payload_json = "{}";
  std::string status = "pending";  // "pending" | "delivered" | "dead"
  int attempts = 0;
  int64_t next_attempt_at = 0;
  int64_t created_at = 0;
};

struct Upload {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string sha256;
  std::string content_type;  // sniffed, never taken from the client
  int64_t size = 0;
  std::string path;          // where the bytes are, relative to the data dir
  int64_t created_at = 0;
  int64_t contact_id = 0;  // the widget contact that uploaded it; 0: staff
};

// One version of a tenant's bot package in the database (kefu import).
struct BotPackageVersion {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t version = 0;   // 1, 2, 3... per tenant
  std::string sha256;    // over the sorted paths and contents (app/package_files.h)
  int64_t files = 0;
  int64_t bytes = 0;
  std::string source;    // where it was imported from (a folder), informative
  int64_t created_at = 0;
};

// A file of a bot package: its path relative to the package folder ('/'
// separated) and its bytes.
struct BotPackageFile {
  std::string path;
  std::string content;
};

// One admin action, recorded as done (GET /api/v1/audit-log). Never holds a
// secret: no password, no key secret.
struct AuditEntry {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t at = 0;          // when it was done, ms since the epoch
  std::string actor_kind;  // "user" (signed in) | "api_key"
  int64_t actor_id = 0;    // the user's or the key's id
  std::string action;      // "user.create", "api_key.create", "api_key.revoke", "bot.reload"
  std::string target;      // what it acted on: "user:12", "api_key:3", "bot"
  std::string detail_json = "{}";  // a JSON object
};

// One conversation as the numbers see it (GET /api/v1/stats; stats.h defines
// the measures): when it began, whether the customer wrote, where it is now,
// and its routing events.
struct ConversationFacts {
  int64_t id = 0;
  int64_t created_at = 0;
  std::string status;
  bool customer_wrote = false;               // at least one message from the contact
  std::optional<int64_t> first_response_at;  // an agent's first message
  std::optional<int> csat_rating;
  struct Step {
    // conversation.handoff_requested, .assigned, .requeued, .resolved or .returned_to_bot
    std::string type;
    int64_t at = 0;
    std::string reason;  // of a handoff_requested: why the bot handed over
  };
  std::vector<Step> steps;  // oldest first
};

// A customer message stored but not yet answered (recovery after a crash).
struct PendingReply {
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  int64_t seq = 0;
};

// ---- write requests ---------------------------------------------------------

struct NewEvent {
  std::string type;
  std::string payload_json = "{}";
};

struct NewOutbox {
  std::string topic;
  std::string payload_json = "{}";
};

struct NewMessage {
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  Sender sender = Sender::kContact;
  int64_t sender_id = 0;
  // Idempotency key. When non-empty and (conversation, client_id) already
  // exists, nothing is written and the existing message's seq is returned
  // with duplicate = true; also when the first copy is in the same group.
  std::string client_id;
  std::string text;
  std::string attachments_json = "[]";
  std::string payload_json = "{}";
  int64_t created_at = 0;  // 0: the store's clock
  // Also insert a PendingReply for this message, in the same transaction.
  bool expects_reply = false;
  // A reply to the customer message of seq `reply_to->seq`, the
  // `reply_to->index`-th (from 0) of its turn. Stored only while that
  // message's PendingReply exists with exactly `index` replies stored before;
  // otherwise nothing is written and the write fails AlreadyExists. So
  // answering a question twice (a retry, or again after a crash) stores
  // nothing twice, without an idempotency key. The `last` reply deletes the
  // PendingReply, in the same transaction.
  struct ReplyTo {
    int64_t seq = 0;
    int index = 0;
    bool last = true;
  };
  std::optional<ReplyTo> reply_to;
  // Also sets the conversation's status (e.g. "queued" when the bot hands
  // the conversation to a person), in the same transaction.
  std::optional<std::string> set_status;
  // Also set the conversation's queue, handoff reason, priority and
  // follow-up mark (a handoff), in the same transaction.
  std::optional<std::string> set_queue;
  std::optional<std::string> set_handoff_reason;
  std::optional<int> set_priority;
  std::optional<bool> set_follow_up;
  // Written in the same transaction, only when the message is new. Each
  // event's conversation_id is the message's.
  std::vector<NewEvent> events;
  std::vector<NewOutbox> outbox;
};

struct AppendResult {
  int64_t message_id = 0;
  int64_t seq = 0;
  bool duplicate = false;
  int64_t created_at = 0;
};

// An audit row to write. Writes that change what an admin may change
// (CreateUser, CreateApiKey, RevokeApiKey) take one and write it in their
// own transaction, with their own tenant_id, so the log holds a change if
// and only if it was made.
// A canned response: a tenant's ready answer, found by its shortcut.
struct CannedResponse {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string shortcut;  // unique in the tenant, e.g. "refund"
  std::string title;
  std::string text;
  std::string language;  // "zh", "en" or "" (any)
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// An internal note: staff only, never shown to the customer.
struct Note {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  int64_t author_id = 0;  // the user who wrote it
  std::string text;
  int64_t created_at = 0;
};

struct NewNote {
  int64_t tenant_id = 0;
  int64_t conversation_id = 0;
  int64_t author_id = 0;
  std::string text;
};

struct NewAuditEntry {
  int64_t tenant_id = 0;  // used by AppendAudit; a write carrying the entry uses its own
  std::string actor_kind;
  int64_t actor_id = 0;
  std::string action;
  // Empty in a write carrying the entry: "user:<id>" / "api_key:<id>" of the
  // row it creates or revokes.
  std::string target;
  std::string detail_json = "{}";
};

struct NewTenant {
  std::string name;
  std::string public_key;
  std::string default_language = "zh-CN";
};

struct NewUser {
  int64_t tenant_id = 0;  // ignored by Bootstrap
  std::string email;
  std::string name;
  std::string role = "agent";
  std::string password_hash;
  std::optional<NewAuditEntry> audit;  // written with the user
};

struct NewApiKey {
  int64_t tenant_id = 0;  // ignored by Bootstrap
  std::string name;
  std::string prefix;
  std::string role = "admin";
  std::string secret_sha256;  // hex SHA-256 of the secret; never the secret
  std::optional<NewAuditEntry> audit;  // written with the key
};

struct NewContact {
  int64_t tenant_id = 0;
  std::string external_id;  // when non-empty and known: the existing contact is returned
  std::string name;
  std::string language;
  std::string token_sha256;  // hex SHA-256 of the contact token, may be empty
};

struct NewConversation {
  int64_t tenant_id = 0;
  int64_t contact_id = 0;
  std::string channel = "widget";
  std::string language;
};

struct NewUpload {
  int64_t tenant_id = 0;
  std::string sha256;
  std::string content_type;
  int64_t size = 0;
  std::string path;
  int64_t contact_id = 0;  // the widget contact uploading it; 0: staff
};

// A change of a conversation outside a message (routing: assigned, back to
// the queue, resolved, returned to the bot). Fields left empty are kept.
struct ConversationChange {
  int64_t tenant_id = 0;
  int64_t id = 0;
  std::optional<std::string> status;
  // Set (a user id) or cleared (nullopt inside): std::optional<std::optional<...>>.
  std::optional<std::optional<int64_t>> assignee_id;
  std::optional<std::string> queue;
  std::optional<std::string> handoff_reason;
  std::optional<int> priority;
  std::optional<bool> follow_up;
  // The customer's rating (1–5) and comment; csat_at is set to now.
  std::optional<int> csat_rating;
  std::optional<std::string> csat_comment;
  // Applied only while the conversation still has this status (and, when
  // set, this assignee): a router's decision taken on a stale view fails
  // AlreadyExists instead of overwriting a newer one.
  std::optional<std::string> expect_status;
  std::optional<std::optional<int64_t>> expect_assignee;
  std::vector<NewEvent> events;  // in the same transaction
};

struct NewSession {
  int64_t tenant_id = 0;
  int64_t user_id = 0;
  std::string token_sha256;  // hex SHA-256 of the token; never the token
  int64_t expires_at = 0;
};

struct NewBotPackage {
  int64_t tenant_id = 0;
  std::string sha256;
  std::string source;
  std::vector<BotPackageFile> files;  // distinct paths
};

struct BootstrapResult {
  Tenant tenant;
  User admin;
  ApiKey api_key;
};

struct ConversationQuery {
  std::optional<std::string> status;
  std::optional<int64_t> contact_id;
  int64_t before_id = 0;  // 0: from the newest; else ids < before_id
  int limit = 50;         // newest first
};

template <typename T>
using Callback = std::function<void(Result<T>)>;
using StatusCallback = std::function<void(Status)>;

// Makes the disk "fail" on purpose: while a flag is set, every write
// (resp. fsync) to the database files fails with an I/O error. For tests.
struct FaultInjector {
  std::atomic<bool> fail_writes{false};
  std::atomic<bool> fail_syncs{false};
};

struct SqliteOptions {
  std::string path;  // database file; its directory must exist
  // "full" (default: a commit is on disk before it is acknowledged),
  // "normal" (WAL: durable against process crash, not power loss), "off".
  std::string synchronous = "full";
  size_t max_queue = 20000;  // writes waiting; beyond this, writes fail Busy
  size_t max_group = 1024;   // writes per transaction at most
  int read_connections = 8;  // pooled reader connections
  Clock* clock = nullptr;    // null: Clock::Real()
  FaultInjector* faults = nullptr;  // null: no fault injection
  // Called on the writer thread after every group commit (or failure).
  std::function<void(size_t ops, int64_t micros, bool ok)> on_commit;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (creating if needed) and migrates to the newest schema.
  // Errors: IoError (cannot open), Internal (a migration failed).
  static Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& opts);

  // ---- writes: queued, group-committed, callback after durable ----
  // Every write fails fast with Busy when the queue is full, and with
  // Unavailable after Close(). A failed group (e.g. I/O error) fails every
  // write in it with IoError and leaves nothing of it behind.

  // Errors: NotFound (conversation of another tenant / unknown),
  // InvalidArgument.
  virtual void AppendMessage(NewMessage m, Callback<AppendResult> done) = 0;
  // Creates the first tenant, its admin and an API key atomically.
  // Errors: AlreadyExists when any tenant exists.
  virtual void Bootstrap(NewTenant t, NewUser admin, NewApiKey key,
                         Callback<BootstrapResult> done) = 0;
  // Like Bootstrap, whether or not other tenants exist (kefu create-tenant).
  // Errors: AlreadyExists (the public key or the key's hash is taken).
  virtual void AddTenant(NewTenant t, NewUser admin, NewApiKey key,
                         Callback<BootstrapResult> done) = 0;
  virtual void CreateTenant(NewTenant t, Callback<Tenant> done) = 0;
  // Errors: AlreadyExists (email taken in the tenant).
  virtual void CreateUser(NewUser u, Callback<User> done) = 0;
  virtual void CreateApiKey(NewApiKey k, Callback<ApiKey> done) = 0;
  // Errors: NotFound. `audit`, when given, is written in the same transaction.
  virtual void RevokeApiKey(int64_t tenant_id, int64_t id, std::optional<NewAuditEntry> audit,
                            StatusCallback done) = 0;
  // An admin action that is no store write of its own (a bot reload),
  // recorded after it succeeded. Errors: InvalidArgument (no action or actor,
  // detail not a JSON object), NotFound (tenant).
  virtual void AppendAudit(NewAuditEntry e, Callback<AuditEntry> done) = 0;
  // Creates (id 0) or replaces (the tenant's id) a canned response.
  // Errors: AlreadyExists (the shortcut is taken in the tenant), NotFound
  // (no such id in the tenant), InvalidArgument (an empty shortcut or text).
  virtual void PutCannedResponse(CannedResponse r, Callback<CannedResponse> done) = 0;
  // Errors: NotFound (no such id in the tenant).
  virtual void DeleteCannedResponse(int64_t tenant_id, int64_t id, StatusCallback done) = 0;
  // Errors: NotFound (conversation of another tenant / unknown),
  // InvalidArgument (empty text).
  virtual void AddNote(NewNote n, Callback<Note> done) = 0;
  virtual void CreateContact(NewContact c, Callback<Contact> done) = 0;
  // Replaces the contact's attributes (a JSON object), with its audit row
  // (target "contact:<id>") in the same transaction. Errors: NotFound.
  virtual void SetContactAttributes(int64_t tenant_id, int64_t id, std::string attributes_json,
                                    std::optional<NewAuditEntry> audit, Callback<Contact> done) = 0;
  // Errors: NotFound (contact).
  virtual void CreateConversation(NewConversation c, Callback<Conversation> done) = 0;
  virtual void CreateUpload(NewUpload u, Callback<Upload> done) = 0;
  // Errors: NotFound (conversation), AlreadyExists (an expectation failed),
  // InvalidArgument (an unknown status). Returns the conversation after it.
  virtual void UpdateConversation(ConversationChange c, Callback<Conversation> done) = 0;
  // Errors: NotFound (user of another tenant).
  virtual void CreateSession(NewSession s, Callback<Session> done) = 0;
  virtual void DeleteSession(std::string token_sha256, StatusCallback done) = 0;
  // Stores the package as the tenant's next version, all files in one
  // transaction. Errors: NotFound (tenant), InvalidArgument (no files, a
  // path twice or empty).
  virtual void PutBotPackage(NewBotPackage p, Callback<BotPackageVersion> done) = 0;
  // Deletes a PendingReply without writing a message (no reply was due).
  virtual void MarkAnswered(int64_t tenant_id, int64_t conversation_id,
                            int64_t seq, StatusCallback done) = 0;
  // System settings (tenant 0), e.g. the hashed bootstrap token.
  virtual void PutSetting(std::string key, std::string value, StatusCallback done) = 0;
  // Completes after every write queued before it has completed.
  virtual void Flush(StatusCallback done) = 0;

  // Stops accepting writes, drains the queue (each write still completes),
  // joins the writer. Idempotent. Reads keep working until destruction.
  virtual void Close() = 0;

  // ---- reads: synchronous ----
  virtual Result<int64_t> CountTenants() = 0;
  virtual Result<std::vector<Tenant>> ListTenants() = 0;  // by id
  // The tenant's package versions, newest first.
  virtual Result<std::vector<BotPackageVersion>> ListBotPackages(int64_t tenant_id) = 0;
  // One version (0: the newest) and, when `files` is not null, its files
  // sorted by path. Errors: NotFound.
  virtual Result<BotPackageVersion> GetBotPackage(int64_t tenant_id, int64_t version,
                                                  std::vector<BotPackageFile>* files) = 0;
  virtual Result<std::string> GetSetting(const std::string& key) = 0;  // NotFound
  virtual Result<Tenant> GetTenant(int64_t tenant_id) = 0;
  virtual Result<Tenant> FindTenantByPublicKey(const std::string& public_key) = 0;
  // Not revoked keys only. The key decides the tenant.
  virtual Result<ApiKey> FindApiKeyBySecretHash(const std::string& sha256) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(int64_t tenant_id) = 0;
  virtual Result<User> FindUserByEmail(int64_t tenant_id, const std::string& email) = 0;
  // The users of that email in every tenant (login without a tenant).
  virtual Result<std::vector<User>> FindUsersByEmail(const std::string& email) = 0;
  virtual Result<User> GetUser(int64_t tenant_id, int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers(int64_t tenant_id) = 0;
  // A session not expired at `now_millis`. Errors: NotFound.
  virtual Result<Session> FindSession(const std::string& token_sha256, int64_t now_millis) = 0;
  virtual Result<Contact> GetContact(int64_t tenant_id, int64_t id) = 0;
  virtual Result<Contact> FindContactByTokenHash(int64_t tenant_id, const std::string& sha256) = 0;
  virtual Result<Contact> FindContactByExternalId(int64_t tenant_id, const std::string& external_id) = 0;
  virtual Result<Conversation> GetConversation(int64_t tenant_id, int64_t id) = 0;
  // The newest conversation of the contact on the channel that is not
  // resolved. NotFound if none.
  virtual Result<Conversation> FindOpenConversation(int64_t tenant_id, int64_t contact_id,
                                                    const std::string& channel) = 0;
  virtual Result<std::vector<Conversation>> ListConversations(int64_t tenant_id,
                                                              const ConversationQuery& q) = 0;
  // Messages with seq > after_seq, ascending, at most `limit`.
  virtual Result<std::vector<Message>> ReadMessages(int64_t tenant_id, int64_t conversation_id,
                                                    int64_t after_seq, int limit) = 0;
  virtual Result<Message> GetMessage(int64_t tenant_id, int64_t conversation_id, int64_t seq) = 0;
  virtual Result<std::vector<Event>> ListEvents(int64_t tenant_id, int64_t after_id, int limit) = 0;
  // The conversation's newest event of `type`. Errors: NotFound.
  virtual Result<Event> LastEvent(int64_t tenant_id, int64_t conversation_id,
                                  const std::string& type) = 0;
  virtual Result<std::vector<OutboxItem>> ListOutbox(int64_t tenant_id, int limit) = 0;
  // The tenant's audit rows with id < before_id (0: from the newest),
  // newest first, at most `limit`.
  // The conversation's notes, oldest first, at most `limit`.
  virtual Result<std::vector<Note>> ListNotes(int64_t tenant_id, int64_t conversation_id,
                                              int limit) = 0;
  // The tenant's canned responses by shortcut.
  virtual Result<std::vector<CannedResponse>> ListCannedResponses(int64_t tenant_id) = 0;
  virtual Result<std::vector<AuditEntry>> ListAuditLog(int64_t tenant_id, int64_t before_id,
                                                       int limit) = 0;
  // Calls `visit` with each conversation of the tenant created in
  // [from_millis, until_millis), in creation order, with its routing events;
  // all in one read transaction, so the facts agree with each other. `visit`
  // runs on the caller's thread and must not call the store.
  // Errors: IoError, Internal.
  virtual Status ScanConversationFacts(
      int64_t tenant_id, int64_t from_millis, int64_t until_millis,
      const std::function<void(const ConversationFacts&)>& visit) = 0;
  // All tenants: what recovery must answer, oldest first.
  virtual Result<std::vector<PendingReply>> ListPendingReplies(int limit) = 0;
  virtual Result<Upload> GetUpload(int64_t tenant_id, int64_t id) = 0;

  // Online backup to `path` (SQLite's backup API), safe while serving.
  // Errors: IoError.
  virtual Status Backup(const std::string& path) = 0;

  // Writes waiting in the queue now (for /metrics and /readyz).
  virtual size_t QueueDepth() const = 0;
};

}  // namespace kefu::store
