// Placeholder until the command lands; replaced by its implementation.
#include <cstdio>

#include "src/commands/commands.hpp"

namespace schelk {

int run_copy(int, char**) {
  std::fprintf(stderr, "copy: not implemented yet\n");
  return 1;
}

}  // namespace schelk
