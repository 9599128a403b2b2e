// vcc-train configuration: the option registry, loading order, the command line, and the
// one-line errors the binary prints for bad configs.
#include <gtest/gtest.h>

#include "io/checkpoint.h"
#include "models/model_config.h"
#include "train/train_command.h"
#include "train/train_options.h"
#include "train_test_util.h"

using namespace vcc;
using namespace vcc::train;
using vcc::train::testing::bin;
using vcc::train::testing::error_of;
using vcc::train::testing::run_program;
using vcc::train::testing::Scratch;

TEST(TrainOptions, EveryOptionHasTypeDefaultAndHelp) {
  const io::OptionRegistry r = training_registry();
  EXPECT_GT(r.specs().size(), 60u);
  for (const auto& spec : r.specs()) {
    EXPECT_FALSE(spec.help.empty()) << spec.key;
    EXPECT_EQ(io::option_type_of(spec.default_value), spec.type) << spec.key;
  }
  for (const char* key : {"train.batch_size", "train.accum_steps", "data.train", "valid.metric", "checkpoint.keep_last",
                          "log.every_steps", "dist.backend", "optim.lr", "schedule.warmup_steps", "train.clip_norm",
                          "model.vcc.fine_blocks"})
    EXPECT_TRUE(r.has(key)) << key;
}

TEST(TrainOptions, DefaultsFollowThePaperRecipe) {
  const io::Config c(training_registry());
  EXPECT_EQ(c.get<std::string>("optim.name"), "adamw");
  EXPECT_EQ(c.get<std::vector<double>>("optim.betas"), (std::vector<double>{0.9, 0.98}));
  EXPECT_EQ(c.get<double>("optim.eps"), 1e-6);
  EXPECT_EQ(c.get<double>("optim.weight_decay"), 0.01);
  EXPECT_EQ(c.get<double>("train.clip_norm"), 1.0);
  EXPECT_EQ(c.get<std::string>("schedule.name"), "linear");
}

TEST(TrainOptions, LaterFilesAndOverridesWin) {
  Scratch dir;
  const std::string a = dir.write("a.yaml", "train:\n  batch_size: 16\n  epochs: 3\noptim.lr: 1.0e-4\n");
  const std::string b = dir.write("b.yaml", "train.epochs: 5\n");
  const io::Config c = load_training_config({a, b}, {"optim.lr=3e-4"});
  EXPECT_EQ(c.get<int64_t>("train.batch_size"), 16);
  EXPECT_EQ(c.get<int64_t>("train.epochs"), 5);
  EXPECT_EQ(c.get<double>("optim.lr"), 3e-4);
}

TEST(TrainOptions, UnknownKeySuggestsTheNearestName) {
  Scratch dir;
  const std::string f = dir.write("bad.yaml", "optim:\n  lrr: 0.1\n");
  const std::string e = error_of([&] { load_training_config({f}, {}); });
  EXPECT_NE(e.find("bad.yaml:2:3: unknown option 'optim.lrr' (did you mean 'optim.lr'?)"), std::string::npos) << e;
  const std::string e2 = error_of([&] { load_training_config({}, {"valid.metrc=em"}); });
  EXPECT_NE(e2.find("did you mean 'valid.metric'?"), std::string::npos) << e2;
}

TEST(TrainOptions, WrongTypeNamesTheKeyAndTheType) {
  Scratch dir;
  const std::string f = dir.write("bad.yaml", "train:\n  batch_size: many\n");
  const std::string e = error_of([&] { load_training_config({f}, {}); });
  EXPECT_NE(e.find("'train.batch_size' expects an int, got 'many'"), std::string::npos) << e;
}

TEST(TrainOptions, MissingFileIsNamed) {
  const std::string e = error_of([&] { load_training_config({"/nonexistent/x.yaml"}, {}); });
  EXPECT_NE(e.find("/nonexistent/x.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("not found"), std::string::npos) << e;
}

TEST(TrainOptions, InitCheckpointSuppliesModelDefaults) {
  Scratch dir;
  // A checkpoint folder's model.yaml gives model.* values; files and overrides still win.
  std::filesystem::create_directories(dir / "init");
  dir.write("init/model.yaml", "model:\n  hidden_size: 48\n  num_heads: 4\n  num_layers: 3\n");
  const std::string f = dir.write("task.yaml", "model.num_layers: 5\n");
  const io::Config c = load_training_config({f}, {"train.init_from=" + (dir / "init"), "model.num_heads=6"});
  EXPECT_EQ(c.get<int64_t>("model.hidden_size"), 48);
  EXPECT_EQ(c.get<int64_t>("model.num_layers"), 5);
  EXPECT_EQ(c.get<int64_t>("model.num_heads"), 6);
  const std::string e = error_of([&] { load_training_config({}, {"train.init_from=" + (dir / "none")}); });
  EXPECT_NE(e.find("checkpoint folder"), std::string::npos) << e;
}

TEST(TrainOptions, SettingsRejectBadValuesNamingTheOption) {
  auto settings_error = [](const std::vector<std::string>& overrides) {
    std::vector<std::string> o = {"data.train=x.h5"};
    o.insert(o.end(), overrides.begin(), overrides.end());
    return error_of([&] { TrainSettings::from(load_training_config({}, o)); });
  };
  EXPECT_NE(settings_error({"train.nan_policy=ignore"}).find("'train.nan_policy' must be stop or skip"), std::string::npos);
  EXPECT_NE(settings_error({"valid.metric=bleu"}).find("unknown metric 'bleu'"), std::string::npos);
  EXPECT_NE(settings_error({"valid.metric=rougeL"}).find("valid.rouge is false"), std::string::npos);
  EXPECT_NE(settings_error({"train.batch_size=0"}).find("'train.batch_size' is 0 (must be >= 1)"), std::string::npos);
  EXPECT_NE(error_of([] { TrainSettings::from(load_training_config({}, {})); }).find("'data.train' is not set"),
            std::string::npos);
  EXPECT_EQ(settings_error({}), "no error");
}

TEST(TrainCommandLine, FilesOverridesAndPerOptionFlags) {
  const io::OptionRegistry r = training_registry();
  const TrainCommandLine cl = parse_train_command_line(
      {"--config", "a.yaml", "b.yaml", "--set", "optim.lr=3e-4", "train.epochs=2", "--train.batch_size", "16",
       "--valid.metric=em", "--data.shuffle", "--resume", "auto", "--schedule.warmup_steps", "-1", "--dump-config"},
      r);
  EXPECT_EQ(cl.configs, (std::vector<std::string>{"a.yaml", "b.yaml"}));
  EXPECT_EQ(cl.overrides, (std::vector<std::string>{"optim.lr=3e-4", "train.epochs=2", "train.batch_size=16",
                                                    "valid.metric=em", "data.shuffle=true", "train.resume=auto",
                                                    "schedule.warmup_steps=-1"}));
  EXPECT_TRUE(cl.dump_config);
}

TEST(TrainCommandLine, UnknownFlagsSuggestTheNearest) {
  const io::OptionRegistry r = training_registry();
  EXPECT_EQ(error_of([&] { parse_train_command_line({"--optim.lrr", "1"}, r); }),
            "unknown option '--optim.lrr' (did you mean '--optim.lr'?)");
  EXPECT_EQ(error_of([&] { parse_train_command_line({"--confg", "a.yaml"}, r); }),
            "unknown option '--confg' (did you mean '--config'?)");
  EXPECT_NE(error_of([&] { parse_train_command_line({"a.yaml"}, r); }).find("unexpected argument 'a.yaml'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_train_command_line({"--optim.lr"}, r); }).find("needs a value"), std::string::npos);
}

// The binary: every config error is one line on stderr, exit status 1.
namespace {
void expect_one_line_error(const vcc::train::testing::Completed& c, const std::string& fragment) {
  EXPECT_EQ(c.status, 1) << c.err;
  EXPECT_EQ(std::count(c.err.begin(), c.err.end(), '\n'), 1) << c.err;
  EXPECT_EQ(c.err.rfind("vcc-train: error: ", 0), 0u) << c.err;
  EXPECT_NE(c.err.find(fragment), std::string::npos) << c.err;
}
}  // namespace

TEST(VccTrainBinary, ConfigErrorsAreOneLine) {
  Scratch dir;
  const std::string unknown = dir.write("unknown.yaml", "train:\n  batch_size: 8\n  learning_rate: 0.1\n");
  expect_one_line_error(run_program({bin("vcc-train"), "--config", unknown}, dir / ""),
                        "unknown.yaml:3:3: unknown option 'train.learning_rate'");
  const std::string wrong = dir.write("wrong.yaml", "optim:\n  betas: fast\n");
  expect_one_line_error(run_program({bin("vcc-train"), "--config", wrong}, dir / ""),
                        "option 'optim.betas' expects a list of doubles");
  expect_one_line_error(run_program({bin("vcc-train"), "--config", dir / "missing.yaml"}, dir / ""),
                        "missing.yaml' not found");
  const std::string broken = dir.write("broken.yaml", "train: {batch_size: 8\n");
  expect_one_line_error(run_program({bin("vcc-train"), "--config", broken}, dir / ""), "broken.yaml");
  expect_one_line_error(run_program({bin("vcc-train"), "--set", "optim.lrr=1"}, dir / ""),
                        "unknown option 'optim.lrr' (did you mean 'optim.lr'?)");
  // A config without data.train says what to set.
  expect_one_line_error(run_program({bin("vcc-train"), "--set", "train.epochs=1"}, dir / ""), "'data.train' is not set");
  // A split that does not exist is named.
  expect_one_line_error(run_program({bin("vcc-train"), "--set", "data.train=" + (dir / "nope.h5")}, dir / ""), "nope.h5");
}

TEST(VccTrainBinary, DumpConfigPrintsTheEffectiveConfigWhichLoadsBack) {
  Scratch dir;
  const std::string f = dir.write("a.yaml", "optim:\n  lr: 2.0e-4\nmodel.vcc.enabled: true\n");
  const auto c = run_program({bin("vcc-train"), "--config", f, "--set", "train.epochs=7", "--dump-config"}, dir / "");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.out.find("  lr: 2e-04"), std::string::npos) << c.out;
  const std::string dumped = dir.write("dumped.yaml", c.out);
  const io::Config back = load_training_config({dumped}, {});
  EXPECT_EQ(back.get<double>("optim.lr"), 2e-4);
  EXPECT_EQ(back.get<int64_t>("train.epochs"), 7);
  EXPECT_TRUE(back.get<bool>("model.vcc.enabled"));
  const auto h = run_program({bin("vcc-train"), "--help-options", "valid"}, dir / "");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("valid.patience"), std::string::npos) << h.out;
  EXPECT_EQ(h.out.find("optim.lr"), std::string::npos) << h.out;
}

TEST(ShippedConfigs, EveryConfigLoadsAndMatchesThePaper) {
  const std::string dir = vcc::train::testing::source("configs");
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    const io::Config c = load_training_config({e.path().string()}, {});
    EXPECT_NO_THROW(TrainSettings::from(c));
    ++count;
  }
  EXPECT_GE(count, 7);
  // T5-base VCC HotpotQA 4K (spec 8.3): n 4096, n_p 96, b 16, k 70, lr 3e-4, warmup 1000, 10 epochs, batch 32.
  const io::Config h = load_training_config({dir + "/t5-base-vcc-hotpotqa-4k.yaml"}, {});
  EXPECT_TRUE(h.get<bool>("model.vcc.enabled"));
  EXPECT_EQ(h.get<int64_t>("model.vcc.num_vip"), 96);
  EXPECT_EQ(h.get<int64_t>("model.vcc.block_size"), 16);
  EXPECT_EQ(h.get<int64_t>("model.vcc.fine_blocks"), 70);
  EXPECT_EQ(h.get<double>("optim.lr"), 3e-4);
  EXPECT_EQ(h.get<int64_t>("schedule.warmup_steps"), 1000);
  EXPECT_EQ(h.get<int64_t>("train.epochs"), 10);
  EXPECT_EQ(h.get<int64_t>("train.batch_size"), 32);
  const io::Config n = load_training_config({dir + "/t5-base-vcc-narrativeqa-16k.yaml"}, {});
  EXPECT_EQ(n.get<int64_t>("model.vcc.num_vip"), 48);
  EXPECT_EQ(n.get<int64_t>("model.vcc.fine_blocks"), 90);
  EXPECT_EQ(n.get<int64_t>("train.epochs"), 5);
  // RoBERTa-base VCC 4K with the paper's RoBERTa downstream recipe (spec 8.2).
  const io::Config r = load_training_config({dir + "/roberta-base-vcc-hotpotqa-4k.yaml"}, {});
  EXPECT_EQ(r.get<int64_t>("model.vcc.num_vip"), 256);
  EXPECT_EQ(r.get<int64_t>("model.vcc.fine_blocks"), 80);
  EXPECT_EQ(r.get<double>("optim.lr"), 5e-5);
  EXPECT_TRUE(r.get<bool>("model.pre_ln"));
  for (const char* name : {"t5-base-vcc-hotpotqa-4k", "t5-base-full-hotpotqa-4k", "t5-base-vcc-narrativeqa-16k",
                           "t5-base-full-narrativeqa-16k", "roberta-base-vcc-hotpotqa-4k", "roberta-base-full-hotpotqa-4k"}) {
    const io::Config c = load_training_config({dir + "/" + name + ".yaml"}, {});
    EXPECT_EQ(c.get<std::vector<double>>("optim.betas"), (std::vector<double>{0.9, 0.98})) << name;
    EXPECT_EQ(c.get<double>("optim.eps"), 1e-6) << name;
    EXPECT_EQ(c.get<double>("optim.weight_decay"), 0.01) << name;
    EXPECT_EQ(c.get<double>("train.clip_norm"), 1.0) << name;
    EXPECT_EQ(c.get<std::string>("schedule.name"), "linear") << name;
    EXPECT_EQ(c.get<int64_t>("train.batch_size"), 32) << name;
    // The VCC block arithmetic fits the input length of the setting.
    const models::ModelConfig m = models::model_config_from(c);
    EXPECT_NO_THROW(m.validate()) << name;
    const int64_t n = std::string(name).find("16k") != std::string::npos ? 16384 : 4096;
    if (m.vcc.enabled) {
      EXPECT_NO_THROW(m.vcc.validate(n)) << name;
    }
  }
  const io::Config base = load_training_config({dir + "/t5-base-full-hotpotqa-4k.yaml"}, {});
  EXPECT_FALSE(base.get<bool>("model.vcc.enabled"));
}
