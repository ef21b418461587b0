#include "store/store.h"

#include "store/sqlite/sqlite_store.h"

namespace kefu::store {

const char* SenderName(Sender s) {
  switch (s) {
    case Sender::kContact:
      return "contact";
    case Sender::kBot:
      return "bot";
    case Sender::kAgent:
      return "agent";
    case Sender::kSystem:
      return "system";
  }
  return "system";
}

std::optional<Sender> ParseSender(std::string_view name) {
  if (name == "contact") return Sender::kContact;
  if (name == "bot") return Sender::kBot;
  if (name == "agent") return Sender::kAgent;
  if (name == "system") return Sender::kSystem;
  return std::nullopt;
}

Result<std::unique_ptr<Store>> Store::OpenSqlite(const SqliteOptions& opts) {
  Result<std::unique_ptr<sqlite::SqliteStore>> s = sqlite::SqliteStore::Open(opts);
  if (!s.ok()) return s.status();
  return std::unique_ptr<Store>(std::move(*s));
}

}  // namespace kefu::store
