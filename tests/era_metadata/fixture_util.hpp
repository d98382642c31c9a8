// Test helpers: loading the gzipped fixture images (through `gzip -dc`) and expected outputs.
#pragma once

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "era_metadata/block_bitmap.hpp"

namespace era_test {

inline std::string fixture_path(const std::string& rel) {
  return std::string(SCHELK_FIXTURES_DIR) + "/" + rel;
}

inline std::vector<std::byte> load_gz(const std::string& rel) {
  const std::string cmd = "gzip -dc '" + fixture_path(rel) + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::vector<std::byte> out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    const auto* b = reinterpret_cast<const std::byte*>(buf);
    out.insert(out.end(), b, b + n);
  }
  if (::pclose(p) != 0) throw std::runtime_error("failed: " + cmd);
  return out;
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// 0.9's era_invalidate XML for a bitmap, written here independently of src/era_tools.
inline std::string blocks_xml_0_9(const era_metadata::BlockBitmap& bits) {
  std::string s = "<blocks>\n";
  bits.for_each_run([&](std::uint64_t b, std::uint64_t e) {
    if (e - b == 1) {
      s += "  <block block=\"" + std::to_string(b) + "\"/>\n";
    } else {
      s += "  <range begin=\"" + std::to_string(b) + "\" end = \"" + std::to_string(e) + "\"/>\n";
    }
  });
  return s + "</blocks>\n";
}

}  // namespace era_test
