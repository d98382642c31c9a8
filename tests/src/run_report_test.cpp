// The report of every workflow command (run_command with the fakes): one JSON object on stdout
// under --json with the fields the fakes can confirm (blocks and bytes copied, path, steps in
// the order the calls happened), errors as objects, the "Steps:" line for people, status --check
// exit codes, and the state and journal errors status must show (D8, D12a).
#include "src/workflow/run_report.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "src/state/journal.hpp"
#include "src/workflow/cli.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using nlohmann::json;
using test::Rig;
using test::slurp;
using test::write_at;

namespace {

struct Result {
  int status;
  std::string out;
  std::string err;
  json j;  // the parsed stdout under --json
};

// Runs `schelk ARGS` on the rig's fakes through the CLI's runner.
Result run(Rig& rig, std::vector<std::string> args) {
  args.insert(args.begin(), "schelk");
  const ParsedCommand p = parse_workflow_args(args);
  rig.out.str("");
  rig.err.str("");
  const int status = run_command(p, rig.services(), rig.options(), rig.in, rig.out, rig.err);
  Result r{status, rig.out.str(), rig.err.str(), nullptr};
  if (p.json) {
    // Exactly one object on one line: nothing else reached stdout.
    REQUIRE(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    r.j = json::parse(r.out);
    CHECK(r.j["schema"] == 1);
    CHECK(r.j["command"] == p.command);
    CHECK(r.j["repairs"] == json::array());
  }
  return r;
}

std::vector<std::string> init_args(Rig& rig) {
  return {"--virgin",  rig.virgin, "--scratch",     rig.scratch,
          "--ramdisk", rig.ram,    "--mount-point", (rig.dir / "mnt").string()};
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> step_names(const json& j) {
  std::vector<std::string> names;
  for (const auto& s : j["steps"]) {
    CHECK(s["ms"].is_number());
    CHECK(s["ms"].get<double>() >= 0);
    names.push_back(s["name"]);
  }
  return names;
}

uint64_t extent_bytes(const CopyRequest& r) {
  uint64_t n = 0;
  for (const auto& e : r.extents) n += e.length;
  return n;
}

const std::vector<std::string> kCaptureSteps = {"lock",
                                                "unmount",
                                                "snapshot",
                                                "read written set",
                                                "save written set",
                                                "drop snapshot",
                                                "remove device",
                                                "copy",
                                                "stamp scratch",
                                                "save state",
                                                "remove written set"};
const std::vector<std::string> kMountSteps = {"lock",          "check",      "clear metadata",
                                              "create device", "checkpoint", "discards off",
                                              "save state",    "mount"};

}  // namespace

TEST_CASE("Report: the object's fields, the Steps line, a timer that also ends on a throw") {
  Report r;
  r.command = "recover";
  r.path = "incremental";
  r.add_copy(8192, 2, 4096);
  r.add_step("unmount", 12.4);
  r.add_step("copy", 0.26);
  r.fields["resumed"] = true;
  const auto j = r.to_json();
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"schema", "command", "outcome", "path", "blocks_copied",
                                         "bytes_copied", "block_size", "repairs", "steps",
                                         "resumed"});
  CHECK(j["blocks_copied"] == 2);
  CHECK(j["bytes_copied"] == 8192);
  CHECK(j["steps"][0]["ms"] == 12.4);
  // The one duration format (base::format_duration), as every other line.
  CHECK(r.steps_line() == "Steps: unmount 12ms, copy 0.3ms");
  CHECK(Report{}.steps_line().empty());
  r.add_step("verify", 1532.6);
  CHECK(r.steps_line() == "Steps: unmount 12ms, copy 0.3ms, verify 1.53s");

  Report t;
  try {
    StepTimer timer(t, "first");
    timer.next("failing");
    throw std::runtime_error("x");
  } catch (const std::runtime_error&) {
  }
  REQUIRE(t.steps.size() == 2);
  CHECK(t.steps[1].name == "failing");
  StepTimer stopped(t, "once");
  stopped.stop();
  stopped.stop();
  CHECK(t.steps.size() == 3);
}

TEST_CASE(
    "the --json object of init-new, init-from, mount, recover, promote, restore, full-recover") {
  Rig rig;
  write_at(rig.scratch, 0, "DIFFERENT");

  auto r = run(rig, with({"init-new", "--json"}, init_args(rig)));
  CHECK(r.status == 0);
  CHECK(r.j["outcome"] == "ok");
  CHECK(r.j["path"] == "full");
  REQUIRE(rig.copier.copies.size() == 1);
  CHECK(r.j["bytes_copied"] == extent_bytes(rig.copier.copies[0]));
  CHECK(r.j["bytes_copied"] == Rig::kSize);
  CHECK(r.j["blocks_copied"] == Rig::kSize / 4096);
  CHECK(r.j["block_size"] == 4096);
  CHECK(step_names(r.j) == std::vector<std::string>{"lock", "check", "mkfs", "copy",
                                                    "stamp scratch", "save state",
                                                    "remove written set"});
  // The text people read went to stderr.
  CHECK(r.err.find("Initialized. State saved to") != std::string::npos);

  r = run(rig, with({"init-from", "--json", "--no-copy", "--fstype", "ext4"}, init_args(rig)));
  CHECK(r.j["outcome"] == "ok");
  CHECK(r.j["path"] == "none");
  CHECK(r.j["blocks_copied"] == 0);
  CHECK(r.j["block_size"] == nullptr);
  CHECK(rig.copier.copies.size() == 1);  // --no-copy copied nothing

  r = run(rig, {"mount", "--json"});
  CHECK(r.status == 0);
  CHECK(r.j["path"] == "none");
  CHECK(step_names(r.j) == kMountSteps);
  CHECK(r.err.find("Successfully mounted at") != std::string::npos);

  // recover: the blocks copied are the fake's written set, in extents the fake copier saw.
  rig.reader.written = {{2, 5}, {11, 12}};
  r = run(rig, {"recover", "--json"});
  CHECK(r.status == 0);
  CHECK(r.j["outcome"] == "ok");
  CHECK(r.j["path"] == "incremental");
  CHECK(r.j["blocks_copied"] == 4);
  REQUIRE(rig.copier.copies.size() == 2);
  CHECK(r.j["bytes_copied"] == extent_bytes(rig.copier.copies[1]));
  CHECK(r.j["bytes_copied"] == 4 * 4096);
  CHECK(step_names(r.j) == kCaptureSteps);

  r = run(rig, {"recover", "--json"});
  CHECK(r.status == 0);
  CHECK(r.j["outcome"] == "nothing_to_do");
  CHECK(r.j["path"] == "none");
  CHECK(r.j["blocks_copied"] == 0);

  // promote, with --verify: its copy step says so and virgin's superblock is hashed again.
  run(rig, {"mount"});
  write_at(rig.scratch, 4096 * 7, "promote me");
  rig.reader.written = {{7, 8}};
  r = run(rig, {"-y", "promote", "--json", "--verify"});
  CHECK(r.status == 0);
  CHECK(r.j["path"] == "incremental");
  CHECK(r.j["blocks_copied"] == 1);
  CHECK(r.j["bytes_copied"] == 4096);
  auto promote_steps = kCaptureSteps;
  promote_steps[7] = "copy and verify";
  promote_steps.insert(promote_steps.begin() + 8, "hash superblock");
  CHECK(step_names(r.j) == promote_steps);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));

  // restore: recover's steps, then mount's, in one report and one object.
  run(rig, {"mount"});
  rig.reader.written = {{1, 3}};
  r = run(rig, {"restore", "--json"});
  CHECK(r.status == 0);
  CHECK(r.j["outcome"] == "ok");
  CHECK(r.j["path"] == "incremental");
  CHECK(r.j["blocks_copied"] == 2);
  auto restore_steps = kCaptureSteps;
  restore_steps.insert(restore_steps.end(), kMountSteps.begin() + 1, kMountSteps.end());
  CHECK(step_names(r.j) == restore_steps);

  // restore of an unmounted volume: nothing to recover, still mounted, so "ok".
  run(rig, {"recover"});
  r = run(rig, {"restore", "--json"});
  CHECK(r.j["outcome"] == "ok");
  CHECK(r.j["path"] == "none");
  run(rig, {"recover"});

  r = run(rig, {"full-recover", "--json"});
  CHECK(r.status == 0);
  CHECK(r.j["path"] == "full");
  CHECK(r.j["bytes_copied"] == Rig::kSize);
  CHECK(r.j["bytes_copied"] == extent_bytes(rig.copier.copies.back()));
  CHECK(r.j["blocks_copied"] == Rig::kSize / 4096);
  CHECK(step_names(r.j) == std::vector<std::string>{"lock", "check", "copy", "hash superblock",
                                                    "stamp scratch", "save state",
                                                    "remove written set"});
}

TEST_CASE("a resumed recover says so in its report") {
  Rig rig;
  rig.init_and_mount();
  rig.reader.written = {{3, 4}};
  rig.copier.fail = true;
  auto r = run(rig, {"recover", "--json"});
  CHECK(r.status == 1);
  CHECK(r.j["outcome"] == "error");
  CHECK(r.j["error"] == "I/O error at bytes 4096..8192");
  // The steps up to the failing copy are there, the failing one included.
  const auto names = step_names(r.j);
  REQUIRE(!names.empty());
  CHECK(names.back() == "copy");
  rig.copier.fail = false;
  r = run(rig, {"recover", "--json"});
  CHECK(r.status == 0);
  CHECK(r.j["resumed"] == true);
  CHECK(r.j["blocks_copied"] == 1);
  CHECK(step_names(r.j) == std::vector<std::string>{"lock", "copy", "stamp scratch", "save state",
                                                    "remove written set"});
}

TEST_CASE("errors under --json are objects on stdout with the Error line's message, exit 1") {
  Rig rig;
  for (const char* cmd : {"mount", "recover", "restore", "promote", "full-recover"}) {
    const auto r = run(rig, {cmd, "--json"});
    CHECK(r.status == 1);
    CHECK(r.j["outcome"] == "error");
    const std::string message = r.j["error"];
    CHECK(message.find("schelk has not been initialized.") != std::string::npos);
    const std::string error_line = "Error: " + message + "\n";  // the last line on stderr
    CHECK(r.err.substr(r.err.size() - std::min(r.err.size(), error_line.size())) == error_line);
  }
  rig.system.root = false;
  const auto r = run(rig, with({"init-new", "--json"}, init_args(rig)));
  CHECK(r.status == 1);
  CHECK(r.j["error"] == "This command requires root privileges. Please run with sudo or as root.");
  CHECK(r.j["steps"] == json::array());
}

TEST_CASE("without --json: the text on stdout ends with the Steps line, no JSON") {
  Rig rig;
  auto r = run(rig, with({"init-from", "--no-copy", "--fstype", "ext4"}, init_args(rig)));
  CHECK(r.status == 0);
  CHECK(r.out.find("Initialized. State saved to") != std::string::npos);
  CHECK(r.out.find("\nSteps: lock ") != std::string::npos);
  CHECK(r.out.find('{') == std::string::npos);
  r = run(rig, {"mount"});
  const auto steps = r.out.rfind("Steps: lock ");
  REQUIRE(steps != std::string::npos);
  CHECK(r.out.find("All writes are now being tracked by dm-era.\n") < steps);
  CHECK(r.out.substr(steps).find(", mount ") != std::string::npos);
  CHECK(r.out.back() == '\n');
  // An error prints no Steps line.
  r = run(rig, {"mount"});
  CHECK(r.status == 1);
  CHECK(r.out.find("Steps:") == std::string::npos);
  CHECK(r.err == "Error: Volume is already mounted.\n");
  // status is a report of what is, not a sequence of steps.
  r = run(rig, {"status"});
  CHECK(r.out.find("Steps:") == std::string::npos);
}

TEST_CASE("status --json keeps its fields and adds schema, command and condition") {
  Rig rig;
  auto r = run(rig, {"status", "--json"});
  CHECK(r.status == 0);
  CHECK(r.j["outcome"] == "ok");
  CHECK(r.j["initialized"] == false);
  CHECK(r.j["condition"] == "not_initialized");
  CHECK(r.j["path"] == "none");
  rig.init_and_mount();
  r = run(rig, {"status", "--json"});
  CHECK(r.j["initialized"] == true);
  CHECK(r.j["state_path"] == rig.options().state_path.string());
  CHECK(r.j["state_mounted"] == true);
  CHECK(r.j["actually_mounted"] == true);
  CHECK(r.j["consistent"] == true);
  CHECK(r.j["saved_written_set"] == nullptr);
  CHECK(r.j["condition"] == "consistent");
  CHECK(r.err.empty());  // no text anywhere under --json
}

TEST_CASE("status --check: 0 consistent, 3 interrupted, 4 inconsistent, 5 unreadable") {
  Rig rig;
  CHECK(run(rig, {"status", "--check"}).status == 0);  // not initialized
  rig.init_and_mount();
  auto r = run(rig, {"status", "--check"});
  CHECK(r.status == 0);
  CHECK(r.out.find("\nCheck: consistent (exit 0)\n") != std::string::npos);
  CHECK(run(rig, {"status"}).status == 0);

  // A held metadata snapshot: a recover or promote was killed between take and drop.
  rig.dm.snapshot = true;
  CHECK(run(rig, {"status", "--check"}).status == 3);
  rig.dm.snapshot = false;

  // The device and the mount gone (a reboot): inconsistent.
  rig.dm.device = false;
  rig.mounter.mounted = false;
  r = run(rig, {"status", "--check", "--json"});
  CHECK(r.status == 4);
  CHECK(r.j["outcome"] == "ok");
  CHECK(r.j["condition"] == "inconsistent");
  CHECK(run(rig, {"status"}).status == 0);  // only --check turns it into the exit status

  // ...with a saved written set: an interrupted recover to finish.
  const auto st = *load_state(rig.options().state_path);
  Journal j;
  j.operation = "recover";
  j.dm_era_name = st.dm_era_name;
  j.granularity = st.granularity;
  j.nr_blocks = Rig::kSize / 4096;
  j.ranges = {{1, 2}};
  save_journal(rig.options().state_path, j);
  r = run(rig, {"status", "--check", "--json"});
  CHECK(r.status == 3);
  CHECK(r.j["condition"] == "interrupted_operation");
  CHECK(r.j["saved_written_set"] == json{{"operation", "recover"}, {"blocks", 1}});

  // D8: an unreadable journal is reported with its error, not as null.
  std::ofstream(journal_path_for(rig.options().state_path))
      << "schelk-written-set 1\noperation recover\ngarbage\n";
  r = run(rig, {"status", "--check", "--json"});
  CHECK(r.status == 5);
  CHECK(r.j["condition"] == "unreadable");
  REQUIRE(r.j["saved_written_set"].is_object());
  CHECK(r.j["saved_written_set"]["operation"] == nullptr);
  CHECK(r.j["saved_written_set"]["error"].get<std::string>().find(
            "Recovery journal is corrupted") != std::string::npos);
  r = run(rig, {"status", "--json"});
  CHECK(r.status == 0);  // without --check the journal's state is a finding, not an error
  CHECK(r.j["saved_written_set"]["error"].is_string());
}

TEST_CASE("D12a: a corrupt state file is named, status shows what it can, --json an object") {
  Rig rig;
  const auto path = rig.options().state_path;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << "{\"virgin\": ";
  const std::string message_start = "State file is corrupted: " + path.string() + ": ";

  auto r = run(rig, {"status"});
  CHECK(r.status == 1);
  CHECK(r.out.find("State file: " + path.string() + "\n") != std::string::npos);
  CHECK(r.out.find("  State: UNREADABLE (" + message_start) != std::string::npos);
  CHECK(r.err.rfind("Error: " + message_start, 0) == 0);
  CHECK(r.err.find("run 'schelk init-new' or 'schelk init-from' again.") != std::string::npos);

  r = run(rig, {"status", "--json"});
  CHECK(r.status == 1);
  CHECK(r.j["outcome"] == "error");
  CHECK(r.j["error"].get<std::string>().rfind(message_start, 0) == 0);
  CHECK(r.j["state_path"] == path.string());
  CHECK(r.j["initialized"] == nullptr);
  CHECK(r.j["condition"] == "unreadable");
  CHECK(run(rig, {"status", "--check"}).status == 5);

  // The commands that load the state name it too.
  r = run(rig, {"recover", "--json"});
  CHECK(r.j["error"].get<std::string>().rfind(message_start, 0) == 0);

  // A directory where the state file should be.
  std::filesystem::remove(path);
  std::filesystem::create_directories(path);
  r = run(rig, {"status", "--check", "--json"});
  CHECK(r.status == 5);
  CHECK(r.j["error"] == "State path " + path.string() +
                            " is a directory, not a state file; give the file's path with "
                            "--state-path or SCHELK_STATE.");
}

TEST_CASE("every workflow command takes --json, only status takes --check") {
  for (const char* cmd : {"mount", "recover", "restore", "promote", "full-recover", "status"}) {
    CHECK(parse_workflow_args({"schelk", cmd, "--json"}).json);
  }
  CHECK(parse_workflow_args({"schelk", "status", "--check"}).check);
  CHECK_THROWS_AS(parse_workflow_args({"schelk", "recover", "--check"}), UsageError);
}

namespace {
// device-mapper as a non-root user sees it: every question fails.
class NoAccessDm : public test::FakeDmControl {
 public:
  std::optional<DmInfo> info(const std::string&) override { throw DmError("Permission denied"); }
};
}  // namespace

TEST_CASE("status --check without root judges by the mount: a mounted volume is consistent") {
  Rig rig;
  rig.init_and_mount();
  NoAccessDm dm;
  Services s{dm, rig.mounter, rig.volumes, rig.system, rig.reader, rig.copier};
  const ParsedCommand p = parse_workflow_args({"schelk", "status", "--check", "--json"});
  std::ostringstream out, err;
  CHECK(run_command(p, s, rig.options(), rig.in, out, err) == 0);
  CHECK(json::parse(out.str())["condition"] == "consistent");
  rig.mounter.mounted = false;  // the mount is gone: that much it can tell
  std::ostringstream out2;
  CHECK(run_command(p, s, rig.options(), rig.in, out2, err) == 4);
}
