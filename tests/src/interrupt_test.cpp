// SIGINT/SIGTERM (the raised process cancel token) against the fakes: before the point of no
// return (lock wait, prompt, checks) the command ends with nothing changed; inside, it stops at
// a safe point (after the device removal, between the copier's extents) with the written set
// saved, and a rerun finishes. Exit 128 + signal; --json says "interrupted".
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/cancel.hpp"
#include "base/scope_exit.hpp"
#include "copier/errors.hpp"
#include "src/state/journal.hpp"
#include "src/workflow/cli.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;
using test::slurp;
using test::write_at;

namespace {

// Every test starts and ends with the token lowered (it is process-wide).
struct TokenGuard {
  TokenGuard() { base::process_cancel().reset(); }
  ~TokenGuard() { base::process_cancel().reset(); }
  TokenGuard(const TokenGuard&) = delete;
  TokenGuard& operator=(const TokenGuard&) = delete;
};

// Copies `before_stop` extents through the rig's fake, then "receives" the signal: raises the
// token and, as the real copier does, starts nothing more once should_stop says so.
class SignalledCopier : public VolumeCopier {
 public:
  SignalledCopier(VolumeCopier& inner, size_t before_stop, int signal_number)
      : inner_(inner), before_stop_(before_stop), signal_(signal_number) {}
  CopyReport copy(const CopyRequest& r) override { return inner_.copy(r); }
  CopyReport copy_stoppable(const CopyRequest& r,
                            const std::function<bool()>& should_stop) override {
    CopyRequest first = r;
    first.extents.resize(std::min(before_stop_, r.extents.size()));
    uint64_t done = inner_.copy(first).bytes;
    base::process_cancel().raise(signal_);
    uint64_t total = done;
    for (size_t i = first.extents.size(); i < r.extents.size(); ++i) total += r.extents[i].length;
    if (should_stop()) throw copier::CopyCancelled(done, total);
    CopyRequest rest = r;
    rest.extents.erase(rest.extents.begin(),
                       rest.extents.begin() + static_cast<std::ptrdiff_t>(first.extents.size()));
    done += inner_.copy(rest).bytes;
    return {done, r.extents.size(), 0, std::nullopt};
  }

 private:
  VolumeCopier& inner_;
  size_t before_stop_;
  int signal_;
};

// Raises the token while the written set is read (inside the critical part, before the copy).
class SignalledReader : public WrittenSetReader {
 public:
  explicit SignalledReader(WrittenSetReader& inner) : inner_(inner) {}
  WrittenBlocks read(const std::string& meta, uint32_t since) override {
    base::process_cancel().raise(SIGTERM);
    return inner_.read(meta, since);
  }

 private:
  WrittenSetReader& inner_;
};

ParsedCommand command(const std::string& name, bool json = false) {
  ParsedCommand p;
  p.command = name;
  p.yes = true;
  p.json = json;
  return p;
}

}  // namespace

TEST_CASE("interrupt: a raised token ends recover before the unmount - nothing changed, 130") {
  const TokenGuard guard;
  Rig rig;
  rig.init_and_mount();
  rig.reader.written = {{7, 8}};
  base::process_cancel().raise(SIGINT);
  std::ostringstream out, err;
  const int status =
      run_command(command("recover", true), rig.services(), rig.options(), rig.in, out, err);
  CHECK(status == 130);
  CHECK(err.str() == "Interrupted before anything was changed.\n");
  const auto j = nlohmann::json::parse(out.str());
  CHECK(j["outcome"] == "interrupted");
  CHECK(j["error"] == "Interrupted before anything was changed.");
  CHECK(rig.events.empty());  // no unmount, no snapshot, no copy
  CHECK(rig.dm.device);
  CHECK(load_state(rig.options().state_path)->is_mounted);
  CHECK(!load_journal(rig.options().state_path));
}

TEST_CASE("interrupt: SIGTERM ends a lock wait at once with 143") {
  const TokenGuard guard;
  Rig rig;
  rig.init_and_mount();
  auto held = StateLock::acquire(rig.options().state_path);
  auto options = rig.options();
  options.lock_timeout = 60;
  std::thread signaller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    base::process_cancel().raise(SIGTERM);
  });
  std::ostringstream out, err;
  const auto start = std::chrono::steady_clock::now();
  const int status = run_command(command("recover"), rig.services(), options, rig.in, out, err);
  signaller.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(status == 143);
  CHECK(err.str().find("Waiting for the schelk lock") != std::string::npos);
  CHECK(err.str().find("Interrupted before anything was changed.\n") != std::string::npos);
  CHECK(rig.events.empty());
  CHECK(rig.dm.device);
}

TEST_CASE("interrupt: a signal at the [y/N] prompt ends promote with nothing changed") {
  const TokenGuard guard;
  Rig rig;
  rig.init_and_mount();
  rig.reader.written = {{7, 8}};
  const std::string virgin = slurp(rig.virgin);
  std::istringstream yes("y\n");  // the answer arrives, but the signal came first
  base::process_cancel().raise(SIGINT);
  Context ctx(rig.options(false), rig.services(), yes, rig.out, rig.err);
  CHECK_THROWS_WITH(cmd_promote(ctx, {}), "Interrupted before anything was changed.");
  CHECK(rig.events.empty());
  CHECK(slurp(rig.virgin) == virgin);
  CHECK(load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("interrupt: a cancelled prompt answer without a signal is still 'cancelled by user'") {
  const TokenGuard guard;
  Rig rig;
  rig.init_and_mount();
  std::istringstream no("n\n");
  Context ctx(rig.options(false), rig.services(), no, rig.out, rig.err);
  CHECK_THROWS_AS(cmd_promote(ctx, {}), CancelledError);
}

TEST_CASE("interrupt: mid-copy stops between extents, the written set saved: a rerun finishes") {
  const TokenGuard guard;
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 3, "bench 3");
  write_at(rig.scratch, 4096 * 9, "bench 9");
  write_at(rig.scratch, 4096 * 20, "bench 20");
  rig.reader.written = {{3, 4}, {9, 10}, {20, 21}};
  SignalledCopier copier(rig.copier, 1, SIGTERM);
  Services services{rig.dm, rig.mounter, rig.volumes, rig.system, rig.reader, copier};
  std::ostringstream out, err;
  const int status =
      run_command(command("recover", true), services, rig.options(), rig.in, out, err);
  CHECK(status == 143);
  CHECK(err.str().find("Interrupted: 1 of 3 blocks copied; the written set is saved. Run "
                       "'schelk recover' again to finish.\n") != std::string::npos);
  const auto j = nlohmann::json::parse(out.str());
  CHECK(j["outcome"] == "interrupted");
  std::vector<std::string> steps;
  for (const auto& s : j["steps"]) steps.push_back(s["name"]);
  CHECK(std::find(steps.begin(), steps.end(), "remove device") != steps.end());
  CHECK(!rig.dm.device);
  const auto journal = load_journal(rig.options().state_path);
  REQUIRE(journal);
  CHECK(journal->ranges == std::vector<BlockRange>{{3, 4}, {9, 10}, {20, 21}});
  CHECK(load_state(rig.options().state_path)->is_mounted);
  CHECK(slurp(rig.virgin) != slurp(rig.scratch));

  base::process_cancel().reset();
  std::ostringstream out2, err2;
  CHECK(run_command(command("recover"), rig.services(), rig.options(), rig.in, out2, err2) == 0);
  CHECK(out2.str().find("Resuming an interrupted recover") != std::string::npos);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(!load_journal(rig.options().state_path));
  CHECK(!load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("interrupt: a signal while the set is read stops after the device removal") {
  const TokenGuard guard;
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 5, "bench 5");
  rig.reader.written = {{5, 6}};
  SignalledReader reader(rig.reader);
  Services services{rig.dm, rig.mounter, rig.volumes, rig.system, reader, rig.copier};
  std::ostringstream out, err;
  const int status = run_command(command("restore"), services, rig.options(), rig.in, out, err);
  CHECK(status == 143);
  CHECK(err.str().find("Interrupted: 0 of 1 blocks copied; the written set is saved. Run "
                       "'schelk restore' again to finish.\n") != std::string::npos);
  CHECK(rig.copier.copies.empty());
  CHECK(!rig.dm.device);
  CHECK(load_journal(rig.options().state_path));

  base::process_cancel().reset();
  std::ostringstream out2, err2;
  CHECK(run_command(command("restore"), rig.services(), rig.options(), rig.in, out2, err2) == 0);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("interrupt: --lock-timeout nan, inf and negative are usage errors") {
  for (const char* bad : {"nan", "inf", "-inf", "-1"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_workflow_args({"schelk", "mount", "--lock-timeout", bad}), UsageError);
  }
  CHECK(parse_workflow_args({"schelk", "mount", "--lock-timeout", "2.5"}).lock_timeout == 2.5);
}
