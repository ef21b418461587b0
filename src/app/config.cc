#include "app/config.h"
#include "app/tools.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace kefu::app {
namespace {

bool OnCommandLine(const CLI::Option& opt, const std::vector<std::string>& args) {
  for (const std::string& name : opt.get_lnames()) {
    const std::string flag = "--" + name;
    for (const std::string& a : args) {
      if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
    }
  }
  return false;
}

// CLI11 lets a config file win over the environment; kefu's order is file,
// then environment, then flags. So each KEFU_* variable is applied again to
// the options the command line did not set. Throws CLI::ParseError.
void ApplyEnvironment(CLI::App& app, const std::vector<std::string>& args) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string& env = opt->get_envname();
    if (env.empty() || env == "KEFU_CONFIG") continue;
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || OnCommandLine(*opt, args)) continue;
    opt->clear();
    opt->add_result(value);
    opt->run_callback();
  }
  for (CLI::App* sub : app.get_subcommands()) ApplyEnvironment(*sub, args);
}

}  // namespace

int ParseCli(int argc, char** argv, Cli* cli) {
  CLI::App app{
      "kefu — self-hosted AI customer service.\n"
      "Settings come from --config FILE, then KEFU_* environment variables, then flags;\n"
      "each overrides the one before."};
  app.set_config("--config", "", "Read settings from this INI/TOML file")->envname("KEFU_CONFIG");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.add_option("--log-level", cli->log_level, "trace|debug|info|warn|error|off")
      ->envname("KEFU_LOG_LEVEL")
      ->capture_default_str();
  app.add_flag("--log-json", cli->log_json, "Log one JSON object per line")
      ->envname("KEFU_LOG_JSON");

  auto& o = cli->serve;
  auto* serve = app.add_subcommand("serve", "Run the server (HTTP API, widget WebSocket, bot)");
  serve->add_option("--listen", o.listen, "Address to listen on")
      ->envname("KEFU_LISTEN")
      ->capture_default_str();
  serve->add_option("--port", o.port, "TCP port; 0 picks a free one (see --port-file)")
      ->envname("KEFU_PORT")
      ->capture_default_str();
  serve->add_option("--port-file", o.port_file, "Write the bound port to this file once listening")
      ->envname("KEFU_PORT_FILE");
  serve->add_option("--data-dir", o.data_dir, "Where the database (kefu.db) and uploads live")
      ->envname("KEFU_DATA_DIR")
      ->capture_default_str();
  serve->add_option("--static-dir", o.static_dir, "Serve the files of this folder at /")
      ->envname("KEFU_STATIC_DIR");
  serve
      ->add_option("--console-dir", o.console_dir,
                   "Serve the agent console (web/console/dist) at /console/")
      ->envname("KEFU_CONSOLE_DIR");
  serve->add_option("--threads", o.threads, "I/O threads; 0 = one per core")
      ->envname("KEFU_THREADS")
      ->capture_default_str();
  serve
      ->add_option("--sync", o.sync,
                   "Durability of each acknowledged write: full (on disk, survives power loss), "
                   "normal (survives a crash of kefu), off")
      ->envname("KEFU_SYNC")
      ->check(CLI::IsMember({"full", "normal", "off"}))
      ->capture_default_str();
  serve
      ->add_option("--max-queue", o.max_queue,
                   "Store writes allowed to wait; beyond, messages are refused with 'busy'")
      ->envname("KEFU_MAX_QUEUE")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  serve->add_option("--max-body", o.limits.max_body, "Largest HTTP request body, bytes")
      ->envname("KEFU_MAX_BODY")
      ->capture_default_str();
  serve->add_option("--max-upload", o.limits.max_upload, "Largest upload, bytes")
      ->envname("KEFU_MAX_UPLOAD")
      ->capture_default_str();
  serve->add_option("--max-frame", o.limits.max_frame, "Largest WebSocket message, bytes")
      ->envname("KEFU_MAX_FRAME")
      ->capture_default_str();
  serve
      ->add_option("--idle-timeout", o.limits.idle_timeout_s,
                   "Close connections idle this long, seconds")
      ->envname("KEFU_IDLE_TIMEOUT")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  serve
      ->add_option("--read-timeout", o.limits.read_timeout_s,
                   "A request must arrive within this, seconds")
      ->envname("KEFU_READ_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve
      ->add_option("--shutdown-timeout", o.shutdown_timeout_s,
                   "On SIGTERM, wait this long for in-flight work, seconds")
      ->envname("KEFU_SHUTDOWN_TIMEOUT")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  serve
      ->add_option("--bootstrap-token", o.bootstrap_token,
                   "One-time token for POST /api/v1/bootstrap (default: generated and printed)")
      ->envname("KEFU_BOOTSTRAP_TOKEN");
  serve
      ->add_option("--responder", o.responder,
                   "Who answers customers: echo (load tests), none (messages wait for "
                   "humans), or bot (set by --bot)")
      ->envname("KEFU_RESPONDER")
      ->check(CLI::IsMember({"echo", "none", "bot"}))
      ->capture_default_str();
  serve
      ->add_option("--bot", cli->bot.bot_dir,
                   "Answer customers with the bot package in this folder (e.g. examples/shop); "
                   "POST /api/v1/bot/reload loads it again")
      ->envname("KEFU_BOT");
  serve
      ->add_option("--tone", cli->bot.tone,
                   "The bot's tone instead of its persona's: warm, formal, brief")
      ->envname("KEFU_TONE")
      ->check(CLI::IsMember({"warm", "formal", "brief"}));
  serve
      ->add_option("--integrations-url", cli->bot.integrations_url,
                   "Where the bot's flows send their HTTP actions, instead of the package's "
                   "integrations.yaml base_url")
      ->envname("KEFU_INTEGRATIONS_URL");
  serve
      ->add_flag("--demo-orders", cli->bot.demo_orders,
                 "Also run the demo order service (the package's demo/orders.json) on "
                 "127.0.0.1 and send the bot's actions there")
      ->envname("KEFU_DEMO_ORDERS");
  serve
      ->add_option("--responder-delay-ms", o.responder_delay_ms,
                   "Delay every answer by this many ms (testing recovery)")
      ->envname("KEFU_RESPONDER_DELAY_MS")
      ->capture_default_str();
  serve
      ->add_option("--agent-grace-ms", o.agent_grace_ms,
                   "An agent whose console is gone this long loses their chats to the queue, ms")
      ->envname("KEFU_AGENT_GRACE_MS")
      ->check(CLI::Range(int64_t{0}, int64_t{3600} * 1000))
      ->capture_default_str();
  serve
      ->add_option("--session-lifetime-ms", o.session_lifetime_ms,
                   "A sign-in (the console's session) lasts this long, ms")
      ->envname("KEFU_SESSION_LIFETIME_MS")
      ->check(CLI::Range(int64_t{1000}, int64_t{30} * 24 * 3600 * 1000))
      ->capture_default_str();
  serve
      ->add_flag("--demo", o.demo,
                 "On an empty database, create the demo shop tenant (public key pk_demo_shop) "
                 "and print its admin password and API key")
      ->envname("KEFU_DEMO");
  serve->add_flag("--enable-fault-injection", o.enable_fault_injection,
                  "Expose POST /debug/faults to make the disk fail on purpose (tests only)");

  auto* backup = app.add_subcommand(
      "backup", "Copy the database to FILE with SQLite's online backup (safe while serving)");
  backup->add_option("FILE", cli->backup_file, "Where to write the backup")->required();
  backup->add_option("--data-dir", o.data_dir, "The data dir of the kefu to back up")
      ->envname("KEFU_DATA_DIR")
      ->capture_default_str();

  app.add_subcommand("version", "Print the version");
  // Offline tools parse their own options (main runs them before ParseCli);
  // listed here so `kefu --help` names them.
  for (const Tool& tool : Tools()) {
    app.add_subcommand(std::string(tool.name), std::string(tool.summary))->allow_extras();
  }

  try {
    app.parse(argc, argv);
    ApplyEnvironment(app, std::vector<std::string>(argv + 1, argv + argc));
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (const char* name : {"serve", "backup", "version"}) {
    if (app.got_subcommand(name)) cli->command = name;
  }
  if (!cli->bot.bot_dir.empty()) {
    if (OnCommandLine(*serve->get_option("--responder"), std::vector<std::string>(argv + 1, argv + argc)) &&
        o.responder != "bot") {
      std::fprintf(stderr, "--bot and --responder %s: choose one\n", o.responder.c_str());
      return 2;
    }
    o.responder = "bot";
  }
  return -1;
}

}  // namespace kefu::app
