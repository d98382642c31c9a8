// See ext2fs_open.hpp.
#include "src/forensics/ext2fs_open.hpp"

#include <mutex>

#include "src/forensics/ext4_attribution.hpp"

namespace schelk {
namespace {

std::string libext2fs_text(errcode_t code) {
  static std::once_flag once;
  std::call_once(once, [] { initialize_ext2_error_table(); });
  return error_message(code);
}

}  // namespace

void ext2fs_fail(const std::string& device, const std::string& what, errcode_t code) {
  const std::string msg = "Cannot read the ext2/3/4 filesystem on " + device + ": " + what + ": " +
                          libext2fs_text(code) +
                          "; is it an unmounted ext2/3/4 filesystem? 'e2fsck -n " + device +
                          "' checks it.";
  if (code == EXT2_ET_BAD_MAGIC) throw NotExt4Error(msg);
  throw Ext4Error(msg);
}

Ext2Fs::Ext2Fs(const std::string& device) {
  const errcode_t e = ext2fs_open(device.c_str(), EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs_);
  if (e != 0) ext2fs_fail(device, "open", e);
}

}  // namespace schelk
