#include "store/sqlite/faulty_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kefu::store::sqlite {
namespace {

constexpr const char* kVfsName = "kefu-faulty";

// Process-wide state. `base` is the wrapped (default) VFS; `vfs` is ours.
// The registry maps a database's full path to its injector.
struct Registry {
  sqlite3_vfs* base = nullptr;
  sqlite3_vfs vfs{};
  int register_rc = SQLITE_OK;
  std::mutex mu;
  std::unordered_map<std::string, FaultInjector*> by_path;  // guarded by mu
};

Registry& Reg() {
  static Registry* r = new Registry;  // never destroyed: SQLite may use it at exit
  return *r;
}

// A file opened through the faulty VFS: our header, then the real file.
struct FaultyFile {
  sqlite3_file base;      // must be first: SQLite sees this
  FaultInjector* faults;  // may be null: behaves like the real file
  sqlite3_file* real;     // points just after this struct
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f)->real; }
FaultInjector* Faults(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f)->faults; }

bool FailWrites(sqlite3_file* f) {
  FaultInjector* fi = Faults(f);
  return fi != nullptr && fi->fail_writes.load();
}
bool FailSyncs(sqlite3_file* f) {
  FaultInjector* fi = Faults(f);
  return fi != nullptr && fi->fail_syncs.load();
}

// ---- io methods: forward to the real file, failing on purpose -------------

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (FailWrites(f)) return SQLITE_IOERR_WRITE;
  return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (FailWrites(f)) return SQLITE_IOERR_TRUNCATE;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (FailSyncs(f)) return SQLITE_IOERR_FSYNC;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  const sqlite3_io_methods* m = Real(f)->pMethods;
  if (m->iVersion < 2 || m->xShmMap == nullptr) return SQLITE_IOERR_SHMMAP;
  return m->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  const sqlite3_io_methods* m = Real(f)->pMethods;
  if (m->iVersion < 2 || m->xShmLock == nullptr) return SQLITE_IOERR_SHMLOCK;
  return m->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  const sqlite3_io_methods* m = Real(f)->pMethods;
  if (m->iVersion >= 2 && m->xShmBarrier != nullptr) m->xShmBarrier(Real(f));
}
int ShmUnmap(sqlite3_file* f, int del) {
  const sqlite3_io_methods* m = Real(f)->pMethods;
  if (m->iVersion < 2 || m->xShmUnmap == nullptr) return SQLITE_OK;
  return m->xShmUnmap(Real(f), del);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  const sqlite3_io_methods* m = Real(f)->pMethods;
  if (m->iVersion < 3 || m->xFetch == nullptr) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return m->xFetch(Real(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  const sqlite3_io_methods* m = Real(f)->pMethods;
  if (m->iVersion < 3 || m->xUnfetch == nullptr) return SQLITE_OK;
  return m->xUnfetch(Real(f), off, p);
}

const sqlite3_io_methods kIoMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

// The injector bound to the database `name` belongs to: the name itself or
// the name without a "-wal" / "-journal" suffix.
FaultInjector* LookUp(const char* name) {
  if (name == nullptr) return nullptr;
  std::string_view n(name);
  Registry& r = Reg();
  std::lock_guard lock(r.mu);
  if (auto it = r.by_path.find(std::string(n)); it != r.by_path.end()) return it->second;
  for (std::string_view suffix : {"-wal", "-journal"}) {
    if (n.size() > suffix.size() && n.substr(n.size() - suffix.size()) == suffix) {
      auto it = r.by_path.find(std::string(n.substr(0, n.size() - suffix.size())));
      if (it != r.by_path.end()) return it->second;
    }
  }
  return nullptr;
}

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  auto* ff = reinterpret_cast<FaultyFile*>(file);
  ff->base.pMethods = nullptr;
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  ff->faults = LookUp(name);
  int rc = base->xOpen(base, name, ff->real, flags, out_flags);
  // Only a file the real VFS opened gets methods (and so an xClose call).
  if (ff->real->pMethods != nullptr) ff->base.pMethods = &kIoMethods;
  return rc;
}

// ---- the rest of the VFS is the base's -------------------------------------

sqlite3_vfs* Base(sqlite3_vfs* v) { return static_cast<sqlite3_vfs*>(v->pAppData); }

int Delete(sqlite3_vfs* v, const char* n, int sync) { return Base(v)->xDelete(Base(v), n, sync); }
int Access(sqlite3_vfs* v, const char* n, int flags, int* out) {
  return Base(v)->xAccess(Base(v), n, flags, out);
}
int FullPathname(sqlite3_vfs* v, const char* n, int size, char* out) {
  return Base(v)->xFullPathname(Base(v), n, size, out);
}
void* DlOpen(sqlite3_vfs* v, const char* n) { return Base(v)->xDlOpen(Base(v), n); }
void DlError(sqlite3_vfs* v, int n, char* out) { Base(v)->xDlError(Base(v), n, out); }
void (*DlSym(sqlite3_vfs* v, void* h, const char* s))(void) {
  return Base(v)->xDlSym(Base(v), h, s);
}
void DlClose(sqlite3_vfs* v, void* h) { Base(v)->xDlClose(Base(v), h); }
int Randomness(sqlite3_vfs* v, int n, char* out) { return Base(v)->xRandomness(Base(v), n, out); }
int Sleep(sqlite3_vfs* v, int micros) { return Base(v)->xSleep(Base(v), micros); }
int CurrentTime(sqlite3_vfs* v, double* out) { return Base(v)->xCurrentTime(Base(v), out); }
int GetLastError(sqlite3_vfs* v, int n, char* out) {
  return Base(v)->xGetLastError ? Base(v)->xGetLastError(Base(v), n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) {
  sqlite3_vfs* b = Base(v);
  if (b->iVersion >= 2 && b->xCurrentTimeInt64 != nullptr) return b->xCurrentTimeInt64(b, out);
  double d = 0;
  int rc = b->xCurrentTime(b, &d);
  *out = static_cast<sqlite3_int64>(d * 86400000.0);
  return rc;
}

void RegisterOnce() {
  Registry& r = Reg();
  r.base = sqlite3_vfs_find(nullptr);
  if (r.base == nullptr) {
    r.register_rc = SQLITE_ERROR;
    return;
  }
  sqlite3_vfs& v = r.vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(FaultyFile)) + r.base->szOsFile;
  v.mxPathname = r.base->mxPathname;
  v.zName = kVfsName;
  v.pAppData = r.base;
  v.xOpen = Open;
  v.xDelete = Delete;
  v.xAccess = Access;
  v.xFullPathname = FullPathname;
  v.xDlOpen = DlOpen;
  v.xDlError = DlError;
  v.xDlSym = DlSym;
  v.xDlClose = DlClose;
  v.xRandomness = Randomness;
  v.xSleep = Sleep;
  v.xCurrentTime = CurrentTime;
  v.xGetLastError = GetLastError;
  v.xCurrentTimeInt64 = CurrentTimeInt64;
  r.register_rc = sqlite3_vfs_register(&v, /*makeDflt=*/0);
}

}  // namespace

Result<std::string> FaultyVfsName() {
  static std::once_flag once;
  std::call_once(once, RegisterOnce);
  if (Reg().register_rc != SQLITE_OK) {
    return Status::Internal(std::string("cannot register the faulty VFS: ") +
                            sqlite3_errstr(Reg().register_rc));
  }
  return std::string(kVfsName);
}

Result<std::string> BindFaults(const std::string& path, FaultInjector* faults) {
  Result<std::string> name = FaultyVfsName();
  if (!name.ok()) return name.status();
  Registry& r = Reg();
  std::vector<char> full(static_cast<size_t>(r.base->mxPathname) + 1, '\0');
  int rc = r.base->xFullPathname(r.base, path.c_str(), static_cast<int>(full.size()), full.data());
  if (rc != SQLITE_OK && rc != SQLITE_OK_SYMLINK) {
    return Status::IoError("cannot resolve " + path + ": " + sqlite3_errstr(rc));
  }
  std::string key(full.data());
  std::lock_guard lock(r.mu);
  r.by_path[key] = faults;
  return key;
}

void UnbindFaults(const std::string& key, FaultInjector* faults) {
  Registry& r = Reg();
  std::lock_guard lock(r.mu);
  auto it = r.by_path.find(key);
  if (it != r.by_path.end() && it->second == faults) r.by_path.erase(it);
}

}  // namespace kefu::store::sqlite
