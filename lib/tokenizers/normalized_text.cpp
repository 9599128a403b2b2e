#include "tokenizers/normalized_text.h"

namespace vcc::tokenizers {

AlignedText decode_aligned(std::string_view s, int64_t base) {
  AlignedText out;
  out.reserve(s.size());
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    char32_t c = 0xFFFD;
    size_t len = 1;
    if (b < 0x80) {
      c = b;
    } else {
      size_t need = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
      if (need && i + need <= n) {
        char32_t v = b & (0x7F >> need);
        bool ok = true;
        for (size_t k = 1; k < need; ++k) {
          unsigned char cb = static_cast<unsigned char>(s[i + k]);
          if ((cb & 0xC0) != 0x80) { ok = false; break; }
          v = (v << 6) | (cb & 0x3F);
        }
        if (ok) { c = v; len = need; }
      }
    }
    out.push_back({c, base + static_cast<int64_t>(i), base + static_cast<int64_t>(i + len)});
    i += len;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

void encode_aligned(const AlignedText& t, std::string& text, std::vector<int32_t>& char_of_byte) {
  text.clear();
  char_of_byte.clear();
  for (size_t i = 0; i < t.size(); ++i) {
    size_t before = text.size();
    append_utf8(text, t[i].c);
    char_of_byte.insert(char_of_byte.end(), text.size() - before, static_cast<int32_t>(i));
  }
}

void replace_aligned(AlignedText& out, const AlignedChar* old_begin, size_t old_count,
                     const char32_t* repl, size_t repl_count) {
  if (old_count == 0) return;
  for (size_t k = 0; k < repl_count; ++k) {
    const AlignedChar& src = old_begin[k < old_count ? k : old_count - 1];
    out.push_back({repl[k], src.begin, src.end});
  }
}

}  // namespace vcc::tokenizers
