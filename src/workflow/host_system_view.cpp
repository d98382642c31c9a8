// HostSystemView: stat(2), O_EXCL opens, geteuid(2) and the sysfs discard switch.
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <system_error>

#include "base/posix_io.hpp"
#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "src/workflow/system_view.hpp"

namespace schelk {

std::filesystem::path discard_max_bytes_path(const std::filesystem::path& sys_root,
                                             const DmInfo& info) {
  return sys_root / "block" / ("dm-" + std::to_string(info.minor)) / "queue" / "discard_max_bytes";
}

bool HostSystemView::is_root() { return ::geteuid() == 0; }

std::optional<dev_t> HostSystemView::block_device_number(const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0 || !S_ISBLK(sb.st_mode)) return std::nullopt;
  return sb.st_rdev;
}

bool HostSystemView::exclusively_claimed(const std::string& path) {
  const base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC));
  return !fd && errno == EBUSY;
}

void HostSystemView::disable_discards(const DmInfo& era_device) {
  const auto path = discard_max_bytes_path(sys_root_, era_device);
  const base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  bool written = fd.valid();
  if (written) {
    try {
      base::write_full(fd.get(), std::string_view("0\n"), path.string());
    } catch (const std::system_error&) {
      written = false;
    }
  }
  if (!written) {
    throw std::runtime_error("Cannot turn discards off: cannot write 0 to " + path.string());
  }
}

bool HostSystemView::discards_disabled(const DmInfo& era_device) {
  const auto text = base::read_text_file(discard_max_bytes_path(sys_root_, era_device));
  if (!text) return false;
  const auto value = base::trim(*text);
  uint64_t v = 1;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  return ec == std::errc() && end == value.data() + value.size() && v == 0;
}

namespace {

// The kernel reports device numbers in the "huge" encoding (new_encode_dev).
dev_t decode_huge_dev(uint64_t v) {
  const auto major_no = static_cast<unsigned>((v >> 8) & 0xfff);
  const auto minor_no = static_cast<unsigned>((v & 0xff) | ((v >> 12) & 0xfff00));
  return makedev(major_no, minor_no);
}

}  // namespace

std::optional<LoopBacking> HostSystemView::loop_backing(const std::string& path) {
  const base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  loop_info64 info{};
  if (::ioctl(fd.get(), LOOP_GET_STATUS64, &info) != 0) return std::nullopt;
  LoopBacking b;
  b.dev = decode_huge_dev(info.lo_device);
  b.ino = static_cast<ino_t>(info.lo_inode);
  b.rdev = decode_huge_dev(info.lo_rdevice);
  return b;
}

}  // namespace schelk
