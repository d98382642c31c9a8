// Placeholder until the command lands; replaced by its implementation.
#include <cstdio>

#include "src/commands/commands.hpp"

namespace schelk {

int run_era_dump(int, char**) {
  std::fprintf(stderr, "era_dump: not implemented yet\n");
  return 1;
}

}  // namespace schelk
