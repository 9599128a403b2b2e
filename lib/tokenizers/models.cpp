// Models of tokenizer.json: byte-level BPE (merge ranks), WordPiece (greedy longest match
// with a continuation prefix) and Unigram (Viterbi over piece log-probabilities).
#include <algorithm>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "tokenizers/components.h"

namespace vcc::tokenizers {
namespace {

using nlohmann::json;

// GPT-2's reversible byte -> printable char table.
std::vector<char32_t> bytes_to_unicode() {
  std::vector<char32_t> table(256, 0);
  std::vector<bool> direct(256, false);
  for (int b = '!'; b <= '~'; ++b) direct[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
  int n = 0;
  for (int b = 0; b < 256; ++b) table[b] = direct[b] ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
  return table;
}

std::string utf8_of(char32_t c) {
  std::string s;
  append_utf8(s, c);
  return s;
}

class VocabModel : public Model {
 public:
  int32_t token_to_id(const std::string& token) const override {
    auto it = vocab_.find(token);
    return it == vocab_.end() ? -1 : it->second;
  }
  std::string id_to_token(int32_t id) const override {
    return id >= 0 && id < static_cast<int32_t>(tokens_.size()) ? tokens_[id] : std::string();
  }
  int64_t size() const override { return static_cast<int64_t>(tokens_.size()); }

 protected:
  void add(const std::string& token, int32_t id, const std::string& where) {
    VCC_USER_CHECK(id >= 0, where, ": vocabulary id ", id, " of \"", token, "\" is negative");
    if (static_cast<size_t>(id) >= tokens_.size()) tokens_.resize(id + 1);
    tokens_[id] = token;
    vocab_[token] = id;
  }
  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> tokens_;
};

class Bpe : public VocabModel {
 public:
  Bpe(const json& vocab, const std::vector<std::pair<std::string, std::string>>& merges, const json& opts,
      bool byte_level, const std::string& where)
      : byte_level_(byte_level) {
    VCC_USER_CHECK(vocab.is_object(), where, ": BPE vocab is not an object");
    for (auto it = vocab.begin(); it != vocab.end(); ++it) add(it.key(), it.value().get<int32_t>(), where);
    std::string prefix = opts.value("continuing_subword_prefix", std::string());
    std::string suffix = opts.value("end_of_word_suffix", std::string());
    if (opts.contains("continuing_subword_prefix") && opts["continuing_subword_prefix"].is_null()) prefix.clear();
    if (opts.contains("end_of_word_suffix") && opts["end_of_word_suffix"].is_null()) suffix.clear();
    VCC_USER_CHECK(prefix.empty() && suffix.empty(), where,
                   ": BPE continuing_subword_prefix / end_of_word_suffix are not supported");
    VCC_USER_CHECK(!opts.contains("dropout") || opts["dropout"].is_null(), where, ": BPE dropout is not supported");
    byte_fallback_ = opts.value("byte_fallback", false);
    fuse_unk_ = opts.value("fuse_unk", false);
    if (opts.contains("unk_token") && opts["unk_token"].is_string()) unk_ = token_to_id(opts["unk_token"].get<std::string>());
    for (size_t r = 0; r < merges.size(); ++r) {
      int32_t a = token_to_id(merges[r].first), b = token_to_id(merges[r].second);
      int32_t m = token_to_id(merges[r].first + merges[r].second);
      VCC_USER_CHECK(a >= 0 && b >= 0 && m >= 0, where, ": merge ", r, " \"", merges[r].first, " ", merges[r].second,
                     "\" uses a token missing from the vocabulary");
      ranks_.emplace(key(a, b), std::make_pair(static_cast<int32_t>(r), m));
    }
    auto table = bytes_to_unicode();
    for (int b = 0; b < 256; ++b) {
      byte_ids_[b] = token_to_id(utf8_of(table[b]));
      char hex[8];
      std::snprintf(hex, sizeof hex, "<0x%02X>", b);
      fallback_ids_[b] = token_to_id(hex);
    }
  }
  const char* kind() const override { return "BPE"; }

  void tokenize(const std::string& word, std::vector<ModelToken>& out) const override {
    {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      auto it = cache_.find(word);
      if (it != cache_.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<ModelToken> sym;
    sym.reserve(word.size());
    if (byte_level_) {
      for (size_t i = 0; i < word.size(); ++i) {
        int32_t id = byte_ids_[static_cast<unsigned char>(word[i])];
        if (id >= 0) sym.push_back({id, static_cast<int32_t>(i), static_cast<int32_t>(i + 1)});
      }
    } else {
      for (const AlignedChar& a : decode_aligned(word)) {
        int32_t id = token_to_id(word.substr(a.begin, a.end - a.begin));
        if (id >= 0) {
          sym.push_back({id, static_cast<int32_t>(a.begin), static_cast<int32_t>(a.end)});
        } else if (byte_fallback_) {
          for (int64_t p = a.begin; p < a.end; ++p)
            sym.push_back({fallback_ids_[static_cast<unsigned char>(word[p])], static_cast<int32_t>(p),
                           static_cast<int32_t>(p + 1)});
        } else if (unk_ >= 0) {
          if (fuse_unk_ && !sym.empty() && sym.back().id == unk_) sym.back().byte_end = static_cast<int32_t>(a.end);
          else sym.push_back({unk_, static_cast<int32_t>(a.begin), static_cast<int32_t>(a.end)});
        }
      }
    }
    // Merge the lowest-ranked adjacent pair, left to right, until none is left.
    while (sym.size() > 1) {
      int32_t best_rank = std::numeric_limits<int32_t>::max(), best_id = -1;
      size_t best = 0;
      for (size_t i = 0; i + 1 < sym.size(); ++i) {
        auto it = ranks_.find(key(sym[i].id, sym[i + 1].id));
        if (it != ranks_.end() && it->second.first < best_rank) {
          best_rank = it->second.first;
          best_id = it->second.second;
          best = i;
        }
      }
      if (best_id < 0) break;
      int32_t a = sym[best].id, b = sym[best + 1].id;
      size_t w = 0;
      for (size_t i = 0; i < sym.size(); ++i) {
        if (i >= best && i + 1 < sym.size() && sym[i].id == a && sym[i + 1].id == b) {
          sym[w++] = {best_id, sym[i].byte_begin, sym[i + 1].byte_end};
          ++i;
        } else {
          sym[w++] = sym[i];
        }
      }
      sym.resize(w);
    }
    out.insert(out.end(), sym.begin(), sym.end());
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() < 200000) cache_.emplace(word, std::move(sym));
  }

 private:
  static uint64_t key(int32_t a, int32_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); }
  bool byte_level_, byte_fallback_ = false, fuse_unk_ = false;
  int32_t unk_ = -1;
  int32_t byte_ids_[256];
  int32_t fallback_ids_[256];
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> ranks_;  // (a, b) -> (rank, merged id)
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<ModelToken>> cache_;
};

class WordPiece : public VocabModel {
 public:
  WordPiece(const std::vector<std::string>& tokens, const std::string& unk, const std::string& prefix, int64_t max_chars,
            const std::string& where)
      : prefix_(prefix), max_chars_(max_chars) {
    for (size_t i = 0; i < tokens.size(); ++i) add(tokens[i], static_cast<int32_t>(i), where);
    finish(unk, where);
  }
  WordPiece(const json& vocab, const json& opts, const std::string& where)
      : prefix_(opts.value("continuing_subword_prefix", std::string("##"))),
        max_chars_(opts.value("max_input_chars_per_word", 100)) {
    VCC_USER_CHECK(vocab.is_object(), where, ": WordPiece vocab is not an object");
    for (auto it = vocab.begin(); it != vocab.end(); ++it) add(it.key(), it.value().get<int32_t>(), where);
    finish(opts.value("unk_token", std::string("[UNK]")), where);
  }
  const char* kind() const override { return "WordPiece"; }

  void tokenize(const std::string& word, std::vector<ModelToken>& out) const override {
    int64_t chars = 0;
    for (char ch : word) chars += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    int32_t n = static_cast<int32_t>(word.size());
    if (chars > max_chars_) { out.push_back({unk_, 0, n}); return; }
    size_t mark = out.size();
    std::string cand;
    for (int32_t start = 0; start < n;) {
      int32_t end = n, found = -1;
      while (end > start) {
        cand.clear();
        if (start > 0) cand = prefix_;
        cand.append(word, start, end - start);
        auto it = vocab_.find(cand);
        if (it != vocab_.end()) { found = it->second; break; }
        // step back one UTF-8 char
        do { --end; } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
      }
      if (found < 0) {
        out.resize(mark);
        out.push_back({unk_, 0, n});
        return;
      }
      out.push_back({found, start, end});
      start = end;
    }
  }

 private:
  void finish(const std::string& unk, const std::string& where) {
    unk_ = token_to_id(unk);
    VCC_USER_CHECK(unk_ >= 0, where, ": WordPiece unk_token \"", unk, "\" is not in the vocabulary");
  }
  std::string prefix_;
  int64_t max_chars_;
  int32_t unk_ = -1;
};

// Unigram: pieces in a byte trie (hash map per prefix length is enough at these sizes).
class Unigram : public VocabModel {
 public:
  Unigram(const json& vocab, const json& opts, const std::string& where) {
    VCC_USER_CHECK(vocab.is_array(), where, ": Unigram vocab is not a list");
    VCC_USER_CHECK(!opts.value("byte_fallback", false), where, ": Unigram byte_fallback is not supported");
    scores_.reserve(vocab.size());
    double min_score = std::numeric_limits<double>::max();
    for (size_t i = 0; i < vocab.size(); ++i) {
      const json& e = vocab[i];
      VCC_USER_CHECK(e.is_array() && e.size() == 2, where, ": Unigram vocab entry ", i, " is not [piece, score]");
      std::string piece = e[0].get<std::string>();
      double s = e[1].get<double>();
      add(piece, static_cast<int32_t>(i), where);
      scores_.push_back(s);
      min_score = std::min(min_score, s);
      max_len_ = std::max(max_len_, piece.size());
    }
    VCC_USER_CHECK(opts.contains("unk_id") && opts["unk_id"].is_number_integer(), where, ": Unigram model has no unk_id");
    unk_ = opts["unk_id"].get<int32_t>();
    VCC_USER_CHECK(unk_ >= 0 && unk_ < static_cast<int32_t>(scores_.size()), where, ": Unigram unk_id ", unk_,
                   " is out of range");
    unk_score_ = min_score - 10.0;  // HF's kUnkPenalty
  }
  const char* kind() const override { return "Unigram"; }

  void tokenize(const std::string& word, std::vector<ModelToken>& out) const override {
    size_t n = word.size();
    if (n == 0) return;
    const double kNone = -std::numeric_limits<double>::infinity();
    std::vector<double> best(n + 1, kNone);
    std::vector<int32_t> best_id(n + 1, -1), best_start(n + 1, -1);
    best[0] = 0;
    for (size_t b = 0; b < n; ++b) {
      if (best[b] == kNone) continue;
      size_t char_len = 1;
      unsigned char lead = static_cast<unsigned char>(word[b]);
      if ((lead & 0xC0) == 0x80) continue;  // not a char boundary
      char_len = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
      bool single = false;
      for (size_t len = 1; len <= max_len_ && b + len <= n; ++len) {
        if (b + len < n && (static_cast<unsigned char>(word[b + len]) & 0xC0) == 0x80) continue;
        auto it = vocab_.find(word.substr(b, len));
        if (it == vocab_.end()) continue;
        if (len == char_len) single = true;
        double s = best[b] + scores_[it->second];
        if (s > best[b + len]) { best[b + len] = s; best_id[b + len] = it->second; best_start[b + len] = static_cast<int32_t>(b); }
      }
      if (!single && b + char_len <= n) {
        double s = best[b] + unk_score_;
        size_t e = b + char_len;
        if (s > best[e]) { best[e] = s; best_id[e] = unk_; best_start[e] = static_cast<int32_t>(b); }
      }
    }
    std::vector<ModelToken> rev;
    for (size_t e = n; e > 0;) {
      int32_t s = best_start[e];
      if (s < 0) break;
      rev.push_back({best_id[e], s, static_cast<int32_t>(e)});
      e = static_cast<size_t>(s);
    }
    size_t mark = out.size();
    for (auto it = rev.rbegin(); it != rev.rend(); ++it) {
      if (it->id == unk_ && out.size() > mark && out.back().id == unk_) {
        out.back().byte_end = it->byte_end;  // fuse_unk: consecutive unknowns are one token
        continue;
      }
      out.push_back(*it);
    }
  }

 private:
  std::vector<double> scores_;
  size_t max_len_ = 0;
  int32_t unk_ = 0;
  double unk_score_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_model(const json& j, const std::string& where, bool byte_level) {
  VCC_USER_CHECK(j.is_object() && j.contains("vocab"), where, ": model has no \"vocab\"");
  std::string type = j.value("type", std::string());
  if (type.empty()) {  // older files leave it out; HF tells the models apart by their fields
    if (j.contains("merges")) type = "BPE";
    else if (j.contains("unk_id") || j["vocab"].is_array()) type = "Unigram";
    else if (j.contains("max_input_chars_per_word")) type = "WordPiece";
    else type = "WordLevel";
  }
  if (type == "BPE") {
    std::vector<std::pair<std::string, std::string>> merges;
    VCC_USER_CHECK(j.contains("merges") && j["merges"].is_array(), where, ": BPE model has no \"merges\" list");
    for (const json& m : j["merges"]) {
      if (m.is_string()) {
        std::string s = m.get<std::string>();
        size_t sp = s.find(' ');
        VCC_USER_CHECK(sp != std::string::npos, where, ": merge \"", s, "\" is not \"a b\"");
        merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
      } else {
        VCC_USER_CHECK(m.is_array() && m.size() == 2, where, ": a merge is neither \"a b\" nor [a, b]");
        merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      }
    }
    return std::make_unique<Bpe>(j["vocab"], merges, j, byte_level, where);
  }
  if (type == "WordPiece") return std::make_unique<WordPiece>(j["vocab"], j, where);
  if (type == "Unigram") return std::make_unique<Unigram>(j["vocab"], j, where);
  VCC_TOKENIZER_FAIL(where, ": model type \"", type, "\" is not supported (BPE, WordPiece, Unigram are)");
}

std::unique_ptr<Model> make_wordpiece_from_vocab_txt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in, path, ": cannot open");
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(line);
  }
  VCC_USER_CHECK(!tokens.empty(), path, ": empty vocabulary");
  return std::make_unique<WordPiece>(tokens, "[UNK]", "##", 100, path);
}

std::unique_ptr<Model> make_bpe_from_files(const std::string& vocab_json, const std::string& merges_txt) {
  std::ifstream vin(vocab_json, std::ios::binary);
  VCC_USER_CHECK(vin, vocab_json, ": cannot open");
  json vocab = json::parse(vin, nullptr, false);
  VCC_USER_CHECK(!vocab.is_discarded() && vocab.is_object(), vocab_json, ": not a JSON object of token ids");
  std::ifstream min(merges_txt, std::ios::binary);
  VCC_USER_CHECK(min, merges_txt, ": cannot open");
  std::vector<std::pair<std::string, std::string>> merges;
  std::string line;
  while (std::getline(min, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    size_t sp = line.find(' ');
    VCC_USER_CHECK(sp != std::string::npos, merges_txt, ": line \"", line, "\" is not \"a b\"");
    merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
  }
  return std::make_unique<Bpe>(vocab, merges, json::object(), true, merges_txt);
}

}  // namespace vcc::tokenizers
