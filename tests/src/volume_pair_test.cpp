// The virgin/scratch pair check shared by init, full-recover and mount: block devices checked
// first and in order, sizes compared, and each command's own size-mismatch wording kept word for
// word.
#include "src/workflow/volume_pair.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "src/volume/volume.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;

namespace {

// Two volume paths in a temp dir whose sizes the fake reports (no file needed).
struct FakePair {
  test::TempDir dir;
  test::FakeVolumeOps volumes{dir.path()};
  std::string v = (dir / "v").string();
  std::string s = (dir / "s").string();
  FakePair() {
    volumes.sizes[v] = 8192;
    volumes.sizes[s] = 8192;
  }
  const std::vector<std::string>& calls() const { return volumes.calls.own; }
};

const SizeMismatchMessage kMessage = [](uint64_t v, uint64_t s) {
  return "sizes " + std::to_string(v) + " and " + std::to_string(s);
};

}  // namespace

TEST_CASE("volume pair: block devices first, then sizes: returns the common size") {
  FakePair f;
  REQUIRE(require_block_device_pair(f.volumes, f.v, f.s, kMessage) == 8192);
  REQUIRE(f.calls() == std::vector<std::string>{"validate " + f.v, "validate " + f.s, "size " + f.v,
                                                "size " + f.s});
  f.volumes.calls.own.clear();
  REQUIRE(require_equal_sizes(f.volumes, f.v, f.s, kMessage) == 8192);
  REQUIRE(f.calls() == std::vector<std::string>{"size " + f.v, "size " + f.s});
}

TEST_CASE("volume pair: a non-block device stops before any size is read") {
  FakePair f;
  f.volumes.not_a_block_device = f.s;
  REQUIRE_THROWS_WITH(require_block_device_pair(f.volumes, f.v, f.s, kMessage),
                      f.s + " is not a block device");
  REQUIRE(f.calls() == std::vector<std::string>{"validate " + f.v, "validate " + f.s});
}

TEST_CASE("volume pair: different sizes throw VolumeError with the caller's message") {
  FakePair f;
  f.volumes.sizes[f.s] = 4096;
  REQUIRE_THROWS_AS(require_equal_sizes(f.volumes, f.v, f.s, kMessage), VolumeError);
  REQUIRE_THROWS_WITH(require_block_device_pair(f.volumes, f.v, f.s, kMessage),
                      "sizes 8192 and 4096");
  REQUIRE(volume_size_mismatch("/dev/v", 8192, "/dev/s", 4096) ==
          "Volume size mismatch: virgin /dev/v has 8192 bytes, scratch /dev/s has 4096 bytes.");
}

TEST_CASE("volume pair: init, full-recover and mount keep their own size-mismatch wording") {
  Rig rig;
  auto ctx = rig.context();
  const InitOptions o{.virgin = rig.virgin,
                      .scratch = rig.scratch,
                      .ramdisk = rig.ram,
                      .mount_point = (rig.dir / "mnt").string(),
                      .mount_options = std::nullopt,
                      .granularity = 4096,
                      .dm_era_name = kDefaultDmEraName,
                      .fstype = "ext4",
                      .no_copy = true,
                      .verify = false};
  cmd_init_from(ctx, o);
  const auto st = load_state(rig.options().state_path);
  REQUIRE(st);

  const std::string big = std::to_string(Rig::kSize + 4096);
  const std::string small = std::to_string(Rig::kSize);
  std::filesystem::resize_file(rig.scratch, Rig::kSize + 4096);
  CHECK_THROWS_WITH(cmd_init_from(ctx, o),
                    "Virgin and scratch volumes must be the same size (virgin " + rig.virgin +
                        ": " + small + " bytes, scratch " + rig.scratch + ": " + big + " bytes).");
  CHECK_THROWS_WITH(cmd_full_recover(ctx, false), "Volume size mismatch: virgin " + rig.virgin +
                                                      " has " + small + " bytes, scratch " +
                                                      rig.scratch + " has " + big + " bytes.");
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st),
                    "Volume size mismatch: virgin " + rig.virgin + " has " + small +
                        " bytes, scratch " + rig.scratch + " has " + big +
                        " bytes. Was one resized? Re-run 'schelk init-from' for the new size.");
  CHECK(rig.copier.copies.empty());
}
