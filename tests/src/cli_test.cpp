#include "src/workflow/cli.hpp"

#include <catch2/catch.hpp>

#include "src/workflow/help_doc.hpp"

using namespace schelk;

namespace {
ParsedCommand parse(std::vector<std::string> args) {
  args.insert(args.begin(), "schelk");
  return parse_workflow_args(args);
}
}  // namespace

TEST_CASE("status is the default command") {
  CHECK(parse({}).command == "status");
  CHECK(parse({"--state-path", "/tmp/s.json"}).state_path ==
        std::optional<std::string>("/tmp/s.json"));
  CHECK(parse({"status", "--json"}).json);
}

TEST_CASE("global flags go before or after the subcommand") {
  const auto a = parse({"-y", "--state-path", "/a.json", "recover", "-k"});
  const auto b = parse({"recover", "--kill", "--yes", "--state-path=/a.json"});
  for (const auto& p : {a, b}) {
    CHECK(p.command == "recover");
    CHECK(p.yes);
    CHECK(p.recover.kill);
    CHECK(p.state_path == std::optional<std::string>("/a.json"));
  }
  CHECK(parse({"mount", "--lock-timeout", "2.5"}).lock_timeout == 2.5);
  CHECK(parse({"-V"}).version);
}

TEST_CASE("the global option --progress: before or after the command, checked") {
  CHECK(!parse({"recover"}).progress);
  CHECK(parse({"--progress", "never", "recover"}).progress == std::optional<std::string>("never"));
  CHECK(parse({"full-recover", "--progress=always"}).progress ==
        std::optional<std::string>("always"));
  CHECK(parse({"status", "--progress", "auto"}).progress == std::optional<std::string>("auto"));
  CHECK_THROWS_WITH(parse({"recover", "--progress", "loud"}),
                    "--progress: unknown progress mode 'loud' (auto, always or never)");
}

TEST_CASE("init-new and init-from options") {
  const auto p = parse({"init-new", "--virgin", "/dev/a", "--scratch", "/dev/b", "--ramdisk",
                        "/dev/ram0", "--mount-point", "/schelk", "--mount-options",
                        "noatime,nodiratime", "--granularity", "8192", "--dm-era-name", "e1"});
  CHECK(p.init.virgin == "/dev/a");
  CHECK(p.init.scratch == "/dev/b");
  CHECK(p.init.ramdisk == "/dev/ram0");
  CHECK(p.init.mount_point == "/schelk");
  CHECK(p.init.mount_options == std::optional<std::string>("noatime,nodiratime"));
  CHECK(p.init.granularity == 8192);
  CHECK(p.init.dm_era_name == "e1");
  const auto d = parse(
      {"init-new", "--virgin", "a", "--scratch", "b", "--ramdisk", "r", "--mount-point", "m"});
  CHECK(d.init.granularity == 4096);
  CHECK(d.init.dm_era_name == "bench_era");
  CHECK(!d.init.mount_options);
  const auto f = parse({"init-from", "--virgin", "a", "--scratch", "b", "--ramdisk", "r",
                        "--mount-point", "m", "--fstype", "xfs", "--no-copy"});
  CHECK(f.init.fstype == std::optional<std::string>("xfs"));
  CHECK(f.init.no_copy);
}

TEST_CASE("one table drives parsing and help: each command's own options, and only those") {
  CHECK(command_usage("full-recover").find("--verify") != std::string::npos);
  CHECK(command_usage("full-recover").find("--kill") == std::string::npos);
  CHECK(command_usage("status").find("--json") != std::string::npos);
  CHECK(parse({"full-recover", "--verify"}).verify);
  CHECK_THROWS_AS(parse({"full-recover", "--kill"}), UsageError);
  CHECK(command_usage("no-such-command") == workflow_usage());
}

TEST_CASE("usage errors") {
  CHECK_THROWS_AS(parse({"init-new", "--virgin", "a"}), UsageError);  // required missing
  CHECK_THROWS_AS(parse({"mount", "--kill"}), UsageError);            // not a mount option
  CHECK_THROWS_AS(parse({"init-new", "--virgin", "a", "--scratch", "b", "--ramdisk", "r",
                         "--mount-point", "m", "--no-copy"}),
                  UsageError);  // --no-copy is init-from only
  CHECK_THROWS_AS(parse({"dance"}), UsageError);
  CHECK_THROWS_AS(parse({"recover", "extra"}), UsageError);
  CHECK_THROWS_AS(parse({"--bogus"}), UsageError);
  CHECK_THROWS_AS(parse({"mount", "--lock-timeout", "-1"}), UsageError);
  CHECK_THROWS_AS(parse({"init-new", "--virgin", "a", "--scratch", "b", "--ramdisk", "r",
                         "--mount-point", "m", "--granularity", "x"}),
                  UsageError);
}

TEST_CASE("help lists the commands and the tools - version has the sha") {
  const ToolSummary tools[] = {{"era-check", "Check dm-era metadata"}, {"copy", "Copy extents"}};
  const auto u = workflow_usage(tools);
  for (const char* word :
       {"init-new", "init-from", "mount", "recover", "restore", "promote", "full-recover", "status",
        "Tools (same binary):", "  era-check        Check dm-era metadata\n",
        "  copy             Copy extents\n", "--state-path", "--lock-timeout"}) {
    CHECK(u.find(word) != std::string::npos);
  }
  CHECK(command_usage("promote").find("The old virgin data is lost and cannot be recovered.") !=
        std::string::npos);
  // The guide it points to exists in the sources (docs/SKILL.md never did).
  CHECK(u.find("See README.md in the schelk sources for a guide.") != std::string::npos);
  CHECK(u.find("SKILL") == std::string::npos);
  CHECK(version_string().rfind(std::string("schelk ") + SCHELK_VERSION, 0) == 0);
}

namespace {
std::string name_in_roff(const std::string& name) {
  std::string out;
  for (const char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}
}  // namespace

TEST_CASE("closest_match: a typo within two edits, nothing for a far word") {
  const std::vector<std::string> names = {"status", "restore", "recover", "repair", "copy"};
  CHECK(closest_match("stauts", names) == "status");
  CHECK(closest_match("recovr", names) == "recover");
  CHECK(closest_match("cpy", names) == "copy");
  CHECK(closest_match("frobnicate", names).empty());
  CHECK(closest_match("x", names).empty());  // not fewer edits than letters
}

TEST_CASE("the documents come from the command table: every command, option and exit status") {
  const ToolSummary tools[] = {
      {"copy", "Copy extents", "schelk copy --from SRC --to DST", "--from --to", "--from --to"}};
  const auto man = man_page(tools);
  const auto bash = bash_completion(tools);
  const auto zsh = zsh_completion(tools);
  const auto exits = exit_codes_markdown(tools);
  for (const auto& c : command_docs()) {
    const std::string name(c.name);
    CHECK(man.find(".SS " + name_in_roff(name) + "\n") != std::string::npos);
    CHECK(bash.find("        " + name + ") words=\"") != std::string::npos);
    CHECK(zsh.find("    '" + name + ":") != std::string::npos);
    CHECK(exits.find("| `" + name + "` | ") != std::string::npos);
    CHECK(!c.examples.empty());
    CHECK(!c.exits.empty());
  }
  CHECK(man.find(".SS copy\n") != std::string::npos);
  CHECK(bash.find("--virgin|--scratch|--ramdisk|--metadata|--device|--from|--to") !=
        std::string::npos);
}
