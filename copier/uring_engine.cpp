// io_uring engine; see uring_engine.hpp.
#include "copier/uring_engine.hpp"

#include <sys/uio.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "copier/sync_engine.hpp"

namespace copier {
namespace {

std::system_error uring_error(int negative_errno, const char* what) {
  return std::system_error(-negative_errno, std::generic_category(), what);
}

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

UringEngine::UringEngine(const EngineSetup& setup) {
  const int ret = init_ring(ring_entries(setup.depth), &ring_);
  if (ret < 0) throw uring_error(ret, "io_uring_queue_init");
  const int files =
      io_uring_register_files(&ring_, setup.fds.data(), static_cast<unsigned>(setup.fds.size()));
  if (files < 0) {
    io_uring_queue_exit(&ring_);
    throw uring_error(files, "io_uring_register_files");
  }
  std::vector<iovec> iovecs;
  for (const auto& b : setup.buffers) iovecs.push_back({b.data(), b.size()});
  // Registration pins the pages; RLIMIT_MEMLOCK may refuse it (ENOMEM/EPERM): then use plain
  // reads and writes, which cost a page-table walk per I/O but work.
  fixed_buffers_ =
      !iovecs.empty() &&
      io_uring_register_buffers(&ring_, iovecs.data(), static_cast<unsigned>(iovecs.size())) == 0;
}

UringEngine::~UringEngine() {
  // Tearing a ring down finishes in a kernel worker after close: registered files would stay
  // referenced for a moment, so an O_EXCL open right after the copy (mounting dm-era, or the next
  // copy) could fail with EBUSY. Unregistering drops those references before we return.
  io_uring_unregister_files(&ring_);
  if (fixed_buffers_) io_uring_unregister_buffers(&ring_);
  io_uring_queue_exit(&ring_);
}

void UringEngine::submit(const IoRequest& r) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    // The ring is sized for the caller's depth, so this only happens if the SQ was not flushed.
    const int ret = io_uring_submit(&ring_);
    if (ret < 0) throw uring_error(ret, "io_uring_submit");
    queued_ = 0;
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) throw std::logic_error("io_uring submission queue full");
  }
  const int file = static_cast<int>(r.file);
  if (r.op == IoOp::kRead) {
    if (fixed_buffers_) {
      io_uring_prep_read_fixed(sqe, file, r.buf, r.length, r.offset, static_cast<int>(r.buf_index));
    } else {
      io_uring_prep_read(sqe, file, r.buf, r.length, r.offset);
    }
  } else {
    if (fixed_buffers_) {
      io_uring_prep_write_fixed(sqe, file, r.buf, r.length, r.offset,
                                static_cast<int>(r.buf_index));
    } else {
      io_uring_prep_write(sqe, file, r.buf, r.length, r.offset);
    }
  }
  sqe->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(sqe, r.tag);
  ++queued_;
}

void UringEngine::wait(std::vector<Completion>& out) {
  for (;;) {
    const int ret = io_uring_submit_and_wait(&ring_, 1);
    if (ret >= 0) break;
    if (ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) throw uring_error(ret, "io_uring_enter");
    // EAGAIN/EBUSY: the kernel is short of resources or the CQ is full: reap what is there.
    if (ret != -EINTR && io_uring_cq_ready(&ring_) > 0) break;
  }
  queued_ = 0;
  io_uring_cqe* cqes[64];
  for (;;) {
    const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, 64);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      out.push_back({io_uring_cqe_get_data64(cqes[i]), cqes[i]->res});
    }
    io_uring_cq_advance(&ring_, n);
  }
}

bool uring_available() {
  io_uring ring{};
  const int ret = io_uring_queue_init(2, &ring, 0);
  if (ret == -ENOSYS || ret == -EPERM) return false;
  if (ret < 0) throw uring_error(ret, "io_uring_queue_init");
  io_uring_queue_exit(&ring);
  return true;
}

std::unique_ptr<EngineFactory> make_engine_factory(EngineKind kind) {
  switch (kind) {
    case EngineKind::kSync:
      return std::make_unique<SyncEngineFactory>();
    case EngineKind::kUring:
      return std::make_unique<UringEngineFactory>();
    case EngineKind::kAuto:
      break;
  }
  if (uring_available()) return std::make_unique<UringEngineFactory>();
  return std::make_unique<SyncEngineFactory>();
}

}  // namespace copier
