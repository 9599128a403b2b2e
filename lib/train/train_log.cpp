#include "train/train_log.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/config.h"

namespace vcc::train {

namespace {

std::string printf_string(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

// Width of the step counter: the total's digits, so lines of one run align.
int step_width(int64_t total) { return static_cast<int>(std::to_string(std::max<int64_t>(total, 1)).size()); }

// JSON number, or null for NaN/Inf (JSON has no such numbers).
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string metric_text(const std::string& name, double v) {
  return name == "loss" ? printf_string("%s %.4f", name.c_str(), v) : printf_string("%s %.2f", name.c_str(), v);
}

}  // namespace

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const int64_t t = static_cast<int64_t>(std::llround(s));
  if (t < 60) return printf_string("%llds", static_cast<long long>(t));
  if (t < 3600) return printf_string("%lldm%02llds", static_cast<long long>(t / 60), static_cast<long long>(t % 60));
  if (t < 86400)
    return printf_string("%lldh%02lldm", static_cast<long long>(t / 3600), static_cast<long long>((t % 3600) / 60));
  return printf_string("%lldd%02lldh", static_cast<long long>(t / 86400), static_cast<long long>((t % 86400) / 3600));
}

std::string format_bytes(int64_t b) {
  const double mib = static_cast<double>(b) / (1024.0 * 1024.0);
  if (mib < 1024.0) return printf_string("%.0f MiB", mib);
  return printf_string("%.2f GiB", mib / 1024.0);
}

std::string format_count(double n) {
  if (!std::isfinite(n)) return "?";
  if (n < 1000) return printf_string("%.0f", n);
  if (n < 1e6) return printf_string("%.1fk", n / 1e3);
  if (n < 1e9) return printf_string("%.2fM", n / 1e6);
  return printf_string("%.2fG", n / 1e9);
}

std::string format_train_line(const TrainLine& l) {
  const int w = step_width(l.total);
  std::string s = printf_string("[train] step %*lld/%lld | ep %5.2f | loss %.4f | gnorm %6.3f | lr %.2e | %6.1f ms/step | "
                                "%6s tok/s | mem %9s | ETA %s",
                                w, static_cast<long long>(l.step), static_cast<long long>(l.total), l.epoch, l.loss,
                                l.grad_norm, l.lr, l.ms_per_step, format_count(l.tokens_per_s).c_str(),
                                format_bytes(l.memory_bytes).c_str(), format_duration(l.eta_seconds).c_str());
  if (l.skipped > 0) s += printf_string(" | %lld skipped (NaN/Inf)", static_cast<long long>(l.skipped));
  return s;
}

std::string format_valid_line(const ValidLine& l) {
  const int w = step_width(l.total);
  std::string s = printf_string("[valid] step %*lld/%lld", w, static_cast<long long>(l.step), static_cast<long long>(l.total));
  for (const auto& [name, v] : l.metrics) s += " | " + metric_text(name, v);
  s += printf_string(" | %lld ex in %s", static_cast<long long>(l.examples), format_duration(l.seconds).c_str());
  double current = 0;
  for (const auto& [name, v] : l.metrics)
    if (name == l.metric) current = v;
  if (l.new_best) {
    s += " | " + metric_text(l.metric, current) + " new best";
  } else {
    s += " | " + l.metric + printf_string(" stalled %lld", static_cast<long long>(l.stalled));
    if (l.patience > 0) s += printf_string("/%lld", static_cast<long long>(l.patience));
    s += " (best " + metric_text(l.metric, l.best_value).substr(l.metric.size() + 1) +
         printf_string(" at step %lld)", static_cast<long long>(l.best_step));
  }
  return s;
}

std::string train_json(const TrainLine& l) {
  nlohmann::ordered_json j;
  j["type"] = "train";
  j["step"] = l.step;
  j["total_steps"] = l.total;
  j["epoch"] = number(l.epoch);
  j["loss"] = number(l.loss);
  j["grad_norm"] = number(l.grad_norm);
  j["lr"] = number(l.lr);
  j["ms_per_step"] = number(l.ms_per_step);
  j["tokens_per_s"] = number(l.tokens_per_s);
  j["memory_bytes"] = l.memory_bytes;
  j["eta_s"] = number(l.eta_seconds);
  j["skipped"] = l.skipped;
  return j.dump();
}

std::string valid_json(const ValidLine& l) {
  nlohmann::ordered_json j;
  j["type"] = "valid";
  j["step"] = l.step;
  j["total_steps"] = l.total;
  for (const auto& [name, v] : l.metrics) j[name] = number(v);
  j["examples"] = l.examples;
  j["seconds"] = number(l.seconds);
  j["metric"] = l.metric;
  j["best"] = l.new_best;
  j["best_value"] = number(l.best_value);
  j["best_step"] = l.best_step;
  j["stalled"] = l.stalled;
  return j.dump();
}

void RunLog::open(const std::string& run_dir, std::ostream* out, int64_t resume_step) {
  const std::string jsonl = run_dir + "/metrics.jsonl";
  if (resume_step >= 0) truncate_metrics_after(jsonl, resume_step);
  log_.open(run_dir + "/train.log", std::ios::app);
  VCC_USER_CHECK(log_.good(), "cannot write ", run_dir, "/train.log");
  jsonl_.open(jsonl, std::ios::app);
  VCC_USER_CHECK(jsonl_.good(), "cannot write ", jsonl);
  out_ = out;
}

void RunLog::line(const std::string& text) {
  if (out_) *out_ << text << std::endl;
  if (log_.is_open()) log_ << text << std::endl;
}

void RunLog::json(const std::string& text) {
  if (jsonl_.is_open()) jsonl_ << text << std::endl;
}

void RunLog::file_only(const std::string& text) {
  if (log_.is_open()) log_ << text << std::endl;
}

void truncate_metrics_after(const std::string& path, int64_t step) {
  if (!std::filesystem::exists(path)) return;
  std::istringstream in(io::read_text_file(path, "metrics file"));
  std::string kept, line;
  bool dropped = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() > step) {
      dropped = true;
      continue;
    }
    kept += line + "\n";
  }
  if (dropped) io::write_text_file_atomically(path, kept);
}

}  // namespace vcc::train
