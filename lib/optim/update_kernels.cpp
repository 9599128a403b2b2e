#include "optim/update_kernels.h"

#include "kernels/dispatch.h"

namespace vcc::optim {
namespace {

void check_state(const char* op, const Tensor& param, const Tensor& state, const char* what) {
  VCC_CHECK(state.defined() && state.is_contiguous() && state.shape() == param.shape() &&
                state.dtype() == param.dtype() && state.device() == param.device(),
            op, ": ", what, " ", state.defined() ? state.describe() : "undefined", " for parameter ",
            param.describe());
}

}  // namespace

void adamw_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                  const AdamWCoefficients& c) {
  VCC_CHECK(param.is_contiguous(), "adamw_update: non-contiguous parameter ", param.describe());
  check_state("adamw_update", param, exp_avg, "exp_avg");
  check_state("adamw_update", param, exp_avg_sq, "exp_avg_sq");
  VCC_CHECK(grad.shape() == param.shape() && grad.dtype() == param.dtype(), "adamw_update: gradient ",
            grad.describe(), " for parameter ", param.describe());
  kernels::check_same_device("adamw_update", param, grad);
  const Tensor g = grad.contiguous();
  VCC_DISPATCH_DEVICE(param.device(), adamw_update, param, g, exp_avg, exp_avg_sq, c);
}

void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdCoefficients& c) {
  VCC_CHECK(param.is_contiguous(), "sgd_update: non-contiguous parameter ", param.describe());
  if (c.momentum != 0.0) check_state("sgd_update", param, momentum_buffer, "momentum buffer");
  VCC_CHECK(grad.shape() == param.shape() && grad.dtype() == param.dtype(), "sgd_update: gradient ",
            grad.describe(), " for parameter ", param.describe());
  kernels::check_same_device("sgd_update", param, grad);
  const Tensor g = grad.contiguous();
  VCC_DISPATCH_DEVICE(param.device(), sgd_update, param, g, momentum_buffer, c);
}

double sum_of_squares(const Tensor& x) {
  const Tensor xc = x.contiguous();
  double result = 0.0;
  if (xc.device().is_cpu()) {
    result = cpu::sum_of_squares(xc);
  } else if (xc.device().is_emu()) {
    // The CUDA twin reduces on the device and copies the scalar back: a host sync.
    emu::KernelScope scope(xc.device(), "sum_of_squares");
    result = cpu::sum_of_squares(xc);
    emu::count_host_sync();
  } else {
#if defined(VCC_WITH_CUDA)
    result = cuda::sum_of_squares(xc);
#else
    VCC_FAIL("sum_of_squares: tensor on ", xc.device().str(), " but this build has no CUDA backend");
#endif
  }
  return result;
}

void sum_of_squares_into(const Tensor& x, const Tensor& out) {
  VCC_CHECK(out.dtype() == DType::F64 && out.numel() == 1, "sum_of_squares_into: output ", out.describe(),
            " is not one float64");
  kernels::check_same_device("sum_of_squares_into", x, out);
  const Tensor xc = x.contiguous();
  VCC_DISPATCH_DEVICE(x.device(), sum_of_squares_into, xc, out);
}

}  // namespace vcc::optim
