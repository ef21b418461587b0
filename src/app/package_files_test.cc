#include "app/package_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace kefu::app {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    char t[] = "/tmp/kefu-pkgfiles-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

void Write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

TEST(PackageFiles, ReadWriteReadIsTheSameAndHiddenFilesAreSkipped) {
  TempDir d;
  Write(d.path / "pkg" / "bot.yaml", "languages: [zh]\n");
  Write(d.path / "pkg" / "kb" / "faq" / "a.yaml", std::string("x\0y", 3));
  Write(d.path / "pkg" / ".git" / "HEAD", "ref");
  Write(d.path / "pkg" / ".swp", "editor");
  Write(d.path / "pkg" / "eval" / "__pycache__" / "c.pyc", "bytecode");
  auto files = ReadPackageFiles((d.path / "pkg").string());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "bot.yaml");
  EXPECT_EQ((*files)[1].path, "kb/faq/a.yaml");
  EXPECT_EQ((*files)[1].content, std::string("x\0y", 3));

  ASSERT_TRUE(WritePackageFiles((d.path / "copy").string(), *files).ok());
  auto again = ReadPackageFiles((d.path / "copy").string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(PackageSha256(*again), PackageSha256(*files));
  EXPECT_EQ(WritePackageFiles((d.path / "copy").string(), *files).code(), Code::kAlreadyExists);
}

TEST(PackageFiles, TheHashSeesPathsContentsAndBoundaries) {
  using F = store::BotPackageFile;
  const std::string h = PackageSha256({F{"a", "bc"}});
  EXPECT_NE(h, PackageSha256({F{"ab", "c"}}));
  EXPECT_NE(h, PackageSha256({F{"a", "bd"}}));
  EXPECT_EQ(PackageSha256({F{"a", "1"}, F{"b", "2"}}), PackageSha256({F{"b", "2"}, F{"a", "1"}}));
}

TEST(PackageFiles, UnsafePathsAreNeverWritten) {
  TempDir d;
  for (const char* bad : {"/etc/passwd", "../up", "a/../../b", "a\\b", "a//b", ""}) {
    Status s = WritePackageFiles((d.path / "out").string(), {store::BotPackageFile{bad, "x"}});
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(fs::exists(d.path / "out"));
  EXPECT_EQ(ReadPackageFiles((d.path / "missing").string()).status().code(), Code::kNotFound);
}

TEST(PackageFiles, LinksOutOfTheFolderAreRefused) {
  TempDir d;
  Write(d.path / "secret", "s");
  Write(d.path / "pkg" / "bot.yaml", "x");
  fs::create_symlink(d.path / "secret", d.path / "pkg" / "link");
  EXPECT_EQ(ReadPackageFiles((d.path / "pkg").string()).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kefu::app
