#include "app/tools.h"

namespace kefu::app {

std::span<const Tool> Tools() {
  static constexpr Tool kTools[] = {
      {"eval-intents",
       "Train intents on a CSV, evaluate on another: accuracy, macro-F1, out-of-scope (JSON)",
       RunEvalIntents},
      {"eval-faq", "Index an FAQ CSV, rank queries: recall@1/5, MRR, answer/abstain rates (JSON)",
       RunEvalFaq},
      {"eval-emotion",
       "Score emotions of a labelled CSV: accuracy, macro-F1, recall per label (JSON)",
       RunEvalEmotion},
      {"chat",
       "Talk to a bot package in the terminal and see what it understood, turn by turn",
       RunChat},
      {"eval",
       "Evaluate a bot package on labelled messages: accuracy, out-of-scope recall, per script "
       "(JSON)",
       RunEvalBot},
      {"demo-orders",
       "Serve the demo shop's order system over HTTP (orders, returns, addresses, invoices)",
       RunDemoOrders},
      {"train",
       "Validate and train a bot package; list the examples the trained bot confuses, with "
       "file:line",
       RunTrain},
      {"import",
       "Validate a bot package folder and store it in the database as the tenant's next version",
       RunImport},
      {"export", "Write a bot package version from the database into a new folder (or --list)",
       RunExport},
      {"create-tenant",
       "Create another tenant with its admin user and an admin API key (prints them as JSON)",
       RunCreateTenant},
  };
  return kTools;
}

}  // namespace kefu::app
