// A bot package folder as files, for `kefu import` and `kefu export`: read
// every file of a folder, write them back, and one hash over them, so a
// package round-trips through the database byte for byte.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace kefu::app {

struct PackageFilesLimits {
  size_t max_files = 5000;
  size_t max_bytes = 64 << 20;  // all files together
};

// Every regular file under `dir`, paths relative to it with '/' separators,
// sorted. Skipped: names starting with '.' (.git, editor files) and
// __pycache__ folders. Errors: kNotFound (no such folder), kIoError
// (unreadable), kInvalidArgument (beyond the limits; a symbolic link that
// leaves the folder).
Result<std::vector<store::BotPackageFile>> ReadPackageFiles(const std::string& dir,
                                                            const PackageFilesLimits& limits = {});

// SHA-256 (hex) over the files in path order: each path, its size and bytes.
std::string PackageSha256(const std::vector<store::BotPackageFile>& files);

// Writes the files under `dir`, which must not exist or be empty (nothing is
// overwritten). Errors: kAlreadyExists (a non-empty folder),
// kInvalidArgument (an absolute path, "..", a backslash, an empty part),
// kIoError.
Status WritePackageFiles(const std::string& dir, const std::vector<store::BotPackageFile>& files);

}  // namespace kefu::app
