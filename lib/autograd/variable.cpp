#include "autograd/variable.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <unordered_set>

#include "autograd/op_profile.h"
#include "kernels/elementwise.h"

namespace vcc {
namespace {

thread_local bool t_grad_enabled = true;
std::atomic<uint64_t> g_sequence{1};

// Adds g into node->grad. A leaf's gradient buffer is owned by the leaf, so it is updated
// in place; an intermediate's first gradient is taken as is (it is never written again
// except through this function, which then allocates a fresh sum).
void accumulate(Node& node, Tensor g) {
  if (g.shape() != node.value.shape()) g = kernels::sum_to_shape(g, node.value.shape());
  if (!node.grad.defined()) {
    // A leaf's buffer is updated in place later, so it must not alias anything: take g
    // only when nothing else holds its storage and it covers that storage exactly.
    bool exclusive = g.storage().use_count() == 1 && g.is_contiguous() && g.offset() == 0 &&
                     g.nbytes() == g.storage()->nbytes();
    node.grad = (!node.is_leaf || exclusive) ? std::move(g) : g.clone();
  } else if (node.is_leaf) {
    kernels::add_inplace(node.grad, g);
  } else {
    node.grad = kernels::binary(kernels::BinaryOp::Add, node.grad, g);
  }
}

}  // namespace

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
  node_->sequence = g_sequence.fetch_add(1);
}

Var make_result(Tensor value, std::vector<Var> inputs, BackwardFn backward, const char* op, bool always_record) {
  profile::op_recorded(op);
  Var out(std::move(value), false);
  Node& n = *out.node();
  n.op = op;
  n.is_leaf = false;
  if (!t_grad_enabled) return out;
  bool any = false;
  for (const Var& v : inputs) any = any || v.requires_grad();
  if (!any && !always_record) return out;
  n.requires_grad = true;
  n.inputs.reserve(inputs.size());
  for (Var& v : inputs) n.inputs.push_back(v.node());
  n.backward = std::move(backward);
  return out;
}

void Var::backward(const Tensor& grad_output) const {
  VCC_CHECK(defined(), "backward() of an undefined Var");
  VCC_CHECK(requires_grad(), "backward() of a Var that does not require gradients (op ", op(), ")");
  Tensor seed = grad_output;
  if (!seed.defined()) {
    VCC_CHECK(numel() == 1, "backward() without a gradient needs a one-element output, got ", value().describe());
    seed = Tensor::ones(value().shape(), dtype(), device());
  }
  VCC_CHECK(seed.shape() == shape(), "backward(): gradient ", seed.describe(), " for output ", value().describe());

  std::optional<profile::Scope> walk(std::in_place, "backward: graph walk", profile::Phase::Other);
  // Collect the sub-graph that needs gradients. The list owns each node until it has
  // been processed, so clearing a processed node's inputs cannot free a pending one.
  std::vector<NodePtr> nodes;
  std::unordered_set<Node*> seen;
  std::vector<NodePtr> stack{node_};
  while (!stack.empty()) {
    NodePtr n = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(n.get()).second) continue;
    for (const NodePtr& in : n->inputs)
      if (in->requires_grad) stack.push_back(in);
    nodes.push_back(std::move(n));
  }
  // Inputs are always created before outputs, so decreasing sequence is topological.
  std::sort(nodes.begin(), nodes.end(), [](const NodePtr& a, const NodePtr& b) { return a->sequence > b->sequence; });

  walk.reset();
  accumulate(*node_, seed);
  for (NodePtr& n : nodes) {
    if (!n->is_leaf && n->backward && n->grad.defined()) {
      std::vector<bool> needs(n->inputs.size());
      for (size_t i = 0; i < n->inputs.size(); ++i) needs[i] = n->inputs[i]->requires_grad;
      std::vector<Tensor> grads;
      {
        profile::Scope scope(n->op, profile::Phase::Backward);
        grads = n->backward(n->grad, needs);
      }
      VCC_CHECK(grads.size() == n->inputs.size(), "op ", n->op, " returned ", grads.size(), " gradients for ",
                n->inputs.size(), " inputs");
      for (size_t i = 0; i < grads.size(); ++i) {
        if (!needs[i] || !grads[i].defined()) continue;
        VCC_CHECK(grads[i].shape() == n->inputs[i]->value.shape() ||
                      broadcast_shapes(n->inputs[i]->value.shape(), grads[i].shape()) == grads[i].shape(),
                  "op ", n->op, ": gradient ", grads[i].describe(), " for input ", i, " of shape ",
                  n->inputs[i]->value.shape().str());
        profile::Scope scope("gradient accumulation", profile::Phase::Other);
        accumulate(*n->inputs[i], std::move(grads[i]));
      }
    }
    profile::Scope scope("backward: freeing saved tensors", profile::Phase::Other);
    if (!n->is_leaf) {
      // Free as we go: the intermediate gradient and everything the closure saved.
      n->grad = Tensor();
      n->backward = nullptr;
      n->inputs.clear();
    }
    n.reset();
  }
}

bool grad_enabled() { return t_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }
EnableGradGuard::EnableGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { t_grad_enabled = previous_; }

}  // namespace vcc
