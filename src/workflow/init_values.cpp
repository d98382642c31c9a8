// Mount point, filesystem type and granularity checks for init; see init_values.hpp.
#include "src/workflow/init_values.hpp"

#include <filesystem>

#include "src/volume/volume.hpp"

namespace schelk {

void validate_mount_point(const std::string& mount_point) {
  const std::filesystem::path p(mount_point);
  if (!p.is_absolute()) {
    // Resolved against the current directory only to suggest the fix: the state keeps what is
    // given, and a relative path would change meaning with the directory schelk runs in.
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(p, ec);
    throw VolumeError(
        "Mount point '" + mount_point +
        "' is not an absolute path; give --mount-point as /path/to/dir" +
        (ec || mount_point.empty() ? std::string() : " (here: " + absolute.string() + ")") + ".");
  }
  std::error_code ec;
  const auto st = std::filesystem::status(p, ec);
  if (std::filesystem::exists(st)) {
    if (!std::filesystem::is_directory(st)) {
      throw VolumeError("Mount point " + mount_point +
                        " is not a directory; give a directory as --mount-point.");
    }
    return;
  }
  // Missing: mount creates it (as schelk always did), so its nearest existing ancestor must be
  // a directory.
  auto parent = p.parent_path();
  while (!std::filesystem::exists(parent, ec) && parent != parent.parent_path()) {
    parent = parent.parent_path();
  }
  if (!std::filesystem::is_directory(parent, ec)) {
    throw VolumeError("Mount point " + mount_point + " cannot be created: " + parent.string() +
                      " is not a directory; give a directory as --mount-point.");
  }
}

void validate_fstype(const std::string& fstype) {
  const bool ok = !fstype.empty() && fstype.size() <= 64 &&
                  fstype.find_first_not_of(
                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789._-") == std::string::npos;
  if (!ok) {
    throw VolumeError("Filesystem type '" + fstype +
                      "' is not a filesystem name (letters, digits, '.', '_', '-'); give "
                      "--fstype as e.g. ext4 or xfs.");
  }
}

void validate_granularity_for_size(uint64_t granularity, uint64_t volume_size) {
  constexpr uint64_t kMax = uint64_t{1} << 30;
  if (granularity > volume_size || granularity > kMax) {
    throw VolumeError("Granularity " + std::to_string(granularity) + " bytes is larger than " +
                      (granularity > volume_size
                           ? "the volume (" + std::to_string(volume_size) + " bytes)"
                           : std::string("1 GiB")) +
                      ", so writes cannot be tracked usefully; give --granularity 4096 (the "
                      "default) or another multiple of 4096 up to 1 GiB.");
  }
}

}  // namespace schelk
