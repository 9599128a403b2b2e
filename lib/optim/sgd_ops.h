#pragma once
// SGD (momentum, Nesterov, weight decay) per-element update math as a host/device functor.
//
// The formulas are PyTorch's torch.optim.SGD:
//   d   <- g + weight_decay * p                        (L2 decay, coupled: it enters momentum)
//   buf <- d                                           on the first step
//   buf <- momentum * buf + (1 - dampening) * d        afterwards
//   d   <- d + momentum * buf  (Nesterov)   or   d <- buf
//   p   <- p - lr * d
// With momentum 0 there is no buffer and d is used directly.
#include "core/hostdevice.h"

namespace vcc::optim {

struct SgdCoefficients {
  double lr = 0.0;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool first_step = false;  // the momentum buffer is initialised to d instead of updated
};

template <class T>
struct SgdUpdate {
  T lr, momentum, one_minus_dampening, weight_decay;
  bool nesterov, first_step;

  explicit SgdUpdate(const SgdCoefficients& c)
      : lr(static_cast<T>(c.lr)),
        momentum(static_cast<T>(c.momentum)),
        one_minus_dampening(static_cast<T>(1.0 - c.dampening)),
        weight_decay(static_cast<T>(c.weight_decay)),
        nesterov(c.nesterov),
        first_step(c.first_step) {}

  // With momentum: `buf` is the momentum buffer element.
  VCC_HOST_DEVICE void operator()(T& p, T g, T& buf) const {
    T d = g + weight_decay * p;
    buf = first_step ? d : momentum * buf + one_minus_dampening * d;
    d = nesterov ? d + momentum * buf : buf;
    p = p - lr * d;
  }
  // Without momentum (no buffer).
  VCC_HOST_DEVICE void operator()(T& p, T g) const {
    const T d = g + weight_decay * p;
    p = p - lr * d;
  }
};

}  // namespace vcc::optim
