// The discard guard: the mount-option parser and warning, and mount refusing (and rolling back
// the era device) when discards cannot be turned off or stay on.
#include "src/workflow/guard_discard.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/workflow/system_view.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;

namespace {

void init_from(Rig& rig, std::optional<std::string> mount_options) {
  auto ctx = rig.context();
  InitOptions o = rig.init_from_no_copy();
  o.mount_options = std::move(mount_options);
  cmd_init_from(ctx, o);
}

}  // namespace

TEST_CASE("mount options that ask for online discard") {
  CHECK(mount_options_enable_discard("discard"));
  CHECK(mount_options_enable_discard("noatime,discard"));
  CHECK(mount_options_enable_discard("discard,noatime"));
  CHECK(mount_options_enable_discard("discard=async"));  // btrfs
  CHECK(mount_options_enable_discard("nodiscard,discard"));
  CHECK_FALSE(mount_options_enable_discard(""));
  CHECK_FALSE(mount_options_enable_discard("noatime"));
  CHECK_FALSE(mount_options_enable_discard("nodiscard"));
  CHECK_FALSE(mount_options_enable_discard("discard,nodiscard"));
  CHECK_FALSE(mount_options_enable_discard("discardx,xdiscard"));
}

TEST_CASE("the discard option warning names the reason and is silent otherwise") {
  std::ostringstream out;
  warn_if_discard_option(out, std::nullopt);
  warn_if_discard_option(out, std::string("noatime"));
  CHECK(out.str().empty());
  warn_if_discard_option(out, std::string("noatime,discard"));
  CHECK(out.str().find("WARNING: mount option 'discard' has no effect") != std::string::npos);
  CHECK(out.str().find("first block of a discard") != std::string::npos);
}

TEST_CASE("init and mount warn about a 'discard' mount option but still mount with it") {
  Rig rig;
  init_from(rig, "noatime,discard");
  CHECK(rig.out.str().find("'discard' has no effect") != std::string::npos);
  rig.out.str("");
  auto ctx = rig.context();
  cmd_mount(ctx);
  CHECK(rig.out.str().find("'discard' has no effect") != std::string::npos);
  CHECK(rig.out.str().find("Discards are off on /dev/mapper/bench_era") != std::string::npos);
  CHECK(rig.mounter.mounted);
}

TEST_CASE("mount refuses and removes the era device when discards cannot be turned off") {
  Rig rig;
  init_from(rig, std::nullopt);
  rig.system.fail_disable_discards = true;
  auto ctx = rig.context();
  const std::string knob =
      (rig.dir / "sys" / "block" / "dm-0" / "queue" / "discard_max_bytes").string();
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("Cannot turn discards off on dm-era device "
                                                    "253:0 (" +
                                                    knob + ")") &&
                                        Catch::Contains("dm-era cannot track discards"));
  CHECK(!rig.dm.device);
  CHECK(!rig.mounter.mounted);
  CHECK(!load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("mount refuses when the discard limit reads back non-zero after the write") {
  Rig rig;
  init_from(rig, std::nullopt);
  rig.system.discards_stay_on = true;
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("Discards are still on"));
  CHECK(!rig.dm.device);
  CHECK(!load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("restore turns discards off on the table it loads") {
  Rig rig;
  init_from(rig, std::nullopt);
  auto ctx = rig.context();
  cmd_mount(ctx);
  rig.events.clear();
  cmd_restore(ctx, {});
  CHECK(std::count(rig.events.begin(), rig.events.end(), "discards off") == 1);
  // and after the create of the new table
  const auto create = std::find_if(rig.events.begin(), rig.events.end(),
                                   [](const std::string& e) { return e.rfind("create ", 0) == 0; });
  const auto off = std::find(rig.events.begin(), rig.events.end(), "discards off");
  CHECK(create < off);
}

TEST_CASE("the host view's discard switch is <sys>/block/dm-N/queue/discard_max_bytes") {
  test::TempDir dir;
  HostSystemView view(dir / "proc", dir / "sys");
  const DmInfo info{253, 3, 1, false};
  const auto knob = dir / "sys" / "block" / "dm-3" / "queue" / "discard_max_bytes";
  CHECK(discard_max_bytes_path(view.sys_root(), info) == knob);
  CHECK_THROWS_WITH(view.disable_discards(info),
                    "Cannot turn discards off: cannot write 0 to " + knob.string());
  CHECK_FALSE(view.discards_disabled(info));  // unreadable: not off
  std::filesystem::create_directories(knob.parent_path());
  std::ofstream(knob) << "4294966784\n";
  CHECK_FALSE(view.discards_disabled(info));
  view.disable_discards(info);
  CHECK(test::slurp(knob.string()) == "0\n");
  CHECK(view.discards_disabled(info));
}
