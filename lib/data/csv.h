#pragma once
// CSV tables (RFC 4180: quoted fields, "" escapes, newlines inside quotes), as the official
// NarrativeQA files use; columns are looked up by header name.
#include <cstdint>
#include <string>
#include <vector>

namespace vcc::data {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> row_line;  // 1-based line where each row starts

  // Index of a column; error naming the file and the columns present if missing.
  int column(const std::string& name) const;
  bool has_column(const std::string& name) const;
  std::string where(size_t row) const;  // "file:line N"
};

// Reads a CSV file with a header row; a row with the wrong number of fields or an
// unterminated quote is an error naming the file and line.
CsvTable read_csv(const std::string& path);
CsvTable parse_csv(const std::string& text, const std::string& path);

}  // namespace vcc::data
