#pragma once
// SCROLLS reader (JSONL rows {id, pid, input, output}), splitting `input` into query and
// context as VCC's T5 SCROLLS collators do.
#include <string>
#include <vector>

#include "data/example.h"

namespace vcc::data {

enum class ScrollsQuery {
  FirstParagraph,  // NarrativeQA, Qasper, ContractNLI, QMSum: text before the first blank line
  Summarize,       // GovReport, SummScreenFD: query = "summarize", context = the whole input
  Quality,         // QuALITY: lines up to and including the one containing " (D) "
};

// One example per row (id = pid if present, else id); `answers` holds the outputs of every
// row that shares the row's id (the references for evaluation), `target` the row's own.
std::vector<Example> read_scrolls(const std::string& path, ScrollsQuery mode = ScrollsQuery::FirstParagraph);

}  // namespace vcc::data
