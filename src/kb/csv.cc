#include "kb/csv.h"

#include <fstream>
#include <sstream>

namespace kefu::kb {

int CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<CsvTable> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false;
  bool quoted = false;  // the current field was quoted
  bool record_has_content = false;
  int line = 1;
  int quote_line = 0;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    quoted = false;
  };
  auto end_record = [&] {
    end_field();
    if (record_has_content || record.size() > 1 || !record[0].empty()) {
      records.push_back(std::move(record));
    }
    record.clear();
    record_has_content = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || quoted) {
          return Status::InvalidArgument("line " + std::to_string(line) +
                                         ": a quote inside an unquoted field");
        }
        in_quotes = quoted = record_has_content = true;
        quote_line = line;
        break;
      case ',':
        end_field();
        record_has_content = true;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;  // CRLF: the \n ends it
        end_record();
        ++line;
        break;
      case '\n':
        end_record();
        ++line;
        break;
      default:
        if (quoted) {
          return Status::InvalidArgument("line " + std::to_string(line) +
                                         ": text after a closing quote");
        }
        field.push_back(c);
        record_has_content = true;
    }
  }
  if (in_quotes) {
    return Status::InvalidArgument("line " + std::to_string(quote_line) +
                                   ": a quoted field is never closed");
  }
  if (!field.empty() || !record.empty() || quoted) end_record();
  if (records.empty()) return Status::InvalidArgument("no header row");
  CsvTable table;
  table.header = std::move(records.front());
  table.rows.assign(std::make_move_iterator(records.begin() + 1),
                    std::make_move_iterator(records.end()));
  return table;
}

Result<CsvTable> ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot be opened");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  auto table = ParseCsv(buffer.str());
  if (!table.ok()) return Status(table.status().code(), path + ": " + table.status().message());
  return table;
}

}  // namespace kefu::kb
