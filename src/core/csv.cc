#include "core/csv.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kefu {

int CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

Status LineError(int line, std::string_view what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + std::string(what));
}

}  // namespace

Result<CsvTable> ParseCsv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field started with a quote
  int line = 1, record_line = 1;

  auto end_record = [&]() -> Status {
    record.push_back(std::move(field));
    field.clear();
    was_quoted = false;
    // A blank line is one empty, unquoted field: skip it.
    bool blank = record.size() == 1 && record[0].empty();
    if (!blank) {
      if (table.header.empty()) {
        table.header = std::move(record);
      } else if (record.size() > table.header.size()) {
        return LineError(record_line, "a row has " + std::to_string(record.size()) +
                                          " fields, the header " +
                                          std::to_string(table.header.size()));
      } else {
        record.resize(table.header.size());
        table.rows.push_back(std::move(record));
      }
    }
    record.clear();
    record_line = line;
    return Status::Ok();
  };

  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          i += 2;
          continue;
        }
        quoted = false;
        ++i;
        // After a closing quote only a separator or a line end may follow.
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return LineError(line, "text after a closing quote");
        }
        continue;
      }
      if (c == '\n') ++line;
      field.push_back(c);
      ++i;
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || was_quoted)
          return LineError(line, "a quote inside an unquoted field");
        quoted = was_quoted = true;
        ++i;
        break;
      case ',':
        record.push_back(std::move(field));
        field.clear();
        was_quoted = false;
        ++i;
        break;
      case '\r':
      case '\n': {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        if (Status s = end_record(); !s.ok()) return s;
        break;
      }
      default:
        field.push_back(c);
        ++i;
    }
  }
  if (quoted) return LineError(record_line, "a quoted field is not closed");
  if (!field.empty() || !record.empty() || was_quoted) {
    if (Status s = end_record(); !s.ok()) return s;
  }
  if (table.header.empty()) return Status::InvalidArgument("empty: no header row");
  return table;
}

Result<CsvTable> ReadCsvFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::IoError(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": cannot read");
  Result<CsvTable> table = ParseCsv(buffer.str());
  if (!table.ok()) return Status(table.status().code(), path + ": " + table.status().message());
  return table;
}

}  // namespace kefu
