// Config: defaults, file and command-line precedence, one-line errors, dump/reload, help.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

#include "io/config.h"
#include "io/config_value.h"
#include "temp_dir.h"
#include "test_util.h"

using namespace vcc;
using namespace vcc::io;
using vcc::testing::TempDir;

namespace {

using vcc::testing::error_of;

OptionRegistry registry() {
  OptionRegistry r;
  r.add("train.lr", 1e-3, "Peak learning rate.")
      .add("train.steps", 100, "Number of optimizer steps.")
      .add("train.fp16", false, "Mixed precision.")
      .add("train.run_name", "default-run", "Name of the run folder.")
      .add("model.vcc.block_size", 16, "Tokens per block.")
      .add<std::vector<int64_t>>("model.vcc.layers", {4, 8}, "Standard and VCC layers.")
      .add<std::vector<double>>("optim.betas", {0.9, 0.98}, "AdamW betas.")
      .add<std::vector<std::string>>("optim.no_decay", {"bias", "LayerNorm.weight"}, "No-decay patterns.");
  return r;
}

}  // namespace

TEST(Config, DefaultsComeFromTheRegistry) {
  Config c(registry());
  EXPECT_EQ(c.get<double>("train.lr"), 1e-3);
  EXPECT_EQ(c.get<int64_t>("train.steps"), 100);
  EXPECT_EQ(c.get<int>("train.steps"), 100);
  EXPECT_EQ(c.get<bool>("train.fp16"), false);
  EXPECT_EQ(c.get<std::string>("train.run_name"), "default-run");
  EXPECT_EQ(c.get<std::vector<int64_t>>("model.vcc.layers"), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(c.get<std::vector<int>>("model.vcc.layers"), (std::vector<int>{4, 8}));
  EXPECT_EQ(c.get<std::vector<double>>("optim.betas"), (std::vector<double>{0.9, 0.98}));
  EXPECT_EQ(c.get<std::vector<std::string>>("optim.no_decay"), (std::vector<std::string>{"bias", "LayerNorm.weight"}));
  EXPECT_TRUE(c.is_default("train.lr"));
}

TEST(Config, LaterFilesOverrideEarlierAndCommandLineOverridesAll) {
  TempDir dir;
  const std::string base = dir.write("base.yaml",
                                     "train:\n  lr: 0.5\n  steps: 10\n  fp16: yes\nmodel.vcc.block_size: 32\n");
  const std::string task = dir.write("task.yaml", "train.steps: 20\ntrain:\n  run_name: task\n");
  Config c = Config::load(registry(), {base, task}, {"train.run_name=cli", "optim.betas=[0.8, 0.9]"});
  EXPECT_EQ(c.get<double>("train.lr"), 0.5);               // file 1
  EXPECT_EQ(c.get<bool>("train.fp16"), true);              // file 1
  EXPECT_EQ(c.get<int64_t>("model.vcc.block_size"), 32);   // file 1, dotted key
  EXPECT_EQ(c.get<int64_t>("train.steps"), 20);            // file 2 over file 1
  EXPECT_EQ(c.get<std::string>("train.run_name"), "cli");  // command line over file 2
  EXPECT_EQ(c.get<std::vector<double>>("optim.betas"), (std::vector<double>{0.8, 0.9}));
  EXPECT_FALSE(c.is_default("train.lr"));
}

TEST(Config, CommandLineListsAndScalars) {
  Config c(registry());
  c.apply_overrides({"optim.no_decay=bias,norm.weight", "model.vcc.layers=[6, 18]", "train.fp16=TRUE",
                     "train.lr=-.inf"});
  EXPECT_EQ(c.get<std::vector<std::string>>("optim.no_decay"), (std::vector<std::string>{"bias", "norm.weight"}));
  EXPECT_EQ(c.get<std::vector<int64_t>>("model.vcc.layers"), (std::vector<int64_t>{6, 18}));
  EXPECT_TRUE(c.get<bool>("train.fp16"));
  EXPECT_EQ(c.get<double>("train.lr"), -INFINITY);
  c.apply_override("optim.no_decay=");
  EXPECT_TRUE(c.get<std::vector<std::string>>("optim.no_decay").empty());
  c.apply_override("train.run_name=a=b");  // only the first '=' separates
  EXPECT_EQ(c.get<std::string>("train.run_name"), "a=b");
}

TEST(Config, UnknownKeyNamesFileLineAndNearestKey) {
  TempDir dir;
  const std::string path = dir.write("task.yaml", "train:\n  steps: 5\n  lrr: 0.1\n");
  Config c(registry());
  EXPECT_EQ(error_of([&] { c.merge_file(path); }),
            path + ":3:3: unknown option 'train.lrr' (did you mean 'train.lr'?)");
  EXPECT_EQ(c.get<int64_t>("train.steps"), 100) << "a rejected file changes nothing";
  const std::string nested = dir.write("nested.yaml", "model:\n  vcc:\n    blok_size: 8\n");
  EXPECT_EQ(error_of([&] { c.merge_file(nested); }),
            nested + ":3:5: unknown option 'model.vcc.blok_size' (did you mean 'model.vcc.block_size'?)");
  EXPECT_EQ(error_of([&] { c.apply_override("optim.beta=[1,2]"); }),
            "command line: unknown option 'optim.beta' (did you mean 'optim.betas'?)");
  EXPECT_EQ(error_of([&] { c.apply_override("train.lr"); }),
            "command line: 'train.lr' is not an option assignment (key=value expected)");
}

TEST(Config, WrongTypeNamesFileKeyExpectedTypeAndValue) {
  TempDir dir;
  const std::string path = dir.write("bad.yaml", "train:\n  steps: 1.5\n");
  Config c(registry());
  EXPECT_EQ(error_of([&] { c.merge_file(path); }), path + ":2:10: option 'train.steps' expects an int, got '1.5'");
  const std::string list = dir.write("list.yaml", "optim:\n  betas: 0.9\n");
  EXPECT_EQ(error_of([&] { c.merge_file(list); }),
            list + ":2:10: option 'optim.betas' expects a list of doubles, got '0.9'");
  const std::string seq = dir.write("seq.yaml", "model.vcc.layers: [4, x]\n");
  EXPECT_EQ(error_of([&] { c.merge_file(seq); }),
            seq + ":1:19: option 'model.vcc.layers' expects a list of ints, got '[4, x]'");
  EXPECT_EQ(error_of([&] { c.apply_override("train.fp16=maybe"); }),
            "command line: option 'train.fp16' expects a bool, got 'maybe'");
  EXPECT_EQ(error_of([&] { c.apply_override("train.lr=fast"); }),
            "command line: option 'train.lr' expects a double, got 'fast'");
  const std::string group = dir.write("group.yaml", "model: 3\n");
  EXPECT_EQ(error_of([&] { c.merge_file(group); }),
            group + ":1:1: 'model' is a group of options and needs a map under it, got '3'");
}

TEST(Config, MalformedYamlNamesFileAndLine) {
  TempDir dir;
  const std::string path = dir.write("broken.yaml", "train:\n  lr: 0.1\n  steps: [1, 2\nmodel: {}\n");
  const std::string message = error_of([&] { Config c(registry()); c.merge_file(path); });
  EXPECT_EQ(message.rfind(path + ":", 0), 0u) << message;
  EXPECT_NE(message.find(": malformed YAML: "), std::string::npos) << message;
  // The mark points into the unterminated flow sequence (line 3) or where the parser gave up.
  const int line = std::stoi(message.substr(path.size() + 1));
  EXPECT_GE(line, 3) << message;
  EXPECT_LE(line, 5) << message;
}

TEST(Config, OtherFileErrors) {
  TempDir dir;
  Config c(registry());
  const std::string missing = dir / "missing.yaml";
  EXPECT_EQ(error_of([&] { c.merge_file(missing); }), "config file '" + missing + "' not found");
  const std::string twice = dir.write("twice.yaml", "train.lr: 1.0\ntrain:\n  lr: 2.0\n");
  EXPECT_EQ(error_of([&] { c.merge_file(twice); }),
            twice + ":3:3: option 'train.lr' is set twice in this file (first at " + twice + ":1:1)");
  const std::string list = dir.write("list.yaml", "- train.lr\n");
  EXPECT_EQ(error_of([&] { c.merge_file(list); }),
            list + ":1:1: a config file must be a map of options, got '[train.lr]'");
  const std::string empty = dir.write("empty.yaml", "# nothing\nmodel:\n");
  EXPECT_EQ(error_of([&] { c.merge_file(empty); }), "no error");
}

TEST(Config, DumpListsEveryOptionGroupedWithHelp) {
  Config c(registry());
  c.set("train.steps", 7);
  EXPECT_EQ(c.dump(),
            "train:\n"
            "  # Peak learning rate.\n"
            "  lr: 0.001\n"
            "  # Number of optimizer steps.\n"
            "  steps: 7\n"
            "  # Mixed precision.\n"
            "  fp16: false\n"
            "  # Name of the run folder.\n"
            "  run_name: default-run\n"
            "\n"
            "model:\n"
            "  vcc:\n"
            "    # Tokens per block.\n"
            "    block_size: 16\n"
            "    # Standard and VCC layers.\n"
            "    layers: [4, 8]\n"
            "\n"
            "optim:\n"
            "  # AdamW betas.\n"
            "  betas: [0.9, 0.98]\n"
            "  # No-decay patterns.\n"
            "  no_decay: [bias, LayerNorm.weight]\n");
  EXPECT_EQ(c.dump("model", false), "model:\n  vcc:\n    block_size: 16\n    layers: [4, 8]\n");
}

TEST(Config, DumpReloadsToTheSameValues) {
  Config c(registry());
  c.set("train.lr", 0.1 + 0.2);  // not a short decimal: needs round-trip formatting
  c.set("train.steps", int64_t{-9007199254740993});
  c.set("train.fp16", true);
  c.set("train.run_name", std::string("true"));
  c.set("model.vcc.layers", std::vector<int64_t>{});
  c.set("optim.betas", std::vector<double>{1e-300, 3.0});
  c.set("optim.no_decay", std::vector<std::string>{"a, b", "", "null", "x: y", "# c", "[z]", "'q'"});
  Config back(registry());
  back.merge_yaml(c.dump(), "dump");
  for (const OptionSpec& s : c.registry().specs())
    EXPECT_EQ(format_option_value(back.value(s.key)), format_option_value(c.value(s.key))) << s.key;
  EXPECT_EQ(back.get<double>("train.lr"), 0.1 + 0.2);
  EXPECT_EQ(back.get<std::string>("train.run_name"), "true");
  EXPECT_EQ(back.get<std::vector<std::string>>("optim.no_decay"), c.get<std::vector<std::string>>("optim.no_decay"));
}

TEST(Config, SaveWritesTheDumpAtomically) {
  TempDir dir;
  Config c(registry());
  c.set("train.lr", 0.25);
  const std::string path = dir / "config.yaml";
  dir.write("config.yaml", "old contents");
  c.save(path);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), c.dump());
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 1) << "no temporary file left behind";
  EXPECT_EQ(Config::load(registry(), {path}).get<double>("train.lr"), 0.25);
}

TEST(Config, HelpListsTypesDefaultsAndHelp) {
  const std::string help = registry().help("model");
  EXPECT_EQ(help,
            "model:\n"
            "  model.vcc.block_size (int, default 16)           Tokens per block.\n"
            "  model.vcc.layers (list of ints, default [4, 8])  Standard and VCC layers.\n");
  EXPECT_NE(registry().help().find("  train.fp16 (bool, default false)"), std::string::npos);
}

TEST(Config, TypedAccessIsChecked) {
  Config c(registry());
  EXPECT_THROW(c.get<int64_t>("train.lr"), Error);
  EXPECT_THROW(c.get<std::string>("train.steps"), Error);
  EXPECT_THROW(c.set("train.steps", 1.5), Error);
  const std::string message = error_of([&] { c.get<double>("train.learning_rat"); });
  EXPECT_NE(message.find("unknown option 'train.learning_rat' (did you mean 'train.run_name'?)"), std::string::npos)
      << message;
}

TEST(OptionRegistry, RejectsDuplicateAndClashingKeys) {
  OptionRegistry r = registry();
  EXPECT_THROW(r.add("train.lr", 1.0, "again"), Error);
  EXPECT_THROW(r.add("model.vcc", 1, "a group already"), Error);
  EXPECT_THROW(r.add("train.lr.warmup", 1, "inside an option"), Error);
  EXPECT_THROW(r.add("bad key", 1, "space"), Error);
  EXPECT_THROW(r.add("train.ok", 1, ""), Error);
  EXPECT_EQ(r.nearest_key("mdoel.vcc.layer"), "model.vcc.layers");
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}
