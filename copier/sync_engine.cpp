// pread/pwrite engine; see sync_engine.hpp.
#include "copier/sync_engine.hpp"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace copier {

void SyncEngine::wait(std::vector<Completion>& out) {
  if (queue_.empty()) throw std::logic_error("SyncEngine::wait with nothing outstanding");
  const IoRequest r = queue_.front();
  queue_.pop_front();
  const int fd = fds_.at(r.file);
  const auto off = static_cast<off_t>(r.offset);
  const ssize_t n =
      r.op == IoOp::kRead ? ::pread(fd, r.buf, r.length, off) : ::pwrite(fd, r.buf, r.length, off);
  out.push_back({r.tag, n < 0 ? -errno : static_cast<int>(n)});
}

}  // namespace copier
