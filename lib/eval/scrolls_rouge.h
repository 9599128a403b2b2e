#pragma once
// The SCROLLS summarisation score (gov_report, summ_screen_fd, qmsum): mean max-over-references ROUGE F x100 and their geometric mean.
#include <string>
#include <vector>

namespace vcc::eval {

// Percent scale. geometric_mean = (rouge1 * rouge2 * rougeL)^(1/3), with rougeL, not rougeLsum.
struct ScrollsRouge {
  double rouge1 = 0.0;
  double rouge2 = 0.0;
  double rougeL = 0.0;
  double geometric_mean = 0.0;
};

// Stemmer off, as SCROLLS scores. Per example and per type, the max over references of F*100;
// those are summed in order and divided by N. (SCROLLS's Punkt sentence splitting only
// changes rougeLsum, which is not part of this score.)
ScrollsRouge scrolls_rouge(const std::vector<std::string>& predictions,
                           const std::vector<std::vector<std::string>>& references);

// Every value rounded to 4 decimals as Python's round(x, 4), as the SCROLLS wrapper reports them.
ScrollsRouge round_scrolls_rouge(const ScrollsRouge& score);

// Python's round(x, digits): the correctly rounded decimal (ties to even on the exact binary
// value), read back as a double.
double python_round(double x, int digits);

}  // namespace vcc::eval
