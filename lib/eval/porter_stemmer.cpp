#include "eval/porter_stemmer.h"

#include <algorithm>
#include <array>
#include <functional>
#include <utility>
#include <vector>

#include "core/error.h"

namespace vcc::eval {
namespace {

bool is_vowel_letter(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// Porter's consonant: not a/e/i/o/u, and 'y' only at the start or after a vowel. A run of
// y's alternates, so walk back to the start of the run instead of recursing per letter.
bool is_consonant(std::string_view w, size_t i) {
  if (is_vowel_letter(w[i])) return false;
  if (w[i] != 'y') return true;
  size_t start = i;
  while (start > 0 && w[start - 1] == 'y') --start;
  // The first y of the run is a consonant at the word start or after a vowel.
  const bool first_is_consonant = start == 0 || is_vowel_letter(w[start - 1]);
  return ((i - start) % 2 == 0) == first_is_consonant;
}

// Consonant flags of every letter in one pass (a 'y' is the opposite of the letter before).
std::vector<bool> consonant_flags(std::string_view w) {
  std::vector<bool> flags(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    flags[i] = is_vowel_letter(w[i]) ? false : (w[i] == 'y' && i > 0 ? !flags[i - 1] : true);
  return flags;
}

// m in [C](VC)^m[V]: the number of vowel-to-consonant transitions.
int measure(std::string_view stem) {
  const std::vector<bool> consonant = consonant_flags(stem);
  int m = 0;
  for (size_t i = 1; i < consonant.size(); ++i)
    if (consonant[i] && !consonant[i - 1]) ++m;
  return m;
}

bool contains_vowel(std::string_view stem) {
  const std::vector<bool> consonant = consonant_flags(stem);
  return std::find(consonant.begin(), consonant.end(), false) != consonant.end();
}

bool ends_double_consonant(std::string_view w) {
  return w.size() >= 2 && w[w.size() - 1] == w[w.size() - 2] && is_consonant(w, w.size() - 1);
}

// *o: consonant-vowel-consonant with the last not w/x/y; NLTK also accepts a whole
// two-letter stem vowel+consonant (so "aping" -> "ape").
bool ends_cvc(std::string_view w) {
  const size_t n = w.size();
  if (n >= 3 && is_consonant(w, n - 3) && !is_consonant(w, n - 2) && is_consonant(w, n - 1) &&
      w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y')
    return true;
  return n == 2 && !is_consonant(w, 0) && is_consonant(w, 1);
}

bool ends_with(std::string_view w, std::string_view suffix) {
  return w.size() >= suffix.size() && w.substr(w.size() - suffix.size()) == suffix;
}

std::string without_suffix(std::string_view w, size_t suffix_length) {
  return std::string(w.substr(0, w.size() - suffix_length));
}

struct Rule {
  std::string_view suffix;
  std::string_view replacement;
  std::function<bool(const std::string&)> condition;  // on the stem; empty = always
};

// The first rule whose suffix matches decides: if its condition fails the word is returned
// unchanged and later rules are not tried.
std::string apply_first_matching(const std::string& word, const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (!ends_with(word, rule.suffix)) continue;
    std::string stem = without_suffix(word, rule.suffix.size());
    if (rule.condition && !rule.condition(stem)) return word;
    return stem + std::string(rule.replacement);
  }
  return word;
}

bool positive_measure(const std::string& stem) { return measure(stem) > 0; }
bool measure_above_one(const std::string& stem) { return measure(stem) > 1; }

std::string step1a(const std::string& word) {
  if (word.size() == 4 && ends_with(word, "ies")) return without_suffix(word, 3) + "ie";
  static const std::vector<Rule> rules = {{"sses", "ss", {}}, {"ies", "i", {}}, {"ss", "ss", {}}, {"s", "", {}}};
  return apply_first_matching(word, rules);
}

std::string step1b(const std::string& word) {
  // NLTK handles -ied before the eed/ed/ing rules: "died" -> "die", "spied" -> "spi".
  if (ends_with(word, "ied")) return without_suffix(word, 3) + (word.size() == 4 ? "ie" : "i");
  if (ends_with(word, "eed")) {
    std::string stem = without_suffix(word, 3);
    return measure(stem) > 0 ? stem + "ee" : word;
  }
  std::string stem;
  bool removed = false;
  for (std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
    if (ends_with(word, suffix)) {
      stem = without_suffix(word, suffix.size());
      if (contains_vowel(stem)) {
        removed = true;
        break;
      }
    }
  }
  if (!removed) return word;

  if (ends_with(stem, "at") || ends_with(stem, "bl") || ends_with(stem, "iz")) return stem + "e";
  if (ends_double_consonant(stem)) {
    const char last = stem.back();
    if (last == 'l' || last == 's' || last == 'z') return stem;
    stem.pop_back();
    return stem;
  }
  if (measure(stem) == 1 && ends_cvc(stem)) return stem + "e";
  return stem;
}

std::string step1c(const std::string& word) {
  // NLTK: y -> i only after a consonant, and not as the second letter ("enjoy" keeps its y).
  if (ends_with(word, "y") && word.size() > 2 && is_consonant(word, word.size() - 2))
    return without_suffix(word, 1) + "i";
  return word;
}

std::string step2(const std::string& word) {
  // NLTK tries alli -> al before the table and, on success, runs step 2 again.
  if (ends_with(word, "alli") && positive_measure(without_suffix(word, 4)))
    return step2(without_suffix(word, 4) + "al");
  static const std::vector<Rule> rules = {
      {"ational", "ate", positive_measure}, {"tional", "tion", positive_measure},
      {"enci", "ence", positive_measure},   {"anci", "ance", positive_measure},
      {"izer", "ize", positive_measure},    {"bli", "ble", positive_measure},
      {"alli", "al", positive_measure},     {"entli", "ent", positive_measure},
      {"eli", "e", positive_measure},       {"ousli", "ous", positive_measure},
      {"ization", "ize", positive_measure}, {"ation", "ate", positive_measure},
      {"ator", "ate", positive_measure},    {"alism", "al", positive_measure},
      {"iveness", "ive", positive_measure}, {"fulness", "ful", positive_measure},
      {"ousness", "ous", positive_measure}, {"aliti", "al", positive_measure},
      {"iviti", "ive", positive_measure},   {"biliti", "ble", positive_measure},
      {"fulli", "ful", positive_measure},
      // NLTK measures the logi stem with its "l" kept, so "geology" -> "geolog".
      {"logi", "log", [](const std::string& stem) { return positive_measure(stem + "l"); }},
  };
  return apply_first_matching(word, rules);
}

std::string step3(const std::string& word) {
  static const std::vector<Rule> rules = {{"icate", "ic", positive_measure}, {"ative", "", positive_measure},
                                     {"alize", "al", positive_measure}, {"iciti", "ic", positive_measure},
                                     {"ical", "ic", positive_measure},  {"ful", "", positive_measure},
                                     {"ness", "", positive_measure}};
  return apply_first_matching(word, rules);
}

std::string step4(const std::string& word) {
  static const auto ion_condition = [](const std::string& stem) {
    return measure(stem) > 1 && (stem.back() == 's' || stem.back() == 't');
  };
  static const std::vector<Rule> rules = {
             {"al", "", measure_above_one},   {"ance", "", measure_above_one},
             {"ence", "", measure_above_one}, {"er", "", measure_above_one},
             {"ic", "", measure_above_one},   {"able", "", measure_above_one},
             {"ible", "", measure_above_one}, {"ant", "", measure_above_one},
             {"ement", "", measure_above_one}, {"ment", "", measure_above_one},
             {"ent", "", measure_above_one},  {"ion", "", ion_condition},
             {"ou", "", measure_above_one},   {"ism", "", measure_above_one},
             {"ate", "", measure_above_one},  {"iti", "", measure_above_one},
             {"ous", "", measure_above_one},  {"ive", "", measure_above_one},
             {"ize", "", measure_above_one}};
  return apply_first_matching(word, rules);
}

std::string step5a(const std::string& word) {
  if (!ends_with(word, "e")) return word;
  std::string stem = without_suffix(word, 1);
  const int m = measure(stem);
  if (m > 1 || (m == 1 && !ends_cvc(stem))) return stem;
  return word;
}

std::string step5b(const std::string& word) {
  // (m > 1 and *d and *L) -> single letter; m is taken on the word without its last "l".
  if (ends_with(word, "ll") && measure(without_suffix(word, 1)) > 1) return without_suffix(word, 1);
  return word;
}

// NLTK's irregular forms; the table wins over the rules.
const std::array<std::pair<std::string_view, std::string_view>, 16> kIrregularForms = {{
    {"sky", "sky"},         {"skies", "sky"},       {"dying", "die"},    {"lying", "lie"},
    {"tying", "tie"},       {"news", "news"},       {"innings", "inning"}, {"inning", "inning"},
    {"outings", "outing"},  {"outing", "outing"},   {"cannings", "canning"},
    {"canning", "canning"}, {"howe", "howe"},       {"proceed", "proceed"},
    {"exceed", "exceed"},   {"succeed", "succeed"},
}};

}  // namespace

std::string porter_stem(std::string_view word) {
  std::string lowered(word);
  for (char& c : lowered) {
    VCC_USER_CHECK(static_cast<unsigned char>(c) < 0x80, "the Porter stemmer takes ASCII words, got '",
                   word, "'");
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // NLTK looks the table up with the word as given, before lowering it.
  for (const auto& [form, stem] : kIrregularForms)
    if (word == form) return std::string(stem);
  if (lowered.size() <= 2) return lowered;

  std::string stem = step1a(lowered);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}

}  // namespace vcc::eval
