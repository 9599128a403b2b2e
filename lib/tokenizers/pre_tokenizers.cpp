// Pre-tokenizers of tokenizer.json: split normalized text into words, as Hugging Face's do
// (GPT-2's regex is implemented by hand; the others split on character classes).
#include "tokenizers/components.h"
#include "tokenizers/unicode_props.h"

namespace vcc::tokenizers {
namespace {

using nlohmann::json;

// Splits every piece with f(text, pieces_out) and replaces the list.
template <class F>
void split_each(std::vector<PreToken>& pieces, F f) {
  std::vector<PreToken> out;
  out.reserve(pieces.size() * 2);
  for (PreToken& p : pieces) f(p.text, out);
  pieces.swap(out);
}

void push_range(const AlignedText& t, size_t b, size_t e, std::vector<PreToken>& out) {
  if (e > b) out.push_back({AlignedText(t.begin() + b, t.begin() + e)});
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t gpt2_match(const AlignedText& t, size_t i) {
  size_t n = t.size();
  char32_t c = t[i].c;
  if (c == '\'' && i + 1 < n) {
    char32_t d = t[i + 1].c;
    if (d == 's' || d == 't' || d == 'm' || d == 'd') return i + 2;
    if (i + 2 < n) {
      char32_t e = t[i + 2].c;
      if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return i + 3;
    }
  }
  size_t j = i;
  if (c == ' ' && i + 1 < n && !is_whitespace(t[i + 1].c)) j = i + 1;
  char32_t f = t[j].c;
  if (!is_whitespace(f)) {
    size_t k = j + 1;
    if (is_letter(f)) {
      while (k < n && is_letter(t[k].c)) ++k;
    } else if (is_number(f)) {
      while (k < n && is_number(t[k].c)) ++k;
    } else {
      while (k < n && !is_whitespace(t[k].c) && !is_letter(t[k].c) && !is_number(t[k].c)) ++k;
    }
    return k;
  }
  size_t k = i;
  while (k < n && is_whitespace(t[k].c)) ++k;
  if (k == n || k - i == 1) return k;
  return k - 1;  // \s+(?!\S): leave the last space to lead the next word
}

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : prefix_(add_prefix_space), regex_(use_regex) {}
  void split(std::vector<PreToken>& pieces) const override {
    split_each(pieces, [&](AlignedText& t, std::vector<PreToken>& out) {
      if (prefix_ && !t.empty() && t[0].c != ' ') t.insert(t.begin(), AlignedChar{' ', t[0].begin, t[0].end});
      if (!regex_) { push_range(t, 0, t.size(), out); return; }
      for (size_t i = 0; i < t.size();) {
        size_t e = gpt2_match(t, i);
        push_range(t, i, e, out);
        i = e;
      }
    });
  }

 private:
  bool prefix_, regex_;
};

// Removes whitespace; with isolate_punct, each punctuation char is a word (BertPreTokenizer).
class WhitespacePunct : public PreTokenizer {
 public:
  explicit WhitespacePunct(bool isolate_punct) : punct_(isolate_punct) {}
  void split(std::vector<PreToken>& pieces) const override {
    split_each(pieces, [&](AlignedText& t, std::vector<PreToken>& out) {
      size_t start = 0;
      for (size_t i = 0; i < t.size(); ++i) {
        if (is_whitespace(t[i].c)) {
          push_range(t, start, i, out);
          start = i + 1;
        } else if (punct_ && is_bert_punctuation(t[i].c)) {
          push_range(t, start, i, out);
          push_range(t, i, i + 1, out);
          start = i + 1;
        }
      }
      push_range(t, start, t.size(), out);
    });
  }

 private:
  bool punct_;
};

// Whitespace: \w+|[^\w\s]+
class WhitespaceRegex : public PreTokenizer {
 public:
  void split(std::vector<PreToken>& pieces) const override {
    split_each(pieces, [&](AlignedText& t, std::vector<PreToken>& out) {
      size_t i = 0, n = t.size();
      while (i < n) {
        if (is_whitespace(t[i].c)) { ++i; continue; }
        bool w = is_word_char(t[i].c);
        size_t k = i + 1;
        while (k < n && !is_whitespace(t[k].c) && is_word_char(t[k].c) == w) ++k;
        push_range(t, i, k, out);
        i = k;
      }
    });
  }
};

class Metaspace : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, std::string scheme, bool split)
      : rep_(replacement), scheme_(std::move(scheme)), split_(split) {}
  void split(std::vector<PreToken>& pieces) const override {
    bool first = true;
    split_each(pieces, [&](AlignedText& t, std::vector<PreToken>& out) {
      for (AlignedChar& a : t)
        if (a.c == ' ') a.c = rep_;
      bool prepend = scheme_ == "always" || (scheme_ == "first" && first);
      first = false;
      if (prepend && !t.empty() && t[0].c != rep_) t.insert(t.begin(), AlignedChar{rep_, t[0].begin, t[0].end});
      if (!split_) { push_range(t, 0, t.size(), out); return; }
      size_t start = 0;
      for (size_t i = 0; i < t.size(); ++i)
        if (t[i].c == rep_ && i > start) { push_range(t, start, i, out); start = i; }
      push_range(t, start, t.size(), out);
    });
  }

 private:
  char32_t rep_;
  std::string scheme_;
  bool split_;
};

class Punctuation : public PreTokenizer {
 public:
  void split(std::vector<PreToken>& pieces) const override {
    split_each(pieces, [&](AlignedText& t, std::vector<PreToken>& out) {
      size_t start = 0;
      for (size_t i = 0; i < t.size(); ++i)
        if (is_bert_punctuation(t[i].c)) {
          push_range(t, start, i, out);
          push_range(t, i, i + 1, out);
          start = i + 1;
        }
      push_range(t, start, t.size(), out);
    });
  }
};

class Digits : public PreTokenizer {
 public:
  explicit Digits(bool individual) : individual_(individual) {}
  void split(std::vector<PreToken>& pieces) const override {
    split_each(pieces, [&](AlignedText& t, std::vector<PreToken>& out) {
      size_t i = 0, n = t.size();
      while (i < n) {
        bool d = is_number(t[i].c);
        size_t k = i + 1;
        if (!(d && individual_))
          while (k < n && is_number(t[k].c) == d) ++k;
        push_range(t, i, k, out);
        i = k;
      }
    });
  }

 private:
  bool individual_;
};

class SequencePre : public PreTokenizer {
 public:
  explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void split(std::vector<PreToken>& pieces) const override {
    for (const auto& p : parts_) p->split(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer() { return std::make_unique<WhitespacePunct>(true); }
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space) {
  return std::make_unique<ByteLevel>(add_prefix_space, true);
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j, const std::string& where, bool& byte_level) {
  if (j.is_null()) return nullptr;
  VCC_USER_CHECK(j.is_object() && j.contains("type"), where, ": pre_tokenizer has no \"type\"");
  std::string type = j.at("type").get<std::string>();
  if (type == "ByteLevel") {
    byte_level = true;
    return std::make_unique<ByteLevel>(j.value("add_prefix_space", true), j.value("use_regex", true));
  }
  if (type == "BertPreTokenizer") return std::make_unique<WhitespacePunct>(true);
  if (type == "WhitespaceSplit") return std::make_unique<WhitespacePunct>(false);
  if (type == "Whitespace") return std::make_unique<WhitespaceRegex>();
  if (type == "Metaspace") {
    std::string rep = j.value("replacement", std::string("\u2581"));
    AlignedText r = decode_aligned(rep);
    VCC_USER_CHECK(r.size() == 1, where, ": Metaspace replacement must be one character");
    std::string scheme = j.contains("prepend_scheme") ? j["prepend_scheme"].get<std::string>()
                                                      : (j.value("add_prefix_space", true) ? "always" : "never");
    return std::make_unique<Metaspace>(r[0].c, scheme, j.value("split", true));
  }
  if (type == "Punctuation") {
    VCC_USER_CHECK(j.value("behavior", std::string("Isolated")) == "Isolated", where,
                   ": Punctuation pre-tokenizer behavior other than Isolated is not supported");
    return std::make_unique<Punctuation>();
  }
  if (type == "Digits") return std::make_unique<Digits>(j.value("individual_digits", false));
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (const json& p : j.at("pretokenizers")) {
      auto q = make_pre_tokenizer(p, where, byte_level);
      if (q) parts.push_back(std::move(q));
    }
    return std::make_unique<SequencePre>(std::move(parts));
  }
  VCC_TOKENIZER_FAIL(where, ": pre_tokenizer type \"", type, "\" is not supported");
}

}  // namespace vcc::tokenizers
