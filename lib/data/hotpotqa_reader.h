#pragma once
// HotpotQA reader (official JSON: distractor and fullwiki; also Hugging Face's dict layout),
// building query and context strings exactly as VCC's T5 HotpotQA collator does:
// query "[qs]" question "[qe]"; context, per paragraph, "[ts]" title "[te]" then "[ss]"
// before each sentence, with no added spaces.
#include <cstdint>
#include <string>
#include <vector>

#include "data/example.h"

namespace vcc::data {

// The markers HotpotQA examples use; pass them to the tokenizer as added tokens (in this
// order, so that their ids match Hugging Face's after tokenizer.add_tokens).
const std::vector<std::string>& hotpotqa_added_tokens();

struct HotpotQaOptions {
  bool shuffle_paragraphs = false;  // the collator's shuffle_supports, drawn from (seed, example)
  uint64_t seed = 0;
};

// Answers "yes"/"no" become AnswerType::Yes/No, a missing answer (test files) None.
std::vector<Example> read_hotpotqa(const std::string& path, const HotpotQaOptions& options = {});

}  // namespace vcc::data
