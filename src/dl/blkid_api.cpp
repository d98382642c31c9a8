// Binds BlkidApi from libblkid.so.1.
#include "src/dl/blkid_api.hpp"

namespace schelk {

const BlkidApi& blkid_api() {
  static const BlkidApi api = [] {
    const SharedLibrary lib("libblkid.so.1", "filesystem type detection");
    BlkidApi a{};
#define SCHELK_BIND_BLKID(name) SCHELK_DL_BIND(lib, a, name)
    SCHELK_BLKID_FUNCTIONS(SCHELK_BIND_BLKID)
#undef SCHELK_BIND_BLKID
    return a;
  }();
  return api;
}

}  // namespace schelk
