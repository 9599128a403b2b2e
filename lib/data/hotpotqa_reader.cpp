#include "data/hotpotqa_reader.h"

#include "core/error.h"
#include "data/random.h"
#include "data/text_io.h"

namespace vcc::data {

const std::vector<std::string>& hotpotqa_added_tokens() {
  static const std::vector<std::string> tokens = {"[cls]", "[qs]", "[qe]", "[ts]", "[te]", "[ss]"};
  return tokens;
}

namespace {

struct Paragraph {
  std::string title;
  std::vector<std::string> sentences;
};

std::vector<std::string> string_array(const Json& v, const std::string& where, const char* what) {
  VCC_USER_CHECK(v.is_array(), where, ": ", what, " must be a list of strings, got ", v.type_name());
  std::vector<std::string> out;
  for (const Json& s : v) {
    VCC_USER_CHECK(s.is_string(), where, ": ", what, " must hold strings, found ", s.type_name());
    out.push_back(s.get<std::string>());
  }
  return out;
}

// Official layout: [[title, [sentence, ...]], ...]; Hugging Face: {title: [...], sentences: [[...]]}.
std::vector<Paragraph> read_context(const Json& ctx, const std::string& where) {
  std::vector<Paragraph> out;
  if (ctx.is_object()) {
    auto titles = string_array(json_field(ctx, "title", where), where, "context.title");
    const Json& sents = json_field(ctx, "sentences", where);
    VCC_USER_CHECK(sents.is_array() && sents.size() == titles.size(), where,
                   ": context.sentences must be a list with one entry per title");
    for (size_t i = 0; i < titles.size(); ++i)
      out.push_back({titles[i], string_array(sents[i], where, "context.sentences[i]")});
    return out;
  }
  VCC_USER_CHECK(ctx.is_array(), where, ": 'context' must be a list of [title, sentences], got ", ctx.type_name());
  for (const Json& p : ctx) {
    VCC_USER_CHECK(p.is_array() && p.size() == 2 && p[0].is_string(), where,
                   ": each context paragraph must be [title, [sentences]]");
    out.push_back({p[0].get<std::string>(), string_array(p[1], where, "paragraph sentences")});
  }
  return out;
}

std::vector<SupportingFact> read_supporting_facts(const Json& record, const std::string& where) {
  std::vector<SupportingFact> out;
  auto it = record.find("supporting_facts");
  if (it == record.end() || it->is_null()) return out;
  const Json& sf = *it;
  if (sf.is_object()) {
    auto titles = string_array(json_field(sf, "title", where), where, "supporting_facts.title");
    const Json& ids = json_field(sf, "sent_id", where);
    VCC_USER_CHECK(ids.is_array() && ids.size() == titles.size(), where,
                   ": supporting_facts.sent_id must have one entry per title");
    for (size_t i = 0; i < titles.size(); ++i) {
      VCC_USER_CHECK(ids[i].is_number_integer(), where, ": supporting_facts.sent_id must hold integers");
      out.push_back({titles[i], ids[i].get<int64_t>()});
    }
    return out;
  }
  VCC_USER_CHECK(sf.is_array(), where, ": 'supporting_facts' must be a list of [title, sentence index]");
  for (const Json& f : sf) {
    VCC_USER_CHECK(f.is_array() && f.size() == 2 && f[0].is_string() && f[1].is_number_integer(), where,
                   ": each supporting fact must be [title, sentence index]");
    out.push_back({f[0].get<std::string>(), f[1].get<int64_t>()});
  }
  return out;
}

}  // namespace

std::vector<Example> read_hotpotqa(const std::string& path, const HotpotQaOptions& options) {
  std::vector<Example> out;
  for_each_json_array_element(path, [&](const Json& record, int64_t index) {
    std::string where = path + ": record " + std::to_string(index);
    VCC_USER_CHECK(record.is_object(), where, ": expected a JSON object, got ", record.type_name());
    Example ex;
    ex.id = record.contains("_id") ? json_string(record, "_id", where) : json_string(record, "id", where);
    where += " (" + ex.id + ")";
    ex.query = "[qs]" + json_string(record, "question", where) + "[qe]";

    std::vector<Paragraph> paragraphs = read_context(json_field(record, "context", where), where);
    std::vector<int64_t> order(paragraphs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    if (options.shuffle_paragraphs) order = random_permutation(static_cast<int64_t>(order.size()), options.seed, index);
    for (int64_t k : order) {
      ex.context += "[ts]" + paragraphs[k].title + "[te]";
      for (const std::string& s : paragraphs[k].sentences) ex.context += "[ss]" + s;
    }

    auto answer = record.find("answer");
    if (answer == record.end() || answer->is_null()) {
      ex.answer_type = AnswerType::None;
    } else {
      VCC_USER_CHECK(answer->is_string(), where, ": field 'answer' must be a string, got ", answer->type_name());
      std::string a = answer->get<std::string>();
      ex.answers = {a};
      ex.target = a;
      ex.answer_type = a == "yes" ? AnswerType::Yes : a == "no" ? AnswerType::No : AnswerType::Span;
    }
    ex.supporting_facts = read_supporting_facts(record, where);
    out.push_back(std::move(ex));
  });
  return out;
}

}  // namespace vcc::data
