// The steps of init that receive of a full stream shares (it initialises a new pair from the
// stream instead of from virgin's filesystem): the checks, the state written at the end, and the
// closing message.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "src/workflow/context.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

enum class InitKind { kNew, kFrom };

// What the checks found out: the common volume size and the filesystem type.
struct CheckedInit {
  uint64_t size = 0;
  std::string fstype;
};

// Everything that can refuse, in schelk's order, before anything is written (asks to
// reinitialise an existing unmounted pair). Throws the refusal.
CheckedInit check_init(Context& ctx, const InitOptions& o, InitKind kind);

// The new pair's state: scratch equal to virgin, stamped; the old journal removed.
struct NewBaseline {
  std::string id;
  uint64_t generation = 0;
};
void save_initialized_state(Context& ctx, const InitOptions& o, const std::string& fstype,
                            const NewBaseline& baseline);

void print_initialized(std::ostream& out, const InitOptions& o, const std::string& state_path);

}  // namespace schelk
