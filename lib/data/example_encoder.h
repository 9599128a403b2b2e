#pragma once
// ExampleEncoder: turns an Example into fixed-length model inputs the way VCC's T5
// collators do (spec section 4):
//   input_ids       = tokenize(query + "\n\n\n" + context) + </s>, truncated to max_length
//                     (the last kept slot is always </s>) and right-padded with <pad>;
//   importance_mask = 1 on the first len(tokenize(query) + </s>) positions (the query
//                     tokenized alone, its </s> slot included: spec 11.19);
//   labels          = tokenize(target) + </s>, truncated to max_target_length (ending in
//                     </s>), padded with -100;
//   answer span     = (qa_extractive) the tokens covering the first occurrence of an answer
//                     in the context, case-sensitive first, then ASCII case-insensitive.
// The query and the context are tokenized separately and concatenated: SentencePiece
// pieces never cross whitespace, so this equals tokenizing the joined string (a test checks
// it) and lets a long context be tokenized only as far as max_length needs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/example.h"
#include "data/tokenizer.h"

namespace vcc::data {

enum class Task { QaExtractive, Seq2Seq };
std::string_view task_name(Task t);         // "qa_extractive" / "seq2seq"
Task parse_task(std::string_view name);     // error lists the choices

// What to do with an input longer than max_length.
enum class Overflow { Truncate, Drop, Error };
std::string_view overflow_name(Overflow o);
Overflow parse_overflow(std::string_view name);

struct EncoderOptions {
  int64_t max_length = 512;
  int64_t max_target_length = 0;  // 0 = no labels
  Overflow overflow = Overflow::Truncate;
  Task task = Task::Seq2Seq;
};

constexpr int32_t kIgnoreLabel = -100;  // padding in labels (ignored by the loss)
constexpr int32_t kNoSpan = -1;         // answer_start/answer_end without a located span

struct EncodedExample {
  std::vector<int32_t> input_ids;        // [max_length]
  std::vector<uint8_t> attention_mask;   // [max_length]
  std::vector<uint8_t> importance_mask;  // [max_length]
  std::vector<int32_t> labels;           // [max_target_length], empty without labels
  int32_t input_length = 0;              // real (unpadded) tokens
  int32_t query_length = 0;              // VIP positions
  int32_t answer_start = kNoSpan;        // token index, inclusive
  int32_t answer_end = kNoSpan;          // token index, inclusive
  AnswerType answer_type = AnswerType::None;
};

// Counts over a run; summary() prints them on one line.
struct EncodeStats {
  int64_t examples = 0;           // seen
  int64_t kept = 0;               // written
  int64_t truncated = 0;          // inputs cut to max_length (kept)
  int64_t dropped = 0;            // inputs over max_length dropped (--overflow drop)
  int64_t targets_truncated = 0;  // labels cut to max_target_length
  int64_t spans_located = 0;      // extractive: answer span found within the kept tokens
  int64_t spans_case_insensitive = 0;  // ... of which found only ignoring case
  int64_t spans_not_found = 0;    // extractive span answers absent from the context
  int64_t spans_truncated = 0;    // found in the context but beyond max_length
  int64_t yes_no = 0;             // yes/no answers (no span needed)
  int64_t no_answer = 0;          // examples without a reference answer
  int64_t input_tokens = 0;       // real input tokens written (for the average)
  void merge(const EncodeStats& o);
  std::string summary() const;
};

class ExampleEncoder {
 public:
  ExampleEncoder(const Tokenizer& tokenizer, const EncoderOptions& options);
  const EncoderOptions& options() const { return options_; }
  // The encoded example, or nullopt if the overflow policy drops it. Overflow::Error
  // throws an error naming the example id. Not thread-safe (keeps the last context's tokens).
  std::optional<EncodedExample> encode(const Example& example, EncodeStats& stats) const;

 private:
  // Tokens of at least the first `need + 1` tokens' worth of the context (all of it if
  // shorter), whether the context has more tokens than `need`, and how many bytes of the
  // context were tokenized (the cut falls on whitespace).
  const Encoding& context_tokens(const std::string& context, int64_t need, bool* more,
                                 int64_t* bytes_tokenized) const;

  const Tokenizer* tok_;
  EncoderOptions options_;
  mutable std::string cached_context_;
  mutable int64_t cached_bytes_ = -1;  // bytes of cached_context_ tokenized
  mutable Encoding cached_tokens_;
};

// Byte range of the first occurrence of `needle` in `haystack` (case-sensitive, else ASCII
// case-insensitive); nullopt if absent. `*folded` says whether only the fallback matched.
std::optional<std::pair<size_t, size_t>> find_answer(std::string_view haystack, std::string_view needle,
                                                     bool* folded = nullptr);

}  // namespace vcc::data
