// kefu: one binary, subcommands (serve, backup, version) and offline tools
// (app/tools.h).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>

#include "app/bot_responder.h"
#include "app/config.h"
#include "app/tools.h"
#include "core/log.h"
#include "server/server.h"
#include "store/store.h"

namespace {

int Backup(const kefu::app::Cli& cli) {
  kefu::store::SqliteOptions so;
  so.path = (std::filesystem::path(cli.serve.data_dir) / "kefu.db").string();
  if (!std::filesystem::exists(so.path)) {
    std::fprintf(stderr, "kefu backup: no database at %s\n", so.path.c_str());
    return 1;
  }
  so.read_connections = 1;
  auto store = kefu::store::Store::OpenSqlite(so);
  if (!store.ok()) {
    std::fprintf(stderr, "kefu backup: %s\n", store.status().ToString().c_str());
    return 1;
  }
  kefu::Status s = (*store)->Backup(cli.backup_file);
  (*store)->Close();
  if (!s.ok()) {
    std::fprintf(stderr, "kefu backup: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("backup written to %s\n", cli.backup_file.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    for (const kefu::app::Tool& tool : kefu::app::Tools()) {
      if (argv[1] == tool.name) return tool.run(argc - 1, argv + 1);
    }
  }
  kefu::app::Cli cli;
  if (int code = kefu::app::ParseCli(argc, argv, &cli); code >= 0) return code;
  kefu::InitLogging(cli.log_level, cli.log_json);
  if (cli.command == "version") {
    std::printf("kefu 0.1.0\n");
    return 0;
  }
  if (cli.command == "backup") return Backup(cli);
  if (cli.serve.responder == "bot") {
    if (cli.bot.bot_dir.empty()) {
      std::fprintf(stderr, "kefu serve: --responder bot needs --bot DIR\n");
      return 2;
    }
    cli.serve.make_responder = [&cli](const kefu::server::ResponderEnv& env) {
      return kefu::app::MakeBotResponder(cli.bot, env.io, env.store, env.executor,
                                         env.agents_online, env.queue_open);
    };
  }
  return kefu::server::RunServer(cli.serve);
}
