// Adapter over the copier library; a plain pread/pwrite loop stands in when it is not built.
#include "src/workflow/block_copy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

#if __has_include("copier/copy.hpp") && __has_include("copier/device.hpp")
#include "copier/copy.hpp"
#include "copier/device.hpp"
#include "copier/extent.hpp"
#define SCHELK_HAVE_COPIER 1
#endif

namespace schelk {
namespace {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled && ::isatty(2)) {}
  void update(uint64_t done, uint64_t total) {
    if (!enabled_ || total == 0) return;
    const int pct = static_cast<int>(done * 100 / total);
    if (pct == last_) return;
    last_ = pct;
    std::fprintf(stderr, "\r  Progress: %d%%", pct);
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_ && last_ >= 0) std::fprintf(stderr, "\r  Progress: 100%% - Done\n");
  }

 private:
  bool enabled_;
  int last_ = -1;
};

#ifndef SCHELK_HAVE_COPIER
int open_or_throw(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_DIRECT | O_EXCL | O_CLOEXEC);
  if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EBUSY) {
      throw std::runtime_error("Cannot open " + path +
                               " exclusively: the device is in use (mounted, claimed by an active "
                               "dm-era target, or held by another O_EXCL opener)");
    }
    throw std::system_error(errno, std::generic_category(), "Cannot open " + path);
  }
  return fd;
}
#endif

}  // namespace

std::vector<ByteExtent> ranges_to_extents(const std::vector<BlockRange>& ranges,
                                          uint64_t granularity, uint64_t volume_size) {
  std::vector<ByteExtent> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) {
    const uint64_t begin = r.begin * granularity;
    if (begin >= volume_size) continue;
    const uint64_t end = std::min(r.end * granularity, volume_size);
    out.push_back({begin, end - begin});
  }
  return out;
}

#ifdef SCHELK_HAVE_COPIER
CopyReport copy_volume_extents(const CopyRequest& req) {
  auto src = copier::open_device(req.src, copier::Access::kRead, true);
  auto dst = copier::open_device(req.dst, copier::Access::kWrite, true);
  if (copier::same_device(src, dst)) {
    throw std::runtime_error("Refusing to copy " + req.src + " onto itself (" + req.dst + ")");
  }
  std::vector<copier::Extent> extents;
  extents.reserve(req.extents.size());
  for (const auto& e : req.extents) extents.push_back(copier::Extent{e.offset, e.length});
  ProgressLine line(req.progress);
  copier::CopyOptions opts;
  opts.verify = req.verify;
  opts.on_progress = [&](const copier::Progress& p) { line.update(p.done_bytes, p.total_bytes); };
  const auto result = copier::copy_extents(src, dst, std::move(extents), opts);
  line.finish();
  CopyReport report;
  report.bytes = result.bytes;
  report.extents = result.extents;
  report.seconds = result.seconds;
  if (result.verify) report.verify_mismatches = result.verify->mismatches.size();
  return report;
}
#else
CopyReport copy_volume_extents(const CopyRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  const int in = open_or_throw(req.src, O_RDONLY);
  const int out = open_or_throw(req.dst, O_WRONLY);
  constexpr size_t kChunk = 1 << 20;
  void* mem = nullptr;
  if (::posix_memalign(&mem, 4096, kChunk) != 0) throw std::bad_alloc();
  auto* buf = static_cast<char*>(mem);
  uint64_t total = 0, done = 0;
  for (const auto& e : req.extents) total += e.length;
  ProgressLine line(req.progress);
  auto fail = [&](const std::string& what, uint64_t off, uint64_t len) {
    const int err = errno;
    std::free(mem);
    ::close(in);
    ::close(out);
    throw std::system_error(err, std::generic_category(),
                            what + " at bytes " + std::to_string(off) + ".." +
                                std::to_string(off + len));
  };
  for (const auto& e : req.extents) {
    for (uint64_t off = e.offset; off < e.offset + e.length;) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunk, e.offset + e.length - off));
      const ssize_t r = ::pread(in, buf, len, static_cast<off_t>(off));
      if (r != static_cast<ssize_t>(len)) fail("Cannot read " + req.src, off, len);
      const ssize_t w = ::pwrite(out, buf, len, static_cast<off_t>(off));
      if (w != static_cast<ssize_t>(len)) fail("Cannot write " + req.dst, off, len);
      off += len;
      done += len;
      line.update(done, total);
    }
  }
  if (::fsync(out) != 0) fail("Cannot fsync " + req.dst, 0, 0);
  line.finish();
  std::free(mem);
  ::close(in);
  ::close(out);
  CopyReport report;
  report.bytes = total;
  report.extents = req.extents.size();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}
#endif

}  // namespace schelk
