// CSV files as the offline tools and bot imports read them (RFC 4180):
// a header row naming the columns, then one record per row. Fields may be
// quoted ("…"); inside quotes a doubled quote is one quote and commas and
// line breaks are part of the field. CRLF and LF line ends, a leading UTF-8
// byte-order mark and a missing final line break are accepted; blank lines
// are skipped. Bytes are passed through as they are (no UTF-8 check).
//
// Thread-safety: functions are pure; a CsvTable is a plain value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu {

struct CsvTable {
  std::vector<std::string> header;             // column names, as written
  std::vector<std::vector<std::string>> rows;  // each as wide as `header`

  // Index of the column named `name` (exact, case-sensitive), or -1.
  int Column(std::string_view name) const;
};

// Parses a whole CSV text. Rows shorter than the header are padded with
// empty fields.
// Errors: kInvalidArgument with the line number for an empty text (no
// header), a row with more fields than the header, an unterminated quote or
// a stray quote inside an unquoted field.
Result<CsvTable> ParseCsv(std::string_view text);

// Reads and parses a file.
// Errors: kNotFound when the file cannot be opened; kIoError when it cannot
// be read; else as ParseCsv, prefixed by the path.
Result<CsvTable> ReadCsvFile(const std::string& path);

}  // namespace kefu
