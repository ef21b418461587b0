#include "kb/csv.h"

#include <gtest/gtest.h>

namespace kefu::kb {
namespace {

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvTest, ParsesWhatSpreadsheetsWrite) {
  struct Case {
    const char* name;
    std::string text;
    Rows rows;
  };
  const Case cases[] = {
      {"plain", "id,q\n1,a\n2,b\n", {{"1", "a"}, {"2", "b"}}},
      {"no final newline", "id,q\n1,a", {{"1", "a"}}},
      {"crlf", "id,q\r\n1,a\r\n", {{"1", "a"}}},
      {"quoted comma", "id,q\n1,\"a, b\"\n", {{"1", "a, b"}}},
      {"doubled quote", "id,q\n1,\"say \"\"hi\"\"\"\n", {{"1", "say \"hi\""}}},
      {"multi-line answer",
       "id,q\n1,\"line one\nline two\"\n2,x\n",
       {{"1", "line one\nline two"}, {"2", "x"}}},
      {"empty fields", "id,q\n,\n", {{"", ""}}},
      {"quoted empty", "id,q\n1,\"\"\n", {{"1", ""}}},
      {"blank lines skipped", "id,q\n\n1,a\n\n", {{"1", "a"}}},
      {"bom", "\xEF\xBB\xBFid,q\n1,a\n", {{"1", "a"}}},
      {"utf-8", "id,q\n1,怎么退款？\n", {{"1", "怎么退款？"}}},
  };
  for (const auto& c : cases) {
    auto table = ParseCsv(c.text);
    ASSERT_TRUE(table.ok()) << c.name << ": " << table.status().ToString();
    EXPECT_EQ(table->header, (std::vector<std::string>{"id", "q"})) << c.name;
    EXPECT_EQ(table->rows, c.rows) << c.name;
  }
}

TEST(CsvTest, RefusesBrokenFilesWithTheLine) {
  struct Case {
    const char* name;
    std::string text;
    std::string message_has;
  };
  const Case cases[] = {
      {"empty", "", "no header"},
      {"unterminated", "id,q\n1,\"open\n2,x\n", "line 2"},
      {"quote inside", "id,q\n1,ab\"c\n", "line 2"},
      {"text after quote", "id,q\n1,\"a\"b\n", "line 2"},
  };
  for (const auto& c : cases) {
    auto table = ParseCsv(c.text);
    ASSERT_FALSE(table.ok()) << c.name;
    EXPECT_EQ(table.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_NE(table.status().message().find(c.message_has), std::string::npos)
        << c.name << ": " << table.status().message();
  }
}

TEST(CsvTest, FindsColumnsByName) {
  auto table = ParseCsv("query,faq_id\nx,1\n");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->Column("query"), 0);
  EXPECT_EQ(table->Column("faq_id"), 1);
  EXPECT_EQ(table->Column("answer"), -1);
}

TEST(CsvTest, MissingFileIsNotFound) {
  auto table = ReadCsvFile("/nonexistent/kefu/faq.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace kefu::kb
