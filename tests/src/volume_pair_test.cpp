// The virgin/scratch pair check shared by init, full-recover and mount: block devices checked
// first and in order, sizes compared, and each command's own size-mismatch wording kept word for
// word.
#include <catch2/catch.hpp>
#include <filesystem>

#include "src/volume/volume.hpp"
#include "src/workflow/workflow.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/volume_pair.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;

namespace {

struct FakePair {
  std::vector<std::string> calls;
  uint64_t virgin_size = 8192, scratch_size = 8192;
  std::string not_a_block_device;
  Seams seams() {
    Seams s;
    s.validate_block_device = [this](const std::string& p) {
      calls.push_back("validate " + p);
      if (p == not_a_block_device) throw VolumeError(p + " is not a block device");
    };
    s.device_size = [this](const std::string& p) {
      calls.push_back("size " + p);
      return p == "/dev/v" ? virgin_size : scratch_size;
    };
    return s;
  }
};

const SizeMismatchMessage kMessage = [](uint64_t v, uint64_t s) {
  return "sizes " + std::to_string(v) + " and " + std::to_string(s);
};

}  // namespace

TEST_CASE("volume pair: block devices first, then sizes; returns the common size") {
  FakePair f;
  auto s = f.seams();
  REQUIRE(require_block_device_pair(s, "/dev/v", "/dev/s", kMessage) == 8192);
  REQUIRE(f.calls == std::vector<std::string>{"validate /dev/v", "validate /dev/s", "size /dev/v",
                                              "size /dev/s"});
  f.calls.clear();
  REQUIRE(require_equal_sizes(s, "/dev/v", "/dev/s", kMessage) == 8192);
  REQUIRE(f.calls == std::vector<std::string>{"size /dev/v", "size /dev/s"});
}

TEST_CASE("volume pair: a non-block device stops before any size is read") {
  FakePair f;
  f.not_a_block_device = "/dev/s";
  auto s = f.seams();
  REQUIRE_THROWS_WITH(require_block_device_pair(s, "/dev/v", "/dev/s", kMessage),
                      "/dev/s is not a block device");
  REQUIRE(f.calls == std::vector<std::string>{"validate /dev/v", "validate /dev/s"});
}

TEST_CASE("volume pair: different sizes throw VolumeError with the caller's message") {
  FakePair f;
  f.scratch_size = 4096;
  auto s = f.seams();
  REQUIRE_THROWS_AS(require_equal_sizes(s, "/dev/v", "/dev/s", kMessage), VolumeError);
  REQUIRE_THROWS_WITH(require_block_device_pair(s, "/dev/v", "/dev/s", kMessage),
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
  CHECK(rig.copies.empty());
}
