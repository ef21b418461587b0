// kefu import --bot DIR [--data-dir var] [--tenant PUBLIC_KEY]
// kefu export --out DIR [--data-dir var] [--tenant PUBLIC_KEY] [--version N]
// kefu export --list     [--data-dir var] [--tenant PUBLIC_KEY]
//
// A bot package through the database, byte for byte: import validates the
// folder as `kefu serve --bot` would (every problem as file:line, nothing
// stored when there is one) and stores all its files as the tenant's next
// version; export writes a version (the newest by default) into a new
// folder. Both work beside a running server (SQLite WAL).
// Exit codes: 0 done, 1 refused (invalid package, unknown tenant or
// version, a non-empty --out, I/O), 2 bad options.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <future>

#include "app/package_files.h"
#include "app/tools.h"
#include "dialog/package.h"
#include "store/store.h"
#include "text/text.h"

namespace kefu::app {
namespace {

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir) {
  const std::string path = (std::filesystem::path(data_dir) / "kefu.db").string();
  if (!std::filesystem::exists(path)) {
    return Status::NotFound("no database at " + path + " (start kefu serve once first)");
  }
  store::SqliteOptions so;
  so.path = path;
  so.read_connections = 1;
  return store::Store::OpenSqlite(so);
}

// The tenant named by its public key, or the only one.
Result<store::Tenant> PickTenant(store::Store& store, const std::string& public_key) {
  if (!public_key.empty()) {
    auto t = store.FindTenantByPublicKey(public_key);
    if (!t.ok() && t.status().code() == Code::kNotFound) {
      return Status::NotFound("no tenant has the public key " + public_key);
    }
    return t;
  }
  auto tenants = store.ListTenants();
  if (!tenants.ok()) return tenants.status();
  if (tenants->empty()) return Status::NotFound("the database has no tenant yet");
  if (tenants->size() > 1) {
    std::string keys;
    for (const auto& t : *tenants) keys += " " + t.public_key;
    return Status::InvalidArgument("several tenants: choose one with --tenant (" + keys.substr(1) +
                                   ")");
  }
  return tenants->front();
}

int Fail(const char* tool, const Status& s) {
  std::fprintf(stderr, "kefu %s: %s\n", tool, s.ToString().c_str());
  return 1;
}

}  // namespace

int RunImport(int argc, char** argv) {
  CLI::App app{"Validate a bot package folder and store it in the database as the tenant's next "
               "version",
               "kefu import"};
  std::string dir, data_dir = "var", tenant_key;
  app.add_option("--bot", dir, "the bot package folder")->required();
  app.add_option("--data-dir", data_dir, "kefu's data dir (kefu.db)")
      ->envname("KEFU_DATA_DIR")
      ->capture_default_str();
  app.add_option("--tenant", tenant_key, "the tenant's public key (default: the only tenant)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  auto analyzer = text::Analyzer::Create();
  if (!analyzer.ok()) return Fail("import", analyzer.status());
  dialog::LoadOptions load;
  load.analyzer = analyzer->get();
  if (auto package = dialog::BotPackage::Load(dir, load); !package.ok()) {
    std::fprintf(stderr, "kefu import: %s\nnothing imported\n", package.status().message().c_str());
    return 1;
  }
  auto files = ReadPackageFiles(dir);
  if (!files.ok()) return Fail("import", files.status());
  auto store = OpenStore(data_dir);
  if (!store.ok()) return Fail("import", store.status());
  auto tenant = PickTenant(**store, tenant_key);
  if (!tenant.ok()) return Fail("import", tenant.status());
  store::NewBotPackage p{tenant->id, PackageSha256(*files),
                         std::filesystem::absolute(dir).lexically_normal().string(),
                         std::move(*files)};
  std::promise<Result<store::BotPackageVersion>> done;
  (*store)->PutBotPackage(std::move(p), [&done](Result<store::BotPackageVersion> r) {
    done.set_value(std::move(r));
  });
  auto v = done.get_future().get();
  (*store)->Close();
  if (!v.ok()) return Fail("import", v.status());
  std::printf("imported %s as version %lld of tenant %s: %lld files, %lld bytes, sha256 %s\n",
              dir.c_str(), static_cast<long long>(v->version), tenant->public_key.c_str(),
              static_cast<long long>(v->files), static_cast<long long>(v->bytes),
              v->sha256.c_str());
  return 0;
}

int RunExport(int argc, char** argv) {
  CLI::App app{"Write a bot package version stored by kefu import into a new folder",
               "kefu export"};
  std::string out, data_dir = "var", tenant_key;
  int64_t version = 0;
  bool list = false;
  app.add_option("--out", out, "the folder to create (must not exist or be empty)");
  app.add_option("--version", version, "which version (default: the newest)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_flag("--list", list, "list the stored versions instead");
  app.add_option("--data-dir", data_dir, "kefu's data dir (kefu.db)")
      ->envname("KEFU_DATA_DIR")
      ->capture_default_str();
  app.add_option("--tenant", tenant_key, "the tenant's public key (default: the only tenant)");
  try {
    app.parse(argc, argv);
    if (!list && out.empty()) throw CLI::RequiredError("--out (or --list)");
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  auto store = OpenStore(data_dir);
  if (!store.ok()) return Fail("export", store.status());
  auto tenant = PickTenant(**store, tenant_key);
  if (!tenant.ok()) return Fail("export", tenant.status());
  if (list) {
    auto versions = (*store)->ListBotPackages(tenant->id);
    if (!versions.ok()) return Fail("export", versions.status());
    std::printf("%-8s %-20s %6s %10s  %-16s %s\n", "version", "imported (UTC ms)", "files",
                "bytes", "sha256", "from");
    for (const auto& v : *versions) {
      std::printf("%-8lld %-20lld %6lld %10lld  %-16s %s\n", static_cast<long long>(v.version),
                  static_cast<long long>(v.created_at), static_cast<long long>(v.files),
                  static_cast<long long>(v.bytes), v.sha256.substr(0, 16).c_str(),
                  v.source.c_str());
    }
    return 0;
  }
  std::vector<store::BotPackageFile> files;
  auto v = (*store)->GetBotPackage(tenant->id, version, &files);
  if (!v.ok()) {
    return Fail("export", v.status().code() == Code::kNotFound
                              ? Status::NotFound(version == 0 ? "no package imported yet"
                                                              : "no version " + std::to_string(version))
                              : v.status());
  }
  if (PackageSha256(files) != v->sha256) {
    return Fail("export", Status::Internal("stored files do not match their hash"));
  }
  if (Status s = WritePackageFiles(out, files); !s.ok()) return Fail("export", s);
  std::printf("exported version %lld of tenant %s to %s: %lld files, %lld bytes, sha256 %s\n",
              static_cast<long long>(v->version), tenant->public_key.c_str(), out.c_str(),
              static_cast<long long>(v->files), static_cast<long long>(v->bytes),
              v->sha256.c_str());
  return 0;
}

}  // namespace kefu::app
