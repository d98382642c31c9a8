#include "src/state/state.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/temp_path.hpp"

using namespace schelk;

namespace {

State sample() {
  State s;
  s.virgin = "/dev/nvme0n1";
  s.scratch = "/dev/nvme1n1";
  s.ramdisk = "/dev/ram0";
  s.mount_point = "/schelk";
  s.fstype = "ext4";
  s.mount_options = "noatime,nodiratime";
  s.granularity = 8192;
  for (size_t i = 0; i < s.virgin_superblock_hash.size(); ++i) {
    s.virgin_superblock_hash[i] = static_cast<uint8_t>(i * 7 + 200);
  }
  s.dm_era_name = "era_a";
  s.is_mounted = true;
  s.current_era = 3;
  return s;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

}  // namespace

TEST_CASE("state round trips through JSON") {
  const State s = sample();
  const State t = state_from_json(state_to_json(s));
  CHECK(t.virgin == s.virgin);
  CHECK(t.scratch == s.scratch);
  CHECK(t.ramdisk == s.ramdisk);
  CHECK(t.mount_point == s.mount_point);
  CHECK(t.fstype == s.fstype);
  CHECK(t.mount_options == s.mount_options);
  CHECK(t.granularity == s.granularity);
  CHECK(t.virgin_superblock_hash == s.virgin_superblock_hash);
  CHECK(t.dm_era_name == s.dm_era_name);
  CHECK(t.is_mounted == s.is_mounted);
  CHECK(t.current_era == s.current_era);
}

TEST_CASE("state JSON keeps schelk's field order / 2-space indent / nulls and a byte array") {
  State s = sample();
  s.mount_options.reset();
  s.current_era.reset();
  const std::string text = state_to_json(s);
  const char* order[] = {"virgin",      "scratch",       "ramdisk",     "mount_point",
                         "fstype",      "mount_options", "granularity", "virgin_superblock_hash",
                         "dm_era_name", "is_mounted",    "current_era"};
  size_t last = 0;
  for (const char* key : order) {
    const auto at = text.find(std::string("\"") + key + "\"");
    REQUIRE(at != std::string::npos);
    CHECK(at > last);
    last = at;
  }
  CHECK(text.rfind("{\n  \"virgin\": \"/dev/nvme0n1\",", 0) == 0);
  const auto j = nlohmann::json::parse(text);
  CHECK(j["mount_options"].is_null());
  CHECK(j["current_era"].is_null());
  REQUIRE(j["virgin_superblock_hash"].is_array());
  CHECK(j["virgin_superblock_hash"].size() == 32);
  CHECK(j["virgin_superblock_hash"][1].get<int>() == 207);
}

TEST_CASE("old state without dm_era_name loads with the default - unknown fields are ignored") {
  const std::string old = R"({
  "virgin": "/dev/nvme2n1", "scratch": "/dev/nvme3n1", "ramdisk": "/dev/ram0",
  "mount_point": "/schelk", "fstype": "ext4", "mount_options": null, "granularity": 4096,
  "virgin_superblock_hash": [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,
                             25,26,27,28,29,30,31],
  "is_mounted": false, "current_era": null, "future_field": {"x": 1}
})";
  const State s = state_from_json(old);
  CHECK(s.dm_era_name == "bench_era");
  CHECK(s.virgin == "/dev/nvme2n1");
  CHECK(!s.mount_options);
  CHECK(!s.current_era);
  CHECK(s.virgin_superblock_hash[31] == 31);
}

TEST_CASE("corrupted state files are refused with 'State file is corrupted'") {
  for (const char* bad : {"", "{", "[]", R"({"virgin": 3})",
                          R"({"virgin":"a","scratch":"b","ramdisk":"c","mount_point":"d",
                              "fstype":"e","mount_options":null,"granularity":4096,
                              "virgin_superblock_hash":[1,2],"is_mounted":false,
                              "current_era":null})"}) {
    try {
      state_from_json(bad);
      FAIL("accepted: " << bad);
    } catch (const StateError& e) {
      CHECK(std::string(e.what()).find("State file is corrupted") != std::string::npos);
    }
  }
}

TEST_CASE("save is atomic through .state.json.tmp and load reads it back") {
  test::TempDir dir;
  const auto path = dir / "sub" / "my-state.json";
  CHECK(!load_state(path));
  save_state(path, sample());
  CHECK(std::filesystem::exists(path));
  CHECK(!std::filesystem::exists(dir / "sub" / ".state.json.tmp"));
  const auto loaded = load_state(path);
  REQUIRE(loaded);
  CHECK(loaded->dm_era_name == "era_a");
  CHECK(read_file(path) == state_to_json(sample()));
  // A stale temp file from a crash is simply overwritten.
  { std::ofstream(dir / "sub" / ".state.json.tmp") << "garbage"; }
  State s = sample();
  s.is_mounted = false;
  save_state(path, s);
  CHECK(!load_state(path)->is_mounted);
}

TEST_CASE("state path: flag / then SCHELK_STATE / then the default") {
  ::unsetenv("SCHELK_STATE");
  CHECK(resolve_state_path(std::nullopt) == "/var/lib/schelk/state.json");
  ::setenv("SCHELK_STATE", "/tmp/env.json", 1);
  CHECK(resolve_state_path(std::nullopt) == "/tmp/env.json");
  CHECK(resolve_state_path(std::string("/tmp/flag.json")) == "/tmp/flag.json");
  ::unsetenv("SCHELK_STATE");
}
