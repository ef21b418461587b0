#include "app/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kefu::app {
namespace {

int Parse(std::vector<std::string> args, Cli* cli) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return ParseCli(static_cast<int>(argv.size()), argv.data(), cli);
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = std::filesystem::temp_directory_path() / ("kefu-cli-" + std::to_string(::getpid()) + ".ini");
    std::ofstream(file_) << "[serve]\nport=1111\nsync=normal\ndata-dir=/from/file\n";
    ::unsetenv("KEFU_PORT");
    ::unsetenv("KEFU_SYNC");
  }
  void TearDown() override {
    ::unsetenv("KEFU_PORT");
    std::filesystem::remove(file_);
  }
  std::filesystem::path file_;
};

TEST_F(CliTest, FileThenEnvironmentThenFlags) {
  Cli from_file;
  ASSERT_EQ(Parse({"kefu", "serve", "--config", file_.string()}, &from_file), -1);
  EXPECT_EQ(from_file.command, "serve");
  EXPECT_EQ(from_file.serve.port, 1111);
  EXPECT_EQ(from_file.serve.sync, "normal");
  EXPECT_EQ(from_file.serve.data_dir, "/from/file");

  ::setenv("KEFU_PORT", "2222", 1);
  Cli from_env;
  ASSERT_EQ(Parse({"kefu", "serve", "--config", file_.string()}, &from_env), -1);
  EXPECT_EQ(from_env.serve.port, 2222);
  EXPECT_EQ(from_env.serve.sync, "normal") << "the file still counts for what env does not set";

  Cli from_flag;
  ASSERT_EQ(Parse({"kefu", "serve", "--config", file_.string(), "--port", "3333"}, &from_flag), -1);
  EXPECT_EQ(from_flag.serve.port, 3333);
}

TEST_F(CliTest, DefaultsAreDurable) {
  Cli cli;
  ASSERT_EQ(Parse({"kefu", "serve"}, &cli), -1);
  EXPECT_EQ(cli.serve.sync, "full");
  EXPECT_EQ(cli.serve.port, 8080);
  EXPECT_EQ(cli.serve.data_dir, "var");
}

TEST_F(CliTest, BadValuesAreRefusedWithAnExitCode) {
  Cli cli;
  EXPECT_GT(Parse({"kefu", "serve", "--sync", "sometimes"}, &cli), 0);
  EXPECT_GT(Parse({"kefu", "serve", "--port", "http"}, &cli), 0);
  EXPECT_GT(Parse({"kefu"}, &cli), 0) << "a subcommand is required";
  EXPECT_EQ(Parse({"kefu", "version"}, &cli), -1);
  EXPECT_EQ(cli.command, "version");
}

}  // namespace
}  // namespace kefu::app
