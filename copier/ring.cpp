// See ring.hpp.
#include "copier/ring.hpp"

#include <cerrno>

#include "base/errno.hpp"

namespace copier {
namespace {

unsigned ring_entries(unsigned depth) {
  unsigned entries = 8;
  while (entries < depth) entries <<= 1;
  return entries;
}

int init_ring(unsigned entries, io_uring* ring) {
  // A ring used by one thread only: let the kernel run completion work when we wait instead of
  // interrupting the submitter (6.1+). Older kernels reject the flags: retry without.
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  int ret = io_uring_queue_init_params(entries, ring, &params);
  if (ret == -EINVAL) {
    params = {};
    params.flags = IORING_SETUP_COOP_TASKRUN;
    ret = io_uring_queue_init_params(entries, ring, &params);
  }
  if (ret == -EINVAL) {
    params = {};
    ret = io_uring_queue_init_params(entries, ring, &params);
  }
  return ret;
}

}  // namespace

Ring::Ring(unsigned entries) {
  const int ret = init_ring(ring_entries(entries), &ring_);
  if (ret < 0) base::throw_errno(-ret, "io_uring_queue_init");
}

Ring::~Ring() {
  // Tearing a ring down finishes in a kernel worker after close: registered files would stay
  // referenced for a moment, so an O_EXCL open right after the copy (mounting dm-era, or the next
  // copy) could fail with EBUSY. Unregistering drops those references before we return.
  if (files_) io_uring_unregister_files(&ring_);
  if (buffers_) io_uring_unregister_buffers(&ring_);
  io_uring_queue_exit(&ring_);
}

void Ring::register_files(std::span<const int> fds) {
  const int ret = io_uring_register_files(&ring_, fds.data(), static_cast<unsigned>(fds.size()));
  if (ret < 0) base::throw_errno(-ret, "io_uring_register_files");
  files_ = true;
}

bool Ring::try_register_buffers(std::span<const iovec> buffers) noexcept {
  if (buffers.empty()) return false;
  buffers_ =
      io_uring_register_buffers(&ring_, buffers.data(), static_cast<unsigned>(buffers.size())) == 0;
  return buffers_;
}

}  // namespace copier
