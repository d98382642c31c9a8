// Opening an ext2/3/4 filesystem read-only with libext2fs, and its errors as one line naming the
// device: shared by the attribution and the used-block map. Internal to src/forensics.
#pragma once

// com_err.h declares its functions without C linkage for C++.
extern "C" {
#include <et/com_err.h>
}
#include <ext2fs/ext2fs.h>

#include <string>

namespace schelk {

// Throws NotExt4Error for a missing ext2/3/4 superblock, else Ext4Error:
// "Cannot read the ext2/3/4 filesystem on DEV: WHAT: <libext2fs's text>; ...".
[[noreturn]] void ext2fs_fail(const std::string& device, const std::string& what, errcode_t code);

// The filesystem open read-only (no EXT2_FLAG_RW; 64BITS so one over 2^32 blocks opens), closed
// at scope end.
class Ext2Fs {
 public:
  explicit Ext2Fs(const std::string& device);
  ~Ext2Fs() { ext2fs_close_free(&fs_); }
  Ext2Fs(const Ext2Fs&) = delete;
  Ext2Fs& operator=(const Ext2Fs&) = delete;
  ext2_filsys get() const { return fs_; }

 private:
  ext2_filsys fs_ = nullptr;
};

}  // namespace schelk
