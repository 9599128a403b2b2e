#pragma once
// Var: a Tensor in the define-by-run autograd graph (flashlight-style). Each Var produced
// by an op remembers its inputs and a backward closure; Var::backward() walks the graph
// once in reverse creation order (a valid topological order) and frees it as it goes.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace vcc {

struct Node;
using NodePtr = std::shared_ptr<Node>;

// Given d(loss)/d(output), returns d(loss)/d(input_i) for each input (undefined Tensor
// where needs_grad[i] is false or the op has no gradient for that input).
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output, const std::vector<bool>& needs_grad)>;

struct Node {
  Tensor value;
  Tensor grad;                 // accumulated d(loss)/d(value)
  bool requires_grad = false;
  bool is_leaf = true;         // parameters and inputs; their grads are kept after backward
  std::vector<NodePtr> inputs;
  BackwardFn backward;
  const char* op = "leaf";
  uint64_t sequence = 0;       // creation order
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const { return node_->value; }
  // Accumulated gradient; undefined before the first backward that reaches this Var.
  const Tensor& grad() const { return node_->grad; }
  void set_grad(Tensor g) const { node_->grad = std::move(g); }
  void zero_grad() const { node_->grad = Tensor(); }
  bool requires_grad() const { return node_ && node_->requires_grad; }
  const char* op() const { return node_->op; }

  // Back-propagates from this Var. grad_output defaults to 1 for a one-element Var.
  // Gradients accumulate into leaves (parameters) until zero_grad().
  void backward(const Tensor& grad_output = Tensor()) const;

  // Same value, cut off from the graph.
  Var detach() const { return Var(value(), false); }

  const Shape& shape() const { return value().shape(); }
  int dim() const { return value().dim(); }
  int64_t size(int d) const { return value().size(d); }
  int64_t numel() const { return value().numel(); }
  DType dtype() const { return value().dtype(); }
  Device device() const { return value().device(); }

  const NodePtr& node() const { return node_; }
  static Var from_node(NodePtr n) {
    Var v;
    v.node_ = std::move(n);
    return v;
  }

 private:
  NodePtr node_;
};

// Records an op result: when gradients are enabled and any input requires them, the result
// keeps its inputs and backward closure; otherwise it is a plain constant.
// `always_record` keeps the closure even when no input requires gradients (activation
// checkpointing: the recomputed region may hold parameters that do).
Var make_result(Tensor value, std::vector<Var> inputs, BackwardFn backward, const char* op,
                bool always_record = false);

// Gradients are recorded unless a NoGradGuard is alive on this thread.
bool grad_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};
// Re-enables gradients inside a no-grad region (used by activation checkpointing).
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace vcc
