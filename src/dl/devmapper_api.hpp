// The libdevmapper functions schelk's dm control uses, loaded from libdevmapper.so.1.02.1 on
// first use (see shared_library.hpp for why not at startup).
#pragma once

#include <libdevmapper.h>

#include "src/dl/shared_library.hpp"

// clang-format off
#define SCHELK_DEVMAPPER_FUNCTIONS(X) \
  X(dm_log_with_errno_init) \
  X(dm_udev_set_sync_support) \
  X(dm_udev_wait) \
  X(dm_mknodes) \
  X(dm_task_create) \
  X(dm_task_destroy) \
  X(dm_task_set_name) \
  X(dm_task_add_target) \
  X(dm_task_set_add_node) \
  X(dm_task_set_sector) \
  X(dm_task_set_message) \
  X(dm_task_set_cookie) \
  X(dm_task_no_open_count) \
  X(dm_task_retry_remove) \
  X(dm_task_run) \
  X(dm_task_get_info) \
  X(dm_task_get_errno) \
  X(dm_task_get_versions) \
  X(dm_task_update_nodes) \
  X(dm_get_next_target)
// clang-format on

namespace schelk {

struct DevmapperApi {
  SCHELK_DEVMAPPER_FUNCTIONS(SCHELK_DL_MEMBER)
};

// Loads libdevmapper once (thread-safe); throws LibraryError, and tries again on the next call.
const DevmapperApi& devmapper_api();

}  // namespace schelk
