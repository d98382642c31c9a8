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
#include "src/ui/progress.hpp"
#include "src/workflow/help_doc.hpp"
#include "src/workflow/repair.hpp"
#include "src/workflow/signals.hpp"

namespace schelk {
namespace po = boost::program_options;
namespace {

// One row drives parsing (which options are valid), help, the man page, completion and dispatch.
struct CommandInfo {
  const char* name;
  const char* summary;
  std::set<std::string> options;
  bool critical;  // SIGINT/SIGTERM stop it only where it is safe (signals.hpp)
  void (*run)(Context& ctx, const ParsedCommand& p);
  std::set<std::string> required = {};
  const char* destroys = "nothing";
  std::vector<std::string_view> examples = {};
  std::vector<ExitDoc> exits = {};
  const char* operand = "";  // a positional argument's name after the command ("LABEL"), if any
};

const std::set<std::string> kInitOptions = {
    "virgin",      "scratch",     "ramdisk", "mount-point", "mount-options",
    "granularity", "dm-era-name", "verify",  "json",        "allow-any-ramdisk"};
const std::set<std::string> kInitRequired = {"virgin", "scratch", "ramdisk", "mount-point"};

constexpr ExitDoc kExitOk{"0", "success"};
constexpr ExitDoc kExitError{
    "1",
    "error (the Error: line on stderr says what and how to fix it; also when stdout cannot "
    "be written)"};
constexpr ExitDoc kExitUsage{
    "2", "usage error (unknown command or option, a missing required option, a bad value)"};
constexpr ExitDoc kExitSignal{"130, 143", "interrupted by SIGINT, SIGTERM"};

std::vector<ExitDoc> exits_with(std::initializer_list<ExitDoc> own) {
  std::vector<ExitDoc> all = {kExitOk, kExitError, kExitUsage};
  all.insert(all.end(), own.begin(), own.end());
  all.push_back(kExitSignal);
  return all;
}

const std::vector<CommandInfo>& commands() {
  static const std::vector<CommandInfo> kCommands = [] {
    std::set<std::string> from = kInitOptions;
    from.insert("fstype");
    from.insert("no-copy");
    return std::vector<CommandInfo>{
        {"init-new",
         "Create an ext4 filesystem on virgin and copy it to scratch (destructive to both)",
         kInitOptions,
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_init_new(ctx, p.init); },
         kInitRequired,
         "formats virgin (ext4) and overwrites all of scratch; asks first unless -y",
         {"schelk init-new --virgin /dev/nvme1n1 --scratch /dev/nvme2n1 --ramdisk /dev/ram0 "
          "--mount-point /schelk",
          "schelk init-new --virgin /dev/sdb --scratch /dev/sdc --ramdisk /dev/ram0 "
          "--mount-point /schelk --mount-options noatime --granularity 65536 -y"},
         exits_with({})},
        {"init-from",
         "Use the existing filesystem on virgin and copy it to scratch (destructive to scratch "
         "unless --no-copy)",
         from,
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_init_from(ctx, p.init); },
         kInitRequired,
         "overwrites all of scratch (nothing with --no-copy); asks first unless -y",
         {"schelk init-from --virgin /dev/nvme1n1 --scratch /dev/nvme2n1 --ramdisk /dev/ram0 "
          "--mount-point /schelk",
          "schelk init-from --virgin /dev/sdb --scratch /dev/sdc --ramdisk /dev/ram0 "
          "--mount-point /schelk --fstype xfs --no-copy"},
         exits_with({})},
        {"mount",
         "Put dm-era over scratch and mount it; all writes are tracked",
         {"json"},
         true,
         [](Context& ctx, const ParsedCommand&) { cmd_mount(ctx); },
         {},
         "the ramdisk (the dm-era metadata is created there)",
         {"schelk mount", "schelk mount --json"},
         exits_with({})},
        {"recover",
         "Unmount and copy back from virgin only the blocks written since mount",
         {"kill", "verify", "json", "full-if-needed", "map-files"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_recover(ctx, p.recover); },
         {},
         "the blocks of scratch written since mount (all of scratch when --full-if-needed "
         "copies in full); asks first unless -y",
         {"schelk recover -k", "schelk recover || schelk full-recover"},
         {{"0", "success, also when nothing is mounted"}, kExitError, kExitUsage, kExitSignal}},
        {"restore",
         "recover, then mount again (one lock)",
         {"kill", "verify", "json", "full-if-needed", "map-files"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_restore(ctx, p.recover); },
         {},
         "as recover, then as mount; asks first unless -y",
         {"schelk restore", "schelk restore -y --kill --full-if-needed"},
         exits_with({})},
        {"promote",
         "(destructive) Copy the blocks written since mount from scratch to virgin. The old "
         "virgin data is lost and cannot be recovered.",
         {"kill", "verify", "json"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_promote(ctx, p.recover); },
         {},
         "the blocks of VIRGIN written on scratch since mount: the old baseline is lost; asks "
         "first unless -y",
         {"schelk promote", "schelk promote -y --verify"},
         exits_with({})},
        {"full-recover",
         "Copy all of virgin onto scratch (destructive to scratch)",
         {"verify", "json", "force"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_full_recover(ctx, p.verify, p.force); },
         {},
         "all of scratch; asks first unless -y",
         {"schelk full-recover", "schelk full-recover -y --verify --force"},
         exits_with({})},
        {"repair",
         "Find where the state and the system disagree and fix what is provably safe (stale "
         "era device, unknown mount, reboot while mounted, leftover snapshot or written set)",
         {"dry-run", "kill", "json"},
         false,
         [](Context& ctx, const ParsedCommand& p) {
           cmd_repair(ctx, {p.dry_run, p.recover.kill});
         },
         {},
         "no volume data; it may unmount, remove schelk's own era device and edit the state; "
         "asks first unless -y",
         {"schelk repair --dry-run", "schelk repair -y --json"},
         exits_with({{"1", "also: something cannot be repaired safely (listed in problems)"},
                     {"3",
                      "repaired what it could; an interrupted recover or promote is "
                      "pending (run it)"}})},
        {"mark",
         "Start a phase of the tracked run: its writes are told apart from the earlier ones",
         {"json"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_mark(ctx, p.label); },
         {},
         "nothing (dm-era moves to a new era; the state records the phase)",
         {"schelk mark load", "schelk mark run:2 --json"},
         exits_with({}),
         "LABEL"},
        {"history",
         "List the recorded runs (recover, restore, promote, full-recover); --keep-runs / "
         "--keep-bytes set how many are kept",
         {"json", "keep-runs", "keep-bytes"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_history(ctx, p.history); },
         {},
         "with --keep-runs/--keep-bytes: the oldest run records beyond the new bounds",
         {"schelk history", "schelk history --json", "schelk history --keep-runs 20"},
         exits_with({})},
        {"written",
         "Report what a run wrote: live while mounted, a past run (--run ID|last), or "
         "--metadata PATH; a summary, --ranges for copy --blocks, or --json",
         {"json", "run", "metadata", "metadata-snapshot", "since", "by-phase", "ranges", "picture",
          "files", "device"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_written(ctx, p.written); },
         {},
         "nothing (while mounted it holds a metadata snapshot for the read, then drops it)",
         {"schelk written", "schelk written --run last --ranges > blocks.txt",
          "schelk written --by-phase --json", "schelk written --metadata /dev/ram0 --json",
          "schelk written --picture written.png", "schelk written --files",
          "schelk written --run last --files --json"},
         exits_with({})},
        {"overhead",
         "Measure what dm-era tracking costs a write workload here: the same fio job on scratch "
         "through dm-linear and through dm-era, then the region copied back from virgin",
         {"json", "size", "runtime", "rw", "bs", "iodepth", "repeats"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_overhead(ctx, p.overhead); },
         {},
         "nothing in the end: writes a region of scratch (asks first), then copies it back from "
         "virgin",
         {"schelk overhead", "schelk overhead --runtime 30 --rw write --bs 1048576 --json"},
         exits_with({})},
        {"send",
         "Write the baseline (virgin) as a stream: whole (--full) or the blocks promotes changed "
         "since a generation (--from-generation G); to stdout or -o FILE",
         {"json", "full", "from-generation", "output", "zstd-level", "part-size", "part-command"},
         false,
         [](Context& ctx, const ParsedCommand& p) { cmd_send(ctx, p.send); },
         {},
         "nothing (reads virgin under the shared lock; -o FILE is replaced when complete)",
         {"schelk send --full -o base.schelk",
          "schelk send --from-generation 3 | ssh HOST schelk "
          "receive",
          "schelk send --from-generation 3 --zstd-level 0 -o delta.schelk --json"},
         exits_with({})},
        {"receive",
         "Apply a stream from 'schelk send' (stdin or -i FILE): a full stream initialises a new "
         "pair (--virgin --scratch --ramdisk --mount-point), an incremental one brings this "
         "unmounted pair to the sender's generation; --dry-run only checks it",
         {"json", "input", "parts", "part-command", "dry-run", "verify", "finish", "virgin",
          "scratch", "ramdisk", "mount-point", "mount-options", "dm-era-name", "allow-any-ramdisk"},
         true,
         [](Context& ctx, const ParsedCommand& p) { cmd_receive(ctx, p.receive); },
         {},
         "a full stream: both volumes given (asks first); an incremental one: the stream's blocks "
         "of scratch, then of virgin (never half updated by a bad stream)",
         {"ssh HOST schelk send --from-generation 3 | schelk receive",
          "schelk receive -i base.schelk --virgin /dev/nvme1n1 --scratch /dev/nvme2n1 "
          "--ramdisk /dev/ram0 --mount-point /mnt/bench",
          "schelk receive --dry-run -i base.schelk --json"},
         exits_with({})},
        {"status",
         "Show configuration and state (default)",
         {"json", "check"},
         false,
         [](Context& ctx, const ParsedCommand& p) {
           cmd_status(ctx, {p.json, p.check});
         },
         {},
         "nothing (needs neither root nor the lock)",
         {"schelk status", "schelk status --check --json"},
         {{"0", "success (whatever it finds, without --check)"},
          {"1", "error; the state file cannot be read (without --check)"},
          kExitUsage,
          {"3", "--check: an interrupted recover or promote is pending (interrupted_operation)"},
          {"4", "--check: the state disagrees with the system (inconsistent)"},
          {"5", "--check: the state file or the saved written set cannot be read (unreadable)"},
          {"6", "--check: scratch needs a full recovery (needs_full_recover)"}}},
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

constexpr OptionDoc kGlobalOptions[] = {
    {"yes", 'y', "", "Skip every interactive confirmation"},
    {"state-path", 0, "FILE", "State file (env SCHELK_STATE, default /var/lib/schelk/state.json)",
     false, true},
    {"lock-timeout", 0, "SECONDS", "Wait up to SECONDS for a busy lock instead of failing at once"},
    {"progress", 0, "WHEN",
     "Copy progress on stderr: auto (a bar on a terminal, else a plain line every 5s once a "
     "copy has run 5s), always (the bar, or plain lines every 5s from the start), never (env "
     "SCHELK_PROGRESS; default auto)"},
    {"version", 'V', "", "Print the version"},
    {"help", 'h', "", "Print help"},
};

constexpr OptionDoc kCommandOptions[] = {
    {"virgin", 0, "DEVICE", "Baseline volume (block device)", true},
    {"scratch", 0, "DEVICE", "Benchmark volume (block device)", true},
    {"ramdisk", 0, "DEVICE", "RAM disk for the dm-era metadata (e.g. /dev/ram0)", true},
    {"mount-point", 0, "DIR", "Where the scratch filesystem is mounted", false, true},
    {"mount-options", 0, "OPTIONS", "Mount options, e.g. \"noatime,nodiratime\""},
    {"granularity", 0, "BYTES", "Tracking block size in bytes (default 4096)"},
    {"dm-era-name", 0, "NAME", "dm device name (default bench_era)"},
    {"fstype", 0, "TYPE", "Filesystem type (detected with libblkid if absent)"},
    {"no-copy", 0, "", "Assert virgin and scratch are already identical; copy nothing"},
    {"allow-any-ramdisk", 0, "",
     "Accept a --ramdisk that is not RAM-backed (brd, zram, loop on tmpfs); mount overwrites it"},
    {"kill", 'k', "", "SIGKILL processes that keep the mount point busy"},
    {"verify", 0, "", "Compare source and destination after copying"},
    {"full-if-needed", 0, "",
     "Copy all of virgin when an incremental recover is not provably right (tracking lost, "
     "scratch changed outside schelk); say which and why"},
    {"force", 0, "", "Copy even when scratch is known equal to virgin"},
    {"dry-run", 0, "",
     "repair: say what would be repaired; receive: check the stream; change nothing"},
    {"run", 0, "ID", "written: a past run's id (see 'schelk history'), or 'last'"},
    {"metadata", 0, "PATH", "written: dm-era metadata by path (an image or a device)", true},
    {"metadata-snapshot", 0, "", "written: read --metadata through its held metadata snapshot"},
    {"since", 0, "PHASE", "written: only writes in and after this phase (a label or an era)"},
    {"by-phase", 0, "", "written: the blocks last written in each phase (live only)"},
    {"ranges", 0, "", "written: print 'BEGIN END' block ranges (for schelk copy --blocks)"},
    {"picture", 0, "FILE",
     "written: also draw the written blocks by phase as a PNG (the volume row by row, axis in "
     "GiB)"},
    {"size", 0, "BYTES", "overhead: the region of scratch fio writes (default 1 GiB or 1/4)"},
    {"runtime", 0, "SECONDS", "overhead: seconds per fio run (default 10)"},
    {"rw", 0, "PATTERN", "overhead: fio's --rw, randwrite (default) or write"},
    {"bs", 0, "BYTES", "overhead: fio's block size (default 4096)"},
    {"iodepth", 0, "N", "overhead: fio's queue depth (default 32)"},
    {"repeats", 0, "N", "overhead: runs per target, alternating, medians reported (default 2)"},
    {"files", 0, "",
     "written: the written bytes by file path and by filesystem metadata kind (ext4), and the "
     "unattributed (free now) bytes"},
    {"device", 0, "PATH",
     "written --metadata --files: the unmounted filesystem (image or device) the metadata "
     "tracked",
     true},
    {"map-files", 0, "",
     "recover, restore: before copying back, record which files the run wrote (for 'schelk "
     "written --run ID --files')"},
    {"full", 0, "", "send: the whole baseline (a new host)"},
    {"from-generation", 0, "N", "send: the blocks promotes changed since generation N"},
    {"output", 'o', "FILE", "send: write the stream to FILE (default stdout)", false, true},
    {"zstd-level", 0, "N", "send: zstd level for the extents, 0 = off (default 1)"},
    {"input", 'i', "FILE", "receive: read the stream from FILE (default stdin)", false, true},
    {"part-size", 0, "SIZE",
     "send: cut the stream into parts of at most SIZE bytes (K, M, G, T: IEC; at least 1M), "
     "to files -o PREFIX (PREFIX.000000, ...) or --part-command"},
    {"part-command", 0, "CMD",
     "send: run 'sh -c CMD' per part with the part on stdin; receive: per part, reading its "
     "stdout (env SCHELK_PART=000003, SCHELK_PART_INDEX=3)"},
    {"parts", 0, "PREFIX",
     "receive: read the stream from PREFIX.000000, PREFIX.000001, ... as it needs them", false,
     true},
    {"finish", 0, "",
     "receive: only roll back or finish a receive that was interrupted; read no stream"},
    {"keep-runs", 0, "N", "history: keep at most N runs (default 100)"},
    {"keep-bytes", 0, "BYTES", "history: keep at most BYTES of records (default 268435456)"},
    {"json", 0, "",
     "Print the result as one JSON object on stdout (see README, Results for machines)"},
    {"check", 0, "",
     "Exit 3, 4, 5 or 6 when an operation is pending, the state is inconsistent or "
     "unreadable, or scratch needs a full recovery"},
};

// The value type an option parses to follows from its value name, so a new row needs nothing
// else: BYTES and N are whole numbers (uint64_t), SECONDS a number (double), the rest text.
po::value_semantic* value_of(const OptionDoc& o) {
  const std::string name(o.value);
  if (name == "BYTES" || name == "N") return po::value<uint64_t>()->value_name(name);
  if (name == "SECONDS") return po::value<double>()->value_name(name);
  return po::value<std::string>()->value_name(name);
}

po::options_description describe(const char* caption, std::span<const OptionDoc> docs) {
  po::options_description d(caption);
  for (const auto& o : docs) {
    std::string spec(o.name);
    if (o.short_name) spec += std::string(",") + o.short_name;
    const std::string help(o.help);
    if (o.value.empty()) {
      d.add_options()(spec.c_str(), help.c_str());
    } else {
      d.add_options()(spec.c_str(), value_of(o), help.c_str());
    }
  }
  return d;
}

po::options_description global_options() { return describe("Global options", kGlobalOptions); }
po::options_description command_options() { return describe("Command options", kCommandOptions); }

// `text` in lines of at most 80 columns (a longer word stands alone), each after `indent`.
std::string wrapped(std::string_view text, std::size_t indent) {
  constexpr std::size_t kWidth = 80;
  std::string out(indent, ' ');
  std::size_t column = indent;
  bool line_empty = true;
  std::istringstream words{std::string(text)};
  for (std::string word; words >> word;) {
    if (!line_empty && column + 1 + word.size() > kWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    line_empty = false;
  }
  return out + "\n";
}

// "-k, --kill" or "--virgin <DEVICE>".
std::string option_label(const OptionDoc& o) {
  std::string label;
  if (o.short_name) label += std::string("-") + o.short_name + ", ";
  label += "--" + std::string(o.name);
  if (!o.value.empty()) label += " <" + std::string(o.value) + ">";
  return label;
}

void list_options(std::ostream& out, std::span<const OptionDoc> docs,
                  const std::set<std::string>* only, const std::set<std::string>& required) {
  for (const auto& o : docs) {
    const std::string name(o.name);
    if (only && !only->count(name)) continue;
    out << "  " << option_label(o) << (required.count(name) ? "   (required)" : "") << "\n"
        << wrapped(o.help, 6);
  }
}

void add_suggestion(std::string& message, std::string_view word,
                    const std::vector<std::string>& candidates) {
  const auto match = closest_match(word, candidates);
  if (!match.empty()) message += "; did you mean '" + match + "'?";
}

}  // namespace

std::vector<CommandDoc> command_docs() {
  std::vector<CommandDoc> docs;
  for (const auto& c : commands()) {
    CommandDoc d{c.name, c.summary, {}, {}, c.destroys, c.examples, c.exits, c.operand};
    for (const auto& o : kCommandOptions) {
      const std::string name(o.name);
      if (c.options.count(name)) d.options.push_back(o.name);
      if (c.required.count(name)) d.required.push_back(o.name);
    }
    docs.push_back(std::move(d));
  }
  return docs;
}

std::span<const OptionDoc> global_option_docs() { return kGlobalOptions; }
std::span<const OptionDoc> command_option_docs() { return kCommandOptions; }

std::string version_string() {
  std::string v = std::string("schelk ") + SCHELK_VERSION;
  const std::string sha = SCHELK_GIT_SHA;
  if (!sha.empty()) v += " (" + sha + ")";
  return v;
}

std::string workflow_usage(std::span<const ToolSummary> tools) {
  std::ostringstream out;
  out << "schelk: Fast database benchmarking with surgical volume recovery\n\n"
      << "Usage: schelk [OPTIONS] [COMMAND] [COMMAND OPTIONS]\n"
      << "       schelk help [COMMAND]\n\nCommands:\n";
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
  out << "\nGlobal options:\n";
  list_options(out, kGlobalOptions, nullptr, {});
  out << "\nCommand options (which command takes which: schelk help COMMAND):\n";
  list_options(out, kCommandOptions, nullptr, {});
  out << "\nEnvironment:\n  SCHELK_STATE     the state file when --state-path is not given\n"
      << "  SCHELK_PROGRESS  auto, always or never when --progress is not given\n"
      << "\nExit status: 0 success, 1 error, 2 usage error, 130/143 interrupted; status --check\n"
      << "and repair have their own (schelk help status, schelk help repair).\n";
  out << "\nRun 'schelk help COMMAND' (or 'schelk COMMAND --help') for a command's options,\n"
      << "examples and exit statuses, 'man 8 schelk' for all of them.\n";
  out << "See README.md in the schelk sources for a guide.\n";
  return out.str();
}

std::string command_usage(const std::string& command) {
  const auto* c = find_command(command);
  if (!c) return workflow_usage();
  std::ostringstream out;
  out << c->summary << "\n\nUsage:\n";
  std::string synopsis = "schelk " + std::string(c->name);
  if (*c->operand) synopsis += std::string(" ") + c->operand;
  for (const auto& o : kCommandOptions) {
    const std::string name(o.name);
    if (!c->options.count(name)) continue;
    // A non-breaking option+value pair: wrapped() breaks at spaces only.
    const std::string label =
        "--" + name + (o.value.empty() ? "" : "\x1f<" + std::string(o.value) + ">");
    synopsis += c->required.count(name) ? " " + label : " [" + label + "]";
  }
  synopsis += " [GLOBAL\x1fOPTIONS]";
  std::string usage = wrapped(synopsis, 2);
  std::replace(usage.begin(), usage.end(), '\x1f', ' ');
  out << usage;
  if (!c->options.empty()) {
    out << "\nOptions:\n";
    list_options(out, kCommandOptions, &c->options, c->required);
  }
  out << "\nDestroys:\n" << wrapped(c->destroys, 2) << "\nExamples:\n";
  for (const auto& e : c->examples) out << "  " << e << "\n";
  out << "\nExit status:\n";
  for (const auto& e : c->exits) {
    std::string line = wrapped(e.meaning, 12);
    line.replace(0, 2 + e.codes.size(), "  " + std::string(e.codes));
    out << line;
  }
  out << "\nEnvironment:\n  SCHELK_STATE     the state file when --state-path is not given "
         "(default /var/lib/schelk/state.json)\n"
      << "  SCHELK_PROGRESS  auto, always or never when --progress is not given\n";
  out << "\nGlobal options:\n";
  list_options(out, kGlobalOptions, nullptr, {});
  return out.str();
}

ParsedCommand parse_workflow_args(const std::vector<std::string>& args,
                                  std::span<const ToolSummary> tools) {
  po::options_description all;
  all.add(global_options()).add(command_options());
  all.add_options()("command", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("command", -1);
  po::variables_map vm;
  std::vector<std::string> tail(args.begin() + (args.empty() ? 0 : 1), args.end());
  try {
    po::store(po::command_line_parser(tail).options(all).positional(pos).run(), vm);
  } catch (const po::unknown_option& e) {
    std::string message = e.what();
    std::vector<std::string> names;
    for (const auto& docs : {global_option_docs(), command_option_docs()}) {
      for (const auto& o : docs) names.push_back("--" + std::string(o.name));
    }
    add_suggestion(message, e.get_option_name(), names);
    throw UsageError(message);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  ParsedCommand p;
  p.help = vm.count("help") > 0;
  p.version = vm.count("version") > 0;
  bool via_help_word = false;
  if (vm.count("command")) {
    auto words = vm["command"].as<std::vector<std::string>>();
    if (words[0] == "help") {  // `schelk help [COMMAND]`
      p.help = via_help_word = true;
      words.erase(words.begin());
      if (words.empty() || words[0] == "help") return p;
    }
    p.command = words[0];
    p.command_given = true;
    const size_t allowed = p.command == "mark" ? 2 : 1;  // mark LABEL
    if (words.size() > allowed) {
      throw UsageError("unexpected argument '" + words[allowed] + "'");
    }
    if (p.command == "mark") {
      if (words.size() < 2 && !p.help && !p.version) {
        throw UsageError("'mark' needs a LABEL: schelk mark LABEL");
      }
      if (words.size() == 2) p.label = words[1];
    }
  }
  const auto* info = find_command(p.command);
  if (!info) {
    const bool is_tool = std::any_of(tools.begin(), tools.end(),
                                     [&](const ToolSummary& t) { return t.name == p.command; });
    if ((p.help || p.version) && (is_tool || !via_help_word)) return p;
    std::string message = "unrecognized subcommand '" + p.command + "'";
    std::vector<std::string> names = {"help"};
    for (const auto& c : commands()) names.emplace_back(c.name);
    for (const auto& t : tools) names.emplace_back(t.name);
    add_suggestion(message, p.command, names);
    throw UsageError(message);
  }
  for (const auto& [name, value] : vm) {
    if (name == "command" || name == "yes" || name == "state-path" || name == "lock-timeout" ||
        name == "progress" || name == "version" || name == "help") {
      continue;
    }
    if (!info->options.count(name)) {
      std::string message = "option '--" + name + "' is not valid for '" + info->name + "'";
      std::vector<std::string> names;
      for (const auto& own : info->options) names.push_back("--" + own);
      add_suggestion(message, "--" + name, names);
      throw UsageError(message);
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
  p.progress = str("progress");
  if (p.progress) {
    try {
      (void)ui::parse_progress_mode(*p.progress);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--progress: ") + e.what());
    }
  }
  if (p.command == "init-new" || p.command == "init-from") {
    if (!p.help && !p.version) {
      for (const auto& o : kCommandOptions) {  // in the table's order, virgin first
        const std::string req(o.name);
        if (info->required.count(req) && !vm.count(req)) {
          throw UsageError("the option '--" + req + "' is required for '" + p.command + "'");
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
  p.recover.map_files = vm.count("map-files") > 0;
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
  p.written.picture = str("picture");
  p.written.files = vm.count("files") > 0;
  p.written.device = str("device");
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
  if (auto v = bounded("size", uint64_t{1} << 60)) p.overhead.size = *v;
  if (auto v = bounded("bs", uint64_t{1} << 30)) p.overhead.bs = *v;
  if (auto v = bounded("iodepth", 65536)) p.overhead.iodepth = *v;
  if (auto v = bounded("repeats", 1000)) p.overhead.repeats = *v;
  if (vm.count("runtime")) p.overhead.runtime = vm["runtime"].as<double>();
  if (auto rw = str("rw")) p.overhead.rw = *rw;
  p.send.full = vm.count("full") > 0;
  p.send.from_generation = bounded("from-generation", uint64_t{1} << 62);
  if (auto v = bounded("zstd-level", 19)) p.send.zstd_level = static_cast<int>(*v);
  p.send.output.file = str("output");
  if (auto size = str("part-size")) {
    try {
      p.send.output.part_size = parse_part_size(*size);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  p.send.json = vm.count("json") > 0;
  p.receive.input.file = str("input");
  p.receive.input.parts = str("parts");
  if (p.command == "send") {
    p.send.output.part_command = str("part-command");
    if (p.send.output.part_command && !p.send.output.part_size) {
      throw UsageError("--part-command needs --part-size SIZE (each part's largest size)");
    }
    if (p.send.output.part_command && p.send.output.file) {
      throw UsageError(
          "give one of -o PREFIX and --part-command: the parts go to files or to "
          "the command");
    }
    if (p.send.output.part_size && !p.send.output.file && !p.send.output.part_command) {
      throw UsageError(
          "--part-size needs -o PREFIX (files PREFIX.000000, ...) or --part-command "
          "CMD");
    }
  } else {
    p.receive.input.part_command = str("part-command");
    if (p.receive.input.file.has_value() + p.receive.input.parts.has_value() +
            p.receive.input.part_command.has_value() >
        1) {
      throw UsageError(
          "give one of -i FILE, --parts PREFIX and --part-command CMD: they all "
          "name the stream");
    }
  }
  p.receive.dry_run = vm.count("dry-run") > 0;
  p.receive.finish = vm.count("finish") > 0;
  if (p.command == "receive" && !p.help && !p.version &&
      (vm.count("virgin") || vm.count("scratch") || vm.count("ramdisk") ||
       vm.count("mount-point"))) {
    for (const char* req : {"virgin", "scratch", "ramdisk", "mount-point"}) {
      if (!vm.count(req)) {
        throw UsageError(std::string("receive of a full stream needs --virgin, --scratch, "
                                     "--ramdisk and --mount-point; --") +
                         req + " is missing");
      }
    }
    InitOptions o;
    o.virgin = *str("virgin");
    o.scratch = *str("scratch");
    o.ramdisk = *str("ramdisk");
    o.mount_point = *str("mount-point");
    o.mount_options = str("mount-options");
    if (auto n = str("dm-era-name")) o.dm_era_name = *n;
    o.allow_any_ramdisk = vm.count("allow-any-ramdisk") > 0;
    p.receive.init = o;
  }
  p.verify = vm.count("verify") > 0;
  p.recover.verify = p.verify;
  p.init.verify = p.verify;
  p.receive.verify = p.verify;
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
  } else if (report.outcome != "error" && !report.steps.empty() && report.print_steps) {
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
  // Hidden: what the build generates the man page and the completions with.
  if (args.size() == 2) {
    if (args[1] == "--man") return std::cout << man_page(tools), 0;
    if (args[1] == "--bash-completion") return std::cout << bash_completion(tools), 0;
    if (args[1] == "--zsh-completion") return std::cout << zsh_completion(tools), 0;
    if (args[1] == "--exit-codes-markdown") return std::cout << exit_codes_markdown(tools), 0;
  }
  ParsedCommand p;
  try {
    p = parse_workflow_args(args, tools);
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
    std::cout << (find_command(p.command) && p.command_given ? command_usage(p.command)
                                                             : workflow_usage(tools));
    return 0;
  }
  ui::ProgressMode progress{};
  try {
    progress = ui::resolve_progress_mode(p.progress);  // here a bad SCHELK_PROGRESS is found
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  const auto* info = find_command(p.command);
  if (info->critical) install_interrupt_handlers();
  GlobalOptions g;
  g.yes = p.yes;
  g.state_path = resolve_state_path(p.state_path);
  g.lock_timeout = p.lock_timeout;
  g.progress = progress;
  // The real system, made here only.
  const std::filesystem::path proc = "/proc";
  const std::filesystem::path sys = "/sys";
  const auto dm = make_libdevmapper_control();
  SystemMounter mounter(proc, std::cerr);
  HostVolumeOps volumes;
  HostSystemView system(proc, sys);
  SnapshotWrittenSetReader written_sets;
  IoUringVolumeCopier copier(progress);
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
