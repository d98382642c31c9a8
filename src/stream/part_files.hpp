// A stream cut into numbered parts of at most a given size, as files: PREFIX.000000, PREFIX.000001,
// ... (README "Shipping baselines between hosts"). The sink writes each part as PART.partial and
// renames it when full (the last one at commit), so a part under its final name is whole; a send
// that does not commit removes every part it wrote. The source opens part N+1 only while the
// stream still needs bytes (StreamEndTracker): no listing, and parts after the end go unread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "src/stream/part_framing.hpp"
#include "src/stream/stream_format.hpp"

namespace schelk::stream {

// The smallest part size accepted: smaller parts only multiply objects and requests.
inline constexpr uint64_t kMinPartBytes = uint64_t{1} << 20;

// "000003": a part's number, six digits (more past 999999).
std::string part_number(uint64_t index);

class PartFileSink final : public ByteSink {
 public:
  // Throws std::invalid_argument when part_bytes < kMinPartBytes.
  PartFileSink(std::string prefix, uint64_t part_bytes);
  ~PartFileSink() override;  // not committed: removes every part written
  PartFileSink(const PartFileSink&) = delete;
  PartFileSink& operator=(const PartFileSink&) = delete;

  // Throws std::system_error naming the part.
  void write(const void* data, size_t n) override;
  // The last part synced and renamed. Throws std::system_error naming the part.
  void commit();
  uint64_t parts() const { return next_; }

 private:
  void finish_part();

  std::string prefix_;
  uint64_t part_bytes_;
  uint64_t next_ = 0;  // the number of the part open or to open next
  uint64_t in_part_ = 0;
  base::UniqueFd fd_;
  bool committed_ = false;
};

class PartFileSource final : public ByteSource {
 public:
  explicit PartFileSource(std::string prefix);
  // Throws std::runtime_error naming the part when one the stream needs is missing or empty,
  // std::system_error on a read error.
  size_t read(void* data, size_t n) override;
  uint64_t parts_read() const { return opened_; }

 private:
  std::string prefix_;
  uint64_t opened_ = 0;
  base::UniqueFd fd_;
  uint64_t in_part_ = 0;
  StreamEndTracker end_;
};

}  // namespace schelk::stream
