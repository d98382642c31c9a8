// The libblkid functions schelk's filesystem type detection uses, loaded from libblkid.so.1 on
// first use (see shared_library.hpp for why not at startup).
#pragma once

#include <blkid/blkid.h>

#include "src/dl/shared_library.hpp"

// clang-format off
#define SCHELK_BLKID_FUNCTIONS(X) \
  X(blkid_new_probe_from_filename) \
  X(blkid_free_probe) \
  X(blkid_probe_enable_superblocks) \
  X(blkid_probe_set_superblocks_flags) \
  X(blkid_do_safeprobe) \
  X(blkid_probe_lookup_value)
// clang-format on

namespace schelk {

struct BlkidApi {
  SCHELK_BLKID_FUNCTIONS(SCHELK_DL_MEMBER)
};

// Loads libblkid once (thread-safe); throws LibraryError, and tries again on the next call.
const BlkidApi& blkid_api();

}  // namespace schelk
