#include "app/bot_runtime.h"

#include "dialog/package.h"
#include "server/http_client.h"

namespace kefu::app {

BotRuntime::~BotRuntime() {
  if (orders) orders->Stop();
}

Result<std::shared_ptr<const dialog::Bot>> BotRuntime::BuildBot() const {
  dialog::LoadOptions load;
  load.analyzer = analyzer.get();
  auto package = dialog::BotPackage::Load(options.bot_dir, load);
  if (!package.ok()) return package.status();
  dialog::BotOptions bo;
  bo.understanding.analyzer = analyzer;
  bo.http = http.get();
  bo.tone = options.tone;
  bo.base_url = base_url;
  auto bot = dialog::Bot::Build(*package, std::move(bo));
  if (!bot.ok()) return bot.status();
  return std::shared_ptr<const dialog::Bot>(std::move(*bot));
}

Result<std::unique_ptr<BotRuntime>> StartBotRuntime(const BotRuntimeOptions& options,
                                                    boost::asio::any_io_executor ex) {
  auto analyzer = text::Analyzer::Create();
  if (!analyzer.ok()) return analyzer.status();
  auto rt = std::make_unique<BotRuntime>();
  rt->options = options;
  rt->analyzer = std::shared_ptr<const text::Analyzer>(std::move(*analyzer));
  rt->base_url = options.integrations_url;
  rt->http = server::MakeHttpClient(ex);
  if (options.demo_orders) {
    std::string data = options.demo_orders_data.empty() ? options.bot_dir + "/demo/orders.json"
                                                        : options.demo_orders_data;
    auto book = DemoOrderBook::Load(data);
    if (!book.ok()) return Status(book.status().code(), data + ": " + book.status().message());
    DemoOrderServiceOptions so;
    so.port = options.demo_orders_port;
    auto service = DemoOrderService::Start(ex, std::move(*book), so);
    if (!service.ok()) return service.status();
    rt->orders = std::move(*service);
    if (rt->base_url.empty()) rt->base_url = "http://127.0.0.1:" + std::to_string(rt->orders->port());
  }
  auto bot = rt->BuildBot();
  if (!bot.ok()) return bot.status();
  rt->bot = std::move(*bot);
  return rt;
}

}  // namespace kefu::app
