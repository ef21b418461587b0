#include "server/uploads.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace kefu::server {
namespace {

TEST(SniffContentType, KnowsImagesAndPdfRefusesTheRest) {
  struct Case {
    std::string bytes;
    std::string type;
  } cases[] = {
      {std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "image/png"},
      {"\xFF\xD8\xFF\xE0\0\x10JFIF", "image/jpeg"},
      {"GIF89a\x01\0\x01\0", "image/gif"},
      {std::string("RIFF\x24\0\0\0WEBPVP8 ", 16), "image/webp"},
      {"%PDF-1.7\n", "application/pdf"},
      {"<html><script>alert(1)</script>", ""},
      {"hello", ""},
      {"", ""},
      {std::string("RIFF\x24\0\0\0WAVEfmt ", 16), ""},
  };
  for (const Case& c : cases) EXPECT_EQ(SniffContentType(c.bytes), c.type) << c.bytes;
}

TEST(SaveUpload, StoresByHashAndReadsBack) {
  auto dir = std::filesystem::temp_directory_path() / ("kefu-up-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string bytes = "%PDF-1.7\nsome bytes";
  auto saved = SaveUpload(dir.string(), bytes);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_EQ(saved->sha256.size(), 64u);
  auto again = SaveUpload(dir.string(), bytes);  // same content: same file
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->relative_path, saved->relative_path);
  auto read = ReadUpload(dir.string(), saved->relative_path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  EXPECT_EQ(ReadUpload(dir.string(), "uploads/none").status().code(), Code::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kefu::server
