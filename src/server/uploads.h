// Upload bytes on disk: content sniffed from magic numbers (the client's
// Content-Type is never trusted), stored under DATA_DIR/uploads/ by SHA-256,
// written to a temporary file, fsynced and renamed, so a crash never leaves
// a half file under a final name.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace kefu::server {

// "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", or
// "" when the bytes are none of these.
std::string SniffContentType(std::string_view bytes);

struct SavedUpload {
  std::string sha256;
  std::string relative_path;  // "uploads/ab/abcdef…"
};

// Errors: IoError.
Result<SavedUpload> SaveUpload(const std::string& data_dir, std::string_view bytes);
// Errors: NotFound, IoError.
Result<std::string> ReadUpload(const std::string& data_dir, const std::string& relative_path);

}  // namespace kefu::server
