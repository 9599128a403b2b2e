#pragma once
// Generic QA JSON lines: {id, question, context, answers[, answer_type][, target]} one per
// line (read and write). `answers` is a string, a list of strings, or SQuAD's {"text": [...]}.
#include <string>
#include <vector>

#include "data/example.h"

namespace vcc::data {

std::vector<Example> read_qa_jsonl(const std::string& path);
// Writes <path>.tmp and renames it; answer_type and target are written when not implied.
void write_qa_jsonl(const std::string& path, const std::vector<Example>& examples);

}  // namespace vcc::data
