// Binds DevmapperApi. dlsym returns a symbol's default version, the one the header declares
// (dm_task_get_info@@DM_1_02_97 with today's struct dm_info), as static linking would.
#include "src/dl/devmapper_api.hpp"

namespace schelk {

const DevmapperApi& devmapper_api() {
  static const DevmapperApi api = [] {
    const SharedLibrary lib("libdevmapper.so.1.02.1", "device-mapper control");
    DevmapperApi a{};
#define SCHELK_BIND_DM(name) SCHELK_DL_BIND(lib, a, name)
    SCHELK_DEVMAPPER_FUNCTIONS(SCHELK_BIND_DM)
#undef SCHELK_BIND_DM
    return a;
  }();
  return api;
}

}  // namespace schelk
