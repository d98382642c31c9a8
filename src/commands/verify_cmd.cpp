// Placeholder until the command lands; replaced by its implementation.
#include <cstdio>

#include "src/commands/commands.hpp"

namespace schelk {

int run_verify(int, char**) {
  std::fprintf(stderr, "verify: not implemented yet\n");
  return 1;
}

}  // namespace schelk
