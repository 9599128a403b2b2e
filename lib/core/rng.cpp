#include "core/rng.h"

namespace vcc {

Generator& default_generator() {
  static Generator g(0);
  return g;
}

}  // namespace vcc
