// The source revision the binary was built from: `git describe --always --dirty` taken at build
// time (cmake/write_revision.cmake), or "" outside a git checkout. Force-included (-include) into
// the targets that print the version, where SCHELK_GIT_SHA names it; a new commit therefore
// recompiles only cmake/build_revision.cpp and relinks, instead of recompiling its users.
#pragma once

namespace schelk {

extern const char kBuildRevision[];

}  // namespace schelk
