// The SQLite backend of Store (private to this folder; built by
// Store::OpenSqlite).
//
// Shape (see store.h for the contract):
// - One writer thread owns one connection. Writes are queued (bounded by
//   max_queue) and committed in groups of up to max_group: one
//   BEGIN IMMEDIATE ... COMMIT. When a write fails on its own (NotFound,
//   AlreadyExists...) the group is run again with each write inside its own
//   SAVEPOINT, so that failure undoes only that write. The
//   callbacks run after COMMIT returned, in queue order, on the writer
//   thread. An I/O failure anywhere fails the whole group with IoError and
//   rolls all of it back.
// - Reads borrow a connection from a pool (created lazily, at most
//   read_connections) and run on the caller's thread; WAL lets them run
//   alongside the writer.
//
// Ownership: the store owns its connections and the writer thread. The
// FaultInjector and Clock of the options are borrowed and must outlive it.
// Thread-safety: every public method is thread-safe. REQUIRES: the store is
// not destroyed from one of its own callbacks.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sql.h"
#include "store/store.h"

namespace kefu::store::sqlite {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates. Errors: InvalidArgument (bad
  // options), IoError (cannot open), Internal (a migration failed).
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& opts);

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  // Closes (draining the queue), then closes every connection.
  ~SqliteStore() override;

  void AppendMessage(NewMessage m, Callback<AppendResult> done) override;
  void Bootstrap(NewTenant t, NewUser admin, NewApiKey key,
                 Callback<BootstrapResult> done) override;
  void AddTenant(NewTenant t, NewUser admin, NewApiKey key,
                 Callback<BootstrapResult> done) override;
  void CreateTenant(NewTenant t, Callback<Tenant> done) override;
  void CreateUser(NewUser u, Callback<User> done) override;
  void CreateApiKey(NewApiKey k, Callback<ApiKey> done) override;
  void RevokeApiKey(int64_t tenant_id, int64_t id, std::optional<NewAuditEntry> audit,
                    StatusCallback done) override;
  void AppendAudit(NewAuditEntry e, Callback<AuditEntry> done) override;
  void PutCannedResponse(CannedResponse r, Callback<CannedResponse> done) override;
  void DeleteCannedResponse(int64_t tenant_id, int64_t id, StatusCallback done) override;
  Result<std::vector<CannedResponse>> ListCannedResponses(int64_t tenant_id) override;
  void AddNote(NewNote n, Callback<Note> done) override;
  Result<std::vector<Note>> ListNotes(int64_t tenant_id, int64_t conversation_id,
                                      int limit) override;
  void CreateContact(NewContact c, Callback<Contact> done) override;
  void SetContactAttributes(int64_t tenant_id, int64_t id, std::string attributes_json,
                            std::optional<NewAuditEntry> audit, Callback<Contact> done) override;
  void CreateConversation(NewConversation c, Callback<Conversation> done) override;
  void CreateUpload(NewUpload u, Callback<Upload> done) override;
  void PutBotPackage(NewBotPackage p, Callback<BotPackageVersion> done) override;
  void UpdateConversation(ConversationChange c, Callback<Conversation> done) override;
  void CreateSession(NewSession s, Callback<Session> done) override;
  void DeleteSession(std::string token_sha256, StatusCallback done) override;
  void MarkAnswered(int64_t tenant_id, int64_t conversation_id, int64_t seq,
                    StatusCallback done) override;
  void PutSetting(std::string key, std::string value, StatusCallback done) override;
  void Flush(StatusCallback done) override;
  void Close() override;

  Result<int64_t> CountTenants() override;
  Result<std::vector<Tenant>> ListTenants() override;
  Result<std::vector<BotPackageVersion>> ListBotPackages(int64_t tenant_id) override;
  Result<BotPackageVersion> GetBotPackage(int64_t tenant_id, int64_t version,
                                          std::vector<BotPackageFile>* files) override;
  Result<std::string> GetSetting(const std::string& key) override;
  Result<Tenant> GetTenant(int64_t tenant_id) override;
  Result<Tenant> FindTenantByPublicKey(const std::string& public_key) override;
  Result<ApiKey> FindApiKeyBySecretHash(const std::string& sha256) override;
  Result<std::vector<ApiKey>> ListApiKeys(int64_t tenant_id) override;
  Result<User> FindUserByEmail(int64_t tenant_id, const std::string& email) override;
  Result<std::vector<User>> FindUsersByEmail(const std::string& email) override;
  Result<User> GetUser(int64_t tenant_id, int64_t id) override;
  Result<std::vector<User>> ListUsers(int64_t tenant_id) override;
  Result<Session> FindSession(const std::string& token_sha256, int64_t now_millis) override;
  Result<Contact> GetContact(int64_t tenant_id, int64_t id) override;
  Result<Contact> FindContactByTokenHash(int64_t tenant_id, const std::string& sha256) override;
  Result<Contact> FindContactByExternalId(int64_t tenant_id,
                                          const std::string& external_id) override;
  Result<Conversation> GetConversation(int64_t tenant_id, int64_t id) override;
  Result<Conversation> FindOpenConversation(int64_t tenant_id, int64_t contact_id,
                                            const std::string& channel) override;
  Result<std::vector<Conversation>> ListConversations(int64_t tenant_id,
                                                      const ConversationQuery& q) override;
  Result<std::vector<Message>> ReadMessages(int64_t tenant_id, int64_t conversation_id,
                                            int64_t after_seq, int limit) override;
  Result<Message> GetMessage(int64_t tenant_id, int64_t conversation_id, int64_t seq) override;
  // Oldest first (ascending id).
  Result<std::vector<Event>> ListEvents(int64_t tenant_id, int64_t after_id, int limit) override;
  Result<Event> LastEvent(int64_t tenant_id, int64_t conversation_id,
                          const std::string& type) override;
  // Every row of the tenant whatever its status, oldest first.
  Result<std::vector<OutboxItem>> ListOutbox(int64_t tenant_id, int limit) override;
  Result<std::vector<AuditEntry>> ListAuditLog(int64_t tenant_id, int64_t before_id,
                                               int limit) override;
  Status ScanConversationFacts(
      int64_t tenant_id, int64_t from_millis, int64_t until_millis,
      const std::function<void(const ConversationFacts&)>& visit) override;
  Result<std::vector<PendingReply>> ListPendingReplies(int limit) override;
  Result<Upload> GetUpload(int64_t tenant_id, int64_t id) override;

  Status Backup(const std::string& path) override;
  size_t QueueDepth() const override;

  // ---- test hooks ----
  // `PRAGMA synchronous` read on the writer connection, through the queue
  // (0 off, 1 normal, 2 full). Blocks. Errors: Unavailable after Close.
  Result<int> WriterSynchronousForTesting();
  // The schema version, read on a reader connection.
  Result<int> SchemaVersionForTesting();

 private:
  // One queued write. `apply` runs on the writer connection inside the
  // group's transaction and its own savepoint; it returns the write's own
  // status (IoError aborts the group). `complete` gets the group's status
  // (or the rejection) and calls the user's callback. A barrier (Flush) has
  // no apply and completes with OK once its group is done.
  struct WriteOp {
    std::function<Status(Conn&)> apply;
    std::function<void(Status)> complete;
    bool barrier = false;
  };

  // A reader connection borrowed from the pool; returned on destruction.
  class Lease {
   public:
    Lease(SqliteStore* store, std::unique_ptr<Conn> conn) : store_(store), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Conn& conn() { return *conn_; }

   private:
    SqliteStore* store_;
    std::unique_ptr<Conn> conn_;
  };

  explicit SqliteStore(const SqliteOptions& opts);

  Result<std::unique_ptr<Conn>> OpenConn(bool writer);
  int64_t Now() const { return clock_->NowMillis(); }

  // Queues a write whose body `fn(Conn&) -> Result<T>` runs on the writer.
  template <typename T, typename Fn>
  void Submit(Callback<T> done, Fn fn);
  void SubmitStatus(StatusCallback done, std::function<Status(Conn&)> fn);
  // Queues `op` or completes it at once with Busy / Unavailable.
  void Push(WriteOp op, bool bounded);

  void WriterLoop();
  // Copies the WAL into the database file on a thread and connection of its
  // own (PASSIVE checkpoints), so that no commit — and no ack — ever waits
  // for a checkpoint. Woken when the WAL passes kCheckpointPages, and at
  // least every two seconds while it holds anything.
  void CheckpointLoop(std::unique_ptr<Conn> conn);
  void StopCheckpointer();
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int pages);
  // Commits `ops` as one group and completes them (writer thread).
  void RunGroup(std::vector<WriteOp>& ops);
  // BEGIN ... COMMIT around the writes of `ops`. Errors: IoError.
  Status CommitGroup(std::vector<WriteOp>& ops);
  // One try at the group's transaction. Without savepoints, a write's own
  // failure rolls everything back and sets *logical_failure.
  Status RunGroupTransaction(std::vector<WriteOp>& ops, bool savepoints, bool* logical_failure);
  Status ApplyOne(WriteOp& op);

  Result<Lease> AcquireReader();
  void ReleaseReader(std::unique_ptr<Conn> conn);
  // Runs `fn(Conn&) -> Result<T>` on a pooled reader connection.
  template <typename T, typename Fn>
  Result<T> Read(Fn fn);

  SqliteOptions opts_;  // validated; clock_ resolved
  Clock* clock_;
  std::string vfs_;        // empty: SQLite's default VFS
  std::string fault_key_;  // the BindFaults key when opts_.faults is set

  // The writer's connection: used only by the writer thread once started.
  std::unique_ptr<Conn> writer_conn_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // signalled on push and close
  std::deque<WriteOp> queue_;   // guarded by mu_
  bool closed_ = false;         // guarded by mu_
  std::mutex join_mu_;          // serialises joining the writer
  std::thread writer_;

  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  int wal_pages_ = 0;        // guarded by ckpt_mu_: WAL size after the last commit
  bool ckpt_stop_ = false;   // guarded by ckpt_mu_
  std::thread checkpointer_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Conn>> free_readers_;  // guarded by readers_mu_
  int open_readers_ = 0;                             // guarded by readers_mu_
};

}  // namespace kefu::store::sqlite
