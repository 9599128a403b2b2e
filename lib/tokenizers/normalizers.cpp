// Normalizers of tokenizer.json: each rewrites chars and keeps every char's input span the
// way Hugging Face's NormalizedString does (see replace_aligned).
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "core/error.h"
#include "tokenizers/components.h"
#include "tokenizers/precompiled_charsmap.h"
#include "tokenizers/unicode_props.h"

namespace vcc::tokenizers {
namespace {

using nlohmann::json;

// Per-char rewrite: f(c) returns the replacement chars.
template <class F>
void map_chars(AlignedText& t, F f) {
  AlignedText out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    std::u32string r = f(t[i].c);
    replace_aligned(out, &t[i], 1, r.data(), r.size());
  }
  t.swap(out);
}

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean, bool chinese, bool strip, bool lower)
      : clean_(clean), chinese_(chinese), strip_(strip), lower_(lower) {}
  void apply(AlignedText& t) const override {
    AlignedText out;
    out.reserve(t.size() + 8);
    for (const AlignedChar& a : t) {
      char32_t c = a.c;
      if (clean_) {
        bool control = !(c == '\t' || c == '\n' || c == '\r') && is_other(c);
        if (c == 0 || c == 0xFFFD || control) continue;
        if (c == '\t' || c == '\n' || c == '\r' || is_whitespace(c)) c = ' ';
      }
      if (chinese_ && is_chinese_char(c)) {
        out.push_back({' ', a.begin, a.end});
        out.push_back({c, a.begin, a.end});
        out.push_back({' ', a.begin, a.end});
      } else {
        out.push_back({c, a.begin, a.end});
      }
    }
    if (strip_) {
      AlignedText s;
      s.reserve(out.size());
      for (const AlignedChar& a : out) {
        if (a.c < 0x80) { s.push_back(a); continue; }
        for (char32_t d : decompose(a.c, false))
          if (!is_mark_nonspacing(d)) s.push_back({d, a.begin, a.end});
      }
      out.swap(s);
    }
    if (lower_) map_chars(out, [](char32_t c) { return to_lower(c); });
    t.swap(out);
  }

 private:
  bool clean_, chinese_, strip_, lower_;
};

class Lowercase : public Normalizer {
 public:
  void apply(AlignedText& t) const override { map_chars(t, [](char32_t c) { return to_lower(c); }); }
};

class StripAccents : public Normalizer {
 public:
  void apply(AlignedText& t) const override {
    AlignedText out;
    for (const AlignedChar& a : t)
      if (!is_mark_nonspacing(a.c)) out.push_back(a);
    t.swap(out);
  }
};

// NFC/NFD/NFKC/NFKD over ICU's normalization segments (a starter and its marks), each
// segment realigned as a block.
class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(const std::string& form) {
    UErrorCode st = U_ZERO_ERROR;
    n_ = form == "NFC" ? icu::Normalizer2::getNFCInstance(st)
         : form == "NFD" ? icu::Normalizer2::getNFDInstance(st)
         : form == "NFKC" ? icu::Normalizer2::getNFKCInstance(st)
                          : icu::Normalizer2::getNFKDInstance(st);
    VCC_CHECK(U_SUCCESS(st), "ICU normalizer ", form, ": ", u_errorName(st));
  }
  void apply(AlignedText& t) const override {
    AlignedText out;
    out.reserve(t.size());
    size_t i = 0;
    while (i < t.size()) {
      size_t j = i + 1;
      while (j < t.size() && !n_->hasBoundaryBefore(static_cast<UChar32>(t[j].c))) ++j;
      icu::UnicodeString seg;
      for (size_t k = i; k < j; ++k) seg.append(static_cast<UChar32>(t[k].c));
      UErrorCode st = U_ZERO_ERROR;
      icu::UnicodeString r = n_->normalize(seg, st);
      std::u32string rc;
      for (int32_t p = 0; p < r.length();) {
        UChar32 c = r.char32At(p);
        rc.push_back(static_cast<char32_t>(c));
        p += U16_LENGTH(c);
      }
      replace_aligned(out, t.data() + i, j - i, rc.data(), rc.size());
      i = j;
    }
    t.swap(out);
  }

 private:
  const icu::Normalizer2* n_;
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void apply(AlignedText& t) const override {
    size_t b = 0, e = t.size();
    if (left_) while (b < e && is_whitespace(t[b].c)) ++b;
    if (right_) while (e > b && is_whitespace(t[e - 1].c)) --e;
    t = AlignedText(t.begin() + b, t.begin() + e);
  }

 private:
  bool left_, right_;
};

// Replace with a literal pattern (Regex patterns are refused at load).
class Replace : public Normalizer {
 public:
  Replace(std::u32string pattern, std::u32string content) : pat_(std::move(pattern)), content_(std::move(content)) {}
  void apply(AlignedText& t) const override {
    if (pat_.empty()) return;
    AlignedText out;
    size_t i = 0;
    while (i < t.size()) {
      bool hit = i + pat_.size() <= t.size();
      for (size_t k = 0; hit && k < pat_.size(); ++k) hit = t[i + k].c == pat_[k];
      if (hit) {
        replace_aligned(out, t.data() + i, pat_.size(), content_.data(), content_.size());
        i += pat_.size();
      } else {
        out.push_back(t[i++]);
      }
    }
    t.swap(out);
  }

 private:
  std::u32string pat_, content_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::u32string p) : p_(std::move(p)) {}
  void apply(AlignedText& t) const override {
    if (t.empty()) return;
    AlignedText out;
    for (char32_t c : p_) out.push_back({c, t[0].begin, t[0].end});
    out.insert(out.end(), t.begin(), t.end());
    t.swap(out);
  }

 private:
  std::u32string p_;
};

class Precompiled : public Normalizer {
 public:
  Precompiled(std::string blob, const std::string& where) : map_(std::move(blob), where) {}
  void apply(AlignedText& t) const override { t = map_.normalize(t); }

 private:
  PrecompiledCharsmap map_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  void apply(AlignedText& t) const override {
    for (const auto& p : parts_) p->apply(t);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

std::string base64_decode(const std::string& in, const std::string& where) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+') v = 62;
    else if (ch == '/') v = 63;
    else if (ch == '=' || ch == '\n' || ch == '\r') continue;
    else VCC_TOKENIZER_FAIL(where, ": precompiled_charsmap is not base64");
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFF));
    }
  }
  return out;
}

std::u32string u32(const std::string& s) {
  std::u32string r;
  for (const auto& a : decode_aligned(s)) r.push_back(a.c);
  return r;
}

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(bool lowercase) {
  return std::make_unique<BertNormalizer>(true, true, lowercase, lowercase);
}

std::unique_ptr<Normalizer> make_normalizer(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  VCC_USER_CHECK(j.is_object() && j.contains("type"), where, ": normalizer has no \"type\"");
  std::string type = j.at("type").get<std::string>();
  if (type == "BertNormalizer") {
    bool lower = j.value("lowercase", true);
    bool strip = j.contains("strip_accents") && !j["strip_accents"].is_null() ? j["strip_accents"].get<bool>() : lower;
    return std::make_unique<BertNormalizer>(j.value("clean_text", true), j.value("handle_chinese_chars", true), strip,
                                            lower);
  }
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") return std::make_unique<UnicodeNormalizer>(type);
  if (type == "Strip") return std::make_unique<Strip>(j.value("strip_left", true), j.value("strip_right", true));
  if (type == "Prepend") return std::make_unique<Prepend>(u32(j.at("prepend").get<std::string>()));
  if (type == "Replace") {
    const json& p = j.at("pattern");
    VCC_USER_CHECK(p.contains("String"), where, ": Replace normalizer with a Regex pattern is not supported");
    return std::make_unique<Replace>(u32(p["String"].get<std::string>()), u32(j.at("content").get<std::string>()));
  }
  if (type == "Precompiled") {
    const json& m = j.at("precompiled_charsmap");
    if (m.is_null()) return nullptr;
    return std::make_unique<Precompiled>(base64_decode(m.get<std::string>(), where), where);
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (const json& p : j.at("normalizers")) {
      auto n = make_normalizer(p, where);
      if (n) parts.push_back(std::move(n));
    }
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  VCC_TOKENIZER_FAIL(where, ": normalizer type \"", type, "\" is not supported");
}

}  // namespace vcc::tokenizers
