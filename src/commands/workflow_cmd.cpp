// The schelk workflow entry point: everything that is not one of the era tools, copy or verify.
#include <string>
#include <vector>

#include "src/commands/commands.hpp"
#include "src/workflow/cli.hpp"

namespace schelk {

int run_workflow(int argc, char** argv) {
  return run_workflow_cli(std::vector<std::string>(argv, argv + argc));
}

}  // namespace schelk
