// The per-op profile (autograd/op_profile.h): which op and phase each interval is charged
// to, call counts, checkpointed regions re-run in backward, and named host work.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "autograd/checkpoint.h"
#include "autograd/op_profile.h"
#include "autograd/ops.h"
#include "test_util.h"

using namespace vcc;

namespace {

const profile::Row* find(const std::vector<profile::Row>& rows, const std::string& name, profile::Phase phase) {
  for (const profile::Row& r : rows)
    if (r.name == name && r.phase == phase) return &r;
  return nullptr;
}

TEST(OpProfile, ChargesEachOpsForwardAndBackwardToItself) {
  Var x(vcc::testing::randn({4, 8}, 1, DType::F32), true), w(vcc::testing::randn({8, 8}, 2, DType::F32), true);
  profile::start();
  Var y = gelu(matmul(x, w));
  Var z = gelu(y) + y;
  sum_all(z).backward();
  const std::vector<profile::Row> rows = profile::stop();
  using P = profile::Phase;
  ASSERT_NE(find(rows, "matmul", P::Forward), nullptr);
  EXPECT_EQ(find(rows, "matmul", P::Forward)->calls, 1);
  EXPECT_EQ(find(rows, "matmul", P::Backward)->calls, 1);
  EXPECT_EQ(find(rows, "gelu", P::Forward)->calls, 2);
  EXPECT_EQ(find(rows, "gelu", P::Backward)->calls, 2);
  EXPECT_EQ(find(rows, "add", P::Forward)->calls, 1);
  EXPECT_EQ(find(rows, "sum_all", P::Backward)->calls, 1);
  // y reaches the sum along two paths, x and w are leaves: three accumulations at least.
  ASSERT_NE(find(rows, "gradient accumulation", P::Other), nullptr);
  EXPECT_GE(find(rows, "gradient accumulation", P::Other)->calls, 3);
  EXPECT_EQ(find(rows, "matmul", P::Recompute), nullptr);
  // Largest first.
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i - 1].ms, rows[i].ms);
  EXPECT_FALSE(profile::active());
}

TEST(OpProfile, CheckpointedOpsReRunInBackwardAreRecompute) {
  Var x(vcc::testing::randn({4, 8}, 3, DType::F32), true);
  profile::start();
  Var y = checkpoint([](const std::vector<Var>& in) { return gelu(in[0]) * in[0]; }, {x});
  sum_all(y).backward();
  const std::vector<profile::Row> rows = profile::stop();
  using P = profile::Phase;
  ASSERT_NE(find(rows, "gelu", P::Forward), nullptr);
  ASSERT_NE(find(rows, "gelu", P::Recompute), nullptr);
  EXPECT_EQ(find(rows, "gelu", P::Recompute)->calls, 1);
  EXPECT_EQ(find(rows, "mul", P::Recompute)->calls, 1);
  EXPECT_EQ(find(rows, "gelu", P::Backward)->calls, 1);  // the region's own backward, nested
  EXPECT_EQ(find(rows, "checkpoint", P::Backward)->calls, 1);
}

TEST(OpProfile, NamedHostWorkGetsItsOwnTimeAndNothingIsRecordedWhenOff) {
  Var x(vcc::testing::randn({4}, 4, DType::F32), true);
  profile::start();
  Var y = exp(x);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  profile::charge("sleep");
  Var z = exp(y);
  std::vector<profile::Row> rows = profile::stop();
  using P = profile::Phase;
  ASSERT_NE(find(rows, "sleep", P::Other), nullptr);
  EXPECT_GE(find(rows, "sleep", P::Other)->ms, 30.0);
  EXPECT_LT(find(rows, "exp", P::Forward)->ms, 30.0);  // the sleep was not charged to the next op
  EXPECT_EQ(find(rows, "exp", P::Forward)->calls, 2);
  // The table has one line per name and a total.
  const std::string table = profile::table(rows, 1);
  EXPECT_NE(table.find("sleep"), std::string::npos);
  EXPECT_NE(table.find("sum (the whole step)"), std::string::npos);

  Var after = exp(z);
  sum_all(after).backward();
  EXPECT_TRUE(profile::stop().empty());
}

}  // namespace
