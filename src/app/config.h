// The command line of the `kefu` binary (CLI11): subcommands and the options
// of each. Settings come from a config file (--config, INI or TOML), then
// the environment (KEFU_*), then flags: each overrides the one before.
#pragma once

#include <string>

#include "app/bot_runtime.h"
#include "server/server.h"

namespace kefu::app {

struct Cli {
  std::string command;  // "serve", "backup", "version"
  server::ServerOptions serve;
  BotRuntimeOptions bot;  // serve --bot DIR: the bot answers
  std::string backup_file;
  std::string log_level = "info";
  bool log_json = false;
};

// Parses argv. Returns -1 to go on, or an exit code (help printed, bad
// arguments explained).
int ParseCli(int argc, char** argv, Cli* cli);

}  // namespace kefu::app
