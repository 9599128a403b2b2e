#pragma once
// NLTK 3.8 PorterStemmer in its default NLTK_EXTENSIONS mode, the stemmer rouge-score uses.
#include <string>
#include <string_view>

namespace vcc::eval {

// Not the 1980 paper algorithm, not Martin Porter's C code and not Snowball/Porter2: NLTK's
// default mode adds an irregular-form table (news, skies, dying, ...), its own step 1a/1b
// rules for -ies/-ied, a two-letter *o condition, the "consonant before y" step 1c, and the
// step 2 rules alli (first, then again), fulli and logi. rouge-score only ever calls it on
// tokens of [a-z0-9] longer than 3 characters.
//
// `word` must be ASCII; like NLTK, upper case is lowered first, and words of length <= 2
// are returned as they are.
std::string porter_stem(std::string_view word);

}  // namespace vcc::eval
