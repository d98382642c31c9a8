#include "base/sha256.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tests/support/temp_path.hpp"

using base::sha256;
using base::to_hex;

namespace {
std::string hex_of(const std::string& s) {
  return to_hex(sha256({reinterpret_cast<const uint8_t*>(s.data()), s.size()}));
}
}  // namespace

TEST_CASE("sha256 matches the FIPS 180-2 test vectors") {
  CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex_of(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 agrees with sha256sum on every length around the block boundaries") {
  // sha256sum (coreutils) is the independent oracle; its absence fails the test.
  REQUIRE(std::system("command -v sha256sum >/dev/null") == 0);
  schelk::test::TempDir dir;
  std::mt19937 rng(7);
  for (size_t len : {1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 127u, 128u, 4096u, 4097u}) {
    std::vector<uint8_t> data(len);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    const auto file = (dir / "blob").string();
    FILE* f = std::fopen(file.c_str(), "wb");
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
    FILE* p = ::popen(("sha256sum " + file).c_str(), "r");
    char out[65] = {};
    REQUIRE(std::fread(out, 1, 64, p) == 64);
    ::pclose(p);
    CHECK(to_hex(sha256(data)) == std::string(out));
  }
}
