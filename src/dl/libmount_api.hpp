// The libmount functions schelk's mount uses, loaded from libmount.so.1 on first use (see
// shared_library.hpp for why not at startup).
#pragma once

#include <libmount/libmount.h>

#include "src/dl/shared_library.hpp"

// clang-format off
#define SCHELK_LIBMOUNT_FUNCTIONS(X) \
  X(mnt_new_context) \
  X(mnt_free_context) \
  X(mnt_context_disable_helpers) \
  X(mnt_context_disable_mtab) \
  X(mnt_context_set_source) \
  X(mnt_context_set_target) \
  X(mnt_context_set_fstype) \
  X(mnt_context_set_options) \
  X(mnt_context_mount) \
  X(mnt_context_get_status) \
  X(mnt_context_get_excode) \
  X(mnt_context_get_syscall_errno)
// clang-format on

namespace schelk {

struct LibmountApi {
  SCHELK_LIBMOUNT_FUNCTIONS(SCHELK_DL_MEMBER)
};

// Loads libmount once (thread-safe); throws LibraryError, and tries again on the next call.
const LibmountApi& libmount_api();

}  // namespace schelk
