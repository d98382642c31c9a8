// io_uring engine; see uring_engine.hpp.
#include "copier/uring_engine.hpp"

#include <sys/uio.h>

#include <cerrno>
#include <stdexcept>

#include "base/errno.hpp"
#include "copier/sync_engine.hpp"

namespace copier {

UringEngine::UringEngine(const EngineSetup& setup) : ring_(setup.depth) {
  ring_.register_files(setup.fds);
  std::vector<iovec> iovecs;
  iovecs.reserve(setup.buffers.size());
  for (const auto& b : setup.buffers) iovecs.push_back({b.data(), b.size()});
  // Registration pins the pages; RLIMIT_MEMLOCK may refuse it (ENOMEM/EPERM): then use plain
  // reads and writes, which cost a page-table walk per I/O but work.
  fixed_buffers_ = ring_.try_register_buffers(iovecs);
}

void UringEngine::submit(const IoRequest& r) {
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
  if (sqe == nullptr) {
    // The ring is sized for the caller's depth, so this only happens if the SQ was not flushed.
    const int ret = io_uring_submit(ring_.get());
    if (ret < 0) base::throw_errno(-ret, "io_uring_submit");
    queued_ = 0;
    sqe = io_uring_get_sqe(ring_.get());
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
    const int ret = io_uring_submit_and_wait(ring_.get(), 1);
    if (ret >= 0) break;
    if (ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) base::throw_errno(-ret, "io_uring_enter");
    // EAGAIN/EBUSY: the kernel is short of resources or the CQ is full: reap what is there.
    if (ret != -EINTR && io_uring_cq_ready(ring_.get()) > 0) break;
  }
  queued_ = 0;
  io_uring_cqe* cqes[64];
  for (;;) {
    const unsigned n = io_uring_peek_batch_cqe(ring_.get(), cqes, 64);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      out.push_back({io_uring_cqe_get_data64(cqes[i]), cqes[i]->res});
    }
    io_uring_cq_advance(ring_.get(), n);
  }
}

bool uring_available() {
  io_uring ring{};
  const int ret = io_uring_queue_init(2, &ring, 0);
  if (ret == -ENOSYS || ret == -EPERM) return false;
  if (ret < 0) base::throw_errno(-ret, "io_uring_queue_init");
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
