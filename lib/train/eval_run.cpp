#include "train/eval_run.h"

#include <chrono>
#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/parallel.h"
#include "data/hdf5_dataset.h"
#include "data/progress.h"
#include "eval/atomic_file.h"
#include "eval/hotpotqa_evaluation.h"
#include "eval/hotpotqa_json.h"
#include "eval/rouge_scorer.h"
#include "eval/squad_metrics.h"
#include "io/checkpoint.h"
#include "io/config.h"
#include "models/model_config.h"
#include "models/model_factory.h"
#include "train/task.h"
#include "train/validation.h"

namespace vcc::train {
namespace {

using Json = nlohmann::ordered_json;

Device eval_device(const std::string& text) {
  if (text == "cpu") return Device::cpu();
  int index = 0;
  if (text != "cuda") {
    VCC_USER_CHECK(text.rfind("cuda:", 0) == 0 && text.size() > 5 &&
                       text.find_first_not_of("0123456789", 5) == std::string::npos,
                   "--device: expected cpu, cuda or cuda:N, got '", text, "'");
    index = std::stoi(text.substr(5));
  }
  VCC_USER_CHECK(cuda_available() && index < cuda_device_count(), "--device ", text,
                 ": no such CUDA device in this build or machine");
  return Device::cuda(index);
}

// The checkpoint's model config with "model.KEY=VALUE" overrides applied.
models::ModelConfig checkpoint_model_config(const io::Checkpoint& ck, const std::vector<std::string>& overrides) {
  io::OptionRegistry registry;
  models::register_model_options(registry);
  io::Config c(registry);
  c.merge_yaml(ck.model_config(), ck.file("model.yaml"));
  for (const std::string& o : overrides) {
    VCC_USER_CHECK(o.rfind("model.", 0) == 0, "--set ", o, ": only model.* options can be changed at evaluation");
    c.apply_override(o);
  }
  models::ModelConfig mc = models::model_config_from(c);
  mc.validate();
  return mc;
}

}  // namespace

int run_eval_command(const EvalRunOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const auto t0 = std::chrono::steady_clock::now();
    VCC_USER_CHECK(o.batch_size > 0, "--batch-size must be positive, got ", o.batch_size);
    if (o.threads > 0) set_num_threads(o.threads);
    const Device device = eval_device(o.device);

    const io::Checkpoint ck = io::Checkpoint::open(o.model);
    const models::ModelConfig mc = checkpoint_model_config(ck, o.overrides);
    const data::DatasetReader split(o.data);
    const data::DatasetInfo& info = split.info();
    std::string tok_path = o.tokenizer;
    if (tok_path.empty()) {
      const auto in_ck = ck.tokenizer_path();
      VCC_USER_CHECK(in_ck.has_value(), o.model, " holds no tokenizer copy: give the SentencePiece model with --tokenizer");
      tok_path = *in_ck;
    }
    const data::Tokenizer tokenizer = load_split_tokenizer(tok_path, info, o.data);
    std::vector<eval::HotpotGoldExample> gold;
    if (!o.hotpotqa_gold.empty()) gold = eval::read_hotpot_gold(o.hotpotqa_gold);

    std::shared_ptr<nn::Module> model = models::build_model(mc);
    ck.load_model(*model);
    if (device != Device::cpu())
      for (auto& [name, p] : model->named_parameters()) p.node()->value = p.value().to(device);
    TaskOptions to;
    to.tokenizer = &tokenizer;
    to.device = device;
    to.max_answer_tokens = o.max_answer_tokens;
    to.num_beams = o.num_beams;
    to.max_new_tokens = o.max_new_tokens;
    to.length_penalty = o.length_penalty;
    std::unique_ptr<ModelTask> task = make_task(model, mc, info, o.data, to);

    const int64_t limit = o.max_examples > 0 ? std::min(o.max_examples, split.size()) : split.size();
    err << "vcc-eval: " << o.model << " (" << mc.describe() << ", VCC "
        << (mc.vcc.enabled ? mc.vcc.describe(info.max_length) : "off") << ") on " << o.data << ": " << limit
        << " examples" << std::endl;
    std::vector<TaskPrediction> preds;
    {
      data::Progress progress("predict", limit, o.progress);
      int64_t done = 0;
      preds = predict_split(*task, split, o.batch_size, o.max_examples, [&](int64_t n) {
        progress.add(n - done);
        done = n;
      });
    }
    const double predict_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Scores against the split's references (max over references, SQuAD rules).
    const eval::RougeScorer scorer(eval::standard_rouge_types(), /*use_stemmer=*/true);
    double em = 0, f1 = 0, scored = 0;
    std::vector<double> rouge(4, 0.0);
    const std::vector<std::string>& ids = split.ids();
    Json answers = Json::object(), sp = Json::object(), plain = Json::object();
    std::string pairs;
    eval::HotpotPredictions hp;
    for (int64_t i = 0; i < limit; ++i) {
      const std::vector<std::string> refs = split.answers(i);
      const std::string& text = preds[i].text;
      answers[ids[i]] = text;
      sp[ids[i]] = Json::array();
      plain[ids[i]] = text;
      hp.answer[ids[i]] = text;
      hp.sp[ids[i]] = {};
      pairs += Json{{"id", ids[i]}, {"prediction", text}, {"references", refs}}.dump() + "\n";
      if (refs.empty()) continue;
      const eval::EmF1 s = eval::squad_em_f1(text, refs);
      em += s.em;
      f1 += s.f1;
      scored += 1;
      if (o.rouge) {
        const eval::RougeMultiScore m = scorer.score_multi(refs, text);
        for (size_t k = 0; k < 4; ++k) rouge[k] += m.scores[k].fmeasure;
      }
    }
    Json metrics;
    metrics["model"] = o.model;
    metrics["data"] = o.data;
    metrics["task"] = task->name();
    metrics["vcc"] = mc.vcc.enabled;
    metrics["examples"] = limit;
    metrics["scored"] = static_cast<int64_t>(scored);
    if (scored > 0) {
      metrics["em"] = 100.0 * em / scored;
      metrics["f1"] = 100.0 * f1 / scored;
      if (o.rouge) {
        const char* names[] = {"rouge1", "rouge2", "rougeL", "rougeLsum"};
        for (size_t k = 0; k < 4; ++k) metrics[names[k]] = 100.0 * rouge[k] / scored;
      }
    }
    if (!gold.empty()) {
      const eval::HotpotEvaluation h = eval::evaluate_hotpotqa(gold, hp);
      Json official;
      for (const auto& [name, v] : h.metrics.named()) official[name] = v;
      official["missing_answers"] = h.missing_answer.size();
      metrics["hotpotqa_official"] = official;
    }
    metrics["seconds"] = predict_seconds;
    metrics["examples_per_s"] = predict_seconds > 0 ? static_cast<double>(limit) / predict_seconds : 0.0;

    // Everything is written to temporary files first and renamed at the end.
    std::filesystem::create_directories(o.out);
    const bool hotpot = info.source == "hotpotqa";
    eval::AtomicFile pred_file(o.out + "/predictions.json"), pairs_file(o.out + "/predictions.jsonl"),
        metrics_file(o.out + "/metrics.json");
    pred_file.stream() << (hotpot ? Json{{"answer", answers}, {"sp", sp}} : plain).dump(1) << "\n";
    pairs_file.stream() << pairs;
    metrics_file.stream() << metrics.dump(2) << "\n";
    pred_file.commit();
    pairs_file.commit();
    metrics_file.commit();
    out << metrics.dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    err << "vcc-eval: error: " << user_error_text(e.what()) << std::endl;
    return 1;
  }
}

}  // namespace vcc::train
