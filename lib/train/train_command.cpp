#include "train/train_command.h"

#include <cctype>
#include <ostream>

#include "core/error.h"
#include "dist/communicator.h"
#include "io/config.h"
#include "train/train_options.h"
#include "train/trainer.h"

namespace vcc::train {
namespace {

const std::vector<std::string> kFlags = {"--config", "--set", "--resume", "--dump-config", "--help", "--help-options"};

bool is_flag(const std::string& a) { return a.size() > 1 && a[0] == '-' && !(a.size() > 1 && std::isdigit(a[1])); }

std::string nearest_flag(const std::string& flag, const io::OptionRegistry& registry) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const std::string& f : kFlags) {
    const size_t d = io::edit_distance(flag, f);
    if (d < best_d) best_d = d, best = f;
  }
  const std::string key = flag.rfind("--", 0) == 0 ? flag.substr(2) : flag;
  const std::string near = registry.nearest_key(key);
  if (!near.empty() && io::edit_distance(key, near) < best_d) best = "--" + near;
  return best;
}

}  // namespace

std::string train_usage() {
  return "usage: vcc-train --config FILE.yaml [FILE.yaml ...] [--set KEY=VALUE ...] [--KEY VALUE ...]\n"
         "                 [--resume auto|CHECKPOINT] [--dump-config] [--help-options [SECTION]]\n"
         "\n"
         "Trains a model on HDF5 splits from vcc-preprocess (docs/training.md).\n"
         "  --config FILES      YAML configs; later files override earlier ones\n"
         "  --set KEY=VALUE     override an option (repeatable); --KEY VALUE does the same\n"
         "  --resume auto|DIR   continue the run in train.run_dir from its newest checkpoint (or DIR)\n"
         "  --dump-config       print the effective config (defaults < files < overrides) and exit\n"
         "  --help-options [S]  list every option (or those of section S: train, data, valid, model, ...)\n"
         "Under mpirun each process trains on its share of every batch (docs/training.md, MPI).\n";
}

TrainCommandLine parse_train_command_line(const std::vector<std::string>& args, const io::OptionRegistry& registry) {
  TrainCommandLine cl;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto values = [&](const std::string& flag, bool assignments) {
      std::vector<std::string> v;
      while (i + 1 < args.size() && !is_flag(args[i + 1]) &&
             (!assignments || args[i + 1].find('=') != std::string::npos))
        v.push_back(args[++i]);
      VCC_USER_CHECK(!v.empty(), "option ", flag, " needs ", assignments ? "KEY=VALUE" : "at least one file");
      return v;
    };
    if (a == "--config" || a == "-c") {
      for (auto& f : values("--config", false)) cl.configs.push_back(f);
    } else if (a.rfind("--config=", 0) == 0) {
      cl.configs.push_back(a.substr(9));
    } else if (a == "--set") {
      for (auto& o : values("--set", true)) cl.overrides.push_back(o);
    } else if (a.rfind("--set=", 0) == 0) {
      cl.overrides.push_back(a.substr(6));
    } else if (a == "--resume" || a.rfind("--resume=", 0) == 0) {
      std::string v;
      if (a == "--resume") {
        VCC_USER_CHECK(i + 1 < args.size() && !is_flag(args[i + 1]), "option --resume needs auto or a checkpoint folder");
        v = args[++i];
      } else {
        v = a.substr(9);
      }
      cl.overrides.push_back("train.resume=" + v);
    } else if (a == "--dump-config") {
      cl.dump_config = true;
    } else if (a == "--help" || a == "-h") {
      cl.help = true;
    } else if (a == "--help-options") {
      cl.help_options = true;
      if (i + 1 < args.size() && !is_flag(args[i + 1])) cl.help_section = args[++i];
    } else if (a.rfind("--", 0) == 0 && a.size() > 2) {
      // --KEY VALUE, --KEY=VALUE, or a bool --KEY.
      const size_t eq = a.find('=');
      const std::string key = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      VCC_USER_CHECK(registry.has(key), "unknown option '", a.substr(0, eq), "' (did you mean '", nearest_flag(a.substr(0, eq), registry),
                     "'?)");
      if (eq != std::string::npos) {
        cl.overrides.push_back(key + "=" + a.substr(eq + 1));
      } else if (i + 1 < args.size() && !(args[i + 1].rfind("--", 0) == 0)) {
        cl.overrides.push_back(key + "=" + args[++i]);
      } else {
        VCC_USER_CHECK(registry.spec(key).type == io::OptionType::Bool, "option --", key, " needs a value (",
                       io::option_type_name(registry.spec(key).type), ")");
        cl.overrides.push_back(key + "=true");
      }
    } else if (is_flag(a)) {
      VCC_USER_CHECK(false, "unknown option '", a, "' (did you mean '", nearest_flag(a, registry), "'?)");
    } else {
      VCC_USER_CHECK(false, "unexpected argument '", a, "' (config files go after --config, overrides after --set)");
    }
  }
  return cl;
}

int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::unique_ptr<dist::Communicator> comm;
  try {
    const io::OptionRegistry registry = training_registry();
    const TrainCommandLine cl = parse_train_command_line(args, registry);
    if (cl.help || (args.empty())) {
      out << train_usage();
      return cl.help ? 0 : 1;
    }
    if (cl.help_options) {
      out << registry.help(cl.help_section);
      return 0;
    }
    const io::Config config = load_training_config(cl.configs, cl.overrides);
    if (cl.dump_config) {
      if (dist::launcher_rank() == 0) out << config.dump();
      return 0;
    }
    TrainSettings::from(config);  // option errors before any process group is formed
    dist::CommunicatorOptions co;
    co.backend = config.get<std::string>("dist.backend");
    co.rendezvous_file = config.get<std::string>("dist.rendezvous_file");
    comm = dist::make_communicator(co);
    Trainer trainer(config, *comm, out);
    const TrainResult r = trainer.run();
    if (r.stop_signal != 0) return 128 + r.stop_signal;
    return 0;
  } catch (const std::exception& e) {
    const bool many = comm && comm->world_size() > 1;
    if (!many || comm->is_root())
      err << "vcc-train: error: " << user_error_text(e.what()) << std::endl;
    else
      err << "vcc-train: rank " << comm->rank() << ": error: " << user_error_text(e.what()) << std::endl;
    // The other processes may be waiting in a collective: end the whole job.
    if (many) comm->abort(1);
    return 1;
  }
}

}  // namespace vcc::train
