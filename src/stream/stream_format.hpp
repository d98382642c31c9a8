// The schelk stream (doc/stream-format.md): its header, record and trailer layouts, shared by
// StreamWriter and StreamReader, and the byte sink/source they run over (a pipe, a file, ssh or
// rclone on the other end). Little-endian throughout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace schelk::stream {

inline constexpr char kMagic[8] = {'S', 'C', 'H', 'L', 'K', 'S', 'T', 'R'};
inline constexpr char kEndMagic[8] = {'S', 'C', 'H', 'L', 'K', 'E', 'N', 'D'};
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 128;
inline constexpr size_t kRecordBytes = 36;  // before the data
inline constexpr size_t kTrailerBytes = 48;
inline constexpr uint32_t kMaxExtentBytes = 8u << 20;
inline constexpr uint8_t kExtentTag = 'E';
inline constexpr uint8_t kTrailerTag = 'T';
inline constexpr uint8_t kCodecRaw = 0;
inline constexpr uint8_t kCodecZstd = 1;

// A stream that cannot be trusted: the message names what is wrong and the stream byte where.
class StreamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StreamHeader {
  bool full = false;  // a whole baseline, not a delta
  std::array<uint8_t, 16> baseline_id{};
  uint64_t from_generation = 0;
  uint64_t to_generation = 0;
  uint64_t volume_bytes = 0;
  uint32_t block_size = 0;
  int zstd_level = 0;  // 0 = off, 1-19
  std::string fstype;  // at most 16 ASCII bytes
  std::array<uint8_t, 32> superblock_sha256{};
  bool operator==(const StreamHeader&) const = default;
};

// Throws std::invalid_argument when a field cannot be written (block size, fstype, level).
std::array<uint8_t, kHeaderBytes> encode_header(const StreamHeader& h);
// Throws StreamError naming what is wrong (magic, version, hash, a field out of range).
StreamHeader decode_header(const std::array<uint8_t, kHeaderBytes>& bytes);

// The largest extent a record carries for this block size: 8 MiB rounded down to whole blocks.
uint32_t max_extent_bytes(uint32_t block_size);

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const void* data, size_t n) = 0;  // all of it, or throws
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to n bytes; 0 only at the end of the stream. Throws on a read error.
  virtual size_t read(void* data, size_t n) = 0;
};

// A file descriptor (stdout, stdin, a file, a pipe). Throws std::system_error naming `what`.
class FdSink final : public ByteSink {
 public:
  FdSink(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  void write(const void* data, size_t n) override;

 private:
  int fd_;
  std::string what_;
};

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  size_t read(void* data, size_t n) override;

 private:
  int fd_;
  std::string what_;
};

}  // namespace schelk::stream
