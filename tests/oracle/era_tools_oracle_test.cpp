// Random-model oracle tests: each seeded model becomes XML, is restored by 0.9 era_restore and
// by our era-restore, and every tool's answer on both images is compared with 0.9's byte for byte
// where 0.9 is right, and with the answer computed from the model where it is not (writeset bits
// beyond nr_blocks, --logical taking the lowest era). The Rust 1.x tool is compared where its
// era-array shortcut is valid (non-empty writeset tree). Bounded: well under a minute.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "era_metadata/writer.hpp"
#include "tests/support/era_model_gen.hpp"
#include "tests/support/era_tool_run.hpp"
#include "tests/support/prerequisite.hpp"

namespace {

using era_test::Model;
using era_test::run;
using era_test::TempFile;

const std::string kSchelk = SCHELK_BINARY;
const std::string k09Restore = "/usr/sbin/era_restore";
const std::string k09Dump = "/usr/sbin/era_dump";
const std::string k09Invalidate = "/usr/sbin/era_invalidate";
const std::string k09Check = "/usr/sbin/era_check";

bool have_09() {
  return era_test::executable(k09Restore) && era_test::executable(k09Dump) &&
         era_test::executable(k09Invalidate) && era_test::executable(k09Check);
}

// Our era-dump may not have landed yet (placeholder prints "not implemented yet").
// Both images of one model: `ours` from our era-restore, `theirs` from 0.9 era_restore.
struct Images {
  TempFile xml{"oracle-xml"};
  TempFile ours{"oracle-ours"};
  TempFile theirs{"oracle-09"};
};

void restore_both(const Model& m, Images& im, bool marked_for_ours) {
  const std::uint64_t need = era_metadata::metadata_blocks_needed(m.to_writer_model());
  const std::uint64_t bytes = (2 * need + 64) * 4096;
  im.theirs.resize(bytes);
  im.ours.resize(bytes);
  im.xml.write(era_test::restore_xml(m, false));
  REQUIRE(run(k09Restore + " -q -i " + im.xml.path() + " -o " + im.theirs.path()).rc == 0);
  if (marked_for_ours) im.xml.write(era_test::restore_xml(m, true));  // 1.x dialect
  REQUIRE(run(kSchelk + " era-restore -q -i " + im.xml.path() + " -o " + im.ours.path()).rc == 0);
}

std::vector<std::uint64_t> eras_to_ask(const Model& m, std::mt19937_64& rng) {
  std::vector<std::uint64_t> n = {0, m.current_era, rng() % (m.current_era + 2ull)};
  if (!m.writesets.empty()) {
    n.push_back(m.writesets.front().era);
    n.push_back(m.writesets.back().era);
  }
  if (rng() % 4 == 0) n.push_back(4294967295ull);
  return n;
}

std::string invalidate(const std::string& tool, std::uint64_t n, const std::string& img) {
  const auto r = run(tool + " --written-since " + std::to_string(n) + " " + img + " 2>&1");
  return r.rc == 0 ? r.out : "exit " + std::to_string(r.rc) + ": " + r.out;
}

// Writeset bits only (what 1.x returns when the lowest tree key is <= n).
std::vector<bool> writesets_only(const Model& m, std::uint64_t n) {
  std::vector<bool> r(m.nr_blocks, false);
  for (const auto& w : m.writesets) {
    if (w.era < n) continue;
    for (std::uint32_t b = 0; b < w.nr_bits && b < m.nr_blocks; ++b) {
      if (w.bits[b]) r[b] = true;
    }
  }
  return r;
}

// 0.9 era_dump --logical's correct counterpart: max(era array, latest writeset with the bit).
std::string logical_dump(const Model& m) {
  Model l = m;
  for (const auto& w : m.writesets) {
    for (std::uint32_t b = 0; b < w.nr_bits && b < m.nr_blocks; ++b) {
      if (w.bits[b]) l.eras[b] = std::max(l.eras[b], w.era);
    }
  }
  l.writesets.clear();
  return era_test::dump_xml_09(l);
}

// dump09: also run 0.9 era_dump, which costs tens of microseconds per element (too slow for
// a 256K-entry era array within the suite's time budget).
// kernel_shaped: the model keeps the kernel's digestion order (era array <= lowest writeset era).
void compare_model(const Model& m, std::mt19937_64& rng, bool marked, bool dump09 = true,
                   bool kernel_shaped = false) {
  Images im;
  restore_both(m, im, marked);
  const std::string want_dump = era_test::dump_xml_09(m);

  // Our writer: 0.9 accepts it and dumps the same as 0.9's own restore.
  CHECK(run(k09Check + " -q " + im.ours.path() + " 2>&1").rc == 0);
  if (dump09) {
    CHECK(run(k09Dump + " " + im.ours.path()).out == want_dump);
    CHECK(run(k09Dump + " " + im.theirs.path()).out == want_dump);
  }

  for (const std::uint64_t n : eras_to_ask(m, rng)) {
    INFO("--written-since " << n);
    const auto correct = era_test::written_since(m, n);
    const auto leaky = era_test::written_since(m, n, true);
    const std::string want = era_test::invalidate_xml(correct, true);
    const std::string ours_on_09 = invalidate(kSchelk + " era-invalidate", n, im.theirs.path());
    const std::string ours_on_ours = invalidate(kSchelk + " era-invalidate", n, im.ours.path());
    const std::string v09 = invalidate(k09Invalidate, n, im.theirs.path());
    CHECK(ours_on_09 == want);
    CHECK(ours_on_ours == want);
    if (leaky == correct) {
      CHECK(ours_on_09 == v09);  // byte for byte with 0.9 where 0.9 is right
    } else {
      CHECK(v09 == era_test::invalidate_xml(leaky, true));  // 0.9's known leak, reproduced
    }

    // --trust-kernel-order takes 1.x's shortcut, except on an empty tree. On kernel-shaped
    // models it loses nothing, so it must then match 0.9 byte for byte.
    const bool trusted_skip = !m.writesets.empty() && m.writesets.front().era <= n;
    const auto trusted_set = trusted_skip ? writesets_only(m, n) : correct;
    const std::string ours_trusted =
        invalidate(kSchelk + " era-invalidate --trust-kernel-order", n, im.theirs.path());
    CHECK(ours_trusted == era_test::invalidate_xml(trusted_set, true));
    if (kernel_shaped) CHECK(ours_trusted == v09);

    const std::string rust = era_test::rust_pdata_tools();
    if (!rust.empty() && !m.writesets.empty()) {
      // 1.1 skips the era array when the lowest tree key <= n (and ignores it all when the
      // tree is empty); it is right whenever that shortcut loses nothing.
      const bool shortcut = m.writesets.front().era <= n;
      const auto rust_set = shortcut ? writesets_only(m, n) : correct;
      const std::string got = invalidate(rust + " era_invalidate", n, im.ours.path());
      INFO("lowest tree era " << m.writesets.front().era << ", shortcut " << shortcut);
      if (rust_set == correct) {
        CHECK(got == era_test::invalidate_xml(correct, false));
      } else {
        CHECK(got == era_test::invalidate_xml(rust_set, false));  // its shortcut, on our image
      }
    }
  }

  CHECK(run(kSchelk + " era-dump " + im.theirs.path()).out == want_dump);
  CHECK(run(kSchelk + " era-dump " + im.ours.path()).out == want_dump);
  CHECK(run(kSchelk + " era-dump --logical " + im.theirs.path()).out == logical_dump(m));
}

}  // namespace

TEST_CASE("oracle: random models through 0.9 and our tools") {
  if (!have_09()) {
    FAIL("thin-provisioning-tools 0.9 (the oracle) is not installed: run scripts/install-deps.sh");
  }
  if (era_test::rust_pdata_tools().empty()) {
    schelk::test::skip_test("Rust thin-provisioning-tools absent (scripts/fetch-tpt-rust.sh)");
  }
  std::mt19937_64 rng(0x5EC4E1);
  for (int i = 0; i < 20; ++i) {
    const Model m = era_test::random_model(rng, {1500, 6, true});
    INFO("model " << i << ": nr_blocks " << m.nr_blocks << ", writesets " << m.writesets.size()
                  << ", current_era " << m.current_era);
    compare_model(m, rng, i % 2 == 1);
  }
}

TEST_CASE("oracle: kernel-shaped models (consecutive writesets, era array below them)") {
  if (!have_09()) {
    FAIL("thin-provisioning-tools 0.9 (the oracle) is not installed: run scripts/install-deps.sh");
  }
  std::mt19937_64 rng(1122);
  for (int i = 0; i < 10; ++i) {
    Model m = era_test::random_model(rng, {3000, 5, false});
    // Digestion keeps the era array at or below the lowest archived era (doc/dm-era-format.md 5.5),
    // and the archived eras end at current_era - 1.
    const auto k = static_cast<std::uint32_t>(m.writesets.size());
    for (std::uint32_t j = 0; j < k; ++j) m.writesets[j].era = m.current_era - k + j;
    // An entry equal to the lowest era L was copied from writeset L, so L has that bit.
    if (k > 0) {
      auto& low = m.writesets.front();
      for (std::uint32_t b = 0; b < m.nr_blocks; ++b) {
        m.eras[b] = std::min(m.eras[b], low.era);
        if (m.eras[b] == low.era && b < low.nr_bits) low.bits[b] = true;
      }
    }
    INFO("model " << i << ": nr_blocks " << m.nr_blocks << ", writesets " << k);
    compare_model(m, rng, false, true, true);

    const std::string rust = era_test::rust_pdata_tools();
    if (!rust.empty() && k > 0) {
      // 1.x era_dump wants the eras to end at current_era: archive the current era too.
      Model full = m;
      era_test::Writeset cur{m.current_era, m.nr_blocks, std::vector<bool>(m.nr_blocks)};
      for (std::uint32_t b = 0; b < m.nr_blocks; b += 3) cur.bits[b] = true;
      full.writesets.push_back(cur);
      Images im;
      restore_both(full, im, true);
      std::string want = era_test::dump_xml_09(full);
      want.pop_back();  // 1.x: no final newline
      CHECK(run(rust + " era_dump " + im.ours.path()).out == want);
    }
  }
}

TEST_CASE("oracle: multi-level writeset tree") {
  if (!have_09()) {
    FAIL("thin-provisioning-tools 0.9 (the oracle) is not installed: run scripts/install-deps.sh");
  }
  std::mt19937_64 rng(31337);
  Model m;
  m.nr_blocks = 77;
  m.current_era = 1000;
  for (std::uint32_t e = 300; e < 720; ++e) {  // 420 writesets: three writeset-tree leaves
    const std::uint32_t nb = 1 + e % 100;      // resized both ways around nr_blocks
    era_test::Writeset w{e, nb, std::vector<bool>(nb)};
    for (int j = 0; j < 3; ++j) w.bits[rng() % nb] = true;
    m.writesets.push_back(std::move(w));
  }
  m.eras.resize(m.nr_blocks);
  for (auto& v : m.eras) v = static_cast<std::uint32_t>(rng() % 400);
  compare_model(m, rng, true);
}

TEST_CASE("oracle: multi-level era array and bitsets") {
  if (!have_09()) {
    FAIL("thin-provisioning-tools 0.9 (the oracle) is not installed: run scripts/install-deps.sh");
  }
  std::mt19937_64 rng(4242);
  Model m;
  m.block_size = 128;
  m.nr_blocks = 257 * 1018 + 17;  // 258 array blocks: two era-array btree leaves
  m.current_era = 30;
  for (std::uint32_t e : {20u, 21u, 25u}) {  // 258K-bit bitsets: 507 array blocks, two leaves
    const std::uint32_t nb = e == 21 ? m.nr_blocks + 70 : m.nr_blocks;
    era_test::Writeset w{e, nb, std::vector<bool>(nb)};
    for (int j = 0; j < 2000; ++j) w.bits[rng() % nb] = true;
    m.writesets.push_back(std::move(w));
  }
  m.eras.resize(m.nr_blocks);
  for (auto& v : m.eras) v = static_cast<std::uint32_t>(rng() % 20);
  compare_model(m, rng, true, false);
}

TEST_CASE("oracle: era-restore rejects what 0.9 rejects, and leaves the output untouched") {
  if (!have_09()) {
    FAIL("thin-provisioning-tools 0.9 (the oracle) is not installed: run scripts/install-deps.sh");
  }
  const std::string head =
      "<superblock uuid=\"\" block_size=\"64\" nr_blocks=\"10\" current_era=\"2\">\n";
  const std::vector<std::string> bad = {
      head +
          "  <writeset era=\"1\" nr_bits=\"10\">\n    <bit block=\"70\" value=\"true\"/>\n"
          "  </writeset>\n</superblock>\n",
      head + "  <era_array>\n    <era block=\"12\" era=\"1\"/>\n  </era_array>\n</superblock>\n",
      head + "  <foo/>\n</superblock>\n",
      "<superblock uuid=\"\" block_size=\"64\" nr_blocks=\"10\">\n</superblock>\n",
      "garbage\n",
  };
  TempFile xml("oracle-xml"), ours("oracle-ours"), theirs("oracle-09");
  // A valid image first, so "untouched" means something.
  Model m;
  m.nr_blocks = 10;
  m.current_era = 2;
  m.eras.assign(10, 1);
  ours.resize(1 << 20);
  xml.write(era_test::restore_xml(m, false));
  REQUIRE(run(kSchelk + " era-restore -i " + xml.path() + " -o " + ours.path()).rc == 0);
  const std::string before = ours.read();
  for (const auto& x : bad) {
    INFO(x);
    xml.write(x);
    theirs.resize(1 << 20);
    const int rc09 =
        run(k09Restore + " -i " + xml.path() + " -o " + theirs.path() + " 2>/dev/null").rc;
    const auto r = run(kSchelk + " era-restore -i " + xml.path() + " -o " + ours.path() + " 2>&1");
    CHECK(rc09 == 1);
    CHECK(r.rc == rc09);
    CHECK((r.out.find("line") != std::string::npos || x == bad.back()));
    CHECK(ours.read() == before);
  }
  // Command-line and output errors: same exit codes as 0.9.
  xml.write(era_test::restore_xml(m, false));
  TempFile tiny("oracle-tiny");
  tiny.resize(8192);
  // OUT stands for each tool's own output file (0.9 may zero the superblock of its own).
  const std::vector<std::string> cli = {
      "-i " + xml.path(),
      "-o OUT",
      "-i /nonexistent/x.xml -o OUT",
      "-i " + xml.path() + " -o /nonexistent/out.bin",
      "-i " + xml.path() + " -o " + tiny.path(),
      "--bogus",
      "-h",
  };
  const auto with_out = [](std::string a, const std::string& out) {
    const auto p = a.find("OUT");
    if (p != std::string::npos) a.replace(p, 3, out);
    return a;
  };
  for (const auto& a : cli) {
    INFO(a);
    const int rc09 = run(k09Restore + " " + with_out(a, theirs.path()) + " >/dev/null 2>&1").rc;
    CHECK(run(kSchelk + " era-restore " + with_out(a, ours.path()) + " >/dev/null 2>&1").rc ==
          rc09);
  }
  CHECK(ours.read() == before);
  CHECK(run(kSchelk + " era-restore -h").out == run(k09Restore + " -h").out);
}
