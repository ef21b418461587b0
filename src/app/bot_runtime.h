// A bot package made ready to answer: loaded, trained, with the HTTP client
// its flows' actions use and, for the demo, the demo order service they
// call. `kefu chat` and `kefu serve --bot` start one.
//
// Thread-safety: Start is CPU-heavy (it trains the bot; seconds). The
// runtime's bot is then const and thread-safe (dialog/bot.h).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "app/demo_orders.h"
#include "core/http_client.h"
#include "core/status.h"
#include "dialog/bot.h"
#include "text/text.h"

namespace kefu::app {

struct BotRuntimeOptions {
  std::string bot_dir;           // the bot package folder
  std::string tone;              // instead of bot.yaml's persona.tone (empty: its own)
  std::string integrations_url;  // instead of integrations.yaml's base_url (empty: its own)
  // Start the demo order service on 127.0.0.1 and point the actions at it
  // (unless integrations_url is given).
  bool demo_orders = false;
  std::string demo_orders_data;   // empty: <bot_dir>/demo/orders.json
  uint16_t demo_orders_port = 0;  // 0: an ephemeral port
};

struct BotRuntime {
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<DemoOrderService> orders;  // when demo_orders
  std::shared_ptr<const dialog::Bot> bot;

  // Loads and trains the package folder again, with the same options, HTTP
  // client and actions' address (a reload). Does not touch `bot`.
  // Errors: those of StartBotRuntime's package and bot.
  Result<std::shared_ptr<const dialog::Bot>> BuildBot() const;

  BotRuntimeOptions options;
  std::shared_ptr<const text::Analyzer> analyzer;
  std::string base_url;  // where the actions go (empty: the package's own)
  ~BotRuntime();
};

// Loads and builds everything; `ex` runs the HTTP client and the demo order
// service. Errors: the package's problems (kNotFound, kInvalidArgument with
// `file:line: …` lines), the demo order service's (kIoError when its port is
// taken), the bot's (dialog::Bot::Build).
Result<std::unique_ptr<BotRuntime>> StartBotRuntime(const BotRuntimeOptions& options,
                                                    boost::asio::any_io_executor ex);

}  // namespace kefu::app
