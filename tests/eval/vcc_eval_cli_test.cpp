// The vcc-eval binary end to end: `score` on small files, its JSON output, and its errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class VccEvalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vcc-eval-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << content;
    return path;
  }

  // Runs `vcc-eval <args>` with stdout and stderr captured in files of the temp folder.
  RunResult run(const std::string& args) {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = std::string("'") + VCC_BIN_DIR + "/vcc-eval' " + args + " >'" + out.string() +
                                "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
  }

  std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

  fs::path dir_;
};

const char* const kPairs =
    R"({"id": "q1", "prediction": "The quick brown fox jumps over the lazy dog", "references": ["The quick brown dog jumps on the log."]})"
    "\n"
    R"({"id": "q2", "prediction": "to marry her", "references": ["nothing alike", "He wants to marry her"]})"
    "\n";

}  // namespace

TEST_F(VccEvalCli, ScorePairsPrintsCorpusMeansAndWritesPerExampleLines) {
  const fs::path input = write("pairs.jsonl", kPairs);
  const fs::path per_example = dir_ / "per-example.jsonl";
  const RunResult r = run("score --input " + q(input) + " --metrics squad,rouge --per-example " + q(per_example));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");

  // Per example: q1 is rouge-score's docstring example; q2's best F1 is ((2*1)*0.6)/1.6.
  std::istringstream lines(read_text(per_example));
  std::string line;
  std::vector<json> rows;
  while (std::getline(lines, line)) rows.push_back(json::parse(line));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["id"], "q1");
  EXPECT_EQ(rows[0]["rouge1"]["precision"].get<double>(), 0.6666666666666666);
  EXPECT_EQ(rows[0]["rouge1"]["recall"].get<double>(), 0.75);
  EXPECT_EQ(rows[0]["rouge1"]["fmeasure"].get<double>(), 0.7058823529411765);
  EXPECT_EQ(rows[0]["rouge2"]["fmeasure"].get<double>(), 0.26666666666666666);
  EXPECT_EQ(rows[0]["rougeL"]["fmeasure"].get<double>(), 0.5882352941176471);
  EXPECT_EQ(rows[0]["rougeLsum"]["fmeasure"].get<double>(), 0.5882352941176471);
  EXPECT_EQ(rows[1]["id"], "q2");
  EXPECT_EQ(rows[1]["em"].get<double>(), 0.0);
  EXPECT_EQ(rows[1]["f1"].get<double>(), 0.7499999999999999);
  EXPECT_EQ(rows[1]["rouge1"]["precision"].get<double>(), 1.0);
  EXPECT_EQ(rows[1]["rouge1"]["recall"].get<double>(), 0.6);

  // Corpus: plain means of the per-example values, on the 0..1 scale, keys in a fixed order.
  const json corpus = json::parse(r.out);
  EXPECT_EQ(corpus["count"], 2);
  EXPECT_EQ(corpus["em"].get<double>(), 0.0);
  EXPECT_EQ(corpus["f1"].get<double>(), (rows[0]["f1"].get<double>() + 0.7499999999999999) / 2);
  EXPECT_EQ(corpus["rouge1"]["fmeasure"].get<double>(), (0.7058823529411765 + rows[1]["rouge1"]["fmeasure"].get<double>()) / 2);
  EXPECT_EQ(r.out.substr(0, 22), R"({"count":2,"em":0.0,"f)");
  EXPECT_TRUE(corpus.contains("rougeLsum"));
}

TEST_F(VccEvalCli, OnlyTheAskedMetricsAreReported) {
  const fs::path input = write("pairs.jsonl", kPairs);
  const RunResult r = run("score --input " + q(input) + " --metrics rouge1 --rouge-stemmer");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json corpus = json::parse(r.out);
  EXPECT_EQ(corpus.size(), 2u);  // count and rouge1
  EXPECT_TRUE(corpus.contains("rouge1"));
}

TEST_F(VccEvalCli, NullPredictionsAreReportedAndScoreZero) {
  const fs::path input = write("pairs.jsonl", std::string(kPairs) + R"({"id": "q3", "prediction": null, "references": ["x"]})" "\n");
  const RunResult r = run("score --input " + q(input) + " --metrics squad");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 of 3 examples have no prediction"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("q3"), std::string::npos) << r.err;
  const json corpus = json::parse(r.out);
  EXPECT_EQ(corpus["count"], 3);
  EXPECT_EQ(corpus["f1"].get<double>(), (json::parse(run("score --input " + q(write("two.jsonl", kPairs)) +
                                                          " --metrics squad").out)["f1"].get<double>() * 2) / 3);
}

TEST_F(VccEvalCli, HotpotQAOfficialFormatsGiveTheTwelveMetrics) {
  const fs::path gold = write("gold.json", R"([
    {"_id": "a", "answer": "Barack Obama", "supporting_facts": [["Barack Obama", 0], ["Honolulu", 1]]},
    {"_id": "b", "answer": "yes", "supporting_facts": [["Warsaw", 2]]}])");
  const fs::path pred = write("pred.json", R"({"answer": {"a": "Obama", "b": "yes", "extra": "x"},
    "sp": {"a": [["Barack Obama", 0]]}})");
  const RunResult r = run("score --hotpotqa-gold " + q(gold) + " --hotpotqa-pred " + q(pred));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // a: p = 1, r = 1/2, F1 = 2/3; sp p = 1, r = 1/2; joint p = 1, r = 1/4, F1 = 0.4 (not
  // 2/3 * 2/3). b: exact answer, sp missing, so no joint. Every sum is divided by N = 2.
  const json expected = json::parse(R"({"em": 0.5, "f1": 0.8333333333333333, "prec": 1.0, "recall": 0.75,
    "sp_em": 0.0, "sp_f1": 0.3333333333333333, "sp_prec": 0.5, "sp_recall": 0.25,
    "joint_em": 0.0, "joint_f1": 0.2, "joint_prec": 0.5, "joint_recall": 0.125})");
  const json actual = json::parse(r.out);
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(r.out.substr(0, 6), R"({"em":)");  // the official key order, not sorted
  EXPECT_NE(r.err.find("missing sp fact for 1 of 2 gold ids"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(b)"), std::string::npos) << r.err;
}

TEST_F(VccEvalCli, HotpotQADevSampleWithGoldPredictionsIsPerfect) {
  const fs::path gold = VCC_SHARED_DATA "/hotpotqa/hotpot_dev_distractor_v1_100.json";
  const json examples = json::parse(read_text(gold));
  json pred = {{"answer", json::object()}, {"sp", json::object()}};
  for (const json& e : examples) {
    pred["answer"][e["_id"].get<std::string>()] = e["answer"];
    pred["sp"][e["_id"].get<std::string>()] = e["supporting_facts"];
  }
  const fs::path per_example = dir_ / "hotpot-per-example.jsonl";
  const RunResult r = run("score --hotpotqa-gold " + q(gold) + " --hotpotqa-pred " + q(write("pred.json", pred.dump())) +
                          " --per-example " + q(per_example));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json metrics = json::parse(r.out);
  ASSERT_EQ(metrics.size(), 12u);
  for (const auto& [name, value] : metrics.items()) EXPECT_EQ(value.get<double>(), 1.0) << name;
  std::istringstream lines(read_text(per_example));
  std::string line;
  size_t count = 0;
  while (std::getline(lines, line)) ++count;
  EXPECT_EQ(count, 103u);
}

TEST_F(VccEvalCli, MalformedJsonLineNamesFileAndLine) {
  const fs::path input = write("bad.jsonl", std::string(kPairs) + "{\"id\": \"q3\", \"prediction\": \n");
  const fs::path per_example = dir_ / "per-example.jsonl";
  const RunResult r = run("score --input " + q(input) + " --per-example " + q(per_example));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(input.string() + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("malformed JSON"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // Nothing half-written: neither the output nor a temporary file is left.
  EXPECT_FALSE(fs::exists(per_example));
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().find("per-example"), std::string::npos) << entry.path();
}

TEST_F(VccEvalCli, MalformedJsonFileNamesLine) {
  const fs::path gold = write("gold.json", "[\n  {\"_id\": \"a\",\n   \"answer\": oops}\n]\n");
  const fs::path pred = write("pred.json", R"({"answer": {}, "sp": {}})");
  const RunResult r = run("score --hotpotqa-gold " + q(gold) + " --hotpotqa-pred " + q(pred));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(gold.string() + ":3:"), std::string::npos) << r.err;
}

TEST_F(VccEvalCli, WrongFieldTypeIsAnErrorNamingTheField) {
  const fs::path input = write("pairs.jsonl", R"({"id": "q1", "prediction": "a", "references": "a"})" "\n");
  const RunResult r = run("score --input " + q(input));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(input.string() + ":1: field \"references\" must be a non-empty list of strings, got string"),
            std::string::npos)
      << r.err;
}

TEST_F(VccEvalCli, MissingFileAndUnknownMetricAreErrors) {
  RunResult r = run("score --input " + q(dir_ / "absent.jsonl"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot open " + (dir_ / "absent.jsonl").string()), std::string::npos) << r.err;

  r = run("score --input " + q(write("pairs.jsonl", kPairs)) + " --metrics bleu");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("unknown metric 'bleu'"), std::string::npos) << r.err;

  r = run("score");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nothing to score"), std::string::npos) << r.err;
}

TEST_F(VccEvalCli, ExistingOutputIsReplacedWhole) {
  const fs::path per_example = write("per-example.jsonl", "old content\n");
  const RunResult r = run("score --input " + q(write("pairs.jsonl", kPairs)) + " --metrics squad --per-example " +
                          q(per_example));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = read_text(per_example);
  EXPECT_EQ(text.find("old content"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}
