// CSV as the offline tools and imports read it (RFC 4180): comma separated,
// fields optionally in double quotes, "" inside quotes is one quote, quoted
// fields may hold commas and line breaks; CRLF or LF line ends; a UTF-8 byte
// order mark at the start is skipped.
//
// Thread-safety: free functions over values; no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu::kb {

// A parsed file: the header row and the data rows.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // Index of the column named `name` (exact match), or -1.
  int Column(std::string_view name) const;
};

// Parses `text` (the whole file). Empty lines between records are skipped.
// Errors: kInvalidArgument for an unterminated quoted field, a quote in the
// middle of an unquoted field, or a file without a header row; the message
// names the line.
Result<CsvTable> ParseCsv(std::string_view text);

// Reads and parses the file at `path`.
// Errors: kNotFound when it cannot be opened; ParseCsv's errors, prefixed
// with the path.
Result<CsvTable> ReadCsvFile(const std::string& path);

}  // namespace kefu::kb
