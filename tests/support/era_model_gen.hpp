// Test support: an explicit dm-era model (era array as a vector), a seeded random generator of
// such models, its XML in era_dump form (0.9 dense or sparse), and the answers the tools should
// give computed straight from the model (the "correct answer" the oracle tests compare with).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "era_metadata/writer.hpp"

namespace era_test {

struct Writeset {
  std::uint32_t era = 0;
  std::uint32_t nr_bits = 0;
  std::vector<bool> bits;  // nr_bits entries
};

struct Model {
  std::uint32_t block_size = 128;
  std::uint32_t nr_blocks = 0;
  std::uint32_t current_era = 0;
  std::vector<Writeset> writesets;  // ascending era
  std::vector<std::uint32_t> eras;  // nr_blocks entries

  [[nodiscard]] era_metadata::EraModel to_writer_model() const {
    era_metadata::EraModel m;
    m.data_block_size = block_size;
    m.nr_blocks = nr_blocks;
    m.current_era = current_era;
    for (const auto& w : writesets) {
      era_metadata::WritesetModel x;
      x.era = w.era;
      x.nr_bits = w.nr_bits;
      x.words.assign((std::uint64_t{w.nr_bits} + 63) / 64, 0);
      for (std::uint32_t b = 0; b < w.nr_bits; ++b) {
        if (w.bits[b]) x.words[b / 64] |= std::uint64_t{1} << (b % 64);
      }
      m.writesets.push_back(std::move(x));
    }
    m.era_array = era_metadata::era_array_from(eras);
    return m;
  }
};

struct GenParams {
  std::uint32_t max_blocks = 5000;
  std::uint32_t max_writesets = 6;
  bool allow_resized = true;  // writesets with nr_bits != nr_blocks
};

// Random model: sizes off the 64/1018 grid, empty trees, dense and sparse writesets, resized
// writesets (nr_bits < and > nr_blocks), era values up to current_era.
inline Model random_model(std::mt19937_64& rng, const GenParams& p) {
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  };
  Model m;
  m.block_size = static_cast<std::uint32_t>(8 * pick(1, 64));
  switch (pick(0, 4)) {
    case 0:
      m.nr_blocks = static_cast<std::uint32_t>(pick(0, 70));
      break;
    case 1:
      m.nr_blocks = static_cast<std::uint32_t>(1018 * pick(1, 3) + pick(0, 2) - 1);
      break;
    default:
      m.nr_blocks = static_cast<std::uint32_t>(pick(1, p.max_blocks));
      break;
  }
  const auto nws = static_cast<std::uint32_t>(pick(0, p.max_writesets));
  m.current_era = static_cast<std::uint32_t>(pick(nws, nws + 20));
  std::vector<std::uint32_t> ws_eras;
  {
    std::vector<std::uint32_t> all(m.current_era + 1);
    for (std::uint32_t i = 0; i <= m.current_era; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    ws_eras.assign(all.begin(), all.begin() + std::min<std::size_t>(nws, all.size()));
    std::sort(ws_eras.begin(), ws_eras.end());
  }
  for (auto e : ws_eras) {
    Writeset w;
    w.era = e;
    w.nr_bits = m.nr_blocks;
    if (p.allow_resized && pick(0, 3) == 0) {
      w.nr_bits = static_cast<std::uint32_t>(pick(0, std::uint64_t{m.nr_blocks} * 2 + 5));
    }
    w.bits.assign(w.nr_bits, false);
    const double density = std::vector<double>{0.0, 0.01, 0.2, 0.9, 1.0}[pick(0, 4)];
    std::bernoulli_distribution bit(density);
    for (std::uint32_t b = 0; b < w.nr_bits; ++b) w.bits[b] = bit(rng);
    // 0.9 era_check/era_dump call a 0-bit writeset damaged ("Missing bits: [64, 0)"), even one
    // its own era_restore wrote; the kernel never makes one (nr_blocks > 0), so keep >= 1 bit.
    if (w.nr_bits == 0) {
      w.nr_bits = 1;
      w.bits.assign(1, true);
    }
    m.writesets.push_back(std::move(w));
  }
  m.eras.assign(m.nr_blocks, 0);
  const double filled = std::vector<double>{0.0, 0.05, 0.5, 1.0}[pick(0, 3)];
  std::bernoulli_distribution has(filled);
  for (auto& v : m.eras) {
    if (has(rng)) v = static_cast<std::uint32_t>(pick(0, m.current_era));
  }
  return m;
}

// era_dump 0.9's exact output for the model (dense: every bit and every era entry).
inline std::string dump_xml_09(const Model& m) {
  std::string s;
  char line[160];
  std::snprintf(line, sizeof line,
                "<superblock uuid=\"\" block_size=\"%u\" nr_blocks=\"%u\" current_era=\"%u\">\n",
                m.block_size, m.nr_blocks, m.current_era);
  s += line;
  for (const auto& w : m.writesets) {
    std::snprintf(line, sizeof line, "  <writeset era=\"%u\" nr_bits=\"%u\">\n", w.era, w.nr_bits);
    s += line;
    for (std::uint32_t b = 0; b < w.nr_bits; ++b) {
      std::snprintf(line, sizeof line, "    <bit block=\"%u\" value=\"%s\"/>\n", b,
                    w.bits[b] ? "true" : "false");
      s += line;
    }
    s += "  </writeset>\n";
  }
  s += "  <era_array>\n";
  for (std::uint32_t b = 0; b < m.nr_blocks; ++b) {
    std::snprintf(line, sizeof line, "    <era block=\"%u\" era=\"%u\"/>\n", b, m.eras[b]);
    s += line;
  }
  s += "  </era_array>\n</superblock>\n";
  return s;
}

// Restore input: sparse (only true bits, non-zero eras); `marked` uses 1.x <marked> runs.
inline std::string restore_xml(const Model& m, bool marked) {
  std::string s;
  char line[160];
  std::snprintf(line, sizeof line,
                "<superblock uuid=\"\" block_size=\"%u\" nr_blocks=\"%u\" current_era=\"%u\">\n",
                m.block_size, m.nr_blocks, m.current_era);
  s += line;
  for (const auto& w : m.writesets) {
    std::snprintf(line, sizeof line, "  <writeset era=\"%u\" nr_bits=\"%u\">\n", w.era, w.nr_bits);
    s += line;
    for (std::uint32_t b = 0; b < w.nr_bits; ++b) {
      if (!w.bits[b]) continue;
      if (marked) {
        std::uint32_t e = b;
        while (e < w.nr_bits && w.bits[e]) ++e;
        std::snprintf(line, sizeof line, "    <marked block_begin=\"%u\" len=\"%u\"/>\n", b, e - b);
        b = e - 1;
      } else {
        std::snprintf(line, sizeof line, "    <bit block=\"%u\" value=\"true\"/>\n", b);
      }
      s += line;
    }
    s += "  </writeset>\n";
  }
  s += "  <era_array>\n";
  for (std::uint32_t b = 0; b < m.nr_blocks; ++b) {
    if (m.eras[b] == 0) continue;
    std::snprintf(line, sizeof line, "    <era block=\"%u\" era=\"%u\"/>\n", b, m.eras[b]);
    s += line;
  }
  s += "  </era_array>\n</superblock>\n";
  return s;
}

// The correct --written-since set (doc/dm-era-format.md 7.2 without the current writeset):
// blocks < nr_blocks with era_array >= n or set in a writeset of era >= n.
// `leak_beyond` reproduces 0.9, which also reports writeset bits >= nr_blocks.
inline std::vector<bool> written_since(const Model& m, std::uint64_t n, bool leak_beyond = false) {
  std::uint64_t size = m.nr_blocks;
  if (leak_beyond) {
    for (const auto& w : m.writesets) {
      if (w.era >= n) size = std::max<std::uint64_t>(size, w.nr_bits);
    }
  }
  std::vector<bool> r(size, false);
  for (std::uint32_t b = 0; b < m.nr_blocks; ++b) r[b] = m.eras[b] >= n;
  for (const auto& w : m.writesets) {
    if (w.era < n) continue;
    for (std::uint32_t b = 0; b < w.nr_bits && b < size; ++b) {
      if (w.bits[b]) r[b] = true;
    }
  }
  return r;
}

// era_invalidate's XML for a block set. `v09` selects 0.9 spelling (`end = "E"`, final newline);
// otherwise the 1.x spelling (`end="E"`, no final newline).
inline std::string invalidate_xml(const std::vector<bool>& set, bool v09) {
  std::string s = "<blocks>\n";
  char line[96];
  for (std::size_t b = 0; b < set.size(); ++b) {
    if (!set[b]) continue;
    std::size_t e = b;
    while (e < set.size() && set[e]) ++e;
    if (e - b == 1) {
      std::snprintf(line, sizeof line, "  <block block=\"%zu\"/>\n", b);
    } else {
      std::snprintf(line, sizeof line,
                    v09 ? "  <range begin=\"%zu\" end = \"%zu\"/>\n"
                        : "  <range begin=\"%zu\" end=\"%zu\"/>\n",
                    b, e);
    }
    s += line;
    b = e - 1;
  }
  s += v09 ? "</blocks>\n" : "</blocks>";
  return s;
}

}  // namespace era_test
