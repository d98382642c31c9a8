// The built binary's workflow CLI: exit codes, default command, version, usage errors.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "src/state/state.hpp"
#include "tests/support/prerequisite.hpp"
#include "tests/support/run_shell.hpp"
#include "tests/support/temp_path.hpp"

namespace {

using Run = schelk::test::ShellRun;

// `redirect` ends the shell command: by default stderr joins stdout in `output`.
Run run(const std::string& args, const std::string& redirect = "2>&1") {
  return schelk::test::run_shell(std::string(SCHELK_BINARY) + " " + args + " " + redirect);
}

}  // namespace

TEST_CASE("schelk with no command runs status") {
  schelk::test::TempDir dir;
  const auto r = run("--state-path " + (dir / "s.json").string());
  CHECK(r.status == 0);
  CHECK(r.output.find("schelk is not initialized.") != std::string::npos);
  const auto env = run("status --json 2>&1 </dev/null; SCHELK_STATE=" + (dir / "e.json").string() +
                       " " + SCHELK_BINARY + " status --json");
  CHECK(env.output.find("\"state_path\":\"" + (dir / "e.json").string() + "\"") !=
        std::string::npos);
}

TEST_CASE("schelk -V prints the version with the git sha") {
  const auto r = run("-V");
  CHECK(r.status == 0);
  CHECK(r.output.rfind(std::string("schelk ") + SCHELK_VERSION, 0) == 0);
}

TEST_CASE("usage errors exit 2 and errors exit 1 with Error:") {
  CHECK(run("mount --kill").status == 2);
  CHECK(run("frobnicate").status == 2);
  schelk::test::TempDir dir;
  const auto r = run("recover --state-path " + (dir / "s.json").string());
  CHECK(r.status == 1);
  CHECK(r.output.find("Error: schelk has not been initialized.") != std::string::npos);
}

namespace {

// A valid, unmounted state in `dir` whose devices and mount point do not exist.
std::string plain_state(const schelk::test::TempDir& dir) {
  schelk::State st;
  st.virgin = "/dev/null";
  st.scratch = "/dev/zero";
  st.ramdisk = "/dev/null";
  st.mount_point = "/nonexistent";
  st.fstype = "ext4";
  st.dm_era_name = "schelk_cli_test_no_such_device";
  const auto path = dir / "s.json";
  schelk::save_state(path, st);
  return path.string();
}

}  // namespace

TEST_CASE("recover exits 0 when nothing is mounted") {
  schelk::test::TempDir dir;
  const auto r = run("recover -k --state-path " + plain_state(dir));
  CHECK(r.status == 0);
  CHECK(r.output.find("Volume is not mounted. Nothing to recover.") != std::string::npos);
}

TEST_CASE("a [y/N] prompt goes to stderr: stdout redirected to a file never holds it") {
  if (::geteuid() != 0) schelk::test::skip_test("init-from needs root to reach its prompt");
  schelk::test::TempDir dir;
  const std::string state = plain_state(dir);
  const auto out = dir / "out.txt";
  const auto err = dir / "err.txt";
  // An initialized state: init-from asks "Reinitialize?" before it looks at any device; the
  // answer comes on a stdin pipe.
  const auto r = schelk::test::run_shell(
      "echo n | " + std::string(SCHELK_BINARY) + " init-from --virgin /dev/null --scratch " +
      "/dev/zero --ramdisk /dev/full --mount-point /nonexistent --state-path " + state + " >" +
      out.string() + " 2>" + err.string());
  CHECK(r.status == 1);
  const auto slurp = [](const std::filesystem::path& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  const std::string stdout_text = slurp(out);
  const std::string stderr_text = slurp(err);
  CHECK(stderr_text.find("Reinitialize? [y/N] ") != std::string::npos);
  CHECK(stderr_text.find("Operation cancelled by user.") != std::string::npos);
  CHECK(stdout_text.find("[y/N]") == std::string::npos);
  CHECK(stdout_text.find("Reinitialize?") == std::string::npos);
}

TEST_CASE("status --json and --check through the binary") {
  schelk::test::TempDir dir;
  const std::string state = plain_state(dir);
  // stdout alone is the one object.
  auto r = run("status --json --state-path " + state, "2>/dev/null");
  CHECK(r.status == 0);
  CHECK(r.output.rfind("{\"schema\":1,\"command\":\"status\",\"outcome\":\"ok\",", 0) == 0);
  CHECK(r.output.find("\"condition\":\"consistent\"") != std::string::npos);
  CHECK(run("status --check --state-path " + state).status == 0);
  // The state says mounted, but neither the mount nor the era device exists.
  auto st = *schelk::load_state(state);
  st.is_mounted = true;
  st.current_era = 1;
  schelk::save_state(state, st);
  r = run("status --check --state-path " + state);
  CHECK(r.status == 4);
  CHECK(r.output.find("Check: inconsistent (exit 4)") != std::string::npos);
  std::ofstream(state + ".written") << "schelk-written-set 1\noperation recover\ngarbage\n";
  CHECK(run("status --check --state-path " + state).status == 5);
  std::ofstream(state) << "{";
  r = run("status --check --json --state-path " + state, "2>/dev/null");
  CHECK(r.status == 5);
  CHECK(r.output.find("\"outcome\":\"error\",\"error\":\"State file is corrupted: " + state) !=
        std::string::npos);
  CHECK(run("status --state-path " + state, ">/dev/null").status == 1);
}

TEST_CASE("an error under --json is an object on stdout: a usage error too") {
  schelk::test::TempDir dir;
  auto r = run("recover --json --state-path " + (dir / "s.json").string(), "2>/dev/null");
  CHECK(r.status == 1);
  CHECK(r.output.rfind("{\"schema\":1,\"command\":\"recover\",\"outcome\":\"error\",\"error\":",
                       0) == 0);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  r = run("recover --json --bogus", "2>/dev/null");
  CHECK(r.status == 2);
  CHECK(r.output.rfind("{\"schema\":1,\"command\":null,\"outcome\":\"error\",", 0) == 0);
}

TEST_CASE("a failed write to stdout is an error: status > /dev/full") {
  schelk::test::TempDir dir;
  const std::string state = plain_state(dir);
  for (const std::string args : {"status", "status --json", "-V"}) {
    const auto r = run(args + " --state-path " + state, "2>&1 >/dev/full");
    CHECK(r.status == 1);
    CHECK(r.output.find("Error: cannot write to standard output: No space left on device") !=
          std::string::npos);
  }
  // The exit status of status --check is kept when writing fails as well.
  auto st = *schelk::load_state(state);
  st.is_mounted = true;
  schelk::save_state(state, st);
  CHECK(run("status --check --state-path " + state, ">/dev/full").status == 4);
}
