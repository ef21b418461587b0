// kefu chat --bot DIR: a conversation with a bot package in the terminal.
// Each line typed is one customer message; the bot's replies follow, and
// under them one line of what the bot understood (language and script,
// intent or FAQ entry and its confidence, the policy that answered, the
// flow step, entities, emotion, a handoff). Lines starting with `/` are
// commands: /photo ID sends an attachment, /state prints the dialogue
// state, /reset starts a new conversation, /quit ends.
//
// Flows' HTTP actions go to integrations.yaml's base_url, or to
// --integrations-url; --demo-orders starts the demo order service in the
// process and points the actions at it.
#include <CLI/CLI.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <future>
#include <iostream>
#include <thread>

#include "app/bot_runtime.h"
#include "app/tools.h"
#include "core/clock.h"
#include "dialog/bot.h"
#include "server/http_client.h"

namespace kefu::app {
namespace {

std::string Describe(const Json& a) {
  std::string out = "  · " + a.value("language", "") + "/" + a.value("script", "");
  std::string intent = a.value("intent", "");
  if (!intent.empty()) {
    char conf[32];
    std::snprintf(conf, sizeof conf, " %.2f", a.value("confidence", 0.0));
    out += "  " + intent + conf;
  }
  out += "  policy=" + a.value("policy", "");
  if (a.contains("flow")) {
    out += "  flow=" + a["flow"].get<std::string>();
    if (a.contains("step")) out += ":" + a["step"].get<std::string>();
  }
  if (a.contains("entities") && !a["entities"].empty()) {
    out += "  entities=";
    bool first = true;
    for (const auto& e : a["entities"]) {
      out += (first ? "" : ",") + e.value("name", "") + ":" + e.value("value", "");
      first = false;
    }
  }
  if (a.contains("emotion")) {
    std::string label = a["emotion"].value("label", "neutral");
    if (label != "neutral") {
      char buf[48];
      std::snprintf(buf, sizeof buf, "  emotion=%s %.2f", label.c_str(),
                    a["emotion"].value("intensity", 0.0));
      out += buf;
    }
  }
  if (a.contains("calls")) {
    for (const auto& c : a["calls"]) {
      out += "  call " + c.value("action", "") + "→" +
             (c.contains("status") ? std::to_string(c["status"].get<int>()) : c.value("error", ""));
    }
  }
  if (a.contains("handoff")) out += "  HANDOFF(" + a["handoff"].get<std::string>() + ")";
  return out;
}

}  // namespace

int RunChat(int argc, char** argv) {
  CLI::App app{"A conversation with a bot package in the terminal"};
  BotRuntimeOptions o;
  bool quiet = false;
  app.add_option("--bot", o.bot_dir, "The bot package folder")->required();
  app.add_option("--tone", o.tone, "Persona tone instead of bot.yaml's: warm, formal, brief");
  app.add_option("--integrations-url", o.integrations_url,
                 "Base URL of the HTTP actions instead of integrations.yaml's");
  app.add_flag("--demo-orders", o.demo_orders,
               "Start the demo order service in this process for the actions");
  app.add_option("--demo-orders-data", o.demo_orders_data, "The demo order service's orders");
  app.add_flag("--quiet", quiet, "Replies only, without what the bot understood");
  CLI11_PARSE(app, argc, argv);

  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });
  auto stop = [&] {
    guard.reset();
    io.stop();
    io_thread.join();
  };

  std::fprintf(stderr, "loading %s …\n", o.bot_dir.c_str());
  auto started = StartBotRuntime(o, io.get_executor());
  if (!started.ok()) {
    std::fprintf(stderr, "kefu chat: %s\n", started.status().message().c_str());
    stop();
    return 2;
  }
  std::unique_ptr<BotRuntime> runtime = std::move(*started);
  const dialog::Bot& bot = *runtime->bot;
  if (runtime->orders) {
    std::fprintf(stderr, "demo order service on http://127.0.0.1:%u\n", runtime->orders->port());
  }
  std::fprintf(stderr, "ready (trained in %.1f s). /photo ID, /state, /reset, /quit\n",
               bot.understanding().train_seconds());

  dialog::DialogState state;
  std::printf("bot> %s\n", bot.Greeting("", text::Variant::kSimplified).c_str());
  std::fflush(stdout);
  std::string line;
  std::vector<std::string> attachments;
  while (std::printf("you> "), std::fflush(stdout), std::getline(std::cin, line)) {
    if (line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      state = dialog::DialogState{};
      std::printf("bot> %s\n", bot.Greeting("", text::Variant::kSimplified).c_str());
      continue;
    }
    if (line == "/state") {
      std::printf("%s\n", state.ToJson().dump(2).c_str());
      continue;
    }
    if (line.rfind("/photo", 0) == 0) {
      std::string id = line.size() > 7 ? line.substr(7) : "upl_demo_photo";
      attachments.push_back(id);
      line.clear();
    }
    dialog::BotMessage msg{line, std::move(attachments), Clock::Real()->NowMillis()};
    attachments.clear();
    std::promise<dialog::TurnResult> turn;
    auto result = turn.get_future();
    bot.Respond(state, std::move(msg),
                [&turn](dialog::TurnResult r) { turn.set_value(std::move(r)); });
    dialog::TurnResult r = result.get();
    for (const auto& reply : r.replies) std::printf("bot> %s\n", reply.c_str());
    if (!quiet) std::printf("%s\n", Describe(r.annotations).c_str());
    std::fflush(stdout);
    state = std::move(r.state);
  }
  runtime.reset();  // the bot and the service go before the io_context
  stop();
  return 0;
}

}  // namespace kefu::app
