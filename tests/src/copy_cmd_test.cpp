// `schelk copy` and `schelk verify` run as the built binary: exit statuses, pure JSON on stdout,
// block lists from a file and from stdin, refusals that leave the destination untouched.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "copier/device.hpp"
#include "tests/support/copier_test_support.hpp"
#include "tests/support/prerequisite.hpp"

using copier_test::StampedFile;

namespace {

constexpr std::uint64_t kBlocks = 512;
constexpr std::uint64_t kSize = kBlocks * 4096;

struct Run {
  int status = -1;
  std::string out;  // stdout only
};

Run run(const std::string& args) {
  const std::string command = std::string(SCHELK_BINARY) + " " + args + " 2>/dev/null";
  Run r;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

bool block_has(const std::vector<std::byte>& data, std::uint32_t gen, std::uint64_t block) {
  return copier_test::has_stamp(data.data() + block * 4096, gen, block);
}

}  // namespace

TEST_CASE("schelk copy: whole file, JSON summary is the only stdout") {
  StampedFile src(kSize, 1), dst(kSize, 2);
  const Run r = run("copy --from " + src.path() + " --to " + dst.path() + " --verify --json");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);  // throws if anything else is there
  REQUIRE(j["bytes"] == kSize);
  REQUIRE(j["verify"]["equal"] == true);
  REQUIRE(j["verify"]["bytes_compared"] == kSize);
  REQUIRE(j["threads"].get<unsigned>() >= 1);
  REQUIRE(j.contains("mb_per_s"));
  REQUIRE(j.contains("seconds"));
  REQUIRE(j.contains("extents"));
  REQUIRE((j["engine"] == "io_uring" || j["engine"] == "sync"));
  REQUIRE(src.read_all() == dst.read_all());
}

TEST_CASE("schelk copy: era_invalidate XML from stdin, in --block-size units") {
  StampedFile src(kSize, 1), dst(kSize, 2);
  // Blocks of 8 KiB: [2, 5) = 4 KiB blocks 4..9, block 100 = 4 KiB blocks 200, 201.
  const std::string xml = write_text(
      dst.path() + ".xml",
      "<blocks>\n  <range begin=\"2\" end = \"5\"/>\n  <block block=\"100\"/>\n</blocks>\n");
  const Run r = run("copy --from " + src.path() + " --to " + dst.path() +
                    " --blocks - --block-size 8192 --json < " + xml);
  ::unlink(xml.c_str());
  REQUIRE(r.status == 0);
  REQUIRE(nlohmann::json::parse(r.out)["bytes"] == 8 * 4096);
  const auto data = dst.read_all();
  for (std::uint64_t b = 0; b < kBlocks; ++b) {
    const bool inside = (b >= 4 && b < 10) || b == 200 || b == 201;
    INFO("block " << b);
    REQUIRE(block_has(data, inside ? 1 : 2, b));
  }
}

TEST_CASE("schelk verify: lists differing ranges as blocks, exit 3, equal gives 0") {
  StampedFile a(kSize, 1), b(kSize, 1);
  REQUIRE(run("verify --a " + a.path() + " --b " + b.path()).status == 0);
  const char flipped = 0x55;
  b.write_at(77 * 4096 + 123, &flipped, 1);
  const Run text = run("verify --a " + a.path() + " --b " + b.path());
  REQUIRE(text.status == 3);
  REQUIRE(text.out.find("\n77 78\n") != std::string::npos);
  const Run json = run("verify --a " + a.path() + " --b " + b.path() + " --json");
  REQUIRE(json.status == 3);
  const auto j = nlohmann::json::parse(json.out);
  REQUIRE(j["verify"]["equal"] == false);
  REQUIRE(j["verify"]["mismatches"].size() == 1);
  REQUIRE(j["verify"]["mismatches"][0]["offset"] == 77 * 4096);
  REQUIRE(j["verify"]["mismatches"][0]["length"] == 4096);
  // Restricted to other blocks, they are equal.
  const std::string list = write_text(a.path() + ".txt", "0 77\n78 512\n");
  REQUIRE(run("verify --a " + a.path() + " --b " + b.path() + " --blocks " + list).status == 0);
  ::unlink(list.c_str());
}

TEST_CASE("schelk copy: refusals leave the destination untouched") {
  StampedFile src(kSize, 1), dst(kSize / 2, 2);
  const auto before = dst.read_all();
  // Whole source does not fit.
  REQUIRE(run("copy --from " + src.path() + " --to " + dst.path()).status == 1);
  // A listed range past the end, after one that fits.
  const std::string list = write_text(dst.path() + ".txt", "0 1\n300 301\n");
  REQUIRE(run("copy --from " + src.path() + " --to " + dst.path() + " --blocks " + list).status ==
          1);
  ::unlink(list.c_str());
  // Same file under another name.
  const std::string link = dst.path() + ".lnk";
  REQUIRE(::symlink(dst.path().c_str(), link.c_str()) == 0);
  REQUIRE(run("copy --from " + link + " --to " + dst.path()).status == 1);
  ::unlink(link.c_str());
  REQUIRE(dst.read_all() == before);
  // Usage errors.
  REQUIRE(run("copy --from " + src.path()).status == 2);
  REQUIRE(run("copy --from a --to b --block-size 1000").status == 2);
  REQUIRE(run("copy --from a --to b --engine nope").status == 2);
  REQUIRE(run("verify --a " + src.path()).status == 2);
}

TEST_CASE("schelk copy: a block-device destination needs -y when there is no terminal") {
  copier_test::LoopDevice src(kSize, 1), dst(kSize, 2);
  if (src.path().empty() || dst.path().empty()) {
    schelk::test::skip_test("needs root and loop devices");
  }
  const std::string args = "copy --from " + src.path() + " --to " + dst.path();
  // setsid: no controlling terminal to ask on.
  const std::string detached = "setsid -w " + std::string(SCHELK_BINARY) + " " + args;
  REQUIRE(::system((detached + " </dev/null >/dev/null 2>&1").c_str()) != 0);
  REQUIRE(block_has(dst.file().read_all(), 2, 0));
  const Run r = run(args + " -y --json < /dev/null");
  REQUIRE(r.status == 0);
  REQUIRE(nlohmann::json::parse(r.out)["bytes"] == kSize);
  REQUIRE(src.file().read_all() == dst.file().read_all());
  // While the destination is held exclusively (as a mount or dm-era would), it is refused.
  {
    const auto held = copier::open_device(dst.path(), copier::Access::kRead, true);
    REQUIRE(run(args + " -y < /dev/null").status == 1);
  }
  REQUIRE(run(args + " -y < /dev/null").status == 0);
}

TEST_CASE("schelk copy: one block device as both source and destination is 'the same device'") {
  copier_test::LoopDevice dev(kSize, 1);
  if (dev.path().empty()) {
    schelk::test::skip_test("needs root and loop devices");
  }
  // stderr is the point here: it used to say "is in use (mounted, claimed by device-mapper...)".
  const std::string command = std::string(SCHELK_BINARY) + " copy -y --from " + dev.path() +
                              " --to " + dev.path() + " </dev/null 2>&1 >/dev/null";
  std::string err;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) err.append(buf.data(), n);
  const int raw = ::pclose(pipe);
  REQUIRE(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 1);
  CHECK(err.find(dev.path() + " and " + dev.path() + " are the same device; nothing copied") !=
        std::string::npos);
  CHECK(err.find("in use") == std::string::npos);
}
