// A wrapping sqlite3_vfs that makes the disk fail on purpose, for tests.
//
// The VFS is registered once per process (never as the default) and wraps
// the default VFS. Files opened through it look up, at open time, the
// FaultInjector registered for their database path; while that injector's
// fail_writes flag is set, xWrite fails with SQLITE_IOERR_WRITE and
// xTruncate with SQLITE_IOERR_TRUNCATE; while fail_syncs is set, xSync fails
// with SQLITE_IOERR_FSYNC. The main database file, its WAL and its journal
// all obey the injector of the database.
//
// Thread-safety: every function here is thread-safe.
#pragma once

#include <string>

#include "core/status.h"
#include "store/store.h"

namespace kefu::store::sqlite {

// Registers the VFS on first call and returns its name (for
// sqlite3_open_v2). Errors: Internal when SQLite refuses to register it.
Result<std::string> FaultyVfsName();

// Binds `faults` to the database at `path` (and its -wal / -journal files)
// for files opened from now on. Returns the key to pass to UnbindFaults.
// REQUIRES: `faults` outlives every connection opened on `path` after this
// call, i.e. call UnbindFaults only once they are all closed.
Result<std::string> BindFaults(const std::string& path, FaultInjector* faults);
// Forgets the binding made under `key` if it is still `faults`'s.
void UnbindFaults(const std::string& key, FaultInjector* faults);

}  // namespace kefu::store::sqlite
