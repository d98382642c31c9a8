// Subprocess tests of the built binary's era tools against thin-provisioning-tools 0.9: the
// recorded outputs in fixtures/era/expected/ and, where installed, /usr/sbin/era_* run live.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/metadata_builder.hpp"
#include "tests/support/prerequisite.hpp"
#include "tests/support/temp_path.hpp"

namespace {

struct Result {
  std::string out;  // stdout and stderr, as `cmd > f 2>&1` records them
  int rc = -1;
};

Result run(const std::string& cmd) {
  Result r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// A private directory holding the fixtures gunzipped and era_* symlinks to the binary.
struct Workdir {
  schelk::test::TempDir temp;
  std::string dir = temp.path().string();
  Workdir() {
    for (const char* tool : {"era_invalidate", "era_dump", "era_check"}) {
      REQUIRE(::symlink(SCHELK_BINARY, (dir + "/" + tool).c_str()) == 0);
    }
  }
  std::string image(const std::string& rel) {  // rel: path under fixtures/era without .gz
    std::string name = rel;
    for (auto& c : name)
      if (c == '/') c = '_';
    const std::string out = dir + "/" + name;
    if (::access(out.c_str(), F_OK) != 0) {
      REQUIRE(std::system(("gzip -dc '" SCHELK_FIXTURES_DIR "/era/" + rel + ".gz' > '" + out + "'")
                              .c_str()) == 0);
    }
    return out;
  }
  std::string tool(const char* name) const { return dir + "/" + name; }
};

std::string expected(const std::string& name) {
  return read_file(SCHELK_FIXTURES_DIR "/era/expected/" + name);
}

bool have_0_9() { return ::access("/usr/sbin/era_invalidate", X_OK) == 0; }

}  // namespace

TEST_CASE("era_invalidate and era_dump are byte-identical to the recorded 0.9 outputs") {
  Workdir w;
  for (std::string f : {"f1", "f2_no_writesets", "f3_overlap", "f4_current_ws", "emeta_snap"}) {
    const std::string img = w.image(f + ".bin");
    for (int n = 0; n <= 6; ++n) {
      INFO(f << " --written-since " << n);
      const Result r =
          run(w.tool("era_invalidate") + " --written-since " + std::to_string(n) + " " + img);
      CHECK(r.out + "exit=" + std::to_string(r.rc) + "\n" ==
            expected(f + ".inv" + std::to_string(n) + ".0.9.xml"));
    }
    const Result d = run(w.tool("era_dump") + " " + img);
    CHECK(d.out + "exit=" + std::to_string(d.rc) + "\n" == expected(f + ".era_dump.0.9.xml"));
    if (f != "f3_overlap") {  // f3 --logical differs on purpose: see the next test
      const Result l = run(w.tool("era_dump") + " --logical " + img);
      CHECK(l.out + "exit=" + std::to_string(l.rc) + "\n" ==
            expected(f + ".era_dump_logical.0.9.xml"));
    }
  }
}

TEST_CASE("era_dump --logical reports the latest era (0.9 reports the lowest)") {
  Workdir w;
  const Result l = run(w.tool("era_dump") + " --logical " + w.image("f3_overlap.bin"));
  CHECK(l.rc == 0);
  CHECK(l.out.find("<era block=\"1\" era=\"4\"/>") != std::string::npos);
  CHECK(l.out.find("<era block=\"2\" era=\"4\"/>") != std::string::npos);
  CHECK(expected("f3_overlap.era_dump_logical.0.9.xml").find("<era block=\"1\" era=\"3\"/>") !=
        std::string::npos);
}

TEST_CASE("era tools read the current writeset only when asked (as 1.1 era_dump shows it)") {
  Workdir w;
  const std::string img = w.image("f4_current_ws.bin");
  Result r = run(w.tool("era_invalidate") + " --written-since 4 " + img);
  CHECK(r.out == "<blocks>\n</blocks>\n");
  r = run(w.tool("era_invalidate") + " --include-current-writeset --written-since 4 " + img);
  CHECK(r.out ==
        "<blocks>\n  <range begin=\"2\" end = \"4\"/>\n  <block block=\"15\"/>\n</blocks>\n");
  // 1.1's era_dump prints it as a writeset; ours does too with the option (1.1 has no final \n).
  r = run(w.tool("era_dump") + " --include-current-writeset " + img);
  CHECK(r.out + "exit=0" ==
        expected("f4_current_ws.era_dump.1.1.xml").substr(0, r.out.size() - 1) + "\nexit=0");
}

TEST_CASE("era_invalidate --metadata-snapshot reads the snapshot (0.9 read the live superblock)") {
  Workdir w;
  const std::string img = w.image("kernel/k2_live_with_snap.bin");
  const Result r = run(w.tool("era_invalidate") + " --metadata-snapshot --written-since 1 " + img);
  CHECK(r.rc == 0);
  std::string want =
      read_file(SCHELK_FIXTURES_DIR "/era/kernel/k2.snapshot-written-since-1.rust-1.1.xml");
  for (auto p = want.find("end=\""); p != std::string::npos; p = want.find("end=\"", p + 7))
    want.replace(p, 5, "end = \"");
  CHECK(r.out == want + "\n");
  CHECK(r.out.find("9999") == std::string::npos);  // written after the snapshot
  CHECK(r.out !=
        read_file(SCHELK_FIXTURES_DIR "/era/kernel/k2.snapshot-written-since-1.c++-0.9-WRONG.xml"));
}

TEST_CASE("era_invalidate drops writeset bits beyond nr_blocks (0.9 prints block 99)") {
  Workdir w;
  const Result r = run(w.tool("era_invalidate") + " --written-since 1 " +
                       w.image("xmlcases/x5_ws_nr_bits_larger.0.9.bin"));
  CHECK(r.rc == 0);
  CHECK(r.out.find("99") == std::string::npos);
}

TEST_CASE("era_invalidate command-line errors and exit codes follow 0.9") {
  Workdir w;
  const std::string inv = w.tool("era_invalidate");
  const std::string img = w.image("f1.bin");
  Result r = run(inv + " " + img);
  CHECK(r.rc == 1);
  CHECK(r.out.rfind("Please specify --written-since\nUsage: era_invalidate", 0) == 0);
  r = run(inv + " --written-since 1");
  CHECK(r.rc == 1);
  CHECK(r.out.rfind("No input file provided.\n", 0) == 0);
  for (const char* bad : {"abc", "4294967296", "''", "' 3'", "1x"}) {
    r = run(inv + " --written-since " + bad + " " + img);
    INFO(bad);
    CHECK(r.rc == 1);
    CHECK(r.out == "bad lexical cast: source type value could not be interpreted as target\n");
  }
  r = run(inv + " --written-since -1 " + img);  // 0.9 wraps it to 4294967295
  CHECK(r.rc == 0);
  CHECK(r.out == "<blocks>\n</blocks>\n");
  r = run(inv + " --written-since +3 " + img);
  CHECK(r.out == expected("f1.inv3.0.9.xml").substr(0, expected("f1.inv3.0.9.xml").rfind("exit=")));
  // Bad input paths are named (0.9 era_invalidate said only "Couldn't stat path", "bad path").
  r = run(inv + " --written-since 1 " + w.dir + "/missing");
  CHECK(r.rc == 1);
  CHECK(r.out == w.dir + "/missing: No such file or directory\n");
  r = run(inv + " --written-since 1 /dev/null");
  CHECK(r.rc == 1);
  CHECK(r.out == "/dev/null: Not a block device or regular file\n");
  r = run(inv + " --bogus " + img);
  CHECK(r.rc == 1);
  r = run(inv + " -h");
  CHECK(r.rc == 0);
  CHECK(r.out.rfind("Usage: era_invalidate [options] --written-since <era> {device|file}\n", 0) ==
        0);
  r = run(inv + " --written-since 1 --metadata-snapshot " + img);
  CHECK(r.rc == 1);
  CHECK(r.out.find("no metadata snapshot") != std::string::npos);
  // -o writes the same bytes to the file and nothing to stdout.
  const std::string out = w.dir + "/out.xml";
  r = run(inv + " --written-since 2 -o " + out + " " + img);
  CHECK(r.rc == 0);
  CHECK(r.out.empty());
  CHECK(read_file(out) + "exit=0\n" == expected("f1.inv2.0.9.xml"));
  // Damaged metadata: one line naming block and field, exit 1, nothing on stdout.
  r = run(inv + " --written-since 1 " + w.image("corrupt/c09_cycle.bin"));
  CHECK(r.rc == 1);
  CHECK(r.out ==
        "writeset tree node at block 4: reached twice (cycle or shared node inside one tree)\n");
}

TEST_CASE("era_check exit codes: 0 on good metadata, 1 on damage: -q is silent") {
  Workdir w;
  Result r = run(w.tool("era_check") + " " + w.image("f1.bin"));
  CHECK(r.rc == 0);
  CHECK(r.out == "examining superblock\n");  // what 0.9 prints
  r = run(w.tool("era_check") + " " + w.image("corrupt/c17_era_too_great.bin"));
  CHECK(r.rc == 1);
  CHECK(r.out.find("era too great") != std::string::npos);
  // A space-map count below the references is damage (D15), a leak only a warning.
  r = run(w.tool("era_check") + " " + w.image("corrupt/c29_shared_bitset.bin"));
  CHECK(r.rc == 1);
  CHECK(r.out.find("error: space map: block 7 has count 1, but 2 references were found") !=
        std::string::npos);
  r = run(w.tool("era_check") + " " + w.image("corrupt/c30_writesets_dropped.bin"));
  CHECK(r.rc == 0);
  CHECK(r.out.find("warning: space map: block 7 has count 1, but 0 references were found") !=
        std::string::npos);
  r = run(w.tool("era_check") + " -q " + w.image("corrupt/c09_cycle.bin"));
  CHECK(r.rc == 1);
  CHECK(r.out.empty());
  r = run(w.tool("era_check") + " --super-block-only " + w.image("corrupt/c01_bad_magic.bin"));
  CHECK(r.rc == 1);
  r = run(w.tool("era_dump") + " " + w.image("corrupt/c05_node_csum.bin"));
  CHECK(r.rc == 1);
  CHECK(r.out.find("<superblock") == std::string::npos);  // nothing written before all checks
  r = run(w.tool("era_dump") + " --repair " + w.image("corrupt/c05_node_csum.bin"));
  CHECK(r.rc == 0);
  CHECK(r.out.find("<era_array>") != std::string::npos);
}

TEST_CASE("era tools name a bad input path and why, as 0.9 era_check does (D12f)") {
  Workdir w;
  REQUIRE(::symlink(SCHELK_BINARY, w.tool("era_restore").c_str()) == 0);
  const std::string missing = w.dir + "/missing";
  const std::string loop_a = w.dir + "/loop_a", loop_b = w.dir + "/loop_b";
  REQUIRE(::symlink(loop_b.c_str(), loop_a.c_str()) == 0);
  REQUIRE(::symlink(loop_a.c_str(), loop_b.c_str()) == 0);
  const std::string dir = w.dir + "/adir";
  REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  const std::string check_as_subcommand = std::string(SCHELK_BINARY) + " era-check";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {missing, missing + ": No such file or directory\n"},
      {loop_a, loop_a + ": Too many levels of symbolic links\n"},
      {dir, dir + ": Not a block device or regular file\n"},
  };
  for (const auto& [path, message] : cases) {
    INFO(path);
    for (const std::string& tool : {w.tool("era_check"), check_as_subcommand, w.tool("era_dump"),
                                    w.tool("era_invalidate") + " --written-since 1",
                                    std::string(SCHELK_BINARY) + " era-dump"}) {
      INFO(tool);
      const Result r = run(tool + " " + path);
      CHECK(r.rc == 1);
      CHECK(r.out == message);
    }
    CHECK(run(w.tool("era_check") + " -q " + path).out.empty());  // -q: silent, still rc 1
    if (have_0_9()) {  // drop-in: the same words and exit status as the installed era_check
      const Result ours = run(w.tool("era_check") + " " + path);
      const Result theirs = run("/usr/sbin/era_check " + path);
      CHECK(ours.out == theirs.out);
      CHECK(ours.rc == theirs.rc);
    }
  }
  // era_restore: the XML input must be a regular file; the output a file or block device.
  const std::string xml = SCHELK_FIXTURES_DIR "/era/f1.xml";
  const std::string out = w.dir + "/out.bin";
  REQUIRE(std::system(("truncate -s 4M " + out).c_str()) == 0);
  Result r = run(w.tool("era_restore") + " -i " + missing + " -o " + out);
  CHECK(r.rc == 1);
  CHECK(r.out == missing + ": No such file or directory\n");
  r = run(w.tool("era_restore") + " -i " + loop_a + " -o " + out);
  CHECK(r.rc == 1);
  CHECK(r.out == loop_a + ": Too many levels of symbolic links\n");
  r = run(w.tool("era_restore") + " -i " + dir + " -o " + out);
  CHECK(r.rc == 1);
  CHECK(r.out == dir + ": Not a regular file\n");
  r = run(w.tool("era_restore") + " -i " + xml + " -o " + loop_a);
  CHECK(r.rc == 1);
  CHECK(r.out == loop_a + ": Too many levels of symbolic links\n");
  r = run(w.tool("era_restore") + " -i " + xml + " -o " + missing);  // 0.9's words, kept
  CHECK(r.rc == 1);
  CHECK(r.out.rfind("Output file does not exist.\n", 0) == 0);
}

TEST_CASE("random built images: our era tools equal the installed 0.9 tools") {
  if (!have_0_9()) {
    FAIL("thin-provisioning-tools 0.9 (the oracle) is not installed: run scripts/install-deps.sh");
  }
  Workdir w;
  std::mt19937_64 rng(11);
  for (int round = 0; round < 4; ++round) {
    era_test::ImageSpec spec;
    spec.nr_blocks = static_cast<std::uint32_t>(1 + rng() % 70000);
    spec.current_era = 30;
    spec.era_array.resize(spec.nr_blocks);
    for (auto& e : spec.era_array) e = rng() % 4 == 0 ? static_cast<std::uint32_t>(rng() % 25) : 0;
    for (std::uint32_t era = 20; era < 20u + 3u * static_cast<std::uint32_t>(round); ++era) {
      era_test::WritesetSpec ws{era, spec.nr_blocks, {}};  // nr_bits == nr_blocks: 0.9 is right
      for (int k = 0; k < 300; ++k) ws.bits.push_back(rng() % spec.nr_blocks);
      spec.writesets.push_back(ws);
    }
    const std::string img = w.dir + "/rand.bin";
    era_test::MetadataBuilder::save(era_test::MetadataBuilder::build(spec), img);
    for (int n : {0, 1, 10, 21, 24, 29}) {
      INFO("round " << round << " N " << n);
      const std::string args = " --written-since " + std::to_string(n) + " " + img;
      CHECK(run(w.tool("era_invalidate") + args).out == run("/usr/sbin/era_invalidate" + args).out);
    }
    CHECK(run(w.tool("era_dump") + " " + img).out == run("/usr/sbin/era_dump " + img).out);
    CHECK(run(w.tool("era_check") + " " + img).rc == 0);
    CHECK(run("/usr/sbin/era_check " + img).rc == 0);
  }
}

TEST_CASE("block devices are read with O_DIRECT (loop device over a fixture)") {
  if (::geteuid() != 0 || std::system("command -v losetup >/dev/null 2>&1") != 0) {
    schelk::test::skip_test("needs root and losetup");
  }
  Workdir w;
  const std::string img = w.image("f1.bin");
  const Result l = run("losetup --find --show " + img);
  if (l.rc != 0) {
    schelk::test::skip_test("no loop device available: " + l.out);
  }
  const std::string dev = l.out.substr(0, l.out.find('\n'));
  const Result r = run(w.tool("era_invalidate") + " --written-since 1 " + dev);
  const Result s = run(w.tool("era_invalidate") + " --metadata-snapshot --written-since 1 " + dev);
  (void)run("losetup -d " + dev);
  CHECK(r.rc == 0);
  CHECK(r.out + "exit=0\n" == expected("f1.inv1.0.9.xml"));
  CHECK(s.rc == 1);  // opened without O_EXCL; f1 holds no snapshot
}

TEST_CASE("era_restore refuses a block device held exclusively (live metadata, as 0.9 does)") {
  // Needs a loop device: without root or losetup this cannot run, and says so with ctest's skip
  // code (SKIP_RETURN_CODE 77) rather than passing.
  if (::geteuid() != 0 || std::system("command -v losetup >/dev/null 2>&1") != 0) {
    schelk::test::skip_test("needs root and losetup");
  }
  Workdir w;
  REQUIRE(::symlink(SCHELK_BINARY, w.tool("era_restore").c_str()) == 0);
  const std::string img = w.image("f1.bin");
  const std::string before = read_file(img);
  const Result l = run("losetup --find --show " + img);
  if (l.rc != 0) {
    std::fprintf(stderr, "no loop device available: skipped (%s)\n", l.out.c_str());
    std::exit(77);
  }
  const std::string dev = l.out.substr(0, l.out.find('\n'));
  Result held, unheld;
  {
    // What dm-era does to its metadata device: hold it open exclusively.
    const int fd = ::open(dev.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
    REQUIRE(fd >= 0);
    held = run(w.tool("era_restore") + " -i " SCHELK_FIXTURES_DIR "/era/f2_no_writesets.xml -o " +
               dev);
    ::close(fd);
  }
  const std::string after_held = read_file(img);
  unheld =
      run(w.tool("era_restore") + " -i " SCHELK_FIXTURES_DIR "/era/f2_no_writesets.xml -o " + dev);
  (void)run("losetup -d " + dev);
  CHECK(held.rc == 1);
  CHECK(held.out == "cannot open output " + dev +
                        " exclusively (in use: live metadata of a dm-era target?): Device or "
                        "resource busy\n");
  CHECK(after_held == before);
  CHECK(unheld.rc == 0);  // not held: restored
  CHECK(read_file(img) != before);
}

TEST_CASE("era_restore refuses a FIFO output instead of waiting for a reader (D10)") {
  Workdir w;
  REQUIRE(::symlink(SCHELK_BINARY, w.tool("era_restore").c_str()) == 0);
  const std::string fifo = w.dir + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const Result r = run("timeout 10 " + w.tool("era_restore") +
                       " -i " SCHELK_FIXTURES_DIR "/era/f1.xml -o " + fifo);
  CHECK(r.rc == 1);
  CHECK(r.out == "output " + fifo + " is neither a regular file nor a block device\n");
}
