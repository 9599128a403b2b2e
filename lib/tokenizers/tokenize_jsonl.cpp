#include "tokenizers/tokenize_jsonl.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/error.h"
#include "data/text_io.h"
#include "io/config.h"

namespace vcc::tokenizers {

using nlohmann::json;

std::string encoding_json_line(const std::string& id, const HfEncoding& enc) {
  json j;
  j["id"] = id;
  j["ids"] = enc.ids;
  j["type_ids"] = enc.type_ids;
  json seq = json::array(), off = json::array();
  for (size_t i = 0; i < enc.size(); ++i) {
    seq.push_back(enc.sequence_ids[i] < 0 ? json() : json(enc.sequence_ids[i]));
    off.push_back(json::array({enc.begin[i], enc.end[i]}));
  }
  j["sequence_ids"] = seq;
  j["byte_offsets"] = off;
  return j.dump();
}

int64_t tokenize_jsonl(const HfTokenizer& tok, const std::string& input, const std::string& output) {
  std::ifstream in(input, std::ios::binary);
  VCC_USER_CHECK(in, input, ": cannot open");
  std::string line, out;
  int64_t n = 0, lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    VCC_USER_CHECK(!j.is_discarded() && j.is_object(), input, ":", lineno, ": not a JSON object");
    VCC_USER_CHECK(j.contains("text") && j["text"].is_string(), input, ":", lineno, ": no \"text\" string");
    std::string id = j.contains("id") ? (j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump())
                                      : std::to_string(lineno);
    std::string text = j["text"].get<std::string>();
    HfEncoding enc;
    if (j.contains("pair") && !j["pair"].is_null()) {
      VCC_USER_CHECK(j["pair"].is_string(), input, ":", lineno, ": \"pair\" is neither a string nor null");
      enc = tok.encode_pair(text, j["pair"].get<std::string>());
    } else {
      enc = tok.encode(text);
    }
    out += encoding_json_line(id, enc);
    out += '\n';
    ++n;
  }
  io::write_text_file_atomically(output, out);
  return n;
}

}  // namespace vcc::tokenizers
