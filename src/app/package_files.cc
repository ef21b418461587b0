#include "app/package_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"

namespace kefu::app {
namespace fs = std::filesystem;

namespace {

bool Skipped(const fs::path& name) {
  const std::string n = name.filename().string();
  return n.empty() || n[0] == '.' || n == "__pycache__";
}

// A relative path of non-empty parts, none "." or "..", no backslash.
bool SafeRelative(const std::string& path) {
  if (path.empty() || path[0] == '/' || path.find('\\') != std::string::npos) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

Result<std::vector<store::BotPackageFile>> ReadPackageFiles(const std::string& dir,
                                                            const PackageFilesLimits& limits) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("no such folder: " + dir);
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return Status::IoError(dir + ": " + ec.message());
  std::vector<store::BotPackageFile> files;
  size_t bytes = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::follow_directory_symlink, ec);
  if (ec) return Status::IoError(dir + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::IoError(dir + ": " + ec.message());
    const fs::directory_entry& e = *it;
    if (Skipped(e.path())) {
      if (e.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (e.is_directory(ec)) continue;
    if (!e.is_regular_file(ec)) continue;  // sockets, fifos: not part of a package
    const fs::path real = fs::canonical(e.path(), ec);
    if (ec) return Status::IoError(e.path().string() + ": " + ec.message());
    const std::string rel = fs::relative(real, root, ec).generic_string();
    if (ec || !SafeRelative(rel)) {
      return Status::InvalidArgument(e.path().string() + ": a link that leaves " + dir);
    }
    std::ifstream in(real, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in && !in.eof()) return Status::IoError("cannot read " + e.path().string());
    store::BotPackageFile f{fs::relative(e.path(), root, ec).generic_string(), content.str()};
    bytes += f.content.size();
    files.push_back(std::move(f));
    if (files.size() > limits.max_files) {
      return Status::InvalidArgument(dir + ": more than " + std::to_string(limits.max_files) +
                                     " files");
    }
    if (bytes > limits.max_bytes) {
      return Status::InvalidArgument(dir + ": more than " + std::to_string(limits.max_bytes) +
                                     " bytes");
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

std::string PackageSha256(const std::vector<store::BotPackageFile>& files) {
  std::vector<const store::BotPackageFile*> sorted;
  for (const auto& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->path < b->path; });
  std::string all;
  for (const auto* f : sorted) {
    all += f->path;
    all += '\0';
    all += std::to_string(f->content.size());
    all += '\0';
    all += f->content;
  }
  return crypto::Sha256Hex(all);
}

Status WritePackageFiles(const std::string& dir, const std::vector<store::BotPackageFile>& files) {
  for (const auto& f : files) {
    if (!SafeRelative(f.path)) return Status::InvalidArgument("unsafe path in package: " + f.path);
  }
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Status::AlreadyExists(dir + " exists and is not empty");
  }
  const fs::path root(dir);
  for (const auto& f : files) {
    const fs::path p = root / fs::path(f.path);
    fs::create_directories(p.parent_path(), ec);
    if (ec) return Status::IoError(p.parent_path().string() + ": " + ec.message());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(f.content.data(), static_cast<std::streamsize>(f.content.size()));
    out.close();
    if (!out) return Status::IoError("cannot write " + p.string());
  }
  return Status::Ok();
}

}  // namespace kefu::app
