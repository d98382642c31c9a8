#include "src/workflow/send.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>
#include <tuple>

#include "base/cancel.hpp"
#include "base/errno.hpp"
#include "base/format.hpp"
#include "base/posix_io.hpp"
#include "base/unique_fd.hpp"
#include "src/forensics/ext4_attribution.hpp"
#include "src/forensics/ext4_used_blocks.hpp"
#include "src/history/run_history.hpp"
#include "src/stream/stream_writer.hpp"
#include "src/workflow/stream_report.hpp"
#include "src/workflow/workflow.hpp"
#include "src/workflow/written_set.hpp"

namespace schelk {
namespace {

// Keeps the kernel reading up to kWindow bytes ahead of send's synchronous reads
// (POSIX_FADV_WILLNEED, in pieces of at most one record): the scattered small extents of a delta
// are then read in parallel by the device instead of one round trip each.
class ReadAhead {
 public:
  static constexpr uint64_t kWindow = uint64_t{64} << 20;
  ReadAhead(int fd, const std::vector<BlockRange>& ranges, uint64_t g, uint64_t volume,
            uint64_t piece)
      : fd_(fd), ranges_(ranges), g_(g), volume_(volume), piece_(piece) {}
  // Called before reading `n` bytes: advises what lies within the window after them.
  void consume(uint64_t n) {
    consumed_ += n;
    while (advised_ < consumed_ + kWindow && index_ < ranges_.size()) {
      const uint64_t end = std::min(ranges_[index_].end * g_, volume_);
      const uint64_t at = std::max(ranges_[index_].begin * g_, at_);
      if (at >= end) {
        ++index_;
        continue;
      }
      const uint64_t len = std::min(piece_, end - at);
      ::posix_fadvise(fd_, static_cast<off_t>(at), static_cast<off_t>(len), POSIX_FADV_WILLNEED);
      advised_ += len;
      at_ = at + len;
    }
  }

 private:
  int fd_;
  const std::vector<BlockRange>& ranges_;
  uint64_t g_, volume_, piece_;
  size_t index_ = 0;
  uint64_t at_ = 0;  // the next byte to advise
  uint64_t advised_ = 0;
  uint64_t consumed_ = 0;
};

stream::StreamHeader header_for(const State& st, uint64_t volume, const SendOptions& opts) {
  stream::StreamHeader h;
  h.full = opts.full;
  h.baseline_id = *baseline_id_bytes(*st.baseline_id);
  h.from_generation = opts.full ? 0 : *opts.from_generation;
  h.to_generation = st.generation;
  h.volume_bytes = volume;
  h.block_size = static_cast<uint32_t>(st.granularity);
  h.zstd_level = opts.zstd_level;
  h.fstype = st.fstype.substr(0, 16);
  std::copy(st.virgin_superblock_hash.begin(), st.virgin_superblock_hash.end(),
            h.superblock_sha256.begin());
  return h;
}

// A full stream: the blocks an ext2/3/4 filesystem uses (its allocation bitmaps; the rest of the
// volume is of no use to it), else every block. Returns the ranges and which it carries.
std::pair<std::vector<BlockRange>, std::string> full_ranges(Context& ctx, const State& st,
                                                            uint64_t volume) {
  const uint64_t g = st.granularity;
  std::vector<BlockRange> all{{0, (volume + g - 1) / g}};
  if (!st.fstype.starts_with("ext")) return {all, "all"};
  try {
    return {ext4_used_ranges(st.virgin, g, volume), "used"};
  } catch (const Ext4Error& e) {
    ctx.err() << "Note: sending every block: " << e.what() << "\n";
    return {all, "all"};
  }
}

void check_send_options(const SendOptions& opts) {
  if (opts.full == opts.from_generation.has_value()) {
    throw std::invalid_argument("send needs one of --full and --from-generation G");
  }
  if (opts.zstd_level < 0 || opts.zstd_level > 19) {
    throw std::invalid_argument("--zstd-level " + std::to_string(opts.zstd_level) +
                                ": use 0 (off) to 19");
  }
  if (opts.json && opts.output.to_stdout()) {
    throw std::invalid_argument("--json needs -o FILE: stdout carries the stream");
  }
}

}  // namespace

std::vector<BlockRange> generation_delta(const std::filesystem::path& history_dir, const State& st,
                                         uint64_t from) {
  if (from > st.generation) {
    throw std::runtime_error("--from-generation " + std::to_string(from) +
                             " is newer than this baseline's generation " +
                             std::to_string(st.generation));
  }
  std::vector<BlockRange> all;
  std::set<uint64_t> found;
  for (const auto& run : list_runs(history_dir)) {
    const auto& r = run.report;
    if (run.command != "promote" || r.value("outcome", "") != "ok" ||
        r.value("baseline_id", "") != *st.baseline_id || !r.contains("generation")) {
      continue;
    }
    const uint64_t g = r["generation"].get<uint64_t>();
    if (g <= from || g > st.generation || !found.insert(g).second) continue;
    if (run.written_ranges > 0) {
      const auto set = load_run_written_set(history_dir, run.id);
      all.insert(all.end(), set.begin(), set.end());
    }
  }
  for (uint64_t g = from + 1; g <= st.generation; ++g) {
    if (!found.count(g)) {
      throw std::runtime_error("The history in " + history_dir.string() +
                               " no longer keeps the promote that made generation " +
                               std::to_string(g) + "; send --full instead.");
    }
  }
  return merge_ranges(std::move(all));
}

void cmd_send(Context& ctx, const SendOptions& opts) {
  check_send_options(opts);
  auto lock = ctx.lock_shared();
  const State st = ctx.load_initialized();
  if (!st.baseline_id) {
    throw std::runtime_error(
        "This baseline has no id yet (initialised by an older schelk); the next 'schelk promote' "
        "gives it one, or re-initialise with 'schelk init-from'.");
  }
  if (load_journal(ctx.options().state_path)) {
    throw std::runtime_error(
        "An interrupted recover or promote is pending: virgin may be half updated. Finish it "
        "first (see 'schelk status').");
  }
  refuse_if_receive_pending(ctx);
  auto& volumes = ctx.volumes();
  const uint64_t volume = volumes.size(st.virgin);
  if (volumes.hash_superblock(st.virgin) != st.virgin_superblock_hash) {
    throw std::runtime_error("Virgin's superblock (" + st.virgin +
                             ") changed since schelk last wrote it; it was written outside "
                             "schelk and is no baseline to send.");
  }
  const uint64_t g = st.granularity;
  std::string carried = "changed";
  std::vector<BlockRange> ranges;
  if (opts.full) {
    std::tie(ranges, carried) = full_ranges(ctx, st, volume);
  } else {
    ranges = generation_delta(history_dir_for(ctx.options().state_path), st, *opts.from_generation);
  }

  StreamOutput output(opts.output);
  if (opts.output.to_stdout()) ctx.report().print_steps = false;  // stdout is the stream
  std::ostream& msg = opts.output.to_stdout() ? ctx.err() : ctx.out();
  base::UniqueFd src(::open(st.virgin.c_str(), O_RDONLY | O_CLOEXEC));
  if (!src) base::throw_errno(errno, "Cannot open virgin " + st.virgin);
  ::posix_fadvise(src.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

  const auto t0 = std::chrono::steady_clock::now();
  StepTimer timer(ctx.report(), "send");
  stream::StreamWriter writer(output.sink(), header_for(st, volume, opts));
  const uint32_t chunk = stream::max_extent_bytes(static_cast<uint32_t>(g));
  std::vector<std::byte> buf(chunk);
  ReadAhead ahead(src.get(), ranges, g, volume, chunk);
  for (const auto& r : ranges) {
    const uint64_t end = std::min(r.end * g, volume);
    for (uint64_t at = r.begin * g; at < end; at += chunk) {
      base::throw_if_interrupted_unchanged();
      const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk, end - at));
      ahead.consume(n);
      if (base::pread_full(src.get(), std::span(buf.data(), n), at, "virgin " + st.virgin) != n) {
        throw std::runtime_error("virgin " + st.virgin + " ended at byte " + std::to_string(at));
      }
      writer.add(at, std::span(reinterpret_cast<const uint8_t*>(buf.data()), n));
    }
  }
  const auto totals = writer.finish();
  output.commit();
  timer.stop();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  report_stream_fields(ctx.report(), writer.header(), totals);
  auto& f = ctx.report().fields;
  f["blocks_carried"] = carried;  // "used" (the filesystem's), "all" or "changed"
  f["zstd_level"] = opts.zstd_level;
  f["output"] = output.name();
  ctx.report().bytes_copied = totals.data_bytes;
  msg << "Sent " << (opts.full ? "the whole baseline" : "the changes") << " of " << *st.baseline_id
      << " (generation "
      << (opts.full
              ? std::to_string(st.generation)
              : std::to_string(*opts.from_generation) + " to " + std::to_string(st.generation))
      << ") to " << output.name() << ": " << base::format_bytes(totals.data_bytes) << " in "
      << totals.extents << " extents as a stream of " << base::format_bytes(totals.stream_bytes)
      << ", in " << base::format_duration(secs) << " ("
      << base::format_rate(totals.data_bytes, secs) << ")\n";
}

}  // namespace schelk
