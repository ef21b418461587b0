#include "core/csv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kefu {
namespace {

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvTest, ParsesWhatSpreadsheetsWrite) {
  struct Case {
    std::string name, text;
    std::vector<std::string> header;
    Rows rows;
  };
  const Case cases[] = {
      {"plain",
       "text,label\nhi,greet\nbye,leave\n",
       {"text", "label"},
       Rows{{"hi", "greet"}, {"bye", "leave"}}},
      {"no final newline", "text,label\nhi,greet", {"text", "label"}, Rows{{"hi", "greet"}}},
      {"crlf", "text,label\r\nhi,greet\r\n", {"text", "label"}, Rows{{"hi", "greet"}}},
      {"quoted comma and quote",
       "text,label\n\"a, \"\"b\"\"\",x\n",
       {"text", "label"},
       Rows{{"a, \"b\"", "x"}}},
      {"newline inside quotes",
       "text,label\n\"two\nlines\",x\n",
       {"text", "label"},
       Rows{{"two\nlines", "x"}}},
      {"bom and chinese",
       "\xEF\xBB\xBFtext,label\n我的卡还没到,card_arrival\n",
       {"text", "label"},
       Rows{{"我的卡还没到", "card_arrival"}}},
      {"blank lines skipped",
       "text,label\n\nhi,greet\n\n",
       {"text", "label"},
       Rows{{"hi", "greet"}}},
      {"short row padded", "text,label\nonly\n", {"text", "label"}, Rows{{"only", ""}}},
      {"empty quoted field", "text,label\n\"\",x\n", {"text", "label"}, Rows{{"", "x"}}},
      {"header only", "text,label\n", {"text", "label"}, Rows{}},
      {"empty fields", "text,label\n,\n", {"text", "label"}, Rows{{"", ""}}},
      {"multi-line field then a row",
       "text,label\n\"line one\nline two\",x\ny,z\n",
       {"text", "label"},
       Rows{{"line one\nline two", "x"}, {"y", "z"}}},
  };
  for (const Case& c : cases) {
    Result<CsvTable> t = ParseCsv(c.text);
    ASSERT_TRUE(t.ok()) << c.name << ": " << t.status().ToString();
    EXPECT_EQ(t->header, c.header) << c.name;
    EXPECT_EQ(t->rows, c.rows) << c.name;
  }
}

TEST(CsvTest, RefusesMalformedTextWithTheLine) {
  struct Case {
    std::string name, text, message;
  };
  const Case cases[] = {
      {"empty", "", "empty"},
      {"only blank lines", "\n\n", "empty"},
      {"too many fields", "text,label\na,b\nc,d,e\n", "line 3"},
      {"unterminated quote", "text,label\n\"open,x\n", "line 2"},
      {"stray quote", "text,label\nab\"c,x\n", "line 2"},
      {"text after closing quote", "text,label\n\"a\"b,x\n", "line 2"},
  };
  for (const Case& c : cases) {
    Result<CsvTable> t = ParseCsv(c.text);
    ASSERT_FALSE(t.ok()) << c.name;
    EXPECT_EQ(t.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_NE(t.status().message().find(c.message), std::string::npos)
        << c.name << ": " << t.status().message();
  }
}

TEST(CsvTest, FindsColumnsByName) {
  Result<CsvTable> t = ParseCsv("label,text\nx,y\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Column("text"), 1);
  EXPECT_EQ(t->Column("label"), 0);
  EXPECT_EQ(t->Column("category"), -1);
  EXPECT_EQ(t->Column("Text"), -1);
}

TEST(CsvTest, ReadsFilesAndNamesThePathInErrors) {
  auto dir = std::filesystem::temp_directory_path() / ("kefu-csv-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ok.csv") << "text,label\nhi,greet\n";
  std::ofstream(dir / "bad.csv") << "text,label\n\"open\n";

  Result<CsvTable> ok = ReadCsvFile((dir / "ok.csv").string());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->rows.size(), 1u);

  Result<CsvTable> missing = ReadCsvFile((dir / "missing.csv").string());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);

  Result<CsvTable> bad = ReadCsvFile((dir / "bad.csv").string());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad.csv"), std::string::npos);

  EXPECT_FALSE(ReadCsvFile(dir.string()).ok()) << "a directory is not a file";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kefu
