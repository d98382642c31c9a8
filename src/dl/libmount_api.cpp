// Binds LibmountApi from libmount.so.1.
#include "src/dl/libmount_api.hpp"

namespace schelk {

const LibmountApi& libmount_api() {
  static const LibmountApi api = [] {
    const SharedLibrary lib("libmount.so.1", "mounting");
    LibmountApi a{};
#define SCHELK_BIND_MNT(name) SCHELK_DL_BIND(lib, a, name)
    SCHELK_LIBMOUNT_FUNCTIONS(SCHELK_BIND_MNT)
#undef SCHELK_BIND_MNT
    return a;
  }();
  return api;
}

}  // namespace schelk
