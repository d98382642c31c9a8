// libmount-based mount (libmount loaded on the first mount), umount2 with blocker reporting and
// --kill.
#include "src/mount/mount.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "src/dl/libmount_api.hpp"

namespace schelk {
namespace fs = std::filesystem;
namespace {

std::string read_text(const fs::path& path) { return base::read_text_file(path).value_or(""); }

std::string read_cmdline(const fs::path& proc_dir) {
  std::string s = read_text(proc_dir / "cmdline");
  for (auto& c : s) {
    if (c == '\0') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.empty()) {
    s = read_text(proc_dir / "comm");
    while (!s.empty() && s.back() == '\n') s.pop_back();
    s = "[" + s + "]";
  }
  return s;
}

std::string format_blockers(const std::vector<Blocker>& blockers) {
  std::string out;
  for (const auto& b : blockers) {
    out += "\n  PID=" + std::to_string(b.pid) + " \"" + b.cmdline + "\"";
  }
  return out;
}

}  // namespace

std::string canonical_mount_point(const std::string& path) {
  std::error_code ec;
  auto c = fs::weakly_canonical(path, ec);
  if (ec) return path;
  std::string s = c.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string decode_mounts_field(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '3' &&
        field[i + 2] >= '0' && field[i + 2] <= '7' && field[i + 3] >= '0' && field[i + 3] <= '7') {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                      (field[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

bool mounts_contain_target(const std::string& mounts_text, const std::string& mount_point) {
  std::istringstream in(mounts_text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string source, target;
    if (words >> source >> target && decode_mounts_field(target) == mount_point) return true;
  }
  return false;
}

bool path_is_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return !path.empty() && path[0] == '/';
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

std::vector<Blocker> find_blockers(const std::string& mount_point, const fs::path& proc_root) {
  std::vector<Blocker> blockers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(proc_root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const fs::path& dir = entry.path();
    bool uses = false;
    auto check = [&](const fs::path& link) {
      std::error_code lec;
      const auto target = fs::read_symlink(link, lec);
      if (!lec && path_is_under(target.string(), mount_point)) uses = true;
    };
    check(dir / "cwd");
    check(dir / "root");
    std::error_code fec;
    for (const auto& fd : fs::directory_iterator(dir / "fd", fec)) {
      if (uses) break;
      check(fd.path());
    }
    if (uses) blockers.push_back({static_cast<pid_t>(std::stol(name)), read_cmdline(dir)});
  }
  return blockers;
}

bool SystemMounter::is_mounted(const std::string& mount_point) {
  return mounts_contain_target(read_text(proc_root_ / "mounts"),
                               canonical_mount_point(mount_point));
}

std::vector<std::string> mountinfo_points_of(const std::string& mountinfo_text, uint32_t major,
                                             uint32_t minor) {
  const std::string device = std::to_string(major) + ":" + std::to_string(minor);
  std::vector<std::string> points;
  std::istringstream in(mountinfo_text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string id, parent, dev, root, target;
    if (words >> id >> parent >> dev >> root >> target && dev == device) {
      points.push_back(decode_mounts_field(target));
    }
  }
  return points;
}

std::vector<std::string> SystemMounter::mount_points_of(uint32_t major, uint32_t minor) {
  return mountinfo_points_of(read_text(proc_root_ / "self" / "mountinfo"), major, minor);
}

void SystemMounter::mount(const std::string& device, const std::string& mount_point,
                          const std::string& fstype, const std::string& options) {
  const LibmountApi& mnt = libmount_api();  // loaded first: fail before creating anything
  std::error_code ec;
  fs::create_directories(mount_point, ec);
  if (ec) throw std::system_error(ec, "Cannot create mount point " + mount_point);
  libmnt_context* cxt = mnt.mnt_new_context();
  if (!cxt) throw std::runtime_error("Cannot create a libmount context");
  mnt.mnt_context_disable_helpers(cxt, 1);  // no /sbin/mount.<type> programs
  mnt.mnt_context_disable_mtab(cxt, 1);
  mnt.mnt_context_set_source(cxt, device.c_str());
  mnt.mnt_context_set_target(cxt, mount_point.c_str());
  mnt.mnt_context_set_fstype(cxt, fstype.c_str());
  if (!options.empty() && mnt.mnt_context_set_options(cxt, options.c_str()) != 0) {
    mnt.mnt_free_context(cxt);
    throw std::runtime_error("Invalid mount options '" + options + "'");
  }
  const int rc = mnt.mnt_context_mount(cxt);
  if (rc != 0 || mnt.mnt_context_get_status(cxt) != 1) {
    char buf[BUFSIZ] = {};
    mnt.mnt_context_get_excode(cxt, rc, buf, sizeof buf);
    const int syserr = mnt.mnt_context_get_syscall_errno(cxt);
    mnt.mnt_free_context(cxt);
    std::string msg = "Failed to mount " + device + " on " + mount_point + " (type " + fstype +
                      (options.empty() ? "" : ", options " + options) + ")";
    if (buf[0]) {
      msg += std::string(": ") + buf;
    } else if (syserr) {
      msg += std::string(": ") + std::strerror(syserr);
    }
    throw std::runtime_error(msg);
  }
  mnt.mnt_free_context(cxt);
}

void SystemMounter::unmount(const std::string& mount_point, bool kill) {
  const std::string mp = canonical_mount_point(mount_point);
  // Never be a blocker ourselves.
  std::error_code ec;
  if (path_is_under(fs::current_path(ec).string(), mp)) {
    if (::chdir("/") != 0) base::throw_errno(errno, "chdir /");
  }
  constexpr int kAttempts = 5;
  for (int attempt = 0;; ++attempt) {
    if (::umount2(mp.c_str(), 0) == 0) return;
    const int err = errno;
    if (err != EBUSY) {
      base::throw_errno(err, "Failed to unmount " + mp);
    }
    auto blockers = find_blockers(mp, proc_root_);
    const pid_t self = ::getpid();
    std::erase_if(blockers, [&](const Blocker& b) { return b.pid == self; });
    if (!kill || attempt + 1 >= kAttempts) {
      throw std::runtime_error(
          "Failed to unmount " + mp + ": target is busy\n" +
          (blockers.empty() ? std::string("(could not identify blocking processes)")
                            : "Processes still using the mount:" + format_blockers(blockers)));
    }
    if (blockers.empty()) {
      throw std::runtime_error("Failed to unmount " + mp +
                               ": target is busy\n(could not identify blocking processes)");
    }
    for (const auto& b : blockers) {
      log_ << "  Killing PID=" << b.pid << " \"" << b.cmdline << "\"" << std::endl;
      ::kill(b.pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace schelk
