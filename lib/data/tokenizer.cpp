#include "data/tokenizer.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/sentencepiece_model_check.h"
#include "data/sha256.h"
#include "tokenizers/hf_tokenizer.h"

namespace vcc::data {

namespace {

// Task markers given by the reader/user: unique, non-empty, not already tokens.
template <class IsToken>
std::vector<std::string> check_added(const std::string& path, const std::vector<std::string>& tokens, IsToken is_token) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const std::string& tok : tokens) {
    VCC_USER_CHECK(!tok.empty(), path, ": empty added token");
    VCC_USER_CHECK(seen.insert(tok).second, path, ": added token '", tok, "' given twice");
    int32_t existing = is_token(tok);
    VCC_USER_CHECK(existing < 0, path, ": added token '", tok, "' is already a piece of the model (id ", existing, ")");
    VCC_USER_CHECK(tok.rfind("<extra_id_", 0) != 0, path, ": added token '", tok, "' collides with the sentinel names");
    out.push_back(tok);
  }
  return out;
}

}  // namespace

Tokenizer Tokenizer::load_hugging_face(const std::string& path, const TokenizerOptions& options) {
  auto hf = std::make_shared<tokenizers::HfTokenizer>(tokenizers::HfTokenizer::load(path));
  VCC_USER_CHECK(options.extra_ids <= 0, hf->path(), ": --extra-ids applies to SentencePiece models; a Hugging Face "
                 "tokenizer brings its own added tokens");
  Tokenizer t;
  t.kind_ = "Hugging Face " + hf->kind();
  t.model_path_ = hf->path();
  t.base_size_ = hf->vocab_size();
  t.unk_id_ = hf->unk_id();
  t.eos_id_ = hf->eos_id();
  t.pad_id_ = hf->pad_id() >= 0 ? hf->pad_id() : hf->eos_id();
  VCC_USER_CHECK(t.pad_id_ >= 0, hf->path(), ": the tokenizer has neither a pad nor an end-of-sequence token");
  t.extra_ids_ = 0;
  t.added_ = check_added(hf->path(), options.added_tokens, [&](const std::string& s) { return hf->token_to_id(s); });
  for (size_t i = 0; i < t.added_.size(); ++i)
    t.specials_.push_back({t.added_[i], static_cast<int32_t>(t.base_size_ + i)});
  std::stable_sort(t.specials_.begin(), t.specials_.end(),
                   [](const Special& a, const Special& b) { return a.text.size() > b.text.size(); });
  for (const Special& s : t.specials_)
    if (t.special_first_chars_.find(s.text[0]) == std::string::npos) t.special_first_chars_ += s.text[0];
  Sha256 h;
  h.update("vcc-tokenizer-hf-v1\n").update(hf->hash()).update("\nadded_tokens=");
  for (const std::string& tok : t.added_) h.update(tok).update("\x1f", 1);
  t.hash_ = h.hex_digest();
  t.hf_ = std::move(hf);
  return t;
}

Tokenizer Tokenizer::load(const std::string& model_path, const TokenizerOptions& options) {
  if (tokenizers::HfTokenizer::looks_like_hf(model_path)) return load_hugging_face(model_path, options);
  std::ifstream in(model_path, std::ios::binary);
  VCC_USER_CHECK(in.good(), model_path, ": cannot open tokenizer model");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  VCC_USER_CHECK(!bytes.empty(), model_path, ": empty tokenizer model file");

  check_sentencepiece_model(bytes, model_path);
  auto sp = std::make_shared<sentencepiece::SentencePieceProcessor>();
  auto status = sp->LoadFromSerializedProto(bytes);
  VCC_USER_CHECK(status.ok(), model_path, ": not a SentencePiece model (", status.ToString(), ")");

  Tokenizer t;
  t.model_path_ = model_path;
  t.base_size_ = sp->GetPieceSize();
  t.unk_id_ = sp->unk_id();
  t.eos_id_ = sp->eos_id();
  t.pad_id_ = sp->pad_id() >= 0 ? sp->pad_id() : sp->eos_id();
  VCC_USER_CHECK(t.pad_id_ >= 0, model_path, ": the model has neither a <pad> nor a </s> piece");

  bool t5_layout = t.base_size_ == 32000 && sp->IdToPiece(0) == "<pad>" && sp->IdToPiece(1) == "</s>" &&
                   sp->IdToPiece(2) == "<unk>";
  t.extra_ids_ = options.extra_ids >= 0 ? options.extra_ids : (t5_layout ? 100 : 0);

  std::set<std::string> seen;
  for (const std::string& tok : options.added_tokens) {
    VCC_USER_CHECK(!tok.empty(), model_path, ": empty added token");
    VCC_USER_CHECK(seen.insert(tok).second, model_path, ": added token '", tok, "' given twice");
    int existing = sp->PieceToId(tok);
    VCC_USER_CHECK(sp->IdToPiece(existing) != tok, model_path, ": added token '", tok,
                   "' is already a piece of the model (id ", existing, ")");
    VCC_USER_CHECK(tok.rfind("<extra_id_", 0) != 0, model_path, ": added token '", tok,
                   "' collides with the sentinel names");
    t.added_.push_back(tok);
  }

  // Strings split out of the text before SentencePiece sees it.
  for (int32_t id : {t.pad_id_, t.eos_id_, t.unk_id_})
    if (id >= 0) t.specials_.push_back({sp->IdToPiece(id), id});
  for (int n = 0; n < t.extra_ids_; ++n) t.specials_.push_back({"<extra_id_" + std::to_string(n) + ">", t.sentinel_id(n)});
  for (size_t i = 0; i < t.added_.size(); ++i)
    t.specials_.push_back({t.added_[i], static_cast<int32_t>(t.base_size_ + t.extra_ids_ + i)});
  std::stable_sort(t.specials_.begin(), t.specials_.end(),
                   [](const Special& a, const Special& b) { return a.text.size() > b.text.size(); });
  t.specials_.erase(std::unique(t.specials_.begin(), t.specials_.end(),
                                [](const Special& a, const Special& b) { return a.text == b.text; }),
                    t.specials_.end());
  for (const Special& s : t.specials_)
    if (t.special_first_chars_.find(s.text[0]) == std::string::npos) t.special_first_chars_ += s.text[0];

  Sha256 h;
  h.update("vcc-tokenizer-v1\n").update(bytes);
  h.update("\nextra_ids=" + std::to_string(t.extra_ids_) + "\nadded_tokens=");
  for (const std::string& tok : t.added_) h.update(tok).update("\x1f", 1);
  t.hash_ = h.hex_digest();
  t.sp_ = std::move(sp);
  return t;
}

int32_t Tokenizer::sentinel_id(int n) const {
  VCC_USER_CHECK(n >= 0 && n < extra_ids_, "sentinel <extra_id_", n, "> out of range (the tokenizer has ",
                 extra_ids_, " extra ids)");
  return static_cast<int32_t>(base_size_ + extra_ids_ - 1 - n);
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  VCC_CHECK(loaded(), "tokenizer not loaded");
  for (const Special& s : specials_)
    if (s.text == token) return s.id;
  if (hf_) return hf_->token_to_id(token);
  int id = sp_->PieceToId(token);
  if (id == unk_id_ && sp_->IdToPiece(id) != token) return -1;
  return id;
}

std::string Tokenizer::id_to_token(int32_t id) const {
  VCC_CHECK(loaded(), "tokenizer not loaded");
  VCC_USER_CHECK(id >= 0 && id < vocab_size(), "token id ", id, " out of range [0, ", vocab_size(), ")");
  if (hf_ && id < base_size_) return hf_->id_to_token(id);
  if (id < base_size_) return sp_->IdToPiece(id);
  if (id < base_size_ + extra_ids_) return "<extra_id_" + std::to_string(base_size_ + extra_ids_ - 1 - id) + ">";
  return added_[id - base_size_ - extra_ids_];
}

bool Tokenizer::is_special(int32_t id) const {
  if (id == pad_id_ || id == eos_id_ || id == unk_id_) return true;
  if (id >= base_size_ && id < base_size_ + extra_ids_) return true;
  if (hf_) return id >= 0 && id < base_size_ && hf_->is_special(id);
  return id >= 0 && id < base_size_ && sp_->IsControl(id);
}

void Tokenizer::append_pieces(std::string_view text, int64_t offset, Encoding& out) const {
  if (text.empty()) return;
  if (hf_) {
    tokenizers::HfEncoding e = hf_->encode(text, /*with_special=*/false);
    for (size_t i = 0; i < e.size(); ++i) {
      out.ids.push_back(e.ids[i]);
      out.begin.push_back(offset + e.begin[i]);
      out.end.push_back(offset + e.end[i]);
    }
    return;
  }
  sentencepiece::ImmutableSentencePieceText spt = sp_->EncodeAsImmutableProto(text);
  for (size_t i = 0; i < spt.pieces_size(); ++i) {
    auto piece = spt.pieces(static_cast<int>(i));
    out.ids.push_back(static_cast<int32_t>(piece.id()));
    out.begin.push_back(offset + piece.begin());
    out.end.push_back(offset + piece.end());
  }
}

Encoding Tokenizer::encode_with_offsets(std::string_view text, bool add_eos) const {
  VCC_CHECK(loaded(), "tokenizer not loaded");
  Encoding out;
  out.ids.reserve(text.size() / 3 + 2);
  out.begin.reserve(text.size() / 3 + 2);
  out.end.reserve(text.size() / 3 + 2);
  size_t seg_start = 0, pos = 0;
  while (pos < text.size()) {
    pos = text.find_first_of(special_first_chars_, pos);
    if (pos == std::string_view::npos || special_first_chars_.empty()) break;
    const Special* match = nullptr;
    for (const Special& s : specials_)  // longest first
      if (text.compare(pos, s.text.size(), s.text) == 0) {
        match = &s;
        break;
      }
    if (!match) {
      ++pos;
      continue;
    }
    append_pieces(text.substr(seg_start, pos - seg_start), static_cast<int64_t>(seg_start), out);
    out.ids.push_back(match->id);
    out.begin.push_back(static_cast<int64_t>(pos));
    out.end.push_back(static_cast<int64_t>(pos + match->text.size()));
    pos += match->text.size();
    seg_start = pos;
  }
  append_pieces(text.substr(seg_start), static_cast<int64_t>(seg_start), out);
  if (add_eos) {
    VCC_USER_CHECK(eos_id_ >= 0, model_path_, ": the model has no </s> piece to append");
    out.ids.push_back(eos_id_);
    out.begin.push_back(static_cast<int64_t>(text.size()));
    out.end.push_back(static_cast<int64_t>(text.size()));
  }
  return out;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_eos) const {
  return encode_with_offsets(text, add_eos).ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  VCC_CHECK(loaded(), "tokenizer not loaded");
  std::string out;
  std::vector<int> run;
  auto append = [&out](const std::string& piece) {
    if (piece.empty()) return;
    if (!out.empty() && out.back() != ' ' && piece.front() != ' ') out += ' ';
    out += piece;
  };
  auto flush = [&] {
    if (run.empty()) return;
    append(hf_ ? hf_->decode(run) : sp_->DecodeIds(run));
    run.clear();
  };
  for (int32_t id : ids) {
    VCC_USER_CHECK(id >= 0 && id < vocab_size(), "decode: token id ", id, " out of range [0, ", vocab_size(), ")");
    if (skip_special && is_special(id)) continue;
    if (id < base_size_ && !(id == pad_id_ || id == eos_id_ || id == unk_id_) && !(hf_ && hf_->is_special(id))) {
      run.push_back(id);
    } else {
      flush();
      append(id_to_token(id));
    }
  }
  flush();
  return out;
}

std::string Tokenizer::describe() const {
  std::ostringstream os;
  os << model_path_ << ": " << (hf_ ? kind_ + ", " : std::string()) << base_size_ << " pieces + " << extra_ids_ << " extra ids + " << added_.size()
     << " added tokens = " << vocab_size() << "; pad " << pad_id_ << ", </s> " << eos_id_ << ", <unk> " << unk_id_
     << "; hash " << hash_.substr(0, 12);
  if (hf_ && hf_->file_sets_truncation_or_padding())
    os << "; the file's truncation and padding settings are ignored (vcc windows and truncates itself)";
  return os.str();
}

}  // namespace vcc::data
