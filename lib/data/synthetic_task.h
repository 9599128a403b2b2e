#pragma once
// A synthetic long-context QA task (key -> value lookup among look-alike distractors) and a
// matching SentencePiece tokenizer in which every word is exactly one token.
//
// A document is filler sentences with `facts` facts "KEY : VALUE ." spread between them.
// The question "what is KEY ?" asks for one key; its fact starts at a depth in
// [depth_min, depth_max] of the context. Distractor keys mostly differ from the asked key by
// one syllable ("near misses"), distractor values come from the same family of pseudo-words
// as the answer, and every value occurs once, so the answer span is unique. Keys are two
// syllables of {b d f g k l m n p r s t} x {a e i o u}; values two of {j q v x z} x vowels.
// Chance EM when picking one of the document's values (or facts) is 1/facts.
//
// Variants: Front (the question is the query, so the VIP tokens carry the key) and Middle
// (the query is a fixed sentence and the key is stated in the middle of the context, so a
// model must find it there: VIP selection alone cannot see it; for ablations).
// Everything is a pure function of (options, split, index): reproducible by seed.
#include <cstdint>
#include <string>
#include <vector>

#include "data/example.h"

namespace vcc::data {

enum class SyntheticVariant { Front, Middle };
std::string_view synthetic_variant_name(SyntheticVariant v);
SyntheticVariant parse_synthetic_variant(std::string_view name);

struct SyntheticOptions {
  int64_t length = 1024;   // encoder input tokens: query + context + </s> fill exactly this
  int64_t facts = 32;      // facts per document (the asked one + distractors)
  double near_miss = 0.5;  // share of distractor keys one syllable away from the asked key
  double depth_min = 0.5;  // the asked fact starts within [depth_min, depth_max] of the context
  double depth_max = 1.0;
  SyntheticVariant variant = SyntheticVariant::Front;
  // The answer: the asked fact's VALUE (a lookup: the model must tie the value to the key two
  // tokens before it), or the whole fact "KEY : VALUE" (its start is found by matching the
  // question's key, which models trained from scratch learn far sooner; see docs/data.md).
  bool answer_is_fact = false;
  int64_t num_keys = 512;
  int64_t num_values = 128;
  uint64_t seed = 0;
};

// The fixed word lists (a function of the key and value counts only, not of the seed).
struct SyntheticVocabulary {
  std::vector<std::string> keys, values, filler, template_words;
  std::vector<std::string> all_words() const;  // each once
};
SyntheticVocabulary synthetic_vocabulary(int64_t num_keys, int64_t num_values);

// Where the answer is: byte offset of the gold value in the context and its token index
// within the context (every word is one token).
struct SyntheticGold {
  int64_t value_byte = 0;
  int64_t value_token = 0;
};

// Example `index` of `split` (0 train, 1 valid, 2 test); ids "synthetic-<split>-<index>".
Example synthetic_example(const SyntheticVocabulary& vocab, const SyntheticOptions& options, int split,
                          int64_t index, SyntheticGold* gold = nullptr);
std::vector<Example> synthetic_examples(const SyntheticVocabulary& vocab, const SyntheticOptions& options,
                                        int split, int64_t count);
// Words in the query (= its tokens without </s>) for the options' variant.
int64_t synthetic_query_words(const SyntheticOptions& options);

// A serialized SentencePiece model (T5 ids: <pad> 0, </s> 1, <unk> 2) with every word of the
// vocabulary as a user-defined piece "▁word", so that " word" is always one token.
std::string synthetic_tokenizer_model(const SyntheticVocabulary& vocab);

}  // namespace vcc::data
