// The SQLite schema as an ordered list of migrations.
//
// Each migration is a version number and a block of static SQL (DDL only; no
// values). Open applies, in order, every migration newer than the version
// recorded in `schema_migrations(version, applied_at)`, each in its own
// transaction together with its schema_migrations row, so a failed step
// leaves the database at the previous version.
//
// Append only: once released, a migration is never edited; a change is a
// new migration.
//
// Thread-safety: the functions take a connection the caller uses alone.
#pragma once

#include <cstdint>
#include <span>

#include "core/clock.h"
#include "core/status.h"
#include "store/sqlite/sql.h"

namespace kefu::store::sqlite {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Every migration, oldest first; versions are 1, 2, 3... without gaps.
std::span<const Migration> Migrations();

// Version of the newest migration in this binary.
int LatestSchemaVersion();

// Brings `db` to the latest version. Errors: Internal (a step failed or the
// database is newer than this binary), IoError (the disk failed).
Status Migrate(Conn& conn, Clock* clock);

// The database's version (0 when no migration was applied).
// Errors: IoError, Internal.
Result<int> SchemaVersion(Conn& conn);

}  // namespace kefu::store::sqlite
