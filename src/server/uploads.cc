#include "server/uploads.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/crypto.h"

namespace kefu::server {

namespace fs = std::filesystem;

std::string SniffContentType(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (b.size() >= 12 && starts("RIFF") && b.substr(8, 4) == "WEBP") return "image/webp";
  if (starts("%PDF-")) return "application/pdf";
  return "";
}

Result<SavedUpload> SaveUpload(const std::string& data_dir, std::string_view bytes) {
  SavedUpload out;
  out.sha256 = crypto::Sha256Hex(bytes);
  out.relative_path = "uploads/" + out.sha256.substr(0, 2) + "/" + out.sha256;
  fs::path final_path = fs::path(data_dir) / out.relative_path;
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return Status::IoError("cannot create upload directory: " + ec.message());
  if (fs::exists(final_path, ec)) return out;  // same content, stored before
  std::string tmp = final_path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(reinterpret_cast<uintptr_t>(&out));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Status::IoError(std::string("cannot write upload: ") + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IoError("cannot write upload: " + err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::IoError("cannot sync upload");
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IoError("cannot rename upload");
  }
  return out;
}

Result<std::string> ReadUpload(const std::string& data_dir, const std::string& relative_path) {
  std::ifstream in(fs::path(data_dir) / relative_path, std::ios::binary);
  if (!in) return Status::NotFound("upload bytes missing");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace kefu::server
