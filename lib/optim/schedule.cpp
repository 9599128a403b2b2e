#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace vcc::optim {

double constant_with_warmup(int64_t step, int64_t warmup) {
  if (step < warmup) return static_cast<double>(step) / static_cast<double>(warmup);
  return 1.0;
}

double linear_warmup_decay(int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  return std::max(0.0, static_cast<double>(total - step) / static_cast<double>(std::max<int64_t>(1, total - warmup)));
}

double cosine_warmup_decay(int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  const double progress =
      static_cast<double>(step - warmup) / static_cast<double>(std::max<int64_t>(1, total - warmup));
  return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
}

double inverse_sqrt_warmup(int64_t step, int64_t warmup) {
  if (step < warmup) return static_cast<double>(step) / static_cast<double>(warmup);
  if (warmup == 0) return 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(step, 1)));
  return std::sqrt(static_cast<double>(warmup)) / std::sqrt(static_cast<double>(std::max(step, warmup)));
}

double lr_multiplier(const Schedule& s, int64_t step) {
  VCC_CHECK(step >= 0, "lr_multiplier: step ", step);
  switch (s.kind) {
    case ScheduleKind::Constant: return constant_with_warmup(step, s.warmup_steps);
    case ScheduleKind::Linear: return linear_warmup_decay(step, s.warmup_steps, s.total_steps);
    case ScheduleKind::Cosine: return cosine_warmup_decay(step, s.warmup_steps, s.total_steps);
    case ScheduleKind::InverseSqrt: return inverse_sqrt_warmup(step, s.warmup_steps);
  }
  VCC_FAIL("lr_multiplier: unknown schedule kind ", static_cast<int>(s.kind));
}

ScheduleKind parse_schedule_kind(const std::string& name) {
  if (name == "constant") return ScheduleKind::Constant;
  if (name == "linear") return ScheduleKind::Linear;
  if (name == "cosine") return ScheduleKind::Cosine;
  if (name == "inverse_sqrt") return ScheduleKind::InverseSqrt;
  VCC_USER_CHECK(false, "unknown learning-rate schedule '", name,
                 "' (expected constant, linear, cosine or inverse_sqrt)");
  return ScheduleKind::Constant;
}

std::string schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Constant: return "constant";
    case ScheduleKind::Linear: return "linear";
    case ScheduleKind::Cosine: return "cosine";
    case ScheduleKind::InverseSqrt: return "inverse_sqrt";
  }
  VCC_FAIL("schedule_kind_name: unknown schedule kind ", static_cast<int>(kind));
}

void validate(const Schedule& s) {
  const std::string name = schedule_kind_name(s.kind);
  VCC_USER_CHECK(s.warmup_steps >= 0, "schedule '", name, "': warmup_steps = ", s.warmup_steps,
                 " (must be >= 0)");
  if (s.kind == ScheduleKind::Linear || s.kind == ScheduleKind::Cosine) {
    VCC_USER_CHECK(s.total_steps > 0, "schedule '", name, "': total_steps = ", s.total_steps,
                   " (must be > 0; it is where the learning rate reaches 0)");
    VCC_USER_CHECK(s.total_steps >= s.warmup_steps, "schedule '", name, "': total_steps = ", s.total_steps,
                   " is less than warmup_steps = ", s.warmup_steps);
  }
}

}  // namespace vcc::optim
