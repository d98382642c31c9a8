// io_uring engine: one ring per worker thread, the source and destination registered as fixed
// files and the worker's buffers as fixed buffers (plain reads/writes when RLIMIT_MEMLOCK refuses
// the registration).
#pragma once

#include "copier/io_engine.hpp"
#include "copier/ring.hpp"

namespace copier {

class UringEngine final : public IoEngine {
 public:
  // Throws std::system_error (code = the kernel's errno) when the ring cannot be set up.
  explicit UringEngine(const EngineSetup& setup);
  UringEngine(const UringEngine&) = delete;
  UringEngine& operator=(const UringEngine&) = delete;

  void submit(const IoRequest& request) override;
  void wait(std::vector<Completion>& out) override;

  [[nodiscard]] bool fixed_buffers() const { return fixed_buffers_; }

 private:
  Ring ring_;
  bool fixed_buffers_ = false;
  unsigned queued_ = 0;
};

class UringEngineFactory final : public EngineFactory {
 public:
  [[nodiscard]] std::string_view name() const override { return "io_uring"; }
  [[nodiscard]] EngineKind kind() const override { return EngineKind::kUring; }
  [[nodiscard]] std::unique_ptr<IoEngine> create(const EngineSetup& setup) override {
    return std::make_unique<UringEngine>(setup);
  }
};

// Whether this kernel/process may use io_uring: false on ENOSYS/EPERM (disabled by sysctl,
// seccomp, or an old kernel). Other setup failures throw std::system_error.
[[nodiscard]] bool uring_available();

}  // namespace copier
