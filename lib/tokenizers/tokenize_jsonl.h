#pragma once
// `vcc-preprocess tokenize`: JSON lines {"id", "text", "pair"} in, per line {"id", "ids",
// "type_ids", "sequence_ids", "byte_offsets"} out (the format of the HF parity files).
#include <cstdint>
#include <string>

#include "tokenizers/hf_tokenizer.h"

namespace vcc::tokenizers {

// One output line (no newline) for an encoding.
std::string encoding_json_line(const std::string& id, const HfEncoding& enc);
// Reads `input`, writes `output` (temp name, then rename); returns the number of lines.
// A bad line is an error naming the file and line number.
int64_t tokenize_jsonl(const HfTokenizer& tok, const std::string& input, const std::string& output);

}  // namespace vcc::tokenizers
