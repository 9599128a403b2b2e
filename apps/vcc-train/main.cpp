// vcc-train: trains a model from YAML configs (docs/training.md). Thin over lib/train:
// the command line, config loading, the training loop and its errors all live there.
#include <iostream>
#include <string>
#include <vector>

#include "train/train_command.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return vcc::train::train_command(args, std::cout, std::cerr);
}
