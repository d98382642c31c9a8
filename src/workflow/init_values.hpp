// Checks of init's plain values that schelk accepted and only failed on later (bad-input D13):
// a mount point that is relative, not a directory, or cannot be created (mount creates a missing
// one, as schelk did); a filesystem type with characters
// no filesystem name has (it reaches mount(2) and the state file); a granularity that leaves no
// tracked block or is absurdly large. Throws VolumeError with one line naming the value and the
// fix; touches nothing but stat(2) of the mount point.
#pragma once

#include <cstdint>
#include <string>

namespace schelk {

// Absolute path of a directory, or of one that mount can create (its nearest existing ancestor
// is a directory).
void validate_mount_point(const std::string& mount_point);
// Letters, digits and . _ - only (ext4, xfs, fuse.sshfs), at most 64 characters.
void validate_fstype(const std::string& fstype);
// At most the volume size (at least one tracked block) and at most 1 GiB.
void validate_granularity_for_size(uint64_t granularity, uint64_t volume_size);

}  // namespace schelk
