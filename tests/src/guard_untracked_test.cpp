// Untracked-write detection against fake sysfs/proc trees: the stat parser, the stamp, its
// comparison, writers and holders of scratch, and mount refusing a scratch changed while
// dm-era was not tracking it.
#include <fcntl.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::FakeScratch;
using test::FakeSystemView;
using test::Rig;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

using test::stat_line;

// A system view of its own in a temp dir, for the tests without a rig.
struct StandaloneView {
  TempDir dir;
  FakeSystemView view{dir.path()};
};

void init_from(Rig& rig) {
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
}

}  // namespace

TEST_CASE("block stat parsing: write sectors are field 7 and discard sectors field 14") {
  const auto c = parse_block_stat(stat_line(777, 4096));
  REQUIRE(c);
  CHECK(c->write_sectors == 777);
  CHECK(c->discard_sectors == 4096);
  // Kernels before 4.18 have 11 fields: no discard columns.
  const auto old = parse_block_stat("1 2 3 4 5 6 7 8 9 10 11\n");
  REQUIRE(old);
  CHECK(old->write_sectors == 7);
  CHECK(old->discard_sectors == 0);
  CHECK_FALSE(parse_block_stat("1 2 3 4 5 6\n"));
  CHECK_FALSE(parse_block_stat("1 2 3 4 5 6 x 8\n"));
  CHECK_FALSE(parse_block_stat(""));
}

TEST_CASE("a stamp reads the counters and the boot id and round-trips through JSON") {
  StandaloneView host;
  FakeScratch sys(host.view, "/dev/scratch");
  sys.set_counters(555, 64);
  const auto s = take_scratch_stamp("/dev/scratch", host.view);
  REQUIRE(s);
  CHECK(s->major == 259);
  CHECK(s->minor == 7);
  CHECK(s->boot_id == "aaaa-1");
  CHECK(s->counters == WriteCounters{555, 64});
  CHECK(stamp_from_json(stamp_to_json(*s)) == *s);
  CHECK_THROWS_AS(stamp_from_json("{\"device\": 3}"), StateError);
  CHECK_THROWS_AS(stamp_from_json("not json"), StateError);
  CHECK_FALSE(take_scratch_stamp("/tmp/a-file", host.view));  // not a block device
  fs::remove(sys.dev_dir / "stat");
  CHECK_FALSE(take_scratch_stamp("/dev/scratch", host.view));
}

TEST_CASE("comparing stamps: untouched or written or discarded or rebooted or another device") {
  StandaloneView host;
  FakeScratch sys(host.view, "/dev/scratch");
  const auto then = take_scratch_stamp("/dev/scratch", host.view);
  CHECK(compare_stamps(then, take_scratch_stamp("/dev/scratch", host.view)).verdict ==
        UntrackedVerdict::kUntouched);
  sys.set_counters(1008, 0);
  auto c = compare_stamps(then, take_scratch_stamp("/dev/scratch", host.view));
  CHECK(c.verdict == UntrackedVerdict::kWritten);
  CHECK(c.written_sectors == 8);
  sys.set_counters(1000, 2048);
  c = compare_stamps(then, take_scratch_stamp("/dev/scratch", host.view));
  CHECK(c.verdict == UntrackedVerdict::kWritten);
  CHECK(c.discarded_sectors == 2048);
  sys.set_counters(10, 0);  // counters went back: the device was re-attached
  CHECK(compare_stamps(then, take_scratch_stamp("/dev/scratch", host.view)).verdict ==
        UntrackedVerdict::kCannotTell);
  sys.set_counters(1000, 0);
  host.view.set_boot_id("bbbb-2");
  CHECK(compare_stamps(then, take_scratch_stamp("/dev/scratch", host.view)).verdict ==
        UntrackedVerdict::kCannotTell);
  CHECK(compare_stamps(std::nullopt, then).verdict == UntrackedVerdict::kUnknown);
  CHECK(compare_stamps(then, std::nullopt).verdict == UntrackedVerdict::kUnknown);
}

TEST_CASE("writers of scratch are found through /proc fd links and fdinfo flags") {
  TempDir d;
  const auto target = (d / "scratch").string();
  const auto other = (d / "other").string();
  std::ofstream(target) << "x";
  std::ofstream(other) << "y";
  const auto proc = d / "proc";
  auto add = [&](const std::string& pid, const std::string& file, const std::string& flags) {
    fs::create_directories(proc / pid / "fd");
    fs::create_directories(proc / pid / "fdinfo");
    fs::create_symlink(file, proc / pid / "fd" / "3");
    std::ofstream(proc / pid / "fdinfo" / "3") << "pos:\t0\nflags:\t" << flags << "\nmnt_id:\t1\n";
    std::ofstream(proc / pid / "comm") << "proc" << pid << "\n";
  };
  add("101", target, "0100002");  // O_RDWR|O_LARGEFILE
  add("102", target, "0100000");  // read-only
  add("103", other, "0100001");   // writes another file
  add("104", target, "01");       // O_WRONLY
  fs::create_directories(proc / "self-not-a-pid");
  auto w = find_writers(target, proc.string());
  std::sort(w.begin(), w.end(), [](const Opener& a, const Opener& b) { return a.pid < b.pid; });
  REQUIRE(w.size() == 2);
  CHECK(w[0].pid == 101);
  CHECK(w[0].command == "proc101");
  CHECK(w[1].pid == 104);
  CHECK(find_writers((d / "missing").string(), proc.string()).empty());
}

TEST_CASE("mount refuses a scratch written or discarded since the last restore") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  init_from(rig);
  REQUIRE(fs::exists(scratch_stamp_path_for(rig.options().state_path)));
  auto ctx = rig.context();
  const auto st = load_state(rig.options().state_path);
  CHECK_NOTHROW(check_scratch_untouched(ctx, *st));
  sys.set_counters(1016, 0);
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st), Catch::Contains("changed outside schelk") &&
                                                           Catch::Contains("0.0 MiB written") &&
                                                           Catch::Contains("full-recover"));
  sys.set_counters(1000, 16384);
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st), Catch::Contains("8.0 MiB discarded"));
  // A new stamp (what recover/full-recover record) makes the current counters the baseline.
  record_scratch_untouched(ctx, *st);
  CHECK_NOTHROW(check_scratch_untouched(ctx, *st));
  // After a reboot the counters do not compare: mount goes on but says so.
  rig.system.set_boot_id("bbbb-2");
  rig.out.str("");
  CHECK_NOTHROW(check_scratch_untouched(ctx, *st));
  CHECK(rig.out.str().find("cannot check scratch for untracked writes") != std::string::npos);
  CHECK(rig.out.str().find("schelk verify --a " + rig.virgin + " --b " + rig.scratch) !=
        std::string::npos);
}

TEST_CASE("mount refuses a scratch held by a stacked device or open for writing") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  init_from(rig);
  auto ctx = rig.context();
  const auto st = load_state(rig.options().state_path);
  std::ofstream(sys.dev_dir / "holders" / "dm-3") << "";
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st), Catch::Contains("held by dm-3"));
  fs::remove(sys.dev_dir / "holders" / "dm-3");
  CHECK_NOTHROW(check_scratch_untouched(ctx, *st));
  const auto proc = rig.system.proc_root();
  fs::create_directories(proc / "4242" / "fd");
  fs::create_directories(proc / "4242" / "fdinfo");
  fs::create_symlink(rig.scratch, proc / "4242" / "fd" / "5");
  std::ofstream(proc / "4242" / "fdinfo" / "5") << "flags:\t02\n";
  std::ofstream(proc / "4242" / "comm") << "dd\n";
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st),
                    Catch::Contains("open for writing by process 4242 (dd)"));
}

TEST_CASE("a scratch that is no block device leaves no stamp (and an old one is removed)") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  init_from(rig);
  const auto path = scratch_stamp_path_for(rig.options().state_path);
  REQUIRE(fs::exists(path));
  auto ctx = rig.context();
  rig.system.block_devices.clear();
  record_scratch_untouched(ctx, *load_state(rig.options().state_path));
  CHECK_FALSE(fs::exists(path));
  CHECK_NOTHROW(check_scratch_untouched(ctx, *load_state(rig.options().state_path)));
}

TEST_CASE("the mount flow checks for untracked writes before creating the era device") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  init_from(rig);
  auto ctx = rig.context();
  sys.set_counters(1008, 0);
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("changed outside schelk"));
  CHECK(rig.dm.calls.own.empty());  // refused before any dm call
  // A restore (here: a new stamp) makes mount go on.
  record_scratch_untouched(ctx, *load_state(rig.options().state_path));
  CHECK_NOTHROW(cmd_mount(ctx));
  CHECK(rig.dm.device);
}

TEST_CASE("mount refuses a scratch claimed exclusively and volumes of different sizes") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  init_from(rig);
  auto ctx = rig.context();
  const auto st = load_state(rig.options().state_path);
  rig.system.claimed.insert(rig.scratch);
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st),
                    Catch::Contains("is in use (mounted outside schelk") &&
                        Catch::Contains("Nothing found holding it"));
  // What holds it is named after the old message (issue 10 item 7): here a mount outside schelk.
  rig.system.add_mount(makedev(259, 7), "ext4");
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st),
                    Catch::Equals("Scratch volume " + rig.scratch +
                                  " is in use (mounted outside schelk, or claimed by another "
                                  "driver). Unmount or release it before 'schelk mount'. What "
                                  "holds it: mounted at /m7."));
  rig.system.claimed.clear();
  CHECK_NOTHROW(check_scratch_untouched(ctx, *st));
  fs::resize_file(rig.virgin, Rig::kSize + 4096);
  CHECK_THROWS_WITH(check_scratch_untouched(ctx, *st),
                    Catch::Contains("Volume size mismatch") && Catch::Contains("resized"));
}
