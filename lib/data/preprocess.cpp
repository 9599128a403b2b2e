#include "data/preprocess.h"

#include <filesystem>

#include "core/error.h"
#include "data/hdf5_dataset.h"
#include "data/progress.h"
#include "data/qa_jsonl.h"
#include "data/text_io.h"
#include "io/config.h"

namespace vcc::data {

PreprocessResult preprocess_to_hdf5(const std::vector<Example>& examples, const Tokenizer& tokenizer,
                                    const PreprocessOptions& options, const std::string& out_path) {
  ExampleEncoder encoder(tokenizer, options.encoder);
  DatasetWriter writer(out_path, dataset_info_for(tokenizer, options.encoder, options.source),
                       options.compression_level);
  PreprocessResult result;
  Progress progress("encode " + std::filesystem::path(out_path).filename().string(),
                    static_cast<int64_t>(examples.size()), options.progress);
  for (const Example& ex : examples) {
    if (auto enc = encoder.encode(ex, result.stats)) writer.add(ex, *enc);
    progress.add();
  }
  writer.finish(result.stats);
  progress.finish();
  result.seconds = progress.elapsed_seconds();
  return result;
}

SyntheticRunResult write_synthetic_task(const std::string& dir, const SyntheticRun& run) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  VCC_USER_CHECK(!ec, dir, ": cannot create folder: ", ec.message());
  VCC_USER_CHECK(run.train >= 0 && run.valid >= 0, "synthetic: example counts must be >= 0");

  SyntheticVocabulary vocab = synthetic_vocabulary(run.task.num_keys, run.task.num_values);
  SyntheticRunResult result;
  result.tokenizer_path = (std::filesystem::path(dir) / "tokenizer.model").string();
  io::write_text_file_atomically(result.tokenizer_path, synthetic_tokenizer_model(vocab));
  TokenizerOptions topts;
  topts.extra_ids = 0;
  Tokenizer tokenizer = Tokenizer::load(result.tokenizer_path, topts);

  PreprocessOptions p;
  p.encoder.max_length = run.task.length;
  p.encoder.max_target_length = run.max_target_length;
  p.encoder.task = run.model_task;
  p.encoder.overflow = Overflow::Error;  // the generator fills the length exactly
  p.source = "synthetic-" + std::string(synthetic_variant_name(run.task.variant));
  p.progress = run.progress;
  for (int split = 0; split < 2; ++split) {
    const char* name = split == 0 ? "train" : "valid";
    std::vector<Example> examples = synthetic_examples(vocab, run.task, split, split == 0 ? run.train : run.valid);
    if (run.write_jsonl) write_qa_jsonl((std::filesystem::path(dir) / (std::string(name) + ".jsonl")).string(), examples);
    PreprocessResult r = preprocess_to_hdf5(examples, tokenizer, p,
                                            (std::filesystem::path(dir) / (std::string(name) + ".h5")).string());
    (split == 0 ? result.train : result.valid) = r;
  }
  return result;
}

}  // namespace vcc::data
