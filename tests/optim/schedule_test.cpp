// Learning-rate schedules at the warm-up boundary, midpoints and the end.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "optim/schedule.h"

using namespace vcc;
using namespace vcc::optim;

TEST(Schedule, ConstantWithAndWithoutWarmup) {
  EXPECT_EQ(lr_multiplier({ScheduleKind::Constant, 0, 0}, 0), 1.0);
  EXPECT_EQ(lr_multiplier({ScheduleKind::Constant, 0, 0}, 123456), 1.0);
  EXPECT_EQ(lr_multiplier({ScheduleKind::Constant, 4, 0}, 0), 0.0);
  EXPECT_EQ(lr_multiplier({ScheduleKind::Constant, 4, 0}, 2), 0.5);
  EXPECT_EQ(lr_multiplier({ScheduleKind::Constant, 4, 0}, 4), 1.0);
}

TEST(Schedule, LinearWarmupThenLinearDecayToZero) {
  const Schedule s{ScheduleKind::Linear, 10, 110};
  EXPECT_EQ(lr_multiplier(s, 0), 0.0);    // Hugging Face: the first update uses lr 0
  EXPECT_EQ(lr_multiplier(s, 5), 0.5);
  EXPECT_EQ(lr_multiplier(s, 9), 0.9);
  EXPECT_EQ(lr_multiplier(s, 10), 1.0);   // end of warm-up: peak
  EXPECT_EQ(lr_multiplier(s, 60), 0.5);   // midpoint of the decay
  EXPECT_EQ(lr_multiplier(s, 85), 0.25);
  EXPECT_EQ(lr_multiplier(s, 110), 0.0);  // end
  EXPECT_EQ(lr_multiplier(s, 150), 0.0);  // clamped past the end
  EXPECT_EQ(lr_multiplier({ScheduleKind::Linear, 0, 4}, 0), 1.0);
  EXPECT_EQ(lr_multiplier({ScheduleKind::Linear, 0, 4}, 1), 0.75);
}

TEST(Schedule, CosineWarmupThenHalfCosine) {
  const Schedule s{ScheduleKind::Cosine, 10, 110};
  EXPECT_EQ(lr_multiplier(s, 5), 0.5);
  EXPECT_EQ(lr_multiplier(s, 10), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(s, 35), 0.85355339059327373);  // 0.5 (1 + cos(pi / 4))
  EXPECT_DOUBLE_EQ(lr_multiplier(s, 60), 0.5);                  // 0.5 (1 + cos(pi / 2))
  EXPECT_DOUBLE_EQ(lr_multiplier(s, 85), 0.14644660940672624);  // 0.5 (1 + cos(3 pi / 4))
  EXPECT_EQ(lr_multiplier(s, 110), 0.0);
  EXPECT_LT(lr_multiplier(s, 109), 3e-4);
}

TEST(Schedule, InverseSqrtWarmupThenDecay) {
  const Schedule s{ScheduleKind::InverseSqrt, 100, 0};
  EXPECT_EQ(lr_multiplier(s, 0), 0.0);
  EXPECT_EQ(lr_multiplier(s, 50), 0.5);
  EXPECT_EQ(lr_multiplier(s, 100), 1.0);   // sqrt(100) / sqrt(100)
  EXPECT_EQ(lr_multiplier(s, 400), 0.5);   // sqrt(100) / sqrt(400)
  EXPECT_EQ(lr_multiplier(s, 10000), 0.1);
  EXPECT_DOUBLE_EQ(lr_multiplier(s, 200), 1.0 / std::sqrt(2.0));
  EXPECT_EQ(lr_multiplier({ScheduleKind::InverseSqrt, 0, 0}, 0), 1.0);
  EXPECT_EQ(lr_multiplier({ScheduleKind::InverseSqrt, 0, 0}, 4), 0.5);
}

TEST(Schedule, NamesAndValidation) {
  for (ScheduleKind k : {ScheduleKind::Constant, ScheduleKind::Linear, ScheduleKind::Cosine, ScheduleKind::InverseSqrt})
    EXPECT_EQ(parse_schedule_kind(schedule_kind_name(k)), k);
  try {
    parse_schedule_kind("cosine_restarts");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "unknown learning-rate schedule 'cosine_restarts' (expected constant, linear, cosine or inverse_sqrt)");
  }
  EXPECT_THROW(validate({ScheduleKind::Linear, 10, 0}), Error);
  EXPECT_THROW(validate({ScheduleKind::Cosine, 10, 5}), Error);
  EXPECT_THROW(validate({ScheduleKind::Constant, -1, 0}), Error);
  EXPECT_NO_THROW(validate({ScheduleKind::InverseSqrt, 10, 0}));
}
