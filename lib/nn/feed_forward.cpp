#include "nn/feed_forward.h"

#include "autograd/ops_elementwise.h"
#include "autograd/ops_nn.h"

namespace vcc::nn {

FeedForward::FeedForward(const FeedForwardOptions& o, DType dtype) : options_(o) {
  VCC_CHECK(!o.in_name.empty() && !o.out_name.empty() && (!o.gated || !o.gate_name.empty()),
            "FeedForward: parameter names missing");
  in_ = register_module(o.in_name, std::make_shared<Linear>(o.d_model, o.d_ff, o.bias, dtype));
  if (o.gated) gate_ = register_module(o.gate_name, std::make_shared<Linear>(o.d_model, o.d_ff, o.bias, dtype));
  out_ = register_module(o.out_name, std::make_shared<Linear>(o.d_ff, o.d_model, o.bias, dtype));
}

Var FeedForward::forward(const Var& x) const {
  Var h = activate(options_.activation, in_->forward(x));
  if (gate_) h = h * gate_->forward(x);
  h = dropout(h, options_.inner_dropout, training());
  return out_->forward(h);
}

}  // namespace vcc::nn
