#pragma once
// Summarisation JSON lines {id, document, summary}: query = "summarize" (as VCC's T5
// summarisation collators), context = document, target = summary.
#include <string>
#include <vector>

#include "data/example.h"

namespace vcc::data {

std::vector<Example> read_summarization_jsonl(const std::string& path);

}  // namespace vcc::data
