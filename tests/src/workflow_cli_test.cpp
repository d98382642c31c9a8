// The built binary's workflow CLI: exit codes, default command, version, usage errors.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "src/state/state.hpp"
#include "tests/support/temp_path.hpp"

namespace {

struct Run {
  int status;
  std::string output;
};

Run run(const std::string& args) {
  const std::string cmd = std::string(SCHELK_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
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

TEST_CASE("recover exits 0 when nothing is mounted") {
  schelk::test::TempDir dir;
  schelk::State st;
  st.virgin = "/dev/null";
  st.scratch = "/dev/zero";
  st.ramdisk = "/dev/null";
  st.mount_point = "/nonexistent";
  st.fstype = "ext4";
  schelk::save_state(dir / "s.json", st);
  const auto r = run("recover -k --state-path " + (dir / "s.json").string());
  CHECK(r.status == 0);
  CHECK(r.output.find("Volume is not mounted. Nothing to recover.") != std::string::npos);
}
