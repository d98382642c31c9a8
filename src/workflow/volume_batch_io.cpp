#include "src/workflow/volume_batch_io.hpp"

#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "base/errno.hpp"
#include "src/workflow/written_set.hpp"

namespace schelk {
namespace {

constexpr size_t kBatchBytes = size_t{64} << 20;
constexpr size_t kAlign = 4096;
constexpr size_t kPiece = size_t{1} << 20;  // bytes per write
constexpr unsigned kDepth = 32;             // writes in flight

size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// Appends the requests for `size` bytes at volume `offset` from or into `buf` (in buffer
// `buf_index`), in pieces of at most kPiece; each tag is the request's index in `pieces`.
void add_pieces(std::vector<copier::IoRequest>& pieces, copier::IoOp op, uint64_t offset,
                std::byte* buf, size_t size, unsigned buf_index) {
  for (size_t at = 0; at < size; at += kPiece) {
    copier::IoRequest r;
    r.op = op;
    r.offset = offset + at;
    r.buf = buf + at;
    r.length = static_cast<uint32_t>(std::min<size_t>(kPiece, size - at));
    r.buf_index = buf_index;
    r.tag = pieces.size();
    pieces.push_back(r);
  }
}

// Runs `pieces` (tags = their indexes) at most kDepth at a time; throws naming the first that
// failed or came short.
void run_pieces(copier::IoEngine& engine, const std::vector<copier::IoRequest>& pieces,
                const char* verb, const std::string& path) {
  std::vector<copier::Completion> done;
  size_t next = 0;
  unsigned in_flight = 0;
  while (next < pieces.size() || in_flight > 0) {
    while (next < pieces.size() && in_flight < kDepth) {
      engine.submit(pieces[next++]);
      ++in_flight;
    }
    done.clear();
    engine.wait(done);
    for (const auto& c : done) {
      const auto& r = pieces.at(c.tag);
      const std::string where = path + " at byte " + std::to_string(r.offset);
      if (c.res < 0) base::throw_errno(-c.res, std::string("Cannot ") + verb + " " + where);
      if (static_cast<uint32_t>(c.res) != r.length) {
        throw std::runtime_error(std::string("Short ") + verb + " of " + where);
      }
      --in_flight;
    }
  }
}

std::unique_ptr<copier::IoEngine> make_engine(const copier::Device& device,
                                              std::vector<std::span<std::byte>> buffers) {
  copier::EngineSetup setup;
  setup.fds = {device.fd()};
  setup.buffers = std::move(buffers);
  setup.depth = kDepth;
  return copier::make_engine_factory(copier::EngineKind::kAuto)->create(setup);
}

}  // namespace

BatchedVolumeWriter::BatchedVolumeWriter(const std::string& device, uint64_t block_size,
                                         BeforeWrite before_write)
    : path_(device),
      block_size_(block_size),
      before_write_(std::move(before_write)),
      device_(copier::open_device(device, copier::Access::kWrite, true)) {
  for (auto& b : batches_) b.buffer = base::AlignedBuffer(kBatchBytes);
  thread_ = std::thread([this] { write_batches(); });
}

BatchedVolumeWriter::~BatchedVolumeWriter() { stop(); }

void BatchedVolumeWriter::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BatchedVolumeWriter::rethrow_locked() {
  if (error_) std::rethrow_exception(error_);
}

// The writing thread: takes each handed batch, writes it, marks it free; ends when told to and
// nothing is handed, or at its first error (kept for the caller).
void BatchedVolumeWriter::write_batches() {
  try {
    auto engine = make_engine(device_, {std::span(batches_[0].buffer.data(), kBatchBytes),
                                        std::span(batches_[1].buffer.data(), kBatchBytes)});
    for (;;) {
      unsigned i = 0;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || handed_; });
        if (!handed_) return;
        i = *handed_;
        handed_.reset();
      }
      changed_.notify_all();
      auto& batch = batches_[i];
      std::vector<copier::IoRequest> pieces;
      for (const auto& e : batch.extents) {
        add_pieces(pieces, copier::IoOp::kWrite, e.offset, batch.buffer.data() + e.at, e.size, i);
      }
      run_pieces(*engine, pieces, "write", path_);
      {
        std::lock_guard lock(mutex_);
        batch.busy = false;
      }
      changed_.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    changed_.notify_all();
  }
}

void BatchedVolumeWriter::add(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return;
  if (!open_) throw std::logic_error("BatchedVolumeWriter::add after finish");
  if (data.size() > kBatchBytes) throw std::invalid_argument("extent larger than a batch");
  if (align_up(batches_[filling_].used) + data.size() > kBatchBytes) flush();
  auto& batch = batches_[filling_];
  const size_t at = align_up(batch.used);
  std::memcpy(batch.buffer.data() + at, data.data(), data.size());
  batch.used = at + data.size();
  batch.extents.push_back({offset, at, data.size()});
  const BlockRange r{offset / block_size_, (offset + data.size() + block_size_ - 1) / block_size_};
  append_range(batch.ranges, r);
  append_range(ranges_, r);
  bytes_ += data.size();
}

// Hands the batch being filled to the writing thread (its ranges logged first) and goes on with
// the other once that one is written.
void BatchedVolumeWriter::flush() {
  auto& batch = batches_[filling_];
  if (batch.extents.empty()) return;
  {
    std::lock_guard lock(mutex_);
    rethrow_locked();
  }
  if (before_write_) before_write_(batch.ranges);
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return error_ || !handed_; });
    rethrow_locked();
    batch.busy = true;
    handed_ = filling_;
  }
  changed_.notify_all();
  filling_ ^= 1;
  auto& next = batches_[filling_];
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return error_ || !next.busy; });
    rethrow_locked();
  }
  next.used = 0;
  next.extents.clear();
  next.ranges.clear();
}

void BatchedVolumeWriter::finish() {
  flush();
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return error_ || (!batches_[0].busy && !batches_[1].busy); });
    rethrow_locked();
  }
  stop();
  if (::fdatasync(device_.fd()) != 0) base::throw_errno(errno, "Cannot sync " + path_);
  device_ = copier::Device{};  // the exclusive open ends: the copier opens the volume next
  open_ = false;
}

BatchedVolumeReader::BatchedVolumeReader(const std::string& device, uint64_t block_size,
                                         uint64_t volume_bytes,
                                         const std::vector<BlockRange>& ranges, uint32_t piece_max)
    : path_(device),
      device_(copier::open_device(device, copier::Access::kRead, false)),
      ranges_(ranges),
      block_size_(block_size),
      volume_bytes_(volume_bytes),
      piece_max_(piece_max) {
  for (auto& b : batches_) b.buffer = base::AlignedBuffer(kBatchBytes);
  thread_ = std::thread([this] { produce(); });
}

BatchedVolumeReader::~BatchedVolumeReader() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::vector<copier::IoRequest> BatchedVolumeReader::plan(Batch& batch, unsigned index) {
  batch.ready.clear();
  std::vector<copier::IoRequest> reads;
  size_t used = 0;
  while (range_ < ranges_.size()) {
    const uint64_t end = std::min(ranges_[range_].end * block_size_, volume_bytes_);
    const uint64_t at = std::max(ranges_[range_].begin * block_size_, at_);
    if (at >= end) {
      ++range_;
      continue;
    }
    const size_t n = static_cast<size_t>(std::min<uint64_t>(piece_max_, end - at));
    if (align_up(used) + n > batch.buffer.size()) break;
    const size_t slot = align_up(used);
    batch.ready.push_back({at, slot, n});
    add_pieces(reads, copier::IoOp::kRead, at, batch.buffer.data() + slot, n, index);
    used = slot + n;
    at_ = at + n;
  }
  return reads;
}

// The reading thread: fills the batches in turn, each once the caller has let go of it; an empty
// batch marks the end.
void BatchedVolumeReader::produce() {
  try {
    auto engine = make_engine(device_, {std::span(batches_[0].buffer.data(), kBatchBytes),
                                        std::span(batches_[1].buffer.data(), kBatchBytes)});
    for (unsigned i = 0;; i ^= 1) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || !batches_[i].full; });
        if (stop_) return;
      }
      const auto reads = plan(batches_[i], i);
      run_pieces(*engine, reads, "read", path_);
      {
        std::lock_guard lock(mutex_);
        batches_[i].full = true;
      }
      changed_.notify_all();
      if (reads.empty()) return;
    }
  } catch (...) {
    {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    changed_.notify_all();
  }
}

std::optional<BatchedVolumeReader::Piece> BatchedVolumeReader::next() {
  if (ended_) return std::nullopt;
  if (holding_ && ready_next_ == batches_[consuming_].ready.size()) {
    {
      std::lock_guard lock(mutex_);
      batches_[consuming_].full = false;  // the reader may fill it again
    }
    changed_.notify_all();
    holding_ = false;
    consuming_ ^= 1;
  }
  if (!holding_) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return error_ || batches_[consuming_].full; });
    if (!batches_[consuming_].full) std::rethrow_exception(error_);
    holding_ = true;
    ready_next_ = 0;
  }
  const auto& batch = batches_[consuming_];
  if (batch.ready.empty()) {  // the end: the reading thread has returned
    ended_ = true;
    return std::nullopt;
  }
  const auto& r = batch.ready[ready_next_++];
  return Piece{r.offset,
               std::span(reinterpret_cast<const uint8_t*>(batch.buffer.data() + r.at), r.size)};
}

}  // namespace schelk
