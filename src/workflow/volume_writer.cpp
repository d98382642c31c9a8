#include "src/workflow/volume_writer.hpp"

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

}  // namespace

BatchedVolumeWriter::BatchedVolumeWriter(const std::string& device, uint64_t block_size,
                                         BeforeWrite before_write)
    : path_(device),
      block_size_(block_size),
      before_write_(std::move(before_write)),
      device_(copier::open_device(device, copier::Access::kWrite, true)),
      held_(kBatchBytes) {
  copier::EngineSetup setup;
  setup.fds = {device_.fd()};
  setup.buffers = {std::span(held_.data(), held_.size())};
  setup.depth = kDepth;
  engine_ = copier::make_engine_factory(copier::EngineKind::kAuto)->create(setup);
}

BatchedVolumeWriter::~BatchedVolumeWriter() = default;

void BatchedVolumeWriter::add(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return;
  if (!open_) throw std::logic_error("BatchedVolumeWriter::add after finish");
  if (data.size() > held_.size()) throw std::invalid_argument("extent larger than a batch");
  if (align_up(used_) + data.size() > held_.size()) flush();
  const size_t at = align_up(used_);
  std::memcpy(held_.data() + at, data.data(), data.size());
  used_ = at + data.size();
  held_extents_.push_back({offset, at, data.size()});
  const BlockRange r{offset / block_size_, (offset + data.size() + block_size_ - 1) / block_size_};
  append_range(held_ranges_, r);
  append_range(ranges_, r);
  bytes_ += data.size();
}

void BatchedVolumeWriter::flush() {
  if (held_extents_.empty()) return;
  if (before_write_) before_write_(held_ranges_);
  // Every piece: its volume offset and length; a completion's tag is its index.
  std::vector<copier::IoRequest> pieces;
  for (const auto& e : held_extents_) {
    for (size_t at = 0; at < e.size; at += kPiece) {
      copier::IoRequest r;
      r.op = copier::IoOp::kWrite;
      r.offset = e.offset + at;
      r.buf = held_.data() + e.at + at;
      r.length = static_cast<uint32_t>(std::min<size_t>(kPiece, e.size - at));
      r.tag = pieces.size();
      pieces.push_back(r);
    }
  }
  std::vector<copier::Completion> done;
  size_t next = 0;
  unsigned in_flight = 0;
  while (next < pieces.size() || in_flight > 0) {
    while (next < pieces.size() && in_flight < kDepth) {
      engine_->submit(pieces[next++]);
      ++in_flight;
    }
    done.clear();
    engine_->wait(done);
    for (const auto& c : done) {
      const auto& r = pieces.at(c.tag);
      if (c.res < 0) {
        base::throw_errno(-c.res, "Cannot write " + path_ + " at byte " + std::to_string(r.offset));
      }
      if (static_cast<uint32_t>(c.res) != r.length) {
        throw std::runtime_error("Short write to " + path_ + " at byte " +
                                 std::to_string(r.offset));
      }
      --in_flight;
    }
  }
  used_ = 0;
  held_extents_.clear();
  held_ranges_.clear();
}

void BatchedVolumeWriter::finish() {
  flush();
  if (::fdatasync(device_.fd()) != 0) base::throw_errno(errno, "Cannot sync " + path_);
  engine_.reset();
  device_ = copier::Device{};  // the exclusive open ends: the copier opens the volume next
  open_ = false;
}

}  // namespace schelk
