// TrainerState: typed values survive the YAML round trip; typed reads are checked.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "io/checkpoint_trainer_state.h"

using namespace vcc;
using namespace vcc::io;

TEST(TrainerState, YamlRoundTripKeepsTypesAndBits) {
  TrainerState s;
  s.set("step", 123456);
  s.set("epoch", 3);
  s.set("rng.seed", std::numeric_limits<int64_t>::max());
  s.set("rng.offset", -1);
  s.set("best.metric", 0.1 + 0.2);
  s.set("lr", 1.0);
  s.set("data.file", "5");  // looks like a number, stays a string
  s.set("run", "a: \"b\" # c");
  s.set("finished", false);
  const std::string yaml = s.to_yaml();
  EXPECT_NE(yaml.find("lr: 1.0\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("data.file: \"5\"\n"), std::string::npos) << yaml;
  const TrainerState back = TrainerState::from_yaml(yaml, "trainer.yaml");
  EXPECT_EQ(back, s);
  EXPECT_EQ(back.get_int("step"), 123456);
  EXPECT_EQ(back.get_int("rng.seed"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(back.get_double("best.metric"), 0.1 + 0.2);
  EXPECT_EQ(back.get_double("epoch"), 3.0);  // ints read as doubles
  EXPECT_EQ(back.get_string("data.file"), "5");
  EXPECT_EQ(back.get_string("run"), "a: \"b\" # c");
  EXPECT_FALSE(back.get_bool("finished"));
}

TEST(TrainerState, TypedReadsNameTheKey) {
  TrainerState s;
  s.set("step", 5);
  try {
    s.get_string("step");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "trainer state 'step' is an int, not a string");
  }
  try {
    s.get_int("epoch");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "trainer state has no 'epoch'");
  }
  EXPECT_THROW(TrainerState::from_yaml("step: [1, 2]\n", "t.yaml"), Error);
  EXPECT_THROW(TrainerState::from_yaml("step: [1, 2\n", "t.yaml"), Error);
}
