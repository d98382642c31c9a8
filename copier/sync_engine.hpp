// pread/pwrite engine: the fallback when io_uring is unavailable. Each wait() performs one queued
// request with a single system call, so short transfers and EINTR surface exactly as they would
// from io_uring.
#pragma once

#include <deque>

#include "copier/io_engine.hpp"

namespace copier {

class SyncEngine final : public IoEngine {
 public:
  explicit SyncEngine(const EngineSetup& setup) : fds_(setup.fds) {}
  void submit(const IoRequest& request) override { queue_.push_back(request); }
  void wait(std::vector<Completion>& out) override;

 private:
  std::vector<int> fds_;
  std::deque<IoRequest> queue_;
};

class SyncEngineFactory final : public EngineFactory {
 public:
  [[nodiscard]] std::string_view name() const override { return "sync"; }
  [[nodiscard]] EngineKind kind() const override { return EngineKind::kSync; }
  [[nodiscard]] std::unique_ptr<IoEngine> create(const EngineSetup& setup) override {
    return std::make_unique<SyncEngine>(setup);
  }
};

}  // namespace copier
