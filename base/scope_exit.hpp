// Runs a function when the scope ends, unless dismissed: the undo of a step that must not outlive
// a failure (a metadata snapshot, a half-made device). The function must not throw.
#pragma once

#include <utility>

namespace base {

template <typename F>
class ScopeExit {
 public:
  explicit ScopeExit(F fn) noexcept(noexcept(F(std::move(fn)))) : fn_(std::move(fn)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() {
    if (armed_) fn_();
  }
  // The step succeeded: do not run the function.
  void dismiss() noexcept { armed_ = false; }

 private:
  F fn_;
  bool armed_ = true;
};

}  // namespace base
