// Question-answering inputs of vcc-preprocess: the generic QA JSON-lines reader and the
// HotpotQA reader.
#include "data/hotpotqa_reader.h"
#include "data/qa_jsonl.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = vcc::fuzz::input_file(data, size, ".jsonl");
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS(vcc::data::read_qa_jsonl(path));
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS(vcc::data::read_hotpotqa(path));
  return 0;
}
