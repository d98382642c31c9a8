// Option tables, help text and dispatch of the workflow commands; the one place the real system
// (libdevmapper, libmount, /proc, /sys, the block devices, era_metadata, the copier) is made.
#include "src/workflow/cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "base/cancel.hpp"
#include "src/workflow/repair.hpp"
#include "src/workflow/signals.hpp"

namespace schelk {
namespace po = boost::program_options;
namespace {

// One row drives parsing (which options are valid), help and dispatch.
struct CommandInfo {
  const char* name;
  const char* summary;
  std::set<std::string> options;
  bool critical;  // SIGINT/SIGTERM stop it only where it is safe (signals.hpp)
  void (*run)(Context& ctx, const ParsedCommand& p);
};

const std::set<std::string> kInitOptions = {
    "virgin",      "scratch",     "ramdisk", "mount-point", "mount-options",
    "granularity", "dm-era-name", "verify",  "json",        "allow-any-ramdisk"};

const std::vector<CommandInfo>& commands() {
  static const std::vector<CommandInfo> kCommands = [] {
    std::set<std::string> from = kInitOptions;
    from.insert("fstype");
    from.insert("no-copy");
    return std::vector<CommandInfo>{
        {"init-new",
         "Create an ext4 filesystem on virgin and copy it to scratch (destructive to both)",
         kInitOptions, false,
         [](Context& ctx, const ParsedCommand& p) { cmd_init_new(ctx, p.init); }},
        {"init-from",
         "Use the existing filesystem on virgin and copy it to scratch (destructive to scratch "
         "unless --no-copy)",
         from, false, [](Context& ctx, const ParsedCommand& p) { cmd_init_from(ctx, p.init); }},
        {"mount",
         "Put dm-era over scratch and mount it; all writes are tracked",
         {"json"},
         true,
         [](Context& ctx, const ParsedCommand&) { cmd_mount(ctx); }},
        {"recover",
         "Unmount and copy back from virgin only the blocks written since mount",
         {"kill", "verify", "json", "full-if-needed"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_recover(ctx, p.recover); }},
        {"restore",
         "recover, then mount again (one lock)",
         {"kill", "verify", "json", "full-if-needed"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_restore(ctx, p.recover); }},
        {"promote",
         "(destructive) Copy the blocks written since mount from scratch to virgin. The old "
         "virgin data is lost and cannot be recovered.",
         {"kill", "verify", "json"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_promote(ctx, p.recover); }},
        {"full-recover",
         "Copy all of virgin onto scratch (destructive to scratch)",
         {"verify", "json", "force"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_full_recover(ctx, p.verify, p.force); }},
        {"repair",
         "Find where the state and the system disagree and fix what is provably safe (stale "
         "era device, unknown mount, reboot while mounted, leftover snapshot or written set)",
         {"dry-run", "kill", "json"},
         false,
         [](Context& ctx, const ParsedCommand& p) {
           cmd_repair(ctx, {p.dry_run, p.recover.kill});
         }},
        {"mark",
         "Start a phase of the tracked run: its writes are told apart from the earlier ones "
         "(schelk mark LABEL)",
         {"json"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_mark(ctx, p.label); }},
        {"history",
         "List the recorded runs (recover, restore, promote, full-recover); --keep-runs / "
         "--keep-bytes set how many are kept",
         {"json", "keep-runs", "keep-bytes"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_history(ctx, p.history); }},
        {"written",
         "Report what a run wrote: live while mounted, a past run (--run ID|last), or "
         "--metadata PATH; a summary, --ranges for copy --blocks, or --json",
         {"json", "run", "metadata", "metadata-snapshot", "since", "by-phase", "ranges"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_written(ctx, p.written); }},
        {"status",
         "Show configuration and state (default)",
         {"json", "check"},
         false,
         [](Context& ctx, const ParsedCommand& p) {
           cmd_status(ctx, {p.json, p.check});
         }},
    };
  }();
  return kCommands;
}

const CommandInfo* find_command(const std::string& name) {
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

po::options_description global_options() {
  po::options_description d("Global options");
  d.add_options()("yes,y", "Skip every interactive confirmation")(
      "state-path", po::value<std::string>(),
      "State file (env SCHELK_STATE, default /var/lib/schelk/state.json)")(
      "lock-timeout", po::value<double>(),
      "Wait up to SECONDS for a busy lock instead of failing at once")(
      "version,V", "Print the version")("help,h", "Print help");
  return d;
}

po::options_description command_options() {
  po::options_description d("Command options");
  d.add_options()("virgin", po::value<std::string>(), "Baseline volume (block device)")(
      "scratch", po::value<std::string>(), "Benchmark volume (block device)")(
      "ramdisk", po::value<std::string>(), "RAM disk for the dm-era metadata (e.g. /dev/ram0)")(
      "mount-point", po::value<std::string>(), "Where the scratch filesystem is mounted")(
      "mount-options", po::value<std::string>(), "Mount options, e.g. \"noatime,nodiratime\"")(
      "granularity", po::value<uint64_t>(), "Tracking block size in bytes (default 4096)")(
      "dm-era-name", po::value<std::string>(), "dm device name (default bench_era)")(
      "fstype", po::value<std::string>(), "Filesystem type (detected with libblkid if absent)")(
      "no-copy", "Assert virgin and scratch are already identical; copy nothing")(
      "allow-any-ramdisk",
      "Accept a --ramdisk that is not RAM-backed (brd, zram, loop on tmpfs); mount overwrites it")(
      "kill,k", "SIGKILL processes that keep the mount point busy")(
      "verify", "Compare source and destination after copying")(
      "full-if-needed",
      "Copy all of virgin when an incremental recover is not provably right (tracking lost, "
      "scratch changed outside schelk); say which and why")(
      "force", "Copy even when scratch is known equal to virgin")(
      "dry-run", "Say what would be repaired; change nothing")(
      "run", po::value<std::string>(), "written: a past run's id, or 'last'")(
      "metadata", po::value<std::string>(), "written: dm-era metadata by path (image or device)")(
      "metadata-snapshot", "written: read --metadata through its held snapshot")(
      "since", po::value<std::string>(), "written: only writes in and after this phase or era")(
      "by-phase", "written: the blocks last written in each phase (live)")(
      "ranges", "written: print 'BEGIN END' block ranges (for schelk copy --blocks)")(
      "keep-runs", po::value<uint64_t>(), "history: keep at most N runs (default 100)")(
      "keep-bytes", po::value<uint64_t>(),
      "history: keep at most BYTES of records (default 268435456)")(
      "json", "Print the result as one JSON object on stdout (see README, Results for machines)")(
      "check",
      "Exit 3, 4, 5 or 6 when an operation is pending, the state is inconsistent or "
      "unreadable, or scratch needs a full recovery");
  return d;
}

}  // namespace

std::string version_string() {
  std::string v = std::string("schelk ") + SCHELK_VERSION;
  const std::string sha = SCHELK_GIT_SHA;
  if (!sha.empty()) v += " (" + sha + ")";
  return v;
}

std::string workflow_usage(std::span<const ToolSummary> tools) {
  std::ostringstream out;
  out << "schelk: Fast database benchmarking with surgical volume recovery\n\n"
      << "Usage: schelk [OPTIONS] [COMMAND] [COMMAND OPTIONS]\n\nCommands:\n";
  for (const auto& c : commands()) {
    out << "  " << c.name << std::string(14 - std::string(c.name).size(), ' ') << c.summary << "\n";
  }
  if (!tools.empty()) {
    out << "\nTools (same binary):\n";
    for (const auto& t : tools) {
      out << "  " << t.name << std::string(t.name.size() < 17 ? 17 - t.name.size() : 1, ' ')
          << t.summary << "\n";
    }
  }
  out << "\n" << global_options() << "\n" << command_options();
  out << "\nSee README.md in the schelk sources for a guide.\n";
  return out.str();
}

std::string command_usage(const std::string& command) {
  const auto* c = find_command(command);
  if (!c) return workflow_usage();
  std::ostringstream out;
  out << c->summary << "\n\nUsage: schelk " << c->name << " [OPTIONS]\n";
  if (!c->options.empty()) {
    out << "\nOptions:\n";
    const auto all = command_options();
    for (const auto& opt : all.options()) {
      if (c->options.count(opt->long_name())) {
        out << "  " << opt->format_name() << " " << opt->format_parameter() << "\n      "
            << opt->description() << "\n";
      }
    }
  }
  out << "\n" << global_options();
  return out.str();
}

ParsedCommand parse_workflow_args(const std::vector<std::string>& args) {
  po::options_description all;
  all.add(global_options()).add(command_options());
  all.add_options()("command", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("command", -1);
  po::variables_map vm;
  std::vector<std::string> tail(args.begin() + (args.empty() ? 0 : 1), args.end());
  try {
    po::store(po::command_line_parser(tail).options(all).positional(pos).run(), vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  ParsedCommand p;
  if (vm.count("command")) {
    const auto& words = vm["command"].as<std::vector<std::string>>();
    p.command = words[0];
    const size_t allowed = p.command == "mark" ? 2 : 1;  // mark LABEL
    if (words.size() > allowed) {
      throw UsageError("unexpected argument '" + words[allowed] + "'");
    }
    if (p.command == "mark") {
      if (words.size() < 2 && !vm.count("help")) {
        throw UsageError("'mark' needs a LABEL: schelk mark LABEL");
      }
      if (words.size() == 2) p.label = words[1];
    }
  }
  p.help = vm.count("help") > 0;
  p.version = vm.count("version") > 0;
  const auto* info = find_command(p.command);
  if (!info) {
    if (p.help || p.version) return p;
    throw UsageError("unrecognized subcommand '" + p.command + "'");
  }
  for (const auto& [name, value] : vm) {
    if (name == "command" || name == "yes" || name == "state-path" || name == "lock-timeout" ||
        name == "version" || name == "help") {
      continue;
    }
    if (!info->options.count(name)) {
      throw UsageError("option '--" + name + "' is not valid for '" + info->name + "'");
    }
  }
  p.yes = vm.count("yes") > 0;
  if (vm.count("state-path")) p.state_path = vm["state-path"].as<std::string>();
  if (vm.count("lock-timeout")) {
    p.lock_timeout = vm["lock-timeout"].as<double>();
    if (p.lock_timeout < 0) throw UsageError("--lock-timeout must not be negative");
    if (!std::isfinite(p.lock_timeout)) {
      throw UsageError("--lock-timeout must be a finite number of seconds");
    }
  }
  auto str = [&](const char* n) -> std::optional<std::string> {
    if (!vm.count(n)) return std::nullopt;
    return vm[n].as<std::string>();
  };
  if (p.command == "init-new" || p.command == "init-from") {
    if (!p.help) {
      for (const char* req : {"virgin", "scratch", "ramdisk", "mount-point"}) {
        if (!vm.count(req)) {
          throw UsageError(std::string("the option '--") + req + "' is required for '" + p.command +
                           "'");
        }
      }
      p.init.virgin = *str("virgin");
      p.init.scratch = *str("scratch");
      p.init.ramdisk = *str("ramdisk");
      p.init.mount_point = *str("mount-point");
    }
    p.init.mount_options = str("mount-options");
    if (vm.count("granularity")) p.init.granularity = vm["granularity"].as<uint64_t>();
    if (auto n = str("dm-era-name")) p.init.dm_era_name = *n;
    p.init.fstype = str("fstype");
    p.init.no_copy = vm.count("no-copy") > 0;
    p.init.allow_any_ramdisk = vm.count("allow-any-ramdisk") > 0;
  }
  p.recover.kill = vm.count("kill") > 0;
  p.recover.full_if_needed = vm.count("full-if-needed") > 0;
  p.force = vm.count("force") > 0;
  p.dry_run = vm.count("dry-run") > 0;
  p.history.json = vm.count("json") > 0;
  p.written.json = p.history.json;
  p.written.run = str("run");
  p.written.metadata = str("metadata");
  p.written.metadata_snapshot = vm.count("metadata-snapshot") > 0;
  p.written.since = str("since");
  p.written.by_phase = vm.count("by-phase") > 0;
  p.written.ranges = vm.count("ranges") > 0;
  // Boost takes "-5" for an unsigned option as 2^64 - 5: bound them, which refuses that too.
  const auto bounded = [&vm](const char* name, uint64_t max) -> std::optional<uint64_t> {
    if (!vm.count(name)) return std::nullopt;
    const uint64_t v = vm[name].as<uint64_t>();
    if (v > max) {
      throw UsageError(std::string("--") + name + " must be a whole number from 0 to " +
                       std::to_string(max));
    }
    return v;
  };
  p.history.keep_runs = bounded("keep-runs", 1000000);
  p.history.keep_bytes = bounded("keep-bytes", uint64_t{1} << 50);
  p.verify = vm.count("verify") > 0;
  p.recover.verify = p.verify;
  p.init.verify = p.verify;
  p.json = vm.count("json") > 0;
  p.check = vm.count("check") > 0;
  return p;
}

namespace {

// Under --json, file descriptor 1 points at stderr while the command runs, so what a child
// process prints (mkfs.ext4) cannot corrupt the one JSON object; restored at scope exit.
class StdoutToStderr {
 public:
  explicit StdoutToStderr(bool active) {
    if (!active) return;
    std::cout.flush();
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    if (saved_ >= 0 && ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
      ::close(saved_);
      saved_ = -1;
    }
  }
  ~StdoutToStderr() {
    if (saved_ < 0) return;
    std::fflush(stdout);
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }
  StdoutToStderr(const StdoutToStderr&) = delete;
  StdoutToStderr& operator=(const StdoutToStderr&) = delete;

 private:
  int saved_ = -1;
};

// Under --json only the JSON object goes to stdout; nothing else may corrupt it.
void finish_report(Report& report, bool json, std::ostream& out, std::ostream& human) {
  if (json) {
    out << report.to_json().dump() << "\n";
  } else if (report.outcome != "error" && !report.steps.empty()) {
    human << report.steps_line() << "\n";
  }
}

}  // namespace

int run_command(const ParsedCommand& p, Services services, const GlobalOptions& options,
                std::istream& in, std::ostream& out, std::ostream& err) {
  const auto* info = find_command(p.command);
  if (!info) throw std::logic_error("run_command: unknown command " + p.command);
  std::ostream& human = p.json ? err : out;
  Context ctx(options, services, in, human, err);
  Report& report = ctx.report();
  report.command = info->name;
  int status = 0;
  const uint64_t started_ms = unix_now_ms();
  try {
    info->run(ctx, p);
    status = report.exit_code;
  } catch (const base::Interrupted& e) {
    report.outcome = "interrupted";
    report.error = e.what();
    err << e.what() << "\n";
    status = e.exit_status();
  } catch (const std::exception& e) {
    report.outcome = "error";
    report.error = e.what();
    err << "Error: " << e.what() << "\n";
    status = report.exit_code != 0 ? report.exit_code : 1;
  }
  record_run(ctx, started_ms, version_string());
  finish_report(report, p.json, out, human);
  return status;
}

int run_workflow_cli(const std::vector<std::string>& args, std::span<const ToolSummary> tools) {
  ParsedCommand p;
  try {
    p = parse_workflow_args(args);
  } catch (const UsageError& e) {
    std::cerr << "error: " << e.what() << "\n\nFor more information, try '--help'.\n";
    if (std::find(args.begin(), args.end(), "--json") != args.end()) {
      // Which command was meant is unknown: a script still gets its one object.
      Report report;
      report.outcome = "error";
      report.error = e.what();
      auto j = report.to_json();
      j["command"] = nullptr;
      std::cout << j.dump() << "\n";
    }
    return 2;
  }
  if (p.version) {
    std::cout << version_string() << "\n";
    return 0;
  }
  if (p.help) {
    std::cout << (find_command(p.command) && args.size() > 2 ? command_usage(p.command)
                                                             : workflow_usage(tools));
    return 0;
  }
  const auto* info = find_command(p.command);
  if (info->critical) install_interrupt_handlers();
  GlobalOptions g;
  g.yes = p.yes;
  g.state_path = resolve_state_path(p.state_path);
  g.lock_timeout = p.lock_timeout;
  // The real system, made here only.
  const std::filesystem::path proc = "/proc";
  const std::filesystem::path sys = "/sys";
  const auto dm = make_libdevmapper_control();
  SystemMounter mounter(proc, std::cerr);
  HostVolumeOps volumes;
  HostSystemView system(proc, sys);
  SnapshotWrittenSetReader written_sets;
  IoUringVolumeCopier copier;
  std::ostringstream json;
  int status = 0;
  {
    const StdoutToStderr redirect(p.json);
    status = run_command(p, {*dm, mounter, volumes, system, written_sets, copier}, g, std::cin,
                         p.json ? json : std::cout, std::cerr);
  }
  std::cout << json.str();
  return status;
}

}  // namespace schelk
