#pragma once
// LayerStack: the one loop that runs an encoder's layers, with segment-local attention in
// the first layers (spec 2.1), optional activation checkpointing per layer, and a hook
// through which VCC takes over the layers from L_s on.
#include <memory>
#include <vector>

#include "nn/encoder_layer.h"

namespace vcc::nn {

class LayerStack;

// Runs layers [first_layer(), n) of a stack in place of the plain loop (VCC installs one).
class LayerStackOverride {
 public:
  virtual ~LayerStackOverride() = default;
  virtual size_t first_layer() const = 0;
  // hidden: the output of layer first_layer() - 1 (or the embeddings); returns the
  // output of the last layer, before the encoder's final norm.
  virtual Var forward(const LayerStack& stack, const Var& hidden, const AttentionContext& ctx) = 0;
};

class LayerStack {
 public:
  void add(std::shared_ptr<EncoderLayer> layer) { layers_.push_back(std::move(layer)); }
  size_t size() const { return layers_.size(); }
  EncoderLayer& layer(size_t i) const { return *layers_.at(i); }

  // The first `count` layers attend within segments of `size` tokens.
  void set_segment_local(int64_t count, int64_t size);
  int64_t segment_local_layers() const { return segment_local_layers_; }
  int64_t segment_size() const { return segment_size_; }
  // Keep only each layer's input in forward and recompute the layer in backward.
  void set_checkpointing(bool on) { checkpoint_ = on; }
  bool checkpointing() const { return checkpoint_; }
  void set_override(std::shared_ptr<LayerStackOverride> o) { override_ = std::move(o); }
  const std::shared_ptr<LayerStackOverride>& override_hook() const { return override_; }

  // Layer i on x, with the segment-local cut and checkpointing applied as configured.
  Var run_layer(size_t i, const Var& x, const AttentionContext& ctx) const;
  // Layers [begin, end) in order.
  Var run_layers(size_t begin, size_t end, Var x, const AttentionContext& ctx) const;
  // All layers, handing over to the override hook at its first layer.
  Var forward(const Var& x, const AttentionContext& ctx) const;

 private:
  std::vector<std::shared_ptr<EncoderLayer>> layers_;
  int64_t segment_local_layers_ = 0;
  int64_t segment_size_ = 512;
  bool checkpoint_ = false;
  std::shared_ptr<LayerStackOverride> override_;
};

}  // namespace vcc::nn
