// Defines schelk::kBuildRevision from the header the build regenerates (see build_revision.hpp).
#include "build_revision.hpp"

#include "schelk_revision.h"

namespace schelk {

const char kBuildRevision[] = SCHELK_BUILD_REVISION;

}  // namespace schelk
