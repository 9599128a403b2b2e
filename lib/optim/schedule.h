#pragma once
// Learning-rate schedules: pure functions from the step to a multiplier of the base
// learning rate (Hugging Face `get_*_schedule_with_warmup` conventions).
//
// `step` counts the optimizer updates already applied: the trainer calls
//   optimizer.set_lr_multiplier(lr_multiplier(schedule, step)); optimizer.step(); ++step;
// so the first update uses the multiplier of step 0 (0 with a warm-up, as in Hugging Face's
// LambdaLR, which PyTorch Lightning steps after every update).
#include <cstdint>
#include <string>

namespace vcc::optim {

enum class ScheduleKind {
  Constant,     // 1, after an optional linear warm-up
  Linear,       // linear warm-up, then linear decay to 0 at total_steps
  Cosine,       // linear warm-up, then half a cosine down to 0 at total_steps
  InverseSqrt,  // linear warm-up, then sqrt(warmup) / sqrt(step)
};

struct Schedule {
  ScheduleKind kind = ScheduleKind::Constant;
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;  // Linear and Cosine only
};

// step / warmup during warm-up (0 <= step < warmup), else 1.
double constant_with_warmup(int64_t step, int64_t warmup);
// HF get_linear_schedule_with_warmup: step / max(1, warmup) during warm-up, then
// max(0, (total - step) / max(1, total - warmup)).
double linear_warmup_decay(int64_t step, int64_t warmup, int64_t total);
// HF get_cosine_schedule_with_warmup (half a cycle): after warm-up
// max(0, 0.5 * (1 + cos(pi * progress))), progress = (step - warmup) / max(1, total - warmup).
double cosine_warmup_decay(int64_t step, int64_t warmup, int64_t total);
// fairseq / T5 inverse square root: step / warmup during warm-up, then
// sqrt(warmup) / sqrt(max(step, warmup)); with warmup 0, 1 / sqrt(max(step, 1)).
double inverse_sqrt_warmup(int64_t step, int64_t warmup);

// Dispatches on schedule.kind.
double lr_multiplier(const Schedule& schedule, int64_t step);

// "constant", "linear", "cosine", "inverse_sqrt" <-> kind; an unknown name is an error
// listing the known ones.
ScheduleKind parse_schedule_kind(const std::string& name);
std::string schedule_kind_name(ScheduleKind kind);

// Checks warmup >= 0 and, for Linear and Cosine, total_steps > 0 and >= warmup.
void validate(const Schedule& schedule);

}  // namespace vcc::optim
