#pragma once
// NarrativeQA readers: the official release (qaps.csv with summaries.csv or story files)
// and the "corpus" form (passages JSON + questions grouped by document, as in
// shared/data/narrativeqa/dev_10_doc). Query = the question, answers = the references.
#include <string>
#include <vector>

#include "data/example.h"

namespace vcc::data {

enum class NarrativeQaContext { Summary, Story };

struct NarrativeQaOptions {
  std::string qaps;         // qaps.csv: document_id, set, question, answer1, answer2, ...
  std::string summaries;    // summaries.csv (context = summary): document_id, set, summary, ...
  std::string stories_dir;  // folder of <document_id>.content files (context = story)
  std::string split;        // keep rows whose `set` is this (train/valid/test); "" = all
  NarrativeQaContext context = NarrativeQaContext::Summary;
  bool skip_missing = false;  // drop questions whose summary/story is absent instead of failing
};

// Example ids are "<document_id>#<n>" (n = question number within the document, from 0).
// Story files that are not valid UTF-8 are read as Latin-1.
std::vector<Example> read_narrativeqa(const NarrativeQaOptions& options);

struct NarrativeQaStory {
  std::string document_id;
  std::string kind;   // gutenberg / movie (from the questions file)
  std::string title;  // wiki_title
  std::string text;   // passages joined with single spaces, in index order
  std::vector<Example> questions;
};

// corpus_json: [{idx: "<document_id>_<n>", title, text}]; questions_json: [{document_id, kind,
// set, wiki_title, questions: [{question, answers}]}]. `kinds` filters documents (empty = all).
std::vector<NarrativeQaStory> read_narrativeqa_corpus(const std::string& corpus_json,
                                                      const std::string& questions_json,
                                                      const std::vector<std::string>& kinds = {});
// The questions of read_narrativeqa_corpus as examples with their story as context.
std::vector<Example> narrativeqa_corpus_examples(const std::vector<NarrativeQaStory>& stories);

}  // namespace vcc::data
