#include "data/narrativeqa_reader.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "data/csv.h"
#include "data/text_io.h"

namespace vcc::data {

std::vector<Example> read_narrativeqa(const NarrativeQaOptions& o) {
  VCC_USER_CHECK(!o.qaps.empty(), "narrativeqa: the questions file (qaps.csv) is required");
  CsvTable qaps = read_csv(o.qaps);
  int c_doc = qaps.column("document_id"), c_set = qaps.column("set"), c_q = qaps.column("question");
  int c_a1 = qaps.column("answer1");
  int c_a2 = qaps.has_column("answer2") ? qaps.column("answer2") : -1;

  std::map<std::string, std::string> summaries;
  if (o.context == NarrativeQaContext::Summary) {
    VCC_USER_CHECK(!o.summaries.empty(), "narrativeqa: summaries.csv is required when the context is the summary");
    CsvTable s = read_csv(o.summaries);
    int d = s.column("document_id"), t = s.column("summary");
    for (const auto& row : s.rows) summaries[row[d]] = row[t];
  } else {
    VCC_USER_CHECK(!o.stories_dir.empty(), "narrativeqa: a stories folder is required when the context is the story");
    std::error_code ec;
    VCC_USER_CHECK(std::filesystem::is_directory(o.stories_dir, ec), o.stories_dir, ": no such folder");
  }

  std::map<std::string, std::string> stories;  // loaded on first use
  std::map<std::string, int> question_number;
  std::vector<Example> out;
  for (size_t r = 0; r < qaps.rows.size(); ++r) {
    const auto& row = qaps.rows[r];
    const std::string& doc = row[c_doc];
    VCC_USER_CHECK(!doc.empty(), qaps.where(r), ": empty document_id");
    int n = question_number[doc]++;
    if (!o.split.empty() && row[c_set] != o.split) continue;

    const std::string* context = nullptr;
    if (o.context == NarrativeQaContext::Summary) {
      auto it = summaries.find(doc);
      if (it == summaries.end()) {
        VCC_USER_CHECK(o.skip_missing, qaps.where(r), ": document ", doc, " has no summary in ", o.summaries);
        continue;
      }
      context = &it->second;
    } else {
      auto it = stories.find(doc);
      if (it == stories.end()) {
        std::string file = (std::filesystem::path(o.stories_dir) / (doc + ".content")).string();
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec)) {
          VCC_USER_CHECK(o.skip_missing, qaps.where(r), ": story file ", file, " not found");
          continue;
        }
        std::string text = read_text_file(file);
        if (!is_valid_utf8(text)) text = latin1_to_utf8(text);
        it = stories.emplace(doc, std::move(text)).first;
      }
      context = &it->second;
    }

    Example ex;
    ex.id = doc + "#" + std::to_string(n);
    ex.query = row[c_q];
    VCC_USER_CHECK(!ex.query.empty(), qaps.where(r), ": empty question");
    ex.context = *context;
    if (!row[c_a1].empty()) ex.answers.push_back(row[c_a1]);
    if (c_a2 >= 0 && !row[c_a2].empty()) ex.answers.push_back(row[c_a2]);
    ex.answer_type = ex.answers.empty() ? AnswerType::None : AnswerType::Span;
    ex.target = ex.answers.empty() ? "" : ex.answers[0];
    out.push_back(std::move(ex));
  }
  return out;
}

std::vector<NarrativeQaStory> read_narrativeqa_corpus(const std::string& corpus_json,
                                                      const std::string& questions_json,
                                                      const std::vector<std::string>& kinds) {
  // Passages by document, ordered by their index.
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> passages;
  for_each_json_array_element(corpus_json, [&](const Json& p, int64_t index) {
    std::string where = corpus_json + ": passage " + std::to_string(index);
    std::string idx = json_string(p, "idx", where);
    if (idx.size() >= 2 && idx.front() == '\'' && idx.back() == '\'') idx = idx.substr(1, idx.size() - 2);
    size_t us = idx.rfind('_');
    VCC_USER_CHECK(us != std::string::npos && us + 1 < idx.size(), where, ": idx '", idx,
                   "' is not <document_id>_<n>");
    int64_t n = 0;
    try {
      size_t used = 0;
      n = std::stoll(idx.substr(us + 1), &used);
      VCC_USER_CHECK(used == idx.size() - us - 1, where, ": idx '", idx, "' is not <document_id>_<n>");
    } catch (const std::logic_error&) {
      VCC_USER_CHECK(false, where, ": idx '", idx, "' is not <document_id>_<n>");
    }
    passages[idx.substr(0, us)].emplace_back(n, json_string(p, "text", where));
  });

  std::vector<NarrativeQaStory> out;
  for_each_json_array_element(questions_json, [&](const Json& d, int64_t index) {
    std::string where = questions_json + ": document " + std::to_string(index);
    NarrativeQaStory s;
    s.document_id = json_string(d, "document_id", where);
    s.kind = json_string_or(d, "kind", "");
    s.title = json_string_or(d, "wiki_title", "");
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) return;
    auto it = passages.find(s.document_id);
    VCC_USER_CHECK(it != passages.end(), where, ": document ", s.document_id, " has no passages in ", corpus_json);
    auto& parts = it->second;
    std::sort(parts.begin(), parts.end());
    for (size_t i = 0; i < parts.size(); ++i) {
      VCC_USER_CHECK(parts[i].first == static_cast<int64_t>(i), corpus_json, ": document ", s.document_id,
                     " lacks passage ", i);
      if (i) s.text += ' ';
      s.text += parts[i].second;
    }
    const Json& qs = json_field(d, "questions", where);
    VCC_USER_CHECK(qs.is_array(), where, ": 'questions' must be a list");
    for (size_t q = 0; q < qs.size(); ++q) {
      std::string qwhere = where + " question " + std::to_string(q);
      Example ex;
      ex.id = s.document_id + "#" + std::to_string(q);
      ex.query = json_string(qs[q], "question", qwhere);
      ex.answers = json_string_list(qs[q], "answers", qwhere);
      ex.answer_type = ex.answers.empty() ? AnswerType::None : AnswerType::Span;
      ex.target = ex.answers.empty() ? "" : ex.answers[0];
      s.questions.push_back(std::move(ex));
    }
    out.push_back(std::move(s));
  });
  return out;
}

std::vector<Example> narrativeqa_corpus_examples(const std::vector<NarrativeQaStory>& stories) {
  std::vector<Example> out;
  for (const auto& s : stories)
    for (Example ex : s.questions) {
      ex.context = s.text;
      out.push_back(std::move(ex));
    }
  return out;
}

}  // namespace vcc::data
