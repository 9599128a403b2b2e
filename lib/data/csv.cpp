#include "data/csv.h"

#include "core/error.h"
#include "data/text_io.h"

namespace vcc::data {

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  std::string present;
  for (const auto& h : header) present += (present.empty() ? "" : ", ") + h;
  VCC_USER_CHECK(false, path, ": missing column '", name, "' (columns: ", present, ")");
  return -1;
}

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header)
    if (h == name) return true;
  return false;
}

std::string CsvTable::where(size_t row) const { return path + ":" + std::to_string(row_line.at(row)); }

CsvTable parse_csv(const std::string& text, const std::string& path) {
  CsvTable t;
  t.path = path;
  size_t i = 0, n = text.size();
  if (n >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte order mark
  int64_t line = 1;
  std::vector<std::string> record;
  std::string field;
  while (i < n) {
    int64_t start_line = line;
    record.clear();
    // One record: fields until an unquoted newline or the end of the text.
    while (true) {
      field.clear();
      if (i < n && text[i] == '"') {
        int64_t quote_line = line;
        ++i;
        while (true) {
          VCC_USER_CHECK(i < n, path, ":", quote_line, ": unterminated quoted field");
          char c = text[i++];
          if (c == '"') {
            if (i < n && text[i] == '"') {
              field += '"';
              ++i;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line;
            field += c;
          }
        }
        VCC_USER_CHECK(i >= n || text[i] == ',' || text[i] == '\n' || text[i] == '\r', path, ":", line,
                       ": unexpected character after a closing quote");
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field += text[i++];
      }
      record.push_back(field);
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < n && text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') {
        ++i;
        ++line;
      }
      break;
    }
    if (record.size() == 1 && record[0].empty()) continue;  // blank line
    if (t.header.empty()) {
      t.header = record;
      continue;
    }
    VCC_USER_CHECK(record.size() == t.header.size(), path, ":", start_line, ": ", record.size(),
                   " fields, the header has ", t.header.size());
    t.rows.push_back(record);
    t.row_line.push_back(start_line);
  }
  VCC_USER_CHECK(!t.header.empty(), path, ": empty CSV file (no header row)");
  return t;
}

CsvTable read_csv(const std::string& path) { return parse_csv(read_text_file(path), path); }

}  // namespace vcc::data
