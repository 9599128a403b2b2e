// JSON and JSON-lines files (predictions, references, manifests, Hugging Face config.json):
// the shared readers, then the Hugging Face config reader on what parsed.
#include "eval/json_files.h"
#include "fuzz/fuzz_input.h"
#include "models/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = vcc::fuzz::input_file(data, size, ".json");
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS({
    const nlohmann::json j = vcc::eval::read_json_file(path);
    vcc::models::model_config_from_hf(j, path);
  });
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS(vcc::eval::for_each_json_line(path, [](size_t, const nlohmann::json&) {}));
  return 0;
}
