// fork/exec of mkfs.ext4 and libblkid probing (libblkid loaded on the first probe).
#include "src/volume/tools.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <span>
#include <sstream>
#include <stdexcept>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "base/unique_fd.hpp"
#include "src/dl/blkid_api.hpp"

namespace schelk {

std::optional<std::string> find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 ? std::optional<std::string>(name) : std::nullopt;
  }
  const char* env = std::getenv("PATH");
  std::stringstream path(env ? env : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(path, dir, ':')) {
    // An empty PATH entry means the current directory.
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

void require_tool(const std::string& name, const std::string& hint) {
  if (!find_in_path(name)) {
    throw std::runtime_error(name + " not found in PATH. Install " + hint + ".");
  }
}

void run_program(const std::vector<std::string>& argv, const std::string& what) {
  const auto exe = find_in_path(argv.at(0));
  if (!exe) throw std::runtime_error(argv[0] + " not found in PATH");
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) base::throw_errno(errno, "pipe");
  base::UniqueFd err_read(ends[0]);
  base::UniqueFd err_write(ends[1]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) base::throw_errno(errno, "fork");
  if (pid == 0) {
    ::dup2(err_write.get(), 2);
    ::execv(exe->c_str(), args.data());
    _exit(127);
  }
  err_write.reset();  // so the read below ends when the child exits
  std::string err_text;
  char buf[4096];
  for (;;) {
    const size_t n = base::read_full(err_read.get(), std::as_writable_bytes(std::span(buf)),
                                     "Cannot read the error output of " + what);
    err_text.append(buf, n);
    if (n < sizeof buf) break;
  }
  err_read.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!err_text.empty() && (err_text.back() == '\n' || err_text.back() == ' ')) {
      err_text.pop_back();
    }
    throw std::runtime_error(
        what +
        " failed: " + (err_text.empty() ? "exit status " + std::to_string(status) : err_text));
  }
}

void make_ext4(const std::string& device) {
  run_program({"mkfs.ext4", "-F", "-b", "4096", "-L", "schelk", device}, "mkfs.ext4");
}

std::optional<std::string> detect_fstype(const std::string& device) {
  const BlkidApi& blkid = blkid_api();
  blkid_probe pr = blkid.blkid_new_probe_from_filename(device.c_str());
  if (!pr) {
    base::throw_errno(errno ? errno : EIO, "Cannot probe " + device);
  }
  blkid.blkid_probe_enable_superblocks(pr, 1);
  blkid.blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
  std::optional<std::string> type;
  if (blkid.blkid_do_safeprobe(pr) == 0) {
    const char* value = nullptr;
    size_t len = 0;
    if (blkid.blkid_probe_lookup_value(pr, "TYPE", &value, &len) == 0 && value) type = value;
  }
  blkid.blkid_free_probe(pr);
  return type;
}

}  // namespace schelk
