// Who holds a busy block device; see device_holders.hpp.
#include "src/volume/device_holders.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/posix_io.hpp"
#include "base/strings.hpp"

namespace schelk {
namespace {

namespace fs = std::filesystem;

// How many processes are named one by one; the rest are counted.
constexpr std::size_t kMaxOpenersShown = 5;

std::string dev_key(dev_t d) { return std::to_string(major(d)) + ":" + std::to_string(minor(d)); }

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(const std::string& s) {
  const auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> mount_points_of(const fs::path& proc_root, dev_t dev) {
  std::vector<std::string> out;
  std::ifstream in(proc_root / "self" / "mountinfo");
  const std::string key = dev_key(dev);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, majmin, root, mount_point;
    if (!(f >> id >> parent >> majmin >> root >> mount_point)) continue;
    if (majmin == key) out.push_back(unescape_octal(mount_point));
  }
  return out;
}

std::vector<std::string> stacked_on(const fs::path& sys_root, dev_t dev) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e :
       fs::directory_iterator(sys_root / "dev" / "block" / dev_key(dev) / "holders", ec)) {
    const std::string name = e.path().filename().string();
    const auto dm_name = base::read_text_file(sys_root / "class" / "block" / name / "dm" / "name");
    if (dm_name && !base::trim(*dm_name).empty()) {
      out.push_back("device-mapper device " + std::string(base::trim(*dm_name)) + " (" + name +
                    ")");
    } else {
      out.push_back(name);
    }
  }
  return out;
}

std::vector<DeviceOpener> openers_of(const fs::path& proc_root, const std::string& path) {
  std::vector<DeviceOpener> out;
  for_each_open_fd(proc_root, path, [&out](pid_t pid, const fs::path& dir, const std::string&) {
    const auto comm = base::read_text_file(dir / "comm");
    out.push_back({pid, comm ? std::string(base::trim(*comm)) : std::string("?")});
    return true;
  });
  return out;
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

}  // namespace

void for_each_open_fd(const fs::path& proc_root, const std::string& path,
                      const OpenFdVisitor& visit) {
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0) return;
  const bool blk = S_ISBLK(target.st_mode);
  std::error_code ec;
  for (const auto& pe : fs::directory_iterator(proc_root, ec)) {
    const std::string name = pe.path().filename().string();
    pid_t pid = 0;
    const auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc() || end != name.data() + name.size() || pid == ::getpid()) continue;
    std::error_code ec2;
    for (const auto& fe : fs::directory_iterator(pe.path() / "fd", ec2)) {
      struct stat sb {};
      if (::stat(fe.path().c_str(), &sb) != 0) continue;
      const bool same = blk ? S_ISBLK(sb.st_mode) && sb.st_rdev == target.st_rdev
                            : sb.st_dev == target.st_dev && sb.st_ino == target.st_ino;
      if (same && visit(pid, pe.path(), fe.path().filename().string())) break;
    }
  }
}

DeviceHolders find_device_holders(const fs::path& proc_root, const fs::path& sys_root, dev_t dev,
                                  const std::string& path) {
  DeviceHolders h;
  h.mount_points = mount_points_of(proc_root, dev);
  h.stacked = stacked_on(sys_root, dev);
  h.openers = openers_of(proc_root, path);
  // Directory order is arbitrary: sorted, the message is the same from run to run.
  std::sort(h.stacked.begin(), h.stacked.end());
  std::sort(h.openers.begin(), h.openers.end(),
            [](const DeviceOpener& a, const DeviceOpener& b) { return a.pid < b.pid; });
  return h;
}

std::string describe_holders(const DeviceHolders& h) {
  if (h.empty()) {
    return " Nothing found holding it (no mount, stacked device or process with it open that "
           "this process can see): another mount namespace or a kernel driver may hold it.";
  }
  std::vector<std::string> parts;
  if (!h.mount_points.empty()) parts.push_back("mounted at " + joined(h.mount_points, ", "));
  if (!h.stacked.empty()) parts.push_back(joined(h.stacked, ", ") + " stacked on it");
  if (!h.openers.empty()) {
    std::vector<std::string> named;
    for (std::size_t i = 0; i < h.openers.size() && i < kMaxOpenersShown; ++i) {
      named.push_back(std::to_string(h.openers[i].pid) + " (" + h.openers[i].command + ")");
    }
    if (h.openers.size() > kMaxOpenersShown) {
      named.push_back("and " + std::to_string(h.openers.size() - kMaxOpenersShown) + " more");
    }
    parts.push_back(std::string("open in process") + (h.openers.size() > 1 ? "es " : " ") +
                    joined(named, ", "));
  }
  return " What holds it: " + joined(parts, "; ") + ".";
}

std::string busy_device_holders(const fs::path& proc_root, const fs::path& sys_root, dev_t dev,
                                const std::string& path) {
  return describe_holders(find_device_holders(proc_root, sys_root, dev, path));
}

std::string host_busy_holders(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return "";
  return busy_device_holders("/proc", "/sys", st.st_rdev, path);
}

}  // namespace schelk
