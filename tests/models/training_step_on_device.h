#pragma once
// One training step of a tiny RoBERTa or T5 (with or without VCC) on any device, for the
// tests that compare a device with the CPU: tests/models/emulated_device_test.cpp (emu:N,
// bit for bit) and tests/gpu/model_step_gpu_test.cpp (cuda:0, to float32 tolerances).
// A step is the training-mode loss (dropout and VCC exploration on, drawn from one
// generator state), backward, gradient clipping and one AdamW update.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "core/rng.h"
#include "models/model_factory.h"
#include "models/roberta.h"
#include "models/t5.h"
#include "optim/adamw.h"
#include "optim/clip_grad.h"

namespace vcc::testing {

inline models::ModelConfig tiny_model(const std::string& type, bool vcc) {
  models::ModelConfig c;
  c.type = type;
  c.vocab_size = 40;
  c.hidden_size = 16;
  c.num_layers = 2;
  c.num_heads = 2;
  c.d_kv = 8;
  c.d_ff = 24;
  c.hidden_dropout = 0.1;
  c.attention_dropout = 0.1;
  if (type == "t5") {
    c.num_decoder_layers = 2;
    c.activation = "relu";
    c.relative_buckets = 8;
    c.relative_max_distance = 20;
    c.pad_token_id = 0;
    c.eos_token_id = 1;
    c.max_position_embeddings = 0;
    c.type_vocab_size = 0;
    c.position_ids = "sequential";
  } else {
    c.pre_ln = true;
    c.position_ids = "padding";  // made from the host batch, as the extractive QA task does
    c.pad_token_id = 1;
    c.max_position_embeddings = 64 + 2;
    c.type_vocab_size = 2;
    c.heads = {"span", "answer_type", "multiple_choice"};
  }
  if (vcc) {
    c.vcc.enabled = true;
    c.vcc.num_vip = 16;
    c.vcc.block_size = 16;
    c.vcc.fine_blocks = 1;
    c.vcc.standard_layers = 1;
    c.vcc.explore_prob = 0.5;
    c.segment_local_layers = 1;
    c.segment_size = 64;
  }
  c.validate();
  return c;
}

struct TinyBatch {
  Tensor ids, mask, importance, labels, starts, ends, candidates, candidate_mask, choices;

  TinyBatch to(Device d) const {
    return {ids.to(d),  mask.to(d),       importance.to(d),     labels.to(d), starts.to(d),
            ends.to(d), candidates.to(d), candidate_mask.to(d), choices.to(d)};
  }
};

// Two examples of 64 tokens (the second padded at the end), a 10-token "question", labels
// with one ignored position, span answers and three candidates (one padding).
inline TinyBatch tiny_batch(const models::ModelConfig& c) {
  const int64_t B = 2, n = 64, T = 5;
  std::vector<int64_t> ids(B * n), labels(B * T);
  std::vector<uint8_t> mask(B * n, 1), imp(B * n, 0);
  for (int64_t i = 0; i < B * n; ++i) ids[i] = 3 + static_cast<int64_t>(Philox::uniform(5, 1, i) * (c.vocab_size - 3));
  for (int64_t i = n - 7; i < n; ++i) {
    mask[n + i] = 0;
    ids[n + i] = c.pad_token_id;
  }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < 10; ++i) imp[b * n + i] = 1;
  for (int64_t i = 0; i < B * T; ++i) labels[i] = 2 + static_cast<int64_t>(Philox::uniform(5, 2, i) * (c.vocab_size - 2));
  labels[B * T - 1] = -100;
  TinyBatch b;
  b.ids = Tensor::from_vector<int64_t>(ids, {B, n});
  b.mask = Tensor::from_vector<uint8_t>(mask, {B, n});
  b.importance = Tensor::from_vector<uint8_t>(imp, {B, n});
  b.labels = Tensor::from_vector<int64_t>(labels, {B, T});
  b.starts = Tensor::from_vector<int64_t>({20, 33}, {B});
  b.ends = Tensor::from_vector<int64_t>({22, 40}, {B});
  b.candidates = Tensor::from_vector<int64_t>({3, 17, 30, 5, 9, 60}, {B, 3});
  b.candidate_mask = Tensor::from_vector<uint8_t>({1, 1, 1, 1, 1, 0}, {B, 3});
  b.choices = Tensor::from_vector<int64_t>({2, 1}, {B});
  return b;
}

// Training-mode loss of the model on `b` (on the model's device). RoBERTa's position ids come
// from the host batch `host`, as the extractive QA task makes them.
inline Var tiny_loss(const nn::Module& model, const TinyBatch& b, const TinyBatch& host) {
  if (auto* t5 = dynamic_cast<const models::T5Model*>(&model)) return t5->loss(b.ids, b.mask, b.labels, b.importance);
  const auto& r = dynamic_cast<const models::RobertaModel&>(model);
  models::EncoderInputs in;
  in.input_ids = b.ids;
  in.position_ids = models::make_position_ids(host.ids, r.config());
  in.attention_mask = b.mask;
  in.importance_mask = b.importance;
  const Var hidden = r.forward(in).hidden;
  const models::SpanLogits span = r.span_head()->forward(hidden);
  const Var choice = r.multiple_choice_head()->forward(hidden, b.candidates, b.candidate_mask);
  return cross_entropy(span.start, b.starts) + cross_entropy(span.end, b.ends) + cross_entropy(choice, b.choices);
}

// What one step left behind, on the device it ran on.
struct StepOutcome {
  Tensor loss;                               // before the update
  std::map<std::string, Tensor> gradients;   // after backward (before clipping)
  std::map<std::string, Tensor> parameters;  // after the update
  double grad_norm = 0;
  int64_t host_syncs_in_forward_backward = -1;  // emulated devices only
};

// One step of the tiny model on `device` (made current for the step), from weights seeded 11
// and the generator state (seed, offset) for dropout and exploration.
inline StepOutcome tiny_training_step(const std::string& type, bool vcc, Device device, uint64_t seed, uint64_t offset) {
  const models::ModelConfig c = tiny_model(type, vcc);
  const TinyBatch host = tiny_batch(c);
  set_current_device(device);
  std::shared_ptr<nn::Module> model = models::build_model(c);
  models::init_weights(*model, c, 11);
  model->train(true);
  if (!device.is_cpu())
    for (auto& [name, p] : model->named_parameters()) p.node()->value = p.value().to(device);
  std::vector<Var> params;
  for (const auto& [name, p] : model->named_parameters()) params.push_back(p);
  optim::AdamW adamw(optim::AdamW::with_no_decay(model->named_parameters(), {1e-3}, {"bias"}));
  default_generator().set_state(seed, offset);
  if (device.is_emu()) emu::reset_host_syncs();
  StepOutcome out;
  const Var loss = tiny_loss(*model, device.is_cpu() ? host : host.to(device), host);
  loss.backward();
  if (device.is_emu()) out.host_syncs_in_forward_backward = emu::host_syncs();
  out.loss = loss.value();
  for (const auto& [name, p] : model->named_parameters())
    if (p.grad().defined()) out.gradients[name] = p.grad().clone();
  out.grad_norm = optim::clip_grad_norm(params, 1.0);
  adamw.step();
  for (const auto& [name, p] : model->named_parameters()) out.parameters[name] = p.value();
  return out;
}

}  // namespace vcc::testing
