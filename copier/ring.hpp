// One io_uring instance owned for its whole life: set up in the constructor (Throws
// std::system_error, code = the kernel's errno), torn down in the noexcept destructor, so a throw
// anywhere after setup cannot leak the ring. Neither copied nor moved (the kernel maps the ring
// at the object's address).
#pragma once

#include <liburing.h>

#include <span>

namespace copier {

class Ring {
 public:
  // At least `entries` submission slots (rounded up to a power of two, 8 minimum).
  explicit Ring(unsigned entries);
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  [[nodiscard]] io_uring* get() noexcept { return &ring_; }

  // Registers `fds` as the fixed-file table. Throws std::system_error.
  void register_files(std::span<const int> fds);
  // Registers `buffers` as fixed buffers; false when the kernel refuses (RLIMIT_MEMLOCK).
  [[nodiscard]] bool try_register_buffers(std::span<const iovec> buffers) noexcept;

 private:
  io_uring ring_{};
  bool files_ = false;
  bool buffers_ = false;
};

}  // namespace copier
