// Runs one worker function on several threads, the calling thread being one of them, and waits
// for all: the readers overlap synchronous reads this way. Used by the array scan and the btree
// read-ahead.
#pragma once

#include <thread>
#include <vector>

namespace era_metadata {

// Calls worker() on `threads` threads (at least the caller's) and returns when all have returned.
// worker must not throw. If a thread cannot be started, the ones running are joined first and
// the error is rethrown.
template <typename F>
void run_on_threads(unsigned threads, F&& worker) {
  std::vector<std::thread> pool;
  if (threads > 1) pool.reserve(threads - 1);
  try {
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  } catch (...) {
    for (auto& t : pool) t.join();
    throw;
  }
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace era_metadata
