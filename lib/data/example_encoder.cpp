#include "data/example_encoder.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <sstream>

#include "core/error.h"

namespace vcc::data {

std::string_view task_name(Task t) { return t == Task::QaExtractive ? "qa_extractive" : "seq2seq"; }

Task parse_task(std::string_view name) {
  if (name == "qa_extractive") return Task::QaExtractive;
  if (name == "seq2seq") return Task::Seq2Seq;
  VCC_USER_CHECK(false, "unknown task '", name, "' (expected qa_extractive or seq2seq)");
  return Task::Seq2Seq;
}

std::string_view overflow_name(Overflow o) {
  switch (o) {
    case Overflow::Truncate: return "truncate";
    case Overflow::Drop: return "drop";
    case Overflow::Error: return "error";
  }
  return "?";
}

Overflow parse_overflow(std::string_view name) {
  if (name == "truncate") return Overflow::Truncate;
  if (name == "drop") return Overflow::Drop;
  if (name == "error") return Overflow::Error;
  VCC_USER_CHECK(false, "unknown overflow policy '", name, "' (expected truncate, drop or error)");
  return Overflow::Truncate;
}

void EncodeStats::merge(const EncodeStats& o) {
  examples += o.examples;
  kept += o.kept;
  truncated += o.truncated;
  dropped += o.dropped;
  targets_truncated += o.targets_truncated;
  spans_located += o.spans_located;
  spans_case_insensitive += o.spans_case_insensitive;
  spans_not_found += o.spans_not_found;
  spans_truncated += o.spans_truncated;
  yes_no += o.yes_no;
  no_answer += o.no_answer;
  input_tokens += o.input_tokens;
}

std::string EncodeStats::summary() const {
  std::ostringstream os;
  os << examples << " examples, " << kept << " written, " << truncated << " truncated, " << dropped
     << " dropped, " << targets_truncated << " targets truncated";
  if (spans_located + spans_not_found + spans_truncated + yes_no > 0)
    os << "; spans: " << spans_located << " located (" << spans_case_insensitive << " ignoring case), "
       << spans_not_found << " not found, " << spans_truncated << " cut by truncation, " << yes_no << " yes/no";
  if (no_answer > 0) os << "; " << no_answer << " without answer";
  if (kept > 0) os << "; mean input " << (input_tokens + kept / 2) / kept << " tokens";
  return os.str();
}

std::optional<std::pair<size_t, size_t>> find_answer(std::string_view haystack, std::string_view needle,
                                                     bool* folded) {
  if (folded) *folded = false;
  if (needle.empty()) return std::nullopt;
  size_t p = haystack.find(needle);
  if (p != std::string_view::npos) return std::make_pair(p, p + needle.size());
  // ASCII folding keeps byte offsets unchanged (multi-byte characters compare as is).
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [&](char a, char b) { return lower(a) == lower(b); });
  if (it == haystack.end()) return std::nullopt;
  if (folded) *folded = true;
  size_t q = static_cast<size_t>(it - haystack.begin());
  return std::make_pair(q, q + needle.size());
}

ExampleEncoder::ExampleEncoder(const Tokenizer& tokenizer, const EncoderOptions& options)
    : tok_(&tokenizer), options_(options) {
  VCC_USER_CHECK(tokenizer.loaded(), "example encoder: tokenizer not loaded");
  VCC_USER_CHECK(tokenizer.eos_id() >= 0, tokenizer.model_path(),
                 ": the model has no </s> piece, which the input layout needs");
  VCC_USER_CHECK(options.max_length >= 2, "--max-length must be at least 2, got ", options.max_length);
  VCC_USER_CHECK(options.max_target_length >= 0, "--max-target-length must be >= 0, got ",
                 options.max_target_length);
  VCC_USER_CHECK(options.task != Task::Seq2Seq || options.max_target_length > 0,
                 "the seq2seq task needs --max-target-length > 0");
}

const Encoding& ExampleEncoder::context_tokens(const std::string& context, int64_t need, bool* more,
                                               int64_t* bytes_tokenized) const {
  if (cached_context_.size() != context.size() || cached_context_ != context) {
    cached_context_ = context;
    cached_bytes_ = -1;
    cached_tokens_ = Encoding{};
  }
  const int64_t total = static_cast<int64_t>(context.size());
  // Enough bytes for `need` tokens plus a margin, cut at whitespace (pieces never cross it).
  int64_t bytes = std::max<int64_t>(4096, 8 * (need + 16));
  while (true) {
    if (cached_bytes_ == total || (cached_bytes_ >= 0 && static_cast<int64_t>(cached_tokens_.size()) > need + 1)) {
      *more = cached_bytes_ < total || static_cast<int64_t>(cached_tokens_.size()) > need;
      *bytes_tokenized = cached_bytes_;
      return cached_tokens_;
    }
    int64_t cut = total;
    if (bytes < total) {
      cut = bytes;
      while (cut < total && !std::isspace(static_cast<unsigned char>(context[cut]))) ++cut;
    }
    if (cut > cached_bytes_) {
      cached_tokens_ = tok_->encode_with_offsets(std::string_view(context).substr(0, cut));
      cached_bytes_ = cut;
    }
    bytes *= 2;
  }
}

std::optional<EncodedExample> ExampleEncoder::encode(const Example& ex, EncodeStats& stats) const {
  const int64_t L = options_.max_length;
  ++stats.examples;

  Encoding query = tok_->encode_with_offsets(ex.query);
  const int64_t q = static_cast<int64_t>(query.size());
  const int64_t need = std::max<int64_t>(L - 1 - q, 0);
  bool more = false;
  int64_t prefix_bytes = 0;
  const Encoding& ctx = context_tokens(ex.context, need, &more, &prefix_bytes);
  const int64_t c_avail = static_cast<int64_t>(ctx.size());
  const bool overflow = q + 1 + c_avail > L || more;
  if (overflow) {
    if (options_.overflow == Overflow::Drop) {
      ++stats.dropped;
      return std::nullopt;
    }
    VCC_USER_CHECK(options_.overflow != Overflow::Error, "example ", ex.id, ": input longer than --max-length ", L,
                   " tokens (use --overflow truncate or drop)");
    ++stats.truncated;
  }

  EncodedExample out;
  out.input_ids.assign(L, tok_->pad_id());
  out.attention_mask.assign(L, 0);
  out.importance_mask.assign(L, 0);
  // Content tokens kept before the final </s>: the query first, then the context.
  const int64_t q_kept = std::min(q, L - 1);
  const int64_t c_kept = std::min(c_avail, L - 1 - q_kept);
  for (int64_t i = 0; i < q_kept; ++i) out.input_ids[i] = query.ids[i];
  for (int64_t i = 0; i < c_kept; ++i) out.input_ids[q_kept + i] = ctx.ids[i];
  const int64_t n = q_kept + c_kept + 1;
  out.input_ids[n - 1] = tok_->eos_id();
  std::fill(out.attention_mask.begin(), out.attention_mask.begin() + n, 1);
  out.input_length = static_cast<int32_t>(n);
  // VIPs: the query tokenized alone with its </s> (spec 11.19), however far that reaches.
  out.query_length = static_cast<int32_t>(std::min(q + 1, L));
  std::fill(out.importance_mask.begin(), out.importance_mask.begin() + out.query_length, 1);
  stats.input_tokens += n;

  if (options_.max_target_length > 0) {
    const int64_t T = options_.max_target_length;
    std::vector<int32_t> target = tok_->encode(ex.target);
    if (static_cast<int64_t>(target.size()) + 1 > T) ++stats.targets_truncated;
    target.resize(std::min<int64_t>(static_cast<int64_t>(target.size()), T - 1));
    target.push_back(tok_->eos_id());
    out.labels.assign(T, kIgnoreLabel);
    std::copy(target.begin(), target.end(), out.labels.begin());
  }

  out.answer_type = ex.answer_type;
  if (ex.answer_type == AnswerType::None || ex.answers.empty()) {
    out.answer_type = AnswerType::None;
    ++stats.no_answer;
  } else if (ex.answer_type == AnswerType::Yes || ex.answer_type == AnswerType::No) {
    ++stats.yes_no;
  } else if (options_.task == Task::QaExtractive) {
    // First answer whose first occurrence lies within the kept context tokens.
    bool found_any = false, located = false, folded_used = false;
    for (const std::string& answer : ex.answers) {
      bool folded = false;
      auto hit = find_answer(ex.context, answer, &folded);
      if (!hit) continue;
      found_any = true;
      const int64_t a = static_cast<int64_t>(hit->first), b = static_cast<int64_t>(hit->second);
      int64_t first = -1, last = -1;
      for (int64_t i = 0; i < c_kept; ++i) {
        if (ctx.begin[i] == ctx.end[i]) continue;  // zero-width (e.g. a lone "▁")
        if (ctx.begin[i] >= b) break;
        if (ctx.end[i] > a) {
          if (first < 0) first = i;
          last = i;
        }
      }
      // Located only if no token beyond the kept ones overlaps the answer.
      const int64_t next_begin = c_kept < c_avail ? ctx.begin[c_kept] : more ? prefix_bytes : INT64_MAX;
      if (first >= 0 && (ctx.end[last] >= b || next_begin >= b)) {
        out.answer_start = static_cast<int32_t>(q_kept + first);
        out.answer_end = static_cast<int32_t>(q_kept + last);
        located = true;
        folded_used = folded;
        break;
      }
    }
    if (located) {
      ++stats.spans_located;
      if (folded_used) ++stats.spans_case_insensitive;
    } else {
      out.answer_type = AnswerType::None;
      if (found_any)
        ++stats.spans_truncated;
      else
        ++stats.spans_not_found;
    }
  }
  ++stats.kept;
  return out;
}

}  // namespace vcc::data
