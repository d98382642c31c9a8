// The metadata device (ramdisk) is checked like a volume, because mount overwrites it: it must be
// a block device that is not virgin or scratch, not a partition or the whole disk of either, not
// a loop device over the same file as either, not stacked on or under either (sysfs holders and
// slaves), not in use, and RAM-backed (brd, zram, or a loop device over a file on tmpfs/ramfs)
// unless --allow-any-ramdisk was given at init. The same storage-overlap test refuses virgin and
// scratch that are aliases of one another (two loop devices over one file). Everything is read
// through SystemView (<sys>/dev/block, <sys>/class/block, <proc>/self/mountinfo, loop status), so
// unit tests run against a fake tree. Throws VolumeError: one line naming the device, what it
// is and the fix; nothing is written.
#pragma once

#include <string>

#include "src/workflow/system_view.hpp"

namespace schelk {

struct RamdiskCheck {
  std::string ramdisk;
  std::string virgin;
  std::string scratch;
  bool allow_any = false;  // --allow-any-ramdisk: skip only the RAM-backed test
  // The fix printed after "<what>; ": init names the option, mount the state file.
  std::string fix;
};

void check_ramdisk(SystemView& system, const RamdiskCheck& check);

// Throws VolumeError when virgin and scratch are the same storage seen through two devices
// (partition/whole disk, stacked, or loop devices over one file).
void reject_volume_aliases(SystemView& system, const std::string& virgin,
                           const std::string& scratch);

}  // namespace schelk
