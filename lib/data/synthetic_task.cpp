#include "data/synthetic_task.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "data/random.h"
#include "data/spm_train.h"

namespace vcc::data {
namespace {

// Fixed seed of the word lists: the vocabulary (and so the tokenizer) does not change with
// the data seed, so one tokenizer serves every generated split.
constexpr uint64_t kVocabularySeed = 0x5EEDC0DEull;

const char* const kFillerWords[] = {
    "a", "about", "above", "across", "after", "again", "against", "all", "almost", "along", "also", "always",
    "an", "and", "another", "any", "around", "as", "at", "away", "back", "because", "been", "before", "behind",
    "below", "beside", "between", "beyond", "bird", "black", "blue", "boat", "book", "both", "bread", "bridge",
    "bright", "brown", "but", "by", "came", "city", "clear", "cloud", "cold", "could", "dark", "day", "deep",
    "door", "down", "dry", "each", "early", "earth", "east", "evening", "every", "far", "field", "fire", "first",
    "flower", "for", "forest", "from", "garden", "glass", "gold", "grass", "great", "green", "grey", "had", "hand",
    "hard", "he", "heavy", "her", "here", "high", "hill", "his", "house", "in", "into", "island", "it", "lake",
    "land", "large", "last", "late", "light", "little", "long", "low", "many", "market", "morning", "most",
    "mountain", "much", "near", "never", "new", "night", "north", "not", "now", "old", "on", "once", "only",
    "open", "or", "other", "out", "over", "paper", "path", "quiet", "rain", "red", "river", "road", "rock",
    "room", "round", "said", "salt", "sand", "sea", "she", "ship", "short", "silver", "slow", "small", "snow",
    "soft", "some", "soon", "south", "still", "stone", "storm", "street", "summer", "sun", "table", "tall",
    "that", "their", "then", "there", "they", "thin", "this", "through", "time", "to", "tower", "town", "tree",
    "under", "until", "valley", "very", "wall", "warm", "was", "water", "we", "west", "when", "where", "white",
    "wide", "wind", "window", "winter", "with", "wood", "world", "would", "year", "yellow", "young"};

const char* const kTemplateWords[] = {"what", "is", "the", "value", "of", "asked", "key", ":", ".", "?"};

std::vector<std::string> two_syllable_words(const std::string& consonants) {
  const std::string vowels = "aeiou";
  std::vector<std::string> syllables, words;
  for (char c : consonants)
    for (char v : vowels) syllables.push_back(std::string{c, v});
  for (const auto& a : syllables)
    for (const auto& b : syllables) words.push_back(a + b);
  return words;
}

}  // namespace

std::string_view synthetic_variant_name(SyntheticVariant v) { return v == SyntheticVariant::Front ? "front" : "middle"; }

SyntheticVariant parse_synthetic_variant(std::string_view name) {
  if (name == "front") return SyntheticVariant::Front;
  if (name == "middle") return SyntheticVariant::Middle;
  VCC_USER_CHECK(false, "unknown synthetic variant '", name, "' (expected front or middle)");
  return SyntheticVariant::Front;
}

std::vector<std::string> SyntheticVocabulary::all_words() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto* list : {&template_words, &filler, &keys, &values})
    for (const auto& w : *list)
      if (seen.insert(w).second) out.push_back(w);
  return out;
}

SyntheticVocabulary synthetic_vocabulary(int64_t num_keys, int64_t num_values) {
  SyntheticVocabulary v;
  for (const char* w : kTemplateWords) v.template_words.emplace_back(w);
  std::set<std::string> reserved(v.template_words.begin(), v.template_words.end());
  for (const char* w : kFillerWords)
    if (!reserved.count(w)) v.filler.emplace_back(w);
  reserved.insert(v.filler.begin(), v.filler.end());

  std::vector<std::string> keys;
  for (auto& w : two_syllable_words("bdfgklmnprst"))
    if (!reserved.count(w)) keys.push_back(w);
  // A value must never occur inside another word, so that its first occurrence in a
  // document is its fact (keys cannot contain one: their consonants differ).
  std::vector<std::string> values;
  for (auto& w : two_syllable_words("jqvxz")) {
    bool inside = false;
    for (const auto& r : reserved) inside = inside || r.find(w) != std::string::npos;
    if (!inside) values.push_back(w);
  }
  VCC_USER_CHECK(num_keys >= 2 && num_keys <= static_cast<int64_t>(keys.size()), "synthetic: --keys must be in [2, ",
                 keys.size(), "], got ", num_keys);
  VCC_USER_CHECK(num_values >= 2 && num_values <= static_cast<int64_t>(values.size()),
                 "synthetic: --values must be in [2, ", values.size(), "], got ", num_values);
  RandomStream(kVocabularySeed, 1).shuffle(keys);
  RandomStream(kVocabularySeed, 2).shuffle(values);
  v.keys.assign(keys.begin(), keys.begin() + num_keys);
  v.values.assign(values.begin(), values.begin() + num_values);
  return v;
}

int64_t synthetic_query_words(const SyntheticOptions& o) {
  return o.variant == SyntheticVariant::Front ? 4 : 9;  // "what is KEY ?" / "what is the value of the asked key ?"
}

Example synthetic_example(const SyntheticVocabulary& vocab, const SyntheticOptions& o, int split, int64_t index,
                          SyntheticGold* gold) {
  const int64_t F = o.facts;
  const int64_t K = static_cast<int64_t>(vocab.keys.size()), V = static_cast<int64_t>(vocab.values.size());
  VCC_USER_CHECK(F >= 1, "synthetic: --facts must be at least 1, got ", F);
  VCC_USER_CHECK(F <= K && F <= V, "synthetic: ", F, " facts need as many distinct keys and values (have ", K, " keys, ",
                 V, " values)");
  VCC_USER_CHECK(o.depth_min >= 0 && o.depth_min <= o.depth_max && o.depth_max <= 1, "synthetic: depth range [",
                 o.depth_min, ", ", o.depth_max, "] is not within [0, 1]");
  VCC_USER_CHECK(o.near_miss >= 0 && o.near_miss <= 1, "synthetic: --near-miss must be in [0, 1], got ", o.near_miss);
  const bool middle = o.variant == SyntheticVariant::Middle;
  const int64_t context_tokens = o.length - 1 - synthetic_query_words(o);
  const int64_t statement_tokens = middle ? 6 : 0;  // "the asked key is KEY ."
  const int64_t filler_budget = context_tokens - 4 * F - statement_tokens;
  VCC_USER_CHECK(filler_budget >= 0, "synthetic: --length ", o.length, " is too short for ", F,
                 " facts (needs at least ", o.length - filler_budget, ")");

  RandomStream rs(o.seed, (static_cast<uint64_t>(split) << 48) ^ static_cast<uint64_t>(index));
  const std::string& asked = vocab.keys[rs.below(K)];
  const std::string& answer = vocab.values[rs.below(V)];

  // Distractor keys: near misses (one syllable changed) first, then any other keys.
  std::vector<std::string> near;
  for (const auto& k : vocab.keys)
    if (k != asked && (k.compare(0, 2, asked, 0, 2) == 0 || k.compare(2, 2, asked, 2, 2) == 0)) near.push_back(k);
  rs.shuffle(near);
  const int64_t n_near = std::min<int64_t>(static_cast<int64_t>(std::llround(o.near_miss * (F - 1))),
                                           static_cast<int64_t>(near.size()));
  std::set<std::string> used_keys{asked};
  std::vector<std::string> fact_keys{asked};
  for (int64_t i = 0; i < n_near; ++i) {
    fact_keys.push_back(near[i]);
    used_keys.insert(near[i]);
  }
  while (static_cast<int64_t>(fact_keys.size()) < F) {
    const std::string& k = vocab.keys[rs.below(K)];
    if (used_keys.insert(k).second) fact_keys.push_back(k);
  }
  std::set<std::string> used_values{answer};
  std::vector<std::string> fact_values{answer};
  while (static_cast<int64_t>(fact_values.size()) < F) {
    const std::string& v = vocab.values[rs.below(V)];
    if (used_values.insert(v).second) fact_values.push_back(v);
  }

  // Filler sentences of 4-10 tokens (the last "." included) filling the budget exactly.
  std::vector<std::vector<std::string>> sentences;
  std::vector<int64_t> slot_pos{0};  // filler tokens before slot j (slot j precedes sentence j)
  for (int64_t remaining = filler_budget; remaining > 0;) {
    int64_t len = remaining <= 10 ? remaining : rs.between(4, std::min<int64_t>(10, remaining - 4));
    std::vector<std::string> s;
    for (int64_t w = 0; w + 1 < len; ++w) s.push_back(vocab.filler[rs.below(vocab.filler.size())]);
    s.push_back(".");
    sentences.push_back(std::move(s));
    remaining -= len;
    slot_pos.push_back(slot_pos.back() + len);
  }
  const int64_t slots = static_cast<int64_t>(slot_pos.size());

  // The asked fact's slot: uniformly among those within the depth range (else the nearest).
  auto depth = [&](int64_t j) { return filler_budget == 0 ? 0.0 : static_cast<double>(slot_pos[j]) / filler_budget; };
  std::vector<int64_t> candidates;
  for (int64_t j = 0; j < slots; ++j)
    if (depth(j) >= o.depth_min && depth(j) <= o.depth_max) candidates.push_back(j);
  if (candidates.empty()) {
    int64_t best = 0;
    auto dist = [&](int64_t j) { return std::max({o.depth_min - depth(j), depth(j) - o.depth_max, 0.0}); };
    for (int64_t j = 1; j < slots; ++j)
      if (dist(j) < dist(best)) best = j;
    candidates.push_back(best);
  }
  std::vector<std::vector<int64_t>> facts_at(slots);  // fact numbers per slot
  facts_at[candidates[rs.below(candidates.size())]].push_back(0);
  for (int64_t f = 1; f < F; ++f) facts_at[rs.below(slots)].push_back(f);
  for (auto& list : facts_at) rs.shuffle(list);
  int64_t statement_slot = -1;
  if (middle) {
    statement_slot = 0;
    for (int64_t j = 1; j < slots; ++j)
      if (std::abs(depth(j) - 0.5) < std::abs(depth(statement_slot) - 0.5)) statement_slot = j;
  }

  Example ex;
  ex.id = "synthetic-" + std::to_string(split) + "-" + std::to_string(index);
  ex.query = middle ? "what is the value of the asked key ?" : "what is " + asked + " ?";
  int64_t tokens = 0;
  auto word = [&](const std::string& w) {
    if (!ex.context.empty()) ex.context += ' ';
    ex.context += w;
    ++tokens;
  };
  for (int64_t j = 0; j < slots; ++j) {
    if (j == statement_slot) {
      for (const char* w : {"the", "asked", "key", "is"}) word(w);
      word(asked);
      word(".");
    }
    for (int64_t f : facts_at[j]) {
      word(fact_keys[f]);
      word(":");
      if (f == 0 && gold) {
        gold->value_byte = static_cast<int64_t>(ex.context.size()) + (ex.context.empty() ? 0 : 1);
        gold->value_token = tokens;
      }
      word(fact_values[f]);
      word(".");
    }
    if (j < static_cast<int64_t>(sentences.size()))
      for (const auto& w : sentences[j]) word(w);
  }
  VCC_CHECK(tokens == context_tokens, "synthetic context has ", tokens, " words, expected ", context_tokens);
  const std::string target = o.answer_is_fact ? asked + " : " + answer : answer;
  ex.answers = {target};
  ex.target = target;
  ex.answer_type = AnswerType::Span;
  return ex;
}

std::vector<Example> synthetic_examples(const SyntheticVocabulary& vocab, const SyntheticOptions& options, int split,
                                        int64_t count) {
  std::vector<Example> out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out.push_back(synthetic_example(vocab, options, split, i));
  return out;
}

std::string synthetic_tokenizer_model(const SyntheticVocabulary& vocab) {
  std::vector<std::string> words = vocab.all_words();
  SpmTrainOptions o;
  for (const auto& w : words) o.user_defined_symbols.push_back("\xE2\x96\x81" + w);  // "▁" + word
  o.vocab_size = static_cast<int64_t>(o.user_defined_symbols.size()) + 3 + 64;
  o.hard_vocab_limit = false;
  // Training text: every word several times in varying orders (only the characters and
  // a few merges are learned; the words themselves are fixed pieces).
  std::vector<std::string> lines;
  // Each word also behind a "-", where its user-defined piece cannot match, so that the
  // trainer sees the characters (it needs some outside user-defined pieces) and other
  // text tokenizes to characters rather than <unk>.
  for (size_t i = 0; i < words.size(); i += 16) {
    std::string line;
    for (size_t j = i; j < std::min(words.size(), i + 16); ++j) line += (line.empty() ? "-" : " -") + words[j];
    lines.push_back(line);
  }
  lines.push_back("a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 , ; ! ' ( ) -");
  for (uint64_t round = 0; round < 4; ++round) {
    std::vector<std::string> order = words;
    RandomStream(kVocabularySeed, 100 + round).shuffle(order);
    for (size_t i = 0; i < order.size(); i += 16) {
      std::string line;
      for (size_t j = i; j < std::min(order.size(), i + 16); ++j) line += (line.empty() ? "" : " ") + order[j];
      lines.push_back(line);
    }
  }
  return train_sentencepiece(lines, o);
}

}  // namespace vcc::data
