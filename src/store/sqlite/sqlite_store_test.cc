// SQLite-specific behaviour: pragmas, migrations, injected disk faults.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <set>
#include <string>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/store_testing.h"

namespace kefu::store::sqlite {
namespace {

using testing::Append;
using testing::Flush;
using testing::Msg;
using testing::Seed;
using testing::Seeded;
using testing::TempDir;
using testing::WriterGate;

Result<std::unique_ptr<SqliteStore>> OpenAt(const std::string& path,
                                            const std::string& sync = "full",
                                            FaultInjector* faults = nullptr) {
  SqliteOptions o;
  o.path = path;
  o.synchronous = sync;
  o.faults = faults;
  return SqliteStore::Open(o);
}

// The rows of a one-column query, read with a private connection.
std::vector<std::string> Column(const std::string& path, const char* sql) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK) {
      while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char* t = sqlite3_column_text(s, 0);
        out.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "");
      }
    }
    sqlite3_finalize(s);
  }
  sqlite3_close_v2(db);
  return out;
}

TEST(SqlitePragmas, SynchronousFollowsTheOption) {
  struct Case {
    const char* option;
    int want;
  };
  for (Case c : {Case{"full", 2}, Case{"normal", 1}, Case{"off", 0}}) {
    TempDir dir;
    auto s = OpenAt(dir.File("kefu.db"), c.option);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto got = (*s)->WriterSynchronousForTesting();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, c.want) << c.option;
  }
}

TEST(SqlitePragmas, DefaultsToFullAndWal) {
  TempDir dir;
  SqliteOptions o;
  o.path = dir.File("kefu.db");
  auto s = SqliteStore::Open(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->WriterSynchronousForTesting(), 2);
  EXPECT_EQ(Column(o.path, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
}

TEST(SqliteMigrations, AreNumberedFromOneWithoutGaps) {
  int want = 1;
  for (const Migration& m : Migrations()) EXPECT_EQ(m.version, want++) << m.name;
  EXPECT_EQ(LatestSchemaVersion(), want - 1);
}

TEST(SqliteMigrations, AppliedOnceAndReopenIsANoOp) {
  TempDir dir;
  const std::string path = dir.File("kefu.db");
  for (int open = 0; open < 2; ++open) {
    auto s = OpenAt(path);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(*(*s)->SchemaVersionForTesting(), LatestSchemaVersion());
  }
  auto versions = Column(path, "SELECT version FROM schema_migrations ORDER BY version");
  EXPECT_EQ(versions.size(), Migrations().size());
  auto tables = Column(path, "SELECT name FROM sqlite_master WHERE type = 'table'");
  std::set<std::string> have(tables.begin(), tables.end());
  for (const char* t :
       {"tenants", "users", "api_keys", "contacts", "channels", "conversations", "messages",
        "uploads", "events", "outbox", "pending_replies", "settings", "schema_migrations",
        "bot_packages", "bot_package_files", "sessions", "audit_log"}) {
    EXPECT_TRUE(have.count(t)) << t;
  }
  auto indexes = Column(path, "SELECT name FROM sqlite_master WHERE type = 'index'");
  std::set<std::string> idx(indexes.begin(), indexes.end());
  for (const char* i : {"messages_seq", "messages_client_id", "users_email", "tenants_public_key",
                        "api_keys_secret", "contacts_token", "contacts_external_id"}) {
    EXPECT_TRUE(idx.count(i)) << i;
  }
}

TEST(SqliteMigrations, EveryTableCarriesTenantId) {
  TempDir dir;
  const std::string path = dir.File("kefu.db");
  ASSERT_TRUE(OpenAt(path).ok());
  for (const char* t : {"users", "api_keys", "contacts", "channels", "conversations", "messages",
                        "uploads", "events", "outbox", "pending_replies", "settings",
                        "bot_packages", "bot_package_files", "sessions", "audit_log"}) {
    auto cols =
        Column(path, (std::string("SELECT name FROM pragma_table_info('") + t + "')").c_str());
    EXPECT_NE(std::find(cols.begin(), cols.end(), "tenant_id"), cols.end()) << t;
  }
}

TEST(SqliteMigrations, RefusesADatabaseFromTheFuture) {
  TempDir dir;
  const std::string path = dir.File("kefu.db");
  ASSERT_TRUE(OpenAt(path).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999, 0)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(OpenAt(path).status().code(), Code::kInternal);
}

// ---- fault injection ---------------------------------------------------------

struct FaultCase {
  const char* name;
  std::atomic<bool> FaultInjector::*flag;
};

class SqliteFaultTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  void SetUp() override {
    path_ = dir_.File("kefu.db");
    opts_.path = path_;
    opts_.faults = &faults_;
    opts_.on_commit = [this](size_t, int64_t, bool ok) { (ok ? commits_ok_ : commits_failed_)++; };
    auto s = SqliteStore::Open(opts_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void SetFault(bool on) { (faults_.*(GetParam().flag)) = on; }
  std::vector<int64_t> Seqs(Store& s) {
    auto msgs = s.ReadMessages(seed_.tenant.id, seed_.conversation.id, 0, 1000);
    EXPECT_TRUE(msgs.ok()) << msgs.status().ToString();
    std::vector<int64_t> out;
    if (msgs.ok()) {
      for (const Message& m : *msgs) out.push_back(m.seq);
    }
    return out;
  }

  TempDir dir_;
  std::string path_;
  FaultInjector faults_;
  SqliteOptions opts_;
  std::atomic<int> commits_ok_{0}, commits_failed_{0};
  std::unique_ptr<SqliteStore> store_;
  Seeded seed_;
};

TEST_P(SqliteFaultTest, FailedCommitLeavesNothingAndTheWriterRecovers) {
  seed_ = Seed(*store_, "acme");
  ASSERT_TRUE(Append(*store_, Msg(seed_, "a"))->seq == 1);

  SetFault(true);
  NewMessage b = Msg(seed_, "b");
  b.expects_reply = true;
  b.events.push_back({"message.created", "{}"});
  b.outbox.push_back({"webhook", "{}"});
  auto failed = Append(*store_, b);
  EXPECT_EQ(failed.status().code(), Code::kIoError);
  EXPECT_FALSE(failed.status().message().empty());
  EXPECT_GE(commits_failed_.load(), 1);
  EXPECT_EQ(Seqs(*store_), std::vector<int64_t>{1});
  EXPECT_EQ(store_->ListEvents(seed_.tenant.id, 0, 10)->size(), 0u);
  EXPECT_EQ(store_->ListOutbox(seed_.tenant.id, 10)->size(), 0u);
  EXPECT_EQ(store_->ListPendingReplies(10)->size(), 0u);
  EXPECT_EQ(store_->GetConversation(seed_.tenant.id, seed_.conversation.id)->last_seq, 1);

  SetFault(false);
  auto retried = Append(*store_, b);  // the client resends the same client_id
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->seq, 2);  // gap-free: the failed attempt burnt nothing
  EXPECT_FALSE(retried->duplicate);
  EXPECT_EQ(Append(*store_, Msg(seed_, "c"))->seq, 3);
  EXPECT_EQ(Seqs(*store_), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(store_->ListEvents(seed_.tenant.id, 0, 10)->size(), 1u);

  store_.reset();
  auto reopened = Store::OpenSqlite({.path = path_});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(Seqs(**reopened), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ((*reopened)->ListPendingReplies(10)->size(), 1u);
}

TEST_P(SqliteFaultTest, AFailedGroupFailsEveryWriteInIt) {
  seed_ = Seed(*store_, "acme");
  std::vector<Result<AppendResult>> results;
  {
    WriterGate gate(*store_);
    for (const char* id : {"x", "y", "z"}) {
      store_->AppendMessage(Msg(seed_, id),
                            [&](Result<AppendResult> r) { results.push_back(std::move(r)); });
    }
    SetFault(true);
  }
  ASSERT_TRUE(Flush(*store_).ok());
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_EQ(r.status().code(), Code::kIoError);
  EXPECT_TRUE(Seqs(*store_).empty());

  SetFault(false);
  EXPECT_EQ(Append(*store_, Msg(seed_, "y"))->seq, 1);
  EXPECT_EQ(Append(*store_, Msg(seed_, "x"))->seq, 2);
  EXPECT_EQ(Append(*store_, Msg(seed_, "y"))->seq, 1);  // now a duplicate
}

INSTANTIATE_TEST_SUITE_P(Faults, SqliteFaultTest,
                         ::testing::Values(FaultCase{"syncs", &FaultInjector::fail_syncs},
                                           FaultCase{"writes", &FaultInjector::fail_writes}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SqliteFaults, InjectorOfOneDatabaseDoesNotTouchAnother) {
  TempDir dir;
  FaultInjector faults;
  auto faulty = OpenAt(dir.File("a.db"), "full", &faults);
  auto healthy = OpenAt(dir.File("b.db"), "full", nullptr);
  ASSERT_TRUE(faulty.ok() && healthy.ok());
  Seeded a = Seed(**faulty, "a");
  Seeded b = Seed(**healthy, "b");
  faults.fail_syncs = true;
  EXPECT_EQ(Append(**faulty, Msg(a, "1")).status().code(), Code::kIoError);
  EXPECT_TRUE(Append(**healthy, Msg(b, "1")).ok());
  faults.fail_syncs = false;
  EXPECT_TRUE(Append(**faulty, Msg(a, "1")).ok());
}

}  // namespace
}  // namespace kefu::store::sqlite

namespace kefu::store::sqlite {
namespace {

// Commits never run a checkpoint themselves: a thread of the store copies
// the WAL into the database as it grows, and Close leaves an empty WAL.
TEST(SqliteCheckpoints, DatabaseFillsWhileOpenAndTheWalIsEmptyAfterClose) {
  testing::TempDir dir;
  const std::string path = dir.File("kefu.db");
  auto s = OpenAt(path);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  testing::Seeded seeded = testing::Seed(**s, "t");
  const std::string text(1000, 'x');
  std::atomic<int> failed{0};
  for (int i = 0; i < 6000; ++i) {  // ~6 MB: well past the 1000-page mark
    (*s)->AppendMessage(testing::Msg(seeded, "m" + std::to_string(i), text),
                        [&failed](Result<AppendResult> r) { failed += !r.ok(); });
  }
  ASSERT_TRUE(testing::Flush(**s).ok());
  EXPECT_EQ(failed.load(), 0);
  // The database file itself fills up while the store stays open.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::filesystem::file_size(path) < 4'000'000 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(std::filesystem::file_size(path), 4'000'000u);
  (*s)->Close();
  s->reset();
  std::error_code ec;  // SQLite may delete an empty WAL with the last connection
  auto wal = std::filesystem::file_size(path + "-wal", ec);
  EXPECT_TRUE(ec || wal == 0) << wal << " bytes of WAL left";
  auto reopened = OpenAt(path);
  ASSERT_TRUE(reopened.ok());
  auto msgs = (*reopened)->ReadMessages(seeded.tenant.id, seeded.conversation.id, 5990, 100);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(msgs->size(), 10u);
}

}  // namespace
}  // namespace kefu::store::sqlite
