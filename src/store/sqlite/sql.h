// Thin RAII helpers over the SQLite C API, shared by the SQLite backend:
// a connection with a per-connection cache of prepared statements, a
// statement handle with positional binds, and the error mapping.
//
// Thread-safety: a Conn (and every Stmt from it) is used by one thread at a
// time; the backend hands connections to threads (one writer thread, a pool
// of readers). Header-only so the library's source list stays as it is.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/status.h"

namespace kefu::store::sqlite {

// Maps a SQLite result code to a Status carrying sqlite3_errmsg(db):
// I/O-class failures (IOERR*, FULL, CORRUPT, NOTADB, CANTOPEN, NOMEM,
// READONLY, PROTOCOL, BUSY, LOCKED) are IoError; a UNIQUE / PRIMARY KEY
// violation is AlreadyExists; a FOREIGN KEY violation is NotFound; a
// NOT NULL / CHECK violation is InvalidArgument; anything else Internal.
inline Status SqlError(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::IoError(std::move(msg));
    case SQLITE_CONSTRAINT:
      switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
          return Status::AlreadyExists(std::move(msg));
        case SQLITE_CONSTRAINT_FOREIGNKEY:
          return Status::NotFound(std::move(msg));
        case SQLITE_CONSTRAINT_NOTNULL:
        case SQLITE_CONSTRAINT_CHECK:
          return Status::InvalidArgument(std::move(msg));
        default:
          return Status::Internal(std::move(msg));
      }
    default:
      return Status::Internal(std::move(msg));
  }
}

// A prepared statement borrowed from a Conn's cache. Binds are positional in
// call order. Resets itself (and clears its binds) when destroyed, so no
// statement stays active past its scope.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept
      : db_(o.db_), s_(std::exchange(o.s_, nullptr)), next_(o.next_), bind_rc_(o.bind_rc_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }

  Stmt& Bind(int64_t v) { return Check(sqlite3_bind_int64(s_, ++next_, v)); }
  Stmt& Bind(int v) { return Bind(static_cast<int64_t>(v)); }
  Stmt& Bind(std::string_view v) {
    return Check(
        sqlite3_bind_text64(s_, ++next_, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Stmt& Bind(const std::string& v) { return Bind(std::string_view(v)); }
  Stmt& Bind(const char* v) { return Bind(std::string_view(v)); }
  Stmt& BindNull() { return Check(sqlite3_bind_null(s_, ++next_)); }
  // Bytes as a BLOB (any content; Bind(string) stores TEXT).
  Stmt& BindBlob(std::string_view v) {
    return Check(sqlite3_bind_blob64(s_, ++next_, v.data(), v.size(), SQLITE_TRANSIENT));
  }
  template <typename T>
  Stmt& Bind(const std::optional<T>& v) {
    return v.has_value() ? Bind(*v) : BindNull();
  }

  // One step. Returns true for a row, false when done.
  // Errors: see SqlError (binding errors are reported here too).
  Result<bool> Step() {
    if (bind_rc_ != SQLITE_OK) return SqlError(db_, bind_rc_, "bind");
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqlError(db_, rc, "step");
  }
  // Runs a statement that returns no rows (or ignores them).
  Status Exec() {
    Result<bool> r = Step();
    return r.status();
  }

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::optional<int64_t> OptInt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Int(col);
  }
  std::string Blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    int n = sqlite3_column_bytes(s_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
  }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    int n = sqlite3_column_bytes(s_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
  }

 private:
  Stmt& Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }

  sqlite3* db_;
  sqlite3_stmt* s_;
  int next_ = 0;
  int bind_rc_ = SQLITE_OK;
};

// Owns one sqlite3 connection and its cached statements.
class Conn {
 public:
  explicit Conn(sqlite3* db) : db_(db) {}
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }

  // Opens `path` with the given flags and VFS (null: default).
  // Errors: IoError with SQLite's message.
  static Result<std::unique_ptr<Conn>> Open(const std::string& path, int flags, const char* vfs) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, vfs);
    if (rc != SQLITE_OK) {
      Status s = Status::IoError("cannot open " + path + ": " +
                                 (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
      sqlite3_close_v2(db);
      return s;
    }
    sqlite3_extended_result_codes(db, 1);
    return std::make_unique<Conn>(db);
  }

  sqlite3* db() const { return db_; }

  // The cached statement for `sql` (compiled on first use).
  // REQUIRES: `sql` is static text; values are bound, never spliced in.
  // REQUIRES: the previous Stmt for the same `sql` is destroyed (the cache
  // holds one compiled statement per text).
  Result<Stmt> Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) return SqlError(db_, rc, "prepare");
      it = cache_.emplace(sql, s).first;
    }
    return Stmt(db_, it->second);
  }

  // Runs static SQL without parameters (pragmas, BEGIN/COMMIT, DDL).
  Status Exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return SqlError(db_, rc, sql);
    return Status::Ok();
  }

  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int64_t Changes() const { return sqlite3_changes64(db_); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace kefu::store::sqlite
