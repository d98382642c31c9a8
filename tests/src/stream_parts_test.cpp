// A stream cut into parts (files PREFIX.NNNNNN, or one shell command per part) reads back byte
// for byte as the stream written whole; the reader opens a part only while the stream needs
// bytes (parts after the end go unread, a missing one is named), whatever the part boundaries
// fall on (inside data, at a record, at the trailer, at the very end); a failing part command is
// named with its part and exit status; the CLI's part options parse and refuse what means nothing.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>

#include "src/stream/part_command.hpp"
#include "src/stream/part_files.hpp"
#include "src/stream/stream_reader.hpp"
#include "src/stream/stream_writer.hpp"
#include "src/workflow/stream_io.hpp"
#include "tests/support/temp_path.hpp"

using namespace schelk::stream;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

void append(std::vector<uint8_t>& to, const void* p, size_t n) {
  to.insert(to.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
}

// Passes every byte on to `to` and keeps a copy.
class CopyingSink final : public ByteSink {
 public:
  explicit CopyingSink(ByteSink& to) : to_(to) {}
  void write(const void* p, size_t n) override {
    to_.write(p, n);
    append(copy, p, n);
  }
  std::vector<uint8_t> copy;

 private:
  ByteSink& to_;
};

struct Extent {
  uint64_t offset;
  uint64_t length;
};

// A full stream, raw (zstd off), so its length follows from the extents'.
StreamHeader header(uint64_t volume, uint32_t bs) {
  return {.full = true,
          .baseline_id = {0x5a, 1, 2, 3},
          .from_generation = 0,
          .to_generation = 4,
          .volume_bytes = volume,
          .block_size = bs,
          .zstd_level = 0,
          .fstype = "ext4",
          .superblock_sha256 = {0xcd}};
}

// Incompressible bytes, 8 at a time.
std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v((n + 7) / 8 * 8);
  for (size_t i = 0; i < v.size(); i += 8) {
    const uint64_t x = rng();
    std::memcpy(&v[i], &x, 8);
  }
  v.resize(n);
  return v;
}

// Writes the extents (random data) into `sink` and returns the whole stream as written.
std::vector<uint8_t> write_stream(ByteSink& sink, uint64_t volume, const std::vector<Extent>& xs,
                                  uint32_t bs = 512) {
  CopyingSink tee(sink);
  StreamWriter w(tee, header(volume, bs));
  uint32_t seed = 1;
  for (const auto& x : xs) w.add(x.offset, random_bytes(static_cast<size_t>(x.length), seed++));
  w.finish();
  return tee.copy;
}

// Every byte `source` gives, through StreamReader (which checks them all).
std::vector<uint8_t> read_through(ByteSource& source, uint64_t* extents = nullptr) {
  std::vector<uint8_t> seen;
  class Recording final : public ByteSource {
   public:
    Recording(ByteSource& s, std::vector<uint8_t>& v) : s_(s), v_(v) {}
    size_t read(void* p, size_t n) override {
      const size_t got = s_.read(p, n);
      append(v_, p, got);
      return got;
    }

   private:
    ByteSource& s_;
    std::vector<uint8_t>& v_;
  } recording(source, seen);
  StreamReader r(recording);
  while (r.next()) {
  }
  if (extents) *extents = r.totals().extents;
  return seen;
}

std::vector<uint8_t> file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// 96 extents of whole 512-byte blocks put the next record's start at exactly 1 MiB:
// 128 + 96 * 36 = 3584 bytes of framing, plus 2041 blocks of data.
std::vector<Extent> record_at_boundary_extents() {
  std::vector<Extent> xs;
  uint64_t at = 0;
  for (int i = 0; i < 96; ++i) {
    const uint64_t blocks = i == 95 ? 46 : 21;
    xs.push_back({at, blocks * 512});
    at += (blocks + 1) * 512;  // a gap: extents stay separate records
  }
  xs.push_back({at, 300 * 1024});
  return xs;
}

}  // namespace

TEST_CASE("parts: a stream in 1 MiB part files reads back as the whole stream", "[parts]") {
  schelk::test::TempDir dir;
  const std::string prefix = (dir.path() / "base.schelk").string();
  const uint64_t volume = 8 * kMiB;
  const std::vector<Extent> xs = {
      {0, 1536 * 1024}, {2 * kMiB, 512 * 1024}, {4 * kMiB, kMiB + 4096}};
  std::vector<uint8_t> whole;
  {
    PartFileSink sink(prefix, kMiB);
    whole = write_stream(sink, volume, xs);
    sink.commit();
    CHECK(sink.parts() == (whole.size() + kMiB - 1) / kMiB);
  }
  REQUIRE(whole.size() > 3 * kMiB);
  std::vector<uint8_t> joined;
  for (uint64_t i = 0; i < 4; ++i) {
    const auto part = file_bytes(prefix + "." + part_number(i));
    CHECK(part.size() == (i < 3 ? kMiB : whole.size() - 3 * kMiB));
    joined.insert(joined.end(), part.begin(), part.end());
  }
  CHECK(joined == whole);
  CHECK(!fs::exists(prefix + ".000004"));
  for (const auto& e : fs::directory_iterator(dir.path())) {
    CHECK(e.path().extension() != ".partial");
  }
  PartFileSource source(prefix);
  uint64_t extents = 0;
  CHECK(read_through(source, &extents) == whole);
  CHECK(extents == 3);
  CHECK(source.parts_read() == 4);
}

TEST_CASE("parts: a send that does not commit leaves no part", "[parts]") {
  schelk::test::TempDir dir;
  const std::string prefix = (dir.path() / "cut").string();
  {
    PartFileSink sink(prefix, kMiB);
    const auto bytes = random_bytes(2 * kMiB + 10, 7);
    sink.write(bytes.data(), bytes.size());
    CHECK(fs::exists(prefix + ".000000"));
    CHECK(fs::exists(prefix + ".000002.partial"));
  }
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("parts: a missing part the stream needs is named; parts after the end go unread",
          "[parts]") {
  schelk::test::TempDir dir;
  const std::string prefix = (dir.path() / "b").string();
  {
    PartFileSink sink(prefix, kMiB);
    write_stream(sink, 4 * kMiB, {{0, 3 * kMiB}});
    sink.commit();
  }
  SECTION("missing middle part") {
    fs::remove(prefix + ".000001");
    PartFileSource source(prefix);
    CHECK(message_of([&] { read_through(source); }) ==
          "part " + prefix +
              ".000001 is missing: the stream needs more bytes; was the send complete?");
  }
  SECTION("missing last part") {
    fs::remove(prefix + ".000003");
    PartFileSource source(prefix);
    CHECK(message_of([&] { read_through(source); }) ==
          "part " + prefix +
              ".000003 is missing: the stream needs more bytes; was the send complete?");
  }
  SECTION("an empty part") {
    std::ofstream(prefix + ".000002", std::ios::trunc).close();
    PartFileSource source(prefix);
    CHECK(message_of([&] { read_through(source); }) ==
          "part " + prefix +
              ".000002 is empty: the stream needs more bytes; was the send complete?");
  }
  SECTION("a stale part after the end (an older, longer send) is not read") {
    std::ofstream(prefix + ".000004") << "stale bytes of an older send";
    PartFileSource source(prefix);
    CHECK_NOTHROW(read_through(source));
    CHECK(source.parts_read() == 4);
  }
  SECTION("bytes after the trailer inside the last part are refused") {
    std::ofstream(prefix + ".000003", std::ios::app) << "x";
    PartFileSource source(prefix);
    CHECK_THAT(message_of([&] { read_through(source); }),
               Catch::Contains("bytes follow the trailer"));
  }
}

TEST_CASE("parts: boundaries at records, at the trailer and at the very end", "[parts]") {
  schelk::test::TempDir dir;
  // One extent covering a volume of any length (the last extent may end mid-block) puts the
  // trailer at 164 + L and the end at 212 + L.
  struct Case {
    const char* what;
    std::vector<Extent> xs;
    uint64_t volume;
  };
  std::vector<Case> cases;
  for (const auto& [what, length] : std::vector<std::pair<const char*, uint64_t>>{
           {"the trailer starts at the boundary", kMiB - 164},
           {"the boundary after the trailer's tag", kMiB - 165},
           {"the boundary inside the trailer's hash", kMiB - 190},
           {"the stream ends at the boundary", 2 * kMiB - 212},
           {"the stream ends a byte before the boundary", 2 * kMiB - 213},
           {"the stream ends a byte after the boundary", 2 * kMiB - 211},
           {"boundaries inside the data", 3 * kMiB}}) {
    cases.push_back({what, {{0, length}}, length});
  }
  const auto xs = record_at_boundary_extents();
  cases.push_back({"an extent record starts at the boundary", xs, 4 * kMiB});
  for (const auto& c : cases) {
    INFO(c.what);
    const std::string prefix = (dir.path() / ("s" + std::to_string(&c - cases.data()))).string();
    std::vector<uint8_t> whole;
    {
      PartFileSink sink(prefix, kMiB);
      whole = write_stream(sink, c.volume, c.xs);
      sink.commit();
    }
    if (c.xs.size() > 1) REQUIRE(whole[kMiB] == kExtentTag);  // the 97th record's tag
    const uint64_t parts = (whole.size() + kMiB - 1) / kMiB;
    CHECK(!fs::exists(prefix + "." + part_number(parts)));
    std::ofstream(prefix + "." + part_number(parts)) << "never read";
    PartFileSource source(prefix);
    CHECK(read_through(source) == whole);
    CHECK(source.parts_read() == parts);
  }
}

TEST_CASE("parts: part commands take and give each part (SCHELK_PART, SCHELK_PART_INDEX)",
          "[parts]") {
  schelk::test::TempDir dir;
  const std::string d = dir.path().string();
  const std::vector<Extent> xs = {{0, 2 * kMiB + 512}};
  std::vector<uint8_t> whole;
  {
    PartCommandSink sink(
        "cat > '" + d + "'/p.$SCHELK_PART && echo $SCHELK_PART_INDEX >> '" + d + "'/index", kMiB);
    whole = write_stream(sink, 4 * kMiB, xs);
    sink.commit();
    CHECK(sink.parts() == 3);
  }
  CHECK(file_bytes(dir.path() / "index") == std::vector<uint8_t>{'0', '\n', '1', '\n', '2', '\n'});
  CHECK(file_bytes(dir.path() / "p.000000").size() == kMiB);
  PartCommandSource source("cat '" + d + "'/p.$SCHELK_PART");
  CHECK(read_through(source) == whole);
  CHECK(source.parts_read() == 3);

  SECTION("a command that fails while the stream needs its part is named") {
    fs::remove(dir.path() / "p.000001");
    PartCommandSource missing("cat '" + d + "'/p.$SCHELK_PART 2>/dev/null");
    CHECK(message_of([&] { read_through(missing); }) ==
          "The command for part 000001 exited with status 1: is the part missing? The stream "
          "needs more bytes; was the send complete? (sh -c 'cat '" +
              d + "'/p.$SCHELK_PART 2>/dev/null')");
  }
  SECTION("a command that gives nothing") {
    PartCommandSource empty("true");
    CHECK_THAT(
        message_of([&] { read_through(empty); }),
        Catch::StartsWith("The command for part 000000 gave no bytes: is the part missing?"));
  }
}

TEST_CASE("parts: a failing send command is named with its part and exit status", "[parts]") {
  SECTION("it exits non-zero after reading its part") {
    PartCommandSink sink("cat > /dev/null; test $SCHELK_PART_INDEX -lt 1 || exit 3", kMiB);
    CHECK(message_of([&] {
            write_stream(sink, 4 * kMiB, {{0, 2 * kMiB}});
            sink.commit();
          }) ==
          "The command for part 000001 exited with status 3: sh -c 'cat > /dev/null; test "
          "$SCHELK_PART_INDEX -lt 1 || exit 3'");
  }
  SECTION("it stops reading (schelk gets EPIPE, not SIGPIPE)") {
    PartCommandSink sink("exit 4", kMiB);
    CHECK_THAT(message_of([&] {
                 write_stream(sink, 4 * kMiB, {{0, 2 * kMiB}});
                 sink.commit();
               }),
               Catch::Contains("part 000000") && Catch::Contains("exited with status 4"));
  }
}

TEST_CASE("parts: --part-size values", "[parts]") {
  using schelk::parse_part_size;
  CHECK(parse_part_size("1M") == kMiB);
  CHECK(parse_part_size("1MiB") == kMiB);
  CHECK(parse_part_size("64m") == 64 * kMiB);
  CHECK(parse_part_size("1048576") == kMiB);
  CHECK(parse_part_size("2G") == 2048 * kMiB);
  CHECK(parse_part_size("1T") == kMiB * kMiB);
  CHECK(parse_part_size("1024K") == kMiB);
  CHECK_THAT(message_of([] { parse_part_size("0"); }), Catch::Contains("is zero"));
  CHECK_THAT(message_of([] { parse_part_size("512K"); }), Catch::Contains("below 1 MiB"));
  CHECK_THAT(message_of([] { parse_part_size("1048575"); }), Catch::Contains("below 1 MiB"));
  for (const char* bad :
       {"", "M", "1X", "1MB", "1.5M", "-1M", "99999999999999999999", "20000000T"}) {
    INFO(bad);
    CHECK_THAT(message_of([&] { parse_part_size(bad); }),
               Catch::Contains("give bytes with an optional K, M, G or T"));
  }
}

TEST_CASE("parts: stream_io wires parts and refuses options that do not go together", "[parts]") {
  schelk::test::TempDir dir;
  const std::string prefix = (dir.path() / "io").string();
  std::vector<uint8_t> whole;
  {
    schelk::StreamOutputOptions o;
    o.file = prefix;
    o.part_size = kMiB;
    schelk::StreamOutput out(o);
    whole = write_stream(out.sink(), 4 * kMiB, {{0, kMiB + 512}});
    out.commit();
    CHECK(out.name() == prefix + ".000000-000001 (2 parts)");
  }
  schelk::StreamInputOptions i;
  i.parts = prefix;
  schelk::StreamInput in(i);
  CHECK(in.name() == prefix + ".NNNNNN");
  CHECK(read_through(in.source()) == whole);

  schelk::StreamOutputOptions command_only;
  command_only.part_command = "cat >/dev/null";
  CHECK(!command_only.to_stdout());
  CHECK_THROWS_WITH(schelk::StreamOutput(command_only), Catch::Contains("needs --part-size"));
  schelk::StreamOutputOptions size_only;
  size_only.part_size = kMiB;
  CHECK_THROWS_WITH(schelk::StreamOutput(size_only), Catch::Contains("needs -o PREFIX"));
  schelk::StreamInputOptions two;
  two.file = prefix;
  two.parts = prefix;
  CHECK_THROWS_WITH(schelk::StreamInput(two), Catch::Contains("give one of -i FILE, --parts"));
}
