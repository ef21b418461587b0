// Online backup while a client writes, then restore: everything acked
// before the backup started is back.
#include <filesystem>
#include <thread>

#include "harness.h"

namespace kefu::it {
namespace {

using namespace std::chrono_literals;

class BackupTest : public ServerTest {};

TEST_F(BackupTest, OnlineBackupThenRestoreKeepsWhatWasAckedBefore) {
  WidgetLoad load(port(), tenant_.public_key, /*connections=*/2, /*window=*/4);
  ASSERT_TRUE(Eventually([&] { return load.acked_count() >= 50; }, 10s));
  auto before = load.Acked();
  size_t acked_before = load.acked_count();

  const std::string dir = server_->data_dir();
  const std::string file = dir + "/backup-copy.db";
  int code = RunCommand({KEFU_BINARY, "backup", file, "--data-dir", dir}, dir + "/backup.log");
  EXPECT_EQ(code, 0) << "kefu backup failed; backup.log and server.log in " << dir;
  ASSERT_TRUE(std::filesystem::exists(file));
  std::this_thread::sleep_for(200ms);
  size_t acked_after = load.acked_count();
  load.Stop();
  EXPECT_GT(acked_after, acked_before) << "writes stalled during the backup";
  EXPECT_EQ(server_->Terminate(), 0);

  std::filesystem::copy_file(file, server_->db_path(),
                             std::filesystem::copy_options::overwrite_existing);
  std::error_code ec;
  std::filesystem::remove(server_->db_path() + "-wal", ec);
  std::filesystem::remove(server_->db_path() + "-shm", ec);
  ASSERT_TRUE(server_->Restart());

  for (const auto& [conv, list] : before) {
    std::vector<Json> msgs = FetchMessages(port(), tenant_.api_key, conv);
    EXPECT_EQ(CheckAckedPresent(msgs, list), "") << "conversation " << conv;
  }
  // The restored server works: the tenant and its keys are there.
  WidgetSession s = OpenWidget(port(), tenant_.public_key);
  ASSERT_TRUE(s.ws);
  ASSERT_TRUE(s.ws->SendMessage("after-restore", "hello again"));
  EXPECT_TRUE(s.ws->WaitFor(IsAck("after-restore")));
}

}  // namespace
}  // namespace kefu::it
