#pragma once
// vcc-train's command line and the whole command as a library function (the app's main
// only calls train_command).
//
//   vcc-train --config base.yaml task.yaml [--set train.lr=3e-4 ...] [--optim.lr 3e-4]
//             [--resume auto|CKPT] [--dump-config] [--help] [--help-options [SECTION]]
//
// Every registered option is also a flag of its own: "--optim.lr 3e-4" or "--optim.lr=3e-4"
// (a bool flag alone means true). Unknown flags are errors that suggest the nearest name.
#include <iosfwd>
#include <string>
#include <vector>

#include "io/config_registry.h"

namespace vcc::train {

struct TrainCommandLine {
  std::vector<std::string> configs;    // YAML files, in order (later override earlier)
  std::vector<std::string> overrides;  // "key=value", in order (after the files)
  bool dump_config = false;            // print the effective config and exit
  bool help = false;
  bool help_options = false;           // list the options (of help_section, when given)
  std::string help_section;
};

// Parses argv[1..]; errors are one line ("unknown option '--optim.lrr' (did you mean
// '--optim.lr'?)").
TrainCommandLine parse_train_command_line(const std::vector<std::string>& args, const io::OptionRegistry& registry);
std::string train_usage();

// Runs vcc-train: help, --dump-config, or training. Errors go to `err` as one line
// "vcc-train: error: ..."; returns the exit status: 0 done (or stopped by
// train.stop_at_step / early stopping), 1 error, 128 + signal when SIGINT/SIGTERM stopped it
// (after saving a checkpoint).
int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace vcc::train
