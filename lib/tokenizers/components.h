#pragma once
// The pieces of a Hugging Face tokenizer pipeline (normalizers, pre-tokenizers, models,
// post-processors), each built from its tokenizer.json object.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizers/normalized_text.h"

// A user-facing error (bad tokenizer file): one line, no source location.
#define VCC_TOKENIZER_FAIL(...) throw ::vcc::Error(::vcc::detail::concat(__VA_ARGS__))

namespace vcc::tokenizers {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void apply(AlignedText& t) const = 0;
};

// A pre-token: chars with input spans; byte_level marks GPT-2 byte-to-char mapping.
struct PreToken {
  AlignedText text;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void split(std::vector<PreToken>& pieces) const = 0;
};

// A token from the model: id and the span of its bytes within the pre-token's UTF-8 text.
struct ModelToken {
  int32_t id;
  int32_t byte_begin, byte_end;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual void tokenize(const std::string& word, std::vector<ModelToken>& out) const = 0;
  virtual int32_t token_to_id(const std::string& token) const = 0;
  virtual std::string id_to_token(int32_t id) const = 0;
  virtual int64_t size() const = 0;
  virtual const char* kind() const = 0;
};

// `where` names the file in errors (one line, the JSON path of the bad object).
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& where);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const std::string& where,
                                                 bool& byte_level);
std::unique_ptr<Model> make_model(const nlohmann::json& j, const std::string& where, bool byte_level);

// Legacy files.
std::unique_ptr<Model> make_wordpiece_from_vocab_txt(const std::string& path);
std::unique_ptr<Model> make_bpe_from_files(const std::string& vocab_json, const std::string& merges_txt);

// BERT's normalizer and pre-tokenizer (for vocab.txt).
std::unique_ptr<Normalizer> make_bert_normalizer(bool lowercase);
std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer();
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space);

}  // namespace vcc::tokenizers
