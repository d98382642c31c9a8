#include "src/volume/volume.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <vector>

#include "base/sha256.hpp"
#include "src/volume/tools.hpp"
#include "tests/support/temp_path.hpp"

using namespace schelk;

TEST_CASE("ramdisk size formula (the original schelk's worked values)") {
  // 32 MiB test volume: required 85,606 bytes.
  CHECK(ramdisk_required_size(32ull << 20, 4096) == 85606);
  // 1.7 TiB at 4 KiB: min about 1.78 GiB, required about 1.96 GiB, ideal about 2.05 GiB.
  const uint64_t v = 17ull * (1ull << 40) / 10;
  const double gib = 1024.0 * 1024 * 1024;
  CHECK(static_cast<double>(ramdisk_min_size(v, 4096)) / gib == Approx(1.78).epsilon(0.01));
  CHECK(static_cast<double>(ramdisk_required_size(v, 4096)) / gib == Approx(1.96).epsilon(0.01));
  CHECK(static_cast<double>(ramdisk_ideal_size(v, 4096)) / gib == Approx(2.05).epsilon(0.01));
}

TEST_CASE("ramdisk size check refuses a too small ramdisk and warns below the ideal size") {
  try {
    (void)validate_ramdisk_size(85605, 32ull << 20, 4096);
    FAIL("accepted");
  } catch (const VolumeError& e) {
    // The fix: the ideal size rounded up to MiB, as brd's rd_size in KiB.
    CHECK(std::string(e.what()) ==
          "RAM disk too small: 85606 bytes required, 85605 bytes available. A RAM disk for this "
          "volume needs 2 MiB: modprobe brd rd_nr=1 rd_size=2048 (rmmod brd first if it is "
          "loaded).");
  }
  // Required 85,606 bytes, ideal 1,138,073 bytes (min * 115% + 1 MiB).
  CHECK(validate_ramdisk_size(85606, 32ull << 20, 4096) ==
        "Warning: RAM disk size (0.08 MiB) is less than ideal (1.09 MiB). This may work but "
        "leaves little headroom. A RAM disk for this volume needs 2 MiB: modprobe brd rd_nr=1 "
        "rd_size=2048 (rmmod brd first if it is loaded).");
  CHECK(validate_ramdisk_size(1138073, 32ull << 20, 4096) == std::nullopt);
  CHECK(validate_ramdisk_size(4 << 20, 32ull << 20, 4096) == std::nullopt);
}

TEST_CASE("ramdisk size hint: the ideal size in whole MiB, shown in MiB/GiB and as brd KiB") {
  CHECK(ramdisk_suggested_size(32ull << 20, 4096) == 2ull << 20);  // ideal 1,138,073 bytes
  CHECK(ramdisk_size_hint(32ull << 20, 4096) == "needs 2 MiB: modprobe brd rd_nr=1 rd_size=2048");
  // 256 GiB at 4 KiB: ideal 324,035,993 bytes = 309.03 MiB.
  CHECK(ramdisk_size_hint(256ull << 30, 4096) ==
        "needs 310 MiB: modprobe brd rd_nr=1 rd_size=317440");
  // 1.7 TiB at 4 KiB: ideal 2,197,093,580 bytes = 2095.3 MiB; from 1 GiB up also in GiB.
  const uint64_t v = 17ull * (1ull << 40) / 10;
  CHECK(ramdisk_suggested_size(v, 4096) == 2096ull << 20);
  CHECK(ramdisk_size_hint(v, 4096) ==
        "needs 2096 MiB (2.05 GiB): modprobe brd rd_nr=1 rd_size=2146304");
  // The suggestion always passes the check without a warning.
  for (const uint64_t size : std::vector<uint64_t>{32ull << 20, 256ull << 30, v, 1ull << 40}) {
    INFO(size);
    CHECK(validate_ramdisk_size(ramdisk_suggested_size(size, 4096), size, 4096) == std::nullopt);
  }
}

TEST_CASE("granularity rules") {
  CHECK_THROWS_WITH(validate_granularity(0), "Granularity must be greater than 0.");
  CHECK_THROWS_WITH(validate_granularity(1000),
                    "Granularity must be a multiple of 512 bytes (got 1000 bytes).");
  CHECK_THROWS_AS(validate_granularity(2048), VolumeError);  // dm-era needs 8 sectors
  CHECK_NOTHROW(validate_granularity(4096));
  CHECK_NOTHROW(validate_granularity(12288));  // need not be a power of two
}

TEST_CASE("same device: same path / symlink / hard link") {
  test::TempDir dir;
  const auto a = (dir / "a").string();
  const auto b = (dir / "b").string();
  std::ofstream(a) << "x";
  std::ofstream(b) << "y";
  CHECK_NOTHROW(reject_same_device(a, b));
  CHECK_THROWS_WITH(reject_same_device(a, a), "Virgin and scratch must be different devices.");
  std::filesystem::create_symlink(a, dir / "link");
  CHECK_THROWS_AS(reject_same_device(a, (dir / "link").string()), VolumeError);
  std::filesystem::create_hard_link(a, dir / "hard");
  CHECK_THROWS_AS(reject_same_device((dir / "hard").string(), a), VolumeError);
}

TEST_CASE("regular files are not block devices - /dev/null neither") {
  test::TempDir dir;
  const auto a = (dir / "a").string();
  std::ofstream(a) << "x";
  CHECK_THROWS_WITH(validate_block_device(a), a + " is not a block device");
  CHECK_THROWS_AS(validate_block_device("/dev/null"), VolumeError);
}

TEST_CASE("superblock hash is the SHA-256 of the first 4096 bytes - zero_device zeroes") {
  test::TempDir dir;
  const auto f = (dir / "vol").string();
  std::vector<uint8_t> data(3 * 4096);
  std::mt19937 rng(1);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  std::ofstream(f, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  CHECK(hash_superblock(f) == base::sha256({data.data(), 4096}));
  CHECK(device_size(f) == data.size());
  zero_device(f);
  std::vector<uint8_t> zeros(4096, 0);
  CHECK(hash_superblock(f) == base::sha256(zeros));
  CHECK(device_size(f) == data.size());
}

TEST_CASE("libblkid detects ext4 made by mkfs.ext4") {
  if (!find_in_path("mkfs.ext4")) {
    FAIL("mkfs.ext4 is not installed (e2fsprogs): run scripts/install-deps.sh");
  }
  test::TempDir dir;
  const auto f = (dir / "img").string();
  std::filesystem::resize_file((std::ofstream(f), f), 16 << 20);
  CHECK(!detect_fstype(f));
  make_ext4(f);
  CHECK(detect_fstype(f) == std::optional<std::string>("ext4"));
}

TEST_CASE("run_program reports the failing program's stderr") {
  CHECK_THROWS_WITH(run_program({"sh", "-c", "echo boom >&2; exit 3"}, "sh"), "sh failed: boom");
  CHECK_NOTHROW(run_program({"true"}, "true"));
  CHECK_THROWS_WITH(require_tool("no-such-tool-xyz", "nothing"),
                    "no-such-tool-xyz not found in PATH. Install nothing.");
}
