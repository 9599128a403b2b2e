// vcc-preprocess: dataset files -> tokenized HDF5 splits; SentencePiece training; the
// synthetic long-context task. Thin over lib/data (formats and layout: docs/data.md).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "core/error.h"
#include "data/hotpotqa_reader.h"
#include "data/narrativeqa_reader.h"
#include "data/preprocess.h"
#include "data/qa_jsonl.h"
#include "data/scrolls_reader.h"
#include "data/spm_train.h"
#include "data/summarization_reader.h"
#include "tokenizers/tokenize_jsonl.h"

using namespace vcc::data;

namespace {

// Options shared by the dataset subcommands.
struct Common {
  std::string tokenizer, out, overflow = "truncate", task = "seq2seq";
  int64_t max_length = 0, max_target_length = -1, limit = -1;
  int extra_ids = -1, compression = 1;
  std::vector<std::string> added_tokens;
  bool quiet = false;
};

void add_common(CLI::App* cmd, Common& c, int64_t default_target) {
  cmd->add_option("--tokenizer", c.tokenizer,
                  "SentencePiece .model, or Hugging Face tokenizer.json / vocab.txt / vocab.json (+ merges.txt) / a folder")
      ->required();
  cmd->add_option("--out", c.out, "output HDF5 file (one split)")->required();
  cmd->add_option("--max-length", c.max_length, "encoder input length (tokens)")->required();
  cmd->add_option("--max-target-length", c.max_target_length,
                  "label length; 0 = no labels (default " + std::to_string(default_target) + ")");
  cmd->add_option("--overflow", c.overflow, "inputs over --max-length: truncate, drop or error")
      ->check(CLI::IsMember({"truncate", "drop", "error"}));
  cmd->add_option("--task", c.task, "qa_extractive (answer spans) or seq2seq (labels)")
      ->check(CLI::IsMember({"qa_extractive", "seq2seq"}));
  cmd->add_option("--extra-ids", c.extra_ids, "T5 sentinels <extra_id_N> (default: 100 for the T5 vocabulary, else 0)");
  cmd->add_option("--added-tokens", c.added_tokens, "extra tokens with ids after the vocabulary")->delimiter(',');
  cmd->add_option("--limit", c.limit, "use only the first N examples");
  cmd->add_option("--compression", c.compression, "deflate level of the HDF5 arrays (0-9)")->check(CLI::Range(0, 9));
  cmd->add_flag("--quiet", c.quiet, "no progress line");
  c.max_target_length = default_target;
}

int run_dataset(std::vector<Example> examples, const Common& c, const std::string& source,
                const std::vector<std::string>& reader_tokens) {
  if (c.limit >= 0 && static_cast<int64_t>(examples.size()) > c.limit) examples.resize(c.limit);
  TokenizerOptions topts;
  topts.extra_ids = c.extra_ids;
  topts.added_tokens = reader_tokens;
  for (const auto& t : c.added_tokens)
    if (std::find(topts.added_tokens.begin(), topts.added_tokens.end(), t) == topts.added_tokens.end())
      topts.added_tokens.push_back(t);
  Tokenizer tok = Tokenizer::load(c.tokenizer, topts);
  std::cerr << "tokenizer: " << tok.describe() << "\n";
  PreprocessOptions p;
  p.encoder.max_length = c.max_length;
  p.encoder.max_target_length = c.max_target_length;
  p.encoder.overflow = parse_overflow(c.overflow);
  p.encoder.task = parse_task(c.task);
  p.source = source;
  p.compression_level = c.compression;
  p.progress = !c.quiet;
  PreprocessResult r = preprocess_to_hdf5(examples, tok, p, c.out);
  std::cout << c.out << ": " << r.stats.summary() << "\n";
  std::printf("%s: %.2f s, %.1f examples/s, %.0f tokens/s\n", c.out.c_str(), r.seconds,
              r.seconds > 0 ? r.stats.examples / r.seconds : 0.0,
              r.seconds > 0 ? r.stats.input_tokens / r.seconds : 0.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vcc-preprocess: tokenize datasets into HDF5 splits for vcc (see docs/data.md)"};
  app.require_subcommand(1);

  Common hp_c, nq_c, sc_c, qa_c, su_c;
  std::string hp_in, sc_in, qa_in, su_in;
  bool hp_shuffle = false;
  uint64_t hp_seed = 0;
  auto* hp = app.add_subcommand("hotpotqa", "HotpotQA JSON (distractor or fullwiki)");
  hp->add_option("--input", hp_in, "hotpot_*.json")->required();
  hp->add_flag("--shuffle-paragraphs", hp_shuffle, "shuffle the paragraphs of each example (seeded)");
  hp->add_option("--seed", hp_seed, "seed of --shuffle-paragraphs");
  add_common(hp, hp_c, 40);

  NarrativeQaOptions nq;
  std::string nq_corpus, nq_questions;
  std::vector<std::string> nq_kinds;
  auto* nqc = app.add_subcommand("narrativeqa", "NarrativeQA: official qaps.csv + summaries/stories, or corpus JSON");
  nqc->add_option("--qaps", nq.qaps, "official qaps.csv");
  nqc->add_option("--summaries", nq.summaries, "summaries.csv (context = summary)");
  nqc->add_option("--stories", nq.stories_dir, "folder of <document_id>.content (context = full story)");
  nqc->add_option("--split", nq.split, "keep only this set: train, valid or test");
  nqc->add_flag("--skip-missing", nq.skip_missing, "skip questions whose summary/story is missing");
  nqc->add_option("--corpus", nq_corpus, "passages JSON (dev_10_doc form), with --questions");
  nqc->add_option("--questions", nq_questions, "questions_by_document.json, with --corpus");
  nqc->add_option("--kinds", nq_kinds, "with --corpus: keep these kinds (gutenberg, movie)")->delimiter(',');
  add_common(nqc, nq_c, 47);

  std::string sc_mode = "first-paragraph";
  auto* sc = app.add_subcommand("scrolls", "SCROLLS JSONL {id, pid, input, output}");
  sc->add_option("--input", sc_in, "*.jsonl")->required();
  sc->add_option("--query", sc_mode, "query = first-paragraph, summarize or quality")
      ->check(CLI::IsMember({"first-paragraph", "summarize", "quality"}));
  add_common(sc, sc_c, 128);

  auto* qa = app.add_subcommand("qa-jsonl", "generic QA JSONL {id, question, context, answers}");
  qa->add_option("--input", qa_in, "*.jsonl")->required();
  add_common(qa, qa_c, 32);

  auto* su = app.add_subcommand("summarization", "summarisation JSONL {id, document, summary}");
  su->add_option("--input", su_in, "*.jsonl")->required();
  add_common(su, su_c, 512);

  std::string spm_in, spm_out;
  SpmTrainOptions spm;
  bool spm_soft = false;
  auto* st = app.add_subcommand("spm-train", "train a SentencePiece model (ids as T5: <pad> 0, </s> 1, <unk> 2)");
  st->add_option("--input", spm_in, "text, one sentence per line")->required();
  st->add_option("--vocab-size", spm.vocab_size, "number of pieces")->required();
  st->add_option("--out", spm_out, "output .model file")->required();
  st->add_option("--model-type", spm.model_type, "unigram, bpe, word or char")
      ->check(CLI::IsMember({"unigram", "bpe", "word", "char"}));
  st->add_option("--user-symbols", spm.user_defined_symbols, "pieces always kept whole")->delimiter(',');
  st->add_flag("--soft-vocab-limit", spm_soft, "allow fewer pieces than --vocab-size");

  SyntheticRun syn;
  std::string syn_dir, syn_variant = "front", syn_task = "qa_extractive", syn_answer = "value";
  auto* sy = app.add_subcommand("synthetic", "synthetic key-value long-context QA: JSONL + tokenizer + HDF5");
  sy->add_option("--out-dir", syn_dir, "output folder")->required();
  sy->add_option("--length", syn.task.length, "encoder input tokens per example (query + context + </s>)")->required();
  sy->add_option("--train", syn.train, "training examples")->required();
  sy->add_option("--valid", syn.valid, "validation examples")->required();
  sy->add_option("--seed", syn.task.seed, "seed (the same seed gives the same files)");
  sy->add_option("--variant", syn_variant, "front (question is the query) or middle (key stated mid-document)")
      ->check(CLI::IsMember({"front", "middle"}));
  sy->add_option("--answer", syn_answer, "the answer: value (VALUE) or fact (KEY : VALUE)")
      ->check(CLI::IsMember({"value", "fact"}));
  sy->add_option("--facts", syn.task.facts, "facts per document (1 asked + distractors)");
  sy->add_option("--near-miss", syn.task.near_miss, "share of distractor keys one syllable from the asked key");
  sy->add_option("--depth-min", syn.task.depth_min, "earliest depth of the asked fact (fraction of the context)");
  sy->add_option("--depth-max", syn.task.depth_max, "latest depth of the asked fact");
  sy->add_option("--keys", syn.task.num_keys, "number of key words");
  sy->add_option("--values", syn.task.num_values, "number of value words");
  sy->add_option("--task", syn_task, "qa_extractive or seq2seq")->check(CLI::IsMember({"qa_extractive", "seq2seq"}));
  sy->add_option("--max-target-length", syn.max_target_length, "label length (value + </s> need 2)");
  bool syn_no_jsonl = false, syn_quiet = false;
  sy->add_flag("--no-jsonl", syn_no_jsonl, "write only the tokenizer and the HDF5 files");
  sy->add_flag("--quiet", syn_quiet, "no progress line");

  auto* tk = app.add_subcommand("tokenize", "JSON lines {id, text, pair} -> ids, type_ids, sequence_ids, byte_offsets");
  std::string tk_tok, tk_in, tk_out;
  tk->add_option("--tokenizer", tk_tok, "Hugging Face tokenizer.json, vocab.txt, vocab.json (+ merges.txt) or a folder")
      ->required();
  tk->add_option("--input", tk_in, "input JSON lines")->required();
  tk->add_option("--out", tk_out, "output JSON lines")->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*hp) {
      HotpotQaOptions o;
      o.shuffle_paragraphs = hp_shuffle;
      o.seed = hp_seed;
      return run_dataset(read_hotpotqa(hp_in, o), hp_c, "hotpotqa", hotpotqa_added_tokens());
    }
    if (*nqc) {
      if (!nq_corpus.empty() || !nq_questions.empty()) {
        VCC_USER_CHECK(!nq_corpus.empty() && !nq_questions.empty(), "narrativeqa: --corpus and --questions go together");
        return run_dataset(narrativeqa_corpus_examples(read_narrativeqa_corpus(nq_corpus, nq_questions, nq_kinds)),
                           nq_c, "narrativeqa-corpus", {});
      }
      VCC_USER_CHECK(!nq.qaps.empty(), "narrativeqa: give --qaps with --summaries or --stories, or --corpus with --questions");
      VCC_USER_CHECK(nq.summaries.empty() != nq.stories_dir.empty(), "narrativeqa: give exactly one of --summaries and --stories");
      nq.context = nq.stories_dir.empty() ? NarrativeQaContext::Summary : NarrativeQaContext::Story;
      return run_dataset(read_narrativeqa(nq), nq_c, "narrativeqa", {});
    }
    if (*sc) {
      ScrollsQuery mode = sc_mode == "summarize" ? ScrollsQuery::Summarize
                          : sc_mode == "quality" ? ScrollsQuery::Quality
                                                 : ScrollsQuery::FirstParagraph;
      return run_dataset(read_scrolls(sc_in, mode), sc_c, "scrolls", {});
    }
    if (*qa) return run_dataset(read_qa_jsonl(qa_in), qa_c, "qa-jsonl", {});
    if (*su) return run_dataset(read_summarization_jsonl(su_in), su_c, "summarization", {});
    if (*tk) {
      vcc::tokenizers::HfTokenizer tok = vcc::tokenizers::HfTokenizer::load(tk_tok);
      int64_t n = vcc::tokenizers::tokenize_jsonl(tok, tk_in, tk_out);
      std::cout << tk_out << ": " << n << " lines (" << tok.kind() << ", " << tok.path() << ")\n";
      return 0;
    }
    if (*st) {
      spm.hard_vocab_limit = !spm_soft;
      train_sentencepiece_file(spm_in, spm_out, spm);
      std::cout << spm_out << ": trained (" << spm.model_type << ", vocab " << spm.vocab_size << ")\n";
      return 0;
    }
    if (*sy) {
      syn.task.variant = parse_synthetic_variant(syn_variant);
      syn.task.answer_is_fact = syn_answer == "fact";
      syn.model_task = parse_task(syn_task);
      syn.write_jsonl = !syn_no_jsonl;
      syn.progress = !syn_quiet;
      SyntheticRunResult r = write_synthetic_task(syn_dir, syn);
      std::cout << r.tokenizer_path << ": tokenizer\n";
      std::cout << syn_dir << "/train.h5: " << r.train.stats.summary() << "\n";
      std::cout << syn_dir << "/valid.h5: " << r.valid.stats.summary() << "\n";
      return 0;
    }
  } catch (const vcc::Error& e) {
    std::cerr << "vcc-preprocess: error: " << vcc::user_error_text(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "vcc-preprocess: error: " << vcc::user_error_text(e.what()) << "\n";
    return 1;
  }
  return 0;
}
