// kefu create-tenant --name NAME --admin-email EMAIL [--admin-password PW]
//                    [--default-language zh-CN] [--data-dir var]
//
// Another tenant beside the first (POST /api/v1/bootstrap creates only the
// first one): the tenant, its admin user and an admin API key in one
// transaction. Prints one JSON object shaped like the bootstrap answer —
// {"tenant":{id,name,public_key,default_language},"admin":{id,email},
// "api_key":{id,prefix,secret}} — plus "admin.password" when it was
// generated. The key's secret is shown this once. Works beside a running
// server (SQLite WAL), like kefu import.
// Exit codes: 0 created, 1 refused (no database, the store's error), 2 bad options.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <future>

#include "app/tools.h"
#include "core/crypto.h"
#include "core/json.h"
#include "server/http_api.h"
#include "store/store.h"

namespace kefu::app {

int RunCreateTenant(int argc, char** argv) {
  CLI::App app{"Create another tenant with its admin user and an admin API key",
               "kefu create-tenant"};
  std::string name, email, password, language = "zh-CN", data_dir = "var";
  app.add_option("--name", name, "the tenant's name")->required();
  app.add_option("--admin-email", email, "the admin's e-mail (signs in to the console)")
      ->required();
  app.add_option("--admin-password", password,
                 "the admin's password, 8+ characters (default: generated and printed)")
      ->envname("KEFU_ADMIN_PASSWORD");
  app.add_option("--default-language", language, "the tenant's default language")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "kefu's data dir (kefu.db)")
      ->envname("KEFU_DATA_DIR")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
    if (!password.empty() && password.size() < 8) {
      throw CLI::ValidationError("--admin-password", "needs at least 8 characters");
    }
    if (email.find('@') == std::string::npos) {
      throw CLI::ValidationError("--admin-email", "must be an e-mail address");
    }
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "kefu create-tenant: %s\n", s.ToString().c_str());
    return 1;
  };
  if (!crypto::Init()) return fail(Status::Internal("libsodium failed to initialise"));
  const std::string path = (std::filesystem::path(data_dir) / "kefu.db").string();
  if (!std::filesystem::exists(path)) {
    return fail(Status::NotFound("no database at " + path + " (start kefu serve once first)"));
  }
  const bool generated = password.empty();
  if (generated) password = crypto::RandomToken("").substr(0, 16);
  auto hash = crypto::HashPassword(password);
  if (!hash.ok()) return fail(hash.status());

  store::SqliteOptions so;
  so.path = path;
  so.read_connections = 1;
  auto store = store::Store::OpenSqlite(so);
  if (!store.ok()) return fail(store.status());
  auto [key, secret] = server::MintApiKey(0, "admin", "admin");
  std::promise<Result<store::BootstrapResult>> done;
  (*store)->AddTenant(store::NewTenant{name, crypto::RandomToken("pk_"), language},
                      store::NewUser{0, email, "Admin", "admin", *hash}, std::move(key),
                      [&done](Result<store::BootstrapResult> r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  (*store)->Close();
  if (!r.ok()) return fail(r.status());
  Json out{{"tenant",
            {{"id", r->tenant.id},
             {"name", r->tenant.name},
             {"public_key", r->tenant.public_key},
             {"default_language", r->tenant.default_language}}},
           {"admin", {{"id", r->admin.id}, {"email", r->admin.email}}},
           {"api_key", {{"id", r->api_key.id}, {"prefix", r->api_key.prefix}, {"secret", secret}}}};
  if (generated) out["admin"]["password"] = password;
  std::printf("%s\n", DumpJson(out).c_str());
  return 0;
}

}  // namespace kefu::app
