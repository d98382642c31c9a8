// Test helpers for the copier: files filled with per-block stamps (so every destination
// block can be traced to the block it came from), and a scriptable in-memory fake I/O engine that
// logs every submission and completion.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/posix_io.hpp"
#include "base/unique_fd.hpp"
#include "copier/extent.hpp"
#include "copier/io_engine.hpp"
#include "tests/support/temp_path.hpp"

namespace copier_test {

inline constexpr std::uint64_t kStampBlock = 4096;

// A block's stamp: which file ("generation") and which block it was written as.
inline void stamp_block(std::byte* block, std::uint32_t generation, std::uint64_t index) {
  for (std::uint64_t i = 0; i < kStampBlock; i += 16) {
    std::uint64_t words[2] = {generation * 0x9E3779B97F4A7C15ull ^ index, i};
    std::memcpy(block + i, words, 16);
  }
}

inline bool has_stamp(const std::byte* block, std::uint32_t generation, std::uint64_t index) {
  std::byte expected[kStampBlock];
  stamp_block(expected, generation, index);
  return std::memcmp(block, expected, kStampBlock) == 0;
}

// A file of stamped blocks in its own temporary directory (schelk::test::TempDir: $TMPDIR, else
// /tmp; it must be a disk filesystem for the O_DIRECT paths to be tested), removed on exit.
class StampedFile {
 public:
  // `size` bytes, every 4 KiB block stamped with `generation`.
  StampedFile(std::uint64_t size, std::uint32_t generation) : path_((dir_ / "stamped").string()) {
    const base::UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw std::runtime_error("cannot create " + path_);
    std::vector<std::byte> block(kStampBlock);
    for (std::uint64_t b = 0; b * kStampBlock < size; ++b) {
      stamp_block(block.data(), generation, b);
      const auto n = std::min(kStampBlock, size - b * kStampBlock);
      base::pwrite_full(fd.get(), std::span(block.data(), n), b * kStampBlock, "stamp " + path_);
    }
  }
  StampedFile(const StampedFile&) = delete;
  StampedFile& operator=(const StampedFile&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

  [[nodiscard]] std::vector<std::byte> read_all() const {
    std::vector<std::byte> data(std::filesystem::file_size(path_));
    const base::UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw std::runtime_error("cannot open " + path_);
    if (base::pread_full(fd.get(), data, 0, "read " + path_) != data.size()) {
      throw std::runtime_error("short read of " + path_);
    }
    return data;
  }

  void write_at(std::uint64_t offset, const void* data, std::size_t n) const {
    const base::UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw std::runtime_error("cannot open " + path_);
    base::pwrite_full(fd.get(), std::span(static_cast<const std::byte*>(data), n), offset,
                      "write " + path_);
    ::fsync(fd.get());
  }

 private:
  schelk::test::TempDir dir_;
  std::string path_;
};

// Runs a shell command, returns its stdout without trailing newlines.
inline std::string run_shell(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return {};
  std::string out;
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe.get()) != nullptr) out += buf.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// A loop device over a stamped temp file (root only), detached on destruction. Empty path when
// unavailable.
class LoopDevice {
 public:
  LoopDevice(std::uint64_t size, std::uint32_t generation) : file_(size, generation) {
    if (::geteuid() != 0) return;
    path_ = run_shell("losetup --find --show --direct-io=on " + file_.path() + " 2>/dev/null");
  }
  ~LoopDevice() {
    if (!path_.empty()) (void)run_shell("losetup -d " + path_);
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const StampedFile& file() const { return file_; }

 private:
  StampedFile file_;
  std::string path_;
};

// ---- Fake engine -------------------------------------------------------------------------------

// One scripted fault: the next `times` requests matching (op, file, offset) get `res` instead of
// being performed (res > 0: a short transfer of that many bytes, which are really moved).
struct Fault {
  copier::IoOp op;
  unsigned file;
  std::uint64_t offset;
  int res;
  unsigned times = 1;
};

// In-memory files shared by every engine the factory makes, the fault script, and the log.
struct FakeWorld {
  std::vector<std::vector<std::byte>> files;  // 0 = source / a, 1 = destination / b
  std::vector<Fault> faults;
  std::vector<std::string> log;  // "submit R f0 @0+4096 #0", "complete #0 4096"
  std::mutex mu;
};

class FakeEngine final : public copier::IoEngine {
 public:
  explicit FakeEngine(FakeWorld& world) : world_(world) {}

  void submit(const copier::IoRequest& r) override {
    std::lock_guard lock(world_.mu);
    world_.log.push_back("submit " + std::string(r.op == copier::IoOp::kRead ? "R" : "W") + " f" +
                         std::to_string(r.file) + " @" + std::to_string(r.offset) + "+" +
                         std::to_string(r.length) + " #" + std::to_string(r.tag));
    queue_.push_back(r);
  }

  // Completes the oldest queued request (one per call, so the log line of a completion is
  // directly followed by whatever its handling submits).
  void wait(std::vector<copier::Completion>& out) override {
    if (queue_.empty()) throw std::logic_error("FakeEngine::wait with nothing outstanding");
    std::lock_guard lock(world_.mu);
    {
      const copier::IoRequest r = queue_.front();
      queue_.pop_front();
      int res = static_cast<int>(r.length);
      for (auto& f : world_.faults) {
        if (f.times > 0 && f.op == r.op && f.file == r.file && f.offset == r.offset) {
          --f.times;
          res = f.res;
          break;
        }
      }
      if (res > 0) perform(r, static_cast<std::uint32_t>(res));
      world_.log.push_back("complete #" + std::to_string(r.tag) + " " + std::to_string(res));
      out.push_back({r.tag, res});
    }
  }

 private:
  void perform(const copier::IoRequest& r, std::uint32_t n) {
    auto& file = world_.files.at(r.file);
    if (r.offset + n > file.size()) throw std::logic_error("fake I/O beyond end of file");
    if (r.op == copier::IoOp::kRead) {
      std::memcpy(r.buf, file.data() + r.offset, n);
    } else {
      std::memcpy(file.data() + r.offset, r.buf, n);
    }
  }

  FakeWorld& world_;
  std::deque<copier::IoRequest> queue_;
};

class FakeEngineFactory final : public copier::EngineFactory {
 public:
  explicit FakeEngineFactory(FakeWorld& world) : world_(world) {}
  [[nodiscard]] std::string_view name() const override { return "fake"; }
  // Queued like io_uring: the copier plans depth, not threads, for it.
  [[nodiscard]] copier::EngineKind kind() const override { return copier::EngineKind::kUring; }
  [[nodiscard]] std::unique_ptr<copier::IoEngine> create(const copier::EngineSetup&) override {
    return std::make_unique<FakeEngine>(world_);
  }

 private:
  FakeWorld& world_;
};

// One extent per 4 KiB block of a 64-block (256 KiB) volume, for the transfer tests.
inline constexpr std::uint64_t kTransferBlock = 4096;
inline constexpr std::uint64_t kTransferBlocks = 64;
inline std::vector<copier::Extent> every_transfer_block() {
  std::vector<copier::Extent> extents;
  for (std::uint64_t b = 0; b < kTransferBlocks; ++b) {
    extents.push_back({b * kTransferBlock, kTransferBlock});
  }
  return extents;
}

}  // namespace copier_test
