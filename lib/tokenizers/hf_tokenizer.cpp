#include "tokenizers/hf_tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "data/sha256.h"
#include "tokenizers/components.h"
#include "tokenizers/unicode_props.h"

namespace vcc::tokenizers {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct AddedToken {
  std::string content;
  int32_t id;
  bool special, lstrip, rstrip;
};

// One element of a post-processing template: a special token's ids or a sequence slot.
struct TemplateItem {
  int sequence;  // -1: special token, else 0 (A) or 1 (B)
  std::vector<int32_t> ids;
  int32_t type_id;
};

struct Token {
  int32_t id;
  int64_t begin, end;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in, path, ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  VCC_USER_CHECK(in.good() || in.eof(), path, ": read error");
  return ss.str();
}

}  // namespace

struct HfTokenizer::Impl {
  std::string path, kind, hash;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre;
  std::unique_ptr<Model> model;
  bool byte_level = false;
  bool truncation_or_padding = false;
  // Byte-level offset trimming (RobertaProcessing / ByteLevel post-processor).
  bool trim_offsets = false, trim_add_prefix_space = false;
  std::vector<AddedToken> added;                       // longest first within each first byte
  std::vector<std::vector<int32_t>> added_by_byte;     // first byte -> indices into added
  std::unordered_map<std::string, int32_t> added_ids;
  std::unordered_map<int32_t, size_t> added_by_id;
  std::vector<TemplateItem> single, pair;
  int32_t pad = -1, eos = -1, bos = -1, unk = -1;

  void set_added(std::vector<AddedToken> tokens) {
    added = std::move(tokens);
    std::stable_sort(added.begin(), added.end(),
                     [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
    added_by_byte.assign(256, {});
    for (size_t i = 0; i < added.size(); ++i) {
      added_ids[added[i].content] = added[i].id;
      added_by_id[added[i].id] = i;
      if (!added[i].content.empty())
        added_by_byte[static_cast<unsigned char>(added[i].content[0])].push_back(static_cast<int32_t>(i));
    }
  }

  int32_t id_of(const std::string& s) const {
    auto it = added_ids.find(s);
    if (it != added_ids.end()) return it->second;
    return model->token_to_id(s);
  }

  void find_roles() {
    auto first = [&](std::initializer_list<const char*> names) {
      for (const char* n : names) {
        int32_t id = id_of(n);
        if (id >= 0) return id;
      }
      return -1;
    };
    pad = first({"<pad>", "[PAD]"});
    eos = first({"</s>", "[SEP]", "<|endoftext|>"});
    bos = first({"<s>", "[CLS]"});
    unk = first({"<unk>", "[UNK]"});
  }

  // Model tokens of one stretch of text between added tokens.
  void encode_plain(std::string_view text, int64_t base, std::vector<Token>& out) const {
    AlignedText t = decode_aligned(text, base);
    if (normalizer) normalizer->apply(t);
    if (t.empty()) return;
    std::vector<PreToken> pieces;
    pieces.push_back({std::move(t)});
    if (pre) pre->split(pieces);
    std::string word;
    std::vector<int32_t> char_of_byte;
    std::vector<ModelToken> toks;
    for (const PreToken& p : pieces) {
      if (p.text.empty()) continue;
      encode_aligned(p.text, word, char_of_byte);
      toks.clear();
      model->tokenize(word, toks);
      for (const ModelToken& m : toks) {
        int64_t b = p.text[char_of_byte[m.byte_begin]].begin;
        int64_t e = p.text[char_of_byte[m.byte_end - 1]].end;
        if (trim_offsets) {
          // HF's ByteLevel process_offsets: leading/trailing spaces leave the span.
          int64_t lead = 0, trail = 0;
          while (m.byte_begin + lead < m.byte_end && word[m.byte_begin + lead] == ' ') ++lead;
          while (m.byte_end - trail > m.byte_begin && word[m.byte_end - 1 - trail] == ' ') ++trail;
          if (lead > 0) {
            bool is_first = out.empty() || b == 0;
            if (!(is_first && trim_add_prefix_space && lead == 1)) b = std::min(b + lead, e);
          }
          if (trail > 0 && e >= trail) e = std::max(e - trail, b);
        }
        out.push_back({m.id, b, e});
      }
    }
  }

  std::vector<Token> encode_sequence(std::string_view text) const {
    std::vector<Token> out;
    size_t n = text.size(), plain_start = 0, i = 0;
    while (i < n) {
      const auto& cands = added_by_byte[static_cast<unsigned char>(text[i])];
      const AddedToken* hit = nullptr;
      for (int32_t k : cands) {
        const std::string& c = added[k].content;
        if (text.compare(i, c.size(), c) == 0) { hit = &added[k]; break; }  // longest first
      }
      if (!hit) { ++i; continue; }
      size_t b = i, e = i + hit->content.size();
      if (hit->lstrip) {
        AlignedText before = decode_aligned(text.substr(plain_start, b - plain_start), plain_start);
        while (!before.empty() && is_whitespace(before.back().c)) { b = before.back().begin; before.pop_back(); }
      }
      if (hit->rstrip) {
        AlignedText after = decode_aligned(text.substr(e), e);
        for (const AlignedChar& a : after) {
          if (!is_whitespace(a.c)) break;
          e = a.end;
        }
      }
      if (b > plain_start) encode_plain(text.substr(plain_start, b - plain_start), plain_start, out);
      out.push_back({hit->id, static_cast<int64_t>(b), static_cast<int64_t>(e)});
      plain_start = i = e;
    }
    if (n > plain_start) encode_plain(text.substr(plain_start), plain_start, out);
    return out;
  }

  HfEncoding encode(std::string_view a, const std::string_view* b, bool with_special) const {
    std::vector<Token> seq[2];
    seq[0] = encode_sequence(a);
    if (b) seq[1] = encode_sequence(*b);
    HfEncoding enc;
    auto put = [&](int32_t id, int32_t type, int32_t s, int64_t bg, int64_t en) {
      enc.ids.push_back(id);
      enc.type_ids.push_back(type);
      enc.sequence_ids.push_back(s);
      enc.begin.push_back(bg);
      enc.end.push_back(en);
    };
    const std::vector<TemplateItem>& tmpl = b ? pair : single;
    if (!with_special || tmpl.empty()) {
      for (int s = 0; s < (b ? 2 : 1); ++s)
        for (const Token& t : seq[s]) put(t.id, s, s, t.begin, t.end);
      return enc;
    }
    for (const TemplateItem& item : tmpl) {
      if (item.sequence < 0) {
        for (int32_t id : item.ids) put(id, item.type_id, -1, 0, 0);
      } else {
        for (const Token& t : seq[item.sequence]) put(t.id, item.type_id, item.sequence, t.begin, t.end);
      }
    }
    return enc;
  }

  void load_tokenizer_json(const std::string& file) {
    std::string bytes = read_file(file);
    hash = data::sha256_hex(bytes);
    json j = json::parse(bytes, nullptr, false);
    VCC_USER_CHECK(!j.is_discarded(), file, ": malformed JSON");
    VCC_USER_CHECK(j.is_object() && j.contains("model"), file, ": not a Hugging Face tokenizer.json (no \"model\")");
    truncation_or_padding = (j.contains("truncation") && !j["truncation"].is_null()) ||
                            (j.contains("padding") && !j["padding"].is_null());
    try {
      normalizer = make_normalizer(j.value("normalizer", json()), file);
      pre = make_pre_tokenizer(j.value("pre_tokenizer", json()), file, byte_level);
      model = make_model(j["model"], file, byte_level);
      std::vector<AddedToken> tokens;
      for (const json& a : j.value("added_tokens", json::array())) {
        VCC_USER_CHECK(!a.value("single_word", false), file, ": added token \"", a.value("content", std::string()),
                       "\" has single_word, which is not supported");
        tokens.push_back({a.at("content").get<std::string>(), a.at("id").get<int32_t>(), a.value("special", false),
                          a.value("lstrip", false), a.value("rstrip", false)});
      }
      set_added(std::move(tokens));
      find_roles();
      load_post_processor(j.value("post_processor", json()), file);
    } catch (const json::exception& e) {
      // A key of the wrong type or missing: name the file, not the library's wording.
      VCC_TOKENIZER_FAIL(file, ": unexpected tokenizer.json structure (", e.id, ")");
    }
  }

  std::vector<int32_t> special_ids(const json& token, const std::string& file) {
    // [content, id] as RobertaProcessing / BertProcessing write them.
    VCC_USER_CHECK(token.is_array() && token.size() == 2, file, ": post_processor special token is not [token, id]");
    return {token[1].get<int32_t>()};
  }

  void load_post_processor(const json& p, const std::string& file) {
    if (p.is_null()) return;
    std::string type = p.at("type").get<std::string>();
    if (type == "RobertaProcessing" || type == "BertProcessing") {
      std::vector<int32_t> cls = special_ids(p.at("cls"), file), sep = special_ids(p.at("sep"), file);
      bool roberta = type == "RobertaProcessing";
      single = {{-1, cls, 0}, {0, {}, 0}, {-1, sep, 0}};
      if (roberta)
        pair = {{-1, cls, 0}, {0, {}, 0}, {-1, sep, 0}, {-1, sep, 0}, {1, {}, 0}, {-1, sep, 0}};
      else
        pair = {{-1, cls, 0}, {0, {}, 0}, {-1, sep, 0}, {1, {}, 1}, {-1, sep, 1}};
      if (roberta && p.value("trim_offsets", true) && byte_level) {
        trim_offsets = true;
        trim_add_prefix_space = p.value("add_prefix_space", true);
      }
      return;
    }
    if (type == "ByteLevel") {
      if (p.value("trim_offsets", true)) {
        trim_offsets = true;
        trim_add_prefix_space = p.value("add_prefix_space", true);
      }
      return;
    }
    if (type == "TemplateProcessing") {
      const json& specials = p.at("special_tokens");
      auto parse = [&](const json& items) {
        std::vector<TemplateItem> out;
        for (const json& it : items) {
          if (it.contains("SpecialToken")) {
            const json& s = it["SpecialToken"];
            std::string name = s.at("id").get<std::string>();
            VCC_USER_CHECK(specials.contains(name), file, ": template special token \"", name, "\" is not defined");
            out.push_back({-1, specials[name].at("ids").get<std::vector<int32_t>>(), s.value("type_id", 0)});
          } else {
            const json& s = it.at("Sequence");
            std::string id = s.at("id").get<std::string>();
            VCC_USER_CHECK(id == "A" || id == "B", file, ": template sequence \"", id, "\" is neither A nor B");
            out.push_back({id == "A" ? 0 : 1, {}, s.value("type_id", 0)});
          }
        }
        return out;
      };
      single = parse(p.at("single"));
      pair = parse(p.at("pair"));
      return;
    }
    if (type == "Sequence") {
      for (const json& q : p.at("processors")) load_post_processor(q, file);
      return;
    }
    VCC_TOKENIZER_FAIL(file, ": post_processor type \"", type, "\" is not supported");
  }

  void load_legacy_wordpiece(const std::string& vocab_txt) {
    hash = data::sha256_hex(read_file(vocab_txt));
    model = make_wordpiece_from_vocab_txt(vocab_txt);
    bool lower = true;  // BertTokenizer's default, unless tokenizer_config.json says otherwise
    fs::path cfg = fs::path(vocab_txt).parent_path() / "tokenizer_config.json";
    if (fs::exists(cfg)) {
      json c = json::parse(read_file(cfg.string()), nullptr, false);
      if (c.is_object() && c.contains("do_lower_case") && c["do_lower_case"].is_boolean()) lower = c["do_lower_case"].get<bool>();
    }
    normalizer = make_bert_normalizer(lower);
    pre = make_bert_pre_tokenizer();
    std::vector<AddedToken> tokens;
    for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
      int32_t id = model->token_to_id(s);
      if (id >= 0) tokens.push_back({s, id, true, false, false});
    }
    set_added(std::move(tokens));
    find_roles();
    if (bos >= 0 && eos >= 0) {
      single = {{-1, {bos}, 0}, {0, {}, 0}, {-1, {eos}, 0}};
      pair = {{-1, {bos}, 0}, {0, {}, 0}, {-1, {eos}, 0}, {1, {}, 1}, {-1, {eos}, 1}};
    }
  }

  void load_legacy_bpe(const std::string& vocab_json, const std::string& merges_txt) {
    hash = data::sha256_hex(read_file(vocab_json) + read_file(merges_txt));
    model = make_bpe_from_files(vocab_json, merges_txt);
    byte_level = true;
    pre = make_byte_level_pre_tokenizer(false);
    std::vector<AddedToken> tokens;
    for (const char* s : {"<s>", "<pad>", "</s>", "<unk>", "<mask>", "<|endoftext|>"}) {
      int32_t id = model->token_to_id(s);
      if (id >= 0) tokens.push_back({s, id, true, std::string(s) == "<mask>", false});
    }
    set_added(std::move(tokens));
    find_roles();
    trim_offsets = true;
    if (model->token_to_id("<s>") >= 0 && model->token_to_id("</s>") >= 0) {  // RoBERTa; GPT-2 adds nothing
      single = {{-1, {bos}, 0}, {0, {}, 0}, {-1, {eos}, 0}};
      pair = {{-1, {bos}, 0}, {0, {}, 0}, {-1, {eos}, 0}, {-1, {eos}, 0}, {1, {}, 0}, {-1, {eos}, 0}};
    }
  }
};

HfTokenizer::HfTokenizer() = default;
HfTokenizer::~HfTokenizer() = default;
HfTokenizer::HfTokenizer(HfTokenizer&&) noexcept = default;
HfTokenizer& HfTokenizer::operator=(HfTokenizer&&) noexcept = default;

bool HfTokenizer::looks_like_hf(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return true;
  std::string name = fs::path(path).filename().string();
  return name == "vocab.txt" || (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0);
}

HfTokenizer HfTokenizer::load(const std::string& path) {
  HfTokenizer t;
  t.impl_ = std::make_unique<Impl>();
  Impl& m = *t.impl_;
  std::error_code ec;
  VCC_USER_CHECK(fs::exists(path, ec), path, ": no such file or folder");
  fs::path p(path);
  if (fs::is_directory(p, ec)) {
    if (fs::exists(p / "tokenizer.json")) p /= "tokenizer.json";
    else if (fs::exists(p / "vocab.json") && fs::exists(p / "merges.txt")) p /= "vocab.json";
    else if (fs::exists(p / "vocab.txt")) p /= "vocab.txt";
    else VCC_TOKENIZER_FAIL(path, ": folder holds no tokenizer.json, vocab.json + merges.txt, or vocab.txt");
  }
  m.path = p.string();
  std::string name = p.filename().string();
  if (name == "vocab.txt") {
    m.load_legacy_wordpiece(m.path);
  } else if (name == "vocab.json") {
    fs::path merges = p.parent_path() / "merges.txt";
    VCC_USER_CHECK(fs::exists(merges), m.path, ": no merges.txt beside it (a BPE vocab.json needs one)");
    m.load_legacy_bpe(m.path, merges.string());
  } else {
    m.load_tokenizer_json(m.path);
  }
  m.kind = m.model->kind();
  return t;
}

HfEncoding HfTokenizer::encode(std::string_view text, bool with_special) const {
  return impl_->encode(text, nullptr, with_special);
}
HfEncoding HfTokenizer::encode_pair(std::string_view text, std::string_view pair, bool with_special) const {
  return impl_->encode(text, &pair, with_special);
}
std::string HfTokenizer::decode(const std::vector<int>& ids) const {
  const Impl& m = *impl_;
  std::string out;
  if (m.kind == "WordPiece") {
    for (int id : ids) {
      std::string t = id_to_token(id);
      if (t.rfind("##", 0) == 0) out += t.substr(2);
      else { if (!out.empty()) out += ' '; out += t; }
    }
    return out;
  }
  for (int id : ids) out += id_to_token(id);
  if (m.byte_level) {
    // Invert GPT-2's byte -> char table.
    std::vector<char32_t> table(256);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool direct = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      table[b] = direct ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
    }
    std::unordered_map<char32_t, char> inverse;
    for (int b = 0; b < 256; ++b) inverse[table[b]] = static_cast<char>(b);
    std::string bytes;
    for (const AlignedChar& a : decode_aligned(out)) {
      auto it = inverse.find(a.c);
      if (it != inverse.end()) bytes += it->second;
      else append_utf8(bytes, a.c);
    }
    return bytes;
  }
  std::string spaced;
  const std::string meta = "\u2581";
  for (size_t i = 0; i < out.size();) {
    if (out.compare(i, meta.size(), meta) == 0) { spaced += ' '; i += meta.size(); }
    else spaced += out[i++];
  }
  if (!spaced.empty() && spaced[0] == ' ') spaced.erase(0, 1);
  return spaced;
}

const std::string& HfTokenizer::path() const { return impl_->path; }
const std::string& HfTokenizer::kind() const { return impl_->kind; }
int64_t HfTokenizer::vocab_size() const {
  int64_t n = impl_->model->size();
  for (const auto& a : impl_->added) n = std::max<int64_t>(n, a.id + 1);
  return n;
}
int32_t HfTokenizer::token_to_id(std::string_view token) const { return impl_->id_of(std::string(token)); }
std::string HfTokenizer::id_to_token(int32_t id) const {
  auto it = impl_->added_by_id.find(id);
  if (it != impl_->added_by_id.end()) return impl_->added[it->second].content;
  return impl_->model->id_to_token(id);
}
bool HfTokenizer::is_special(int32_t id) const {
  auto it = impl_->added_by_id.find(id);
  return it != impl_->added_by_id.end() && impl_->added[it->second].special;
}
int32_t HfTokenizer::pad_id() const { return impl_->pad; }
int32_t HfTokenizer::eos_id() const { return impl_->eos; }
int32_t HfTokenizer::bos_id() const { return impl_->bos; }
int32_t HfTokenizer::unk_id() const { return impl_->unk; }
bool HfTokenizer::file_sets_truncation_or_padding() const { return impl_->truncation_or_padding; }
const std::string& HfTokenizer::hash() const { return impl_->hash; }

}  // namespace vcc::tokenizers
