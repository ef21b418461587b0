// Offline tools of the `kefu` binary (eval-intents, eval-faq, eval-emotion):
// each parses its own options (CLI11) and returns the process's exit code.
// They run without a server; `kefu --help` lists them beside `serve`.
#pragma once

#include <span>
#include <string_view>

namespace kefu::app {

struct Tool {
  std::string_view name;     // the subcommand: "eval-intents"
  std::string_view summary;  // one line for `kefu --help`
  // argv[0] is the tool's name; argv[1..] its options.
  int (*run)(int argc, char** argv);
};

// Every tool, in the order `kefu --help` lists them.
std::span<const Tool> Tools();

// Each in its own file, src/app/tool_<name>.cc.
int RunEvalIntents(int argc, char** argv);
int RunEvalFaq(int argc, char** argv);
int RunEvalEmotion(int argc, char** argv);
int RunEvalBot(int argc, char** argv);  // tool_eval_bot.cc: `kefu eval --bot DIR`
int RunChat(int argc, char** argv);     // tool_chat.cc: `kefu chat --bot DIR`
int RunDemoOrders(int argc, char** argv);  // tool_demo_orders.cc: `kefu demo-orders`
int RunTrain(int argc, char** argv);       // tool_train.cc: `kefu train --bot DIR`
int RunImport(int argc, char** argv);      // tool_package.cc: `kefu import --bot DIR`
int RunExport(int argc, char** argv);      // tool_package.cc: `kefu export --out DIR`
int RunCreateTenant(int argc, char** argv);  // tool_tenant.cc: `kefu create-tenant`

}  // namespace kefu::app
