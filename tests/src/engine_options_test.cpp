// The options copy and verify share: parsing fills EngineArgs, --help and usage errors stop with
// their exit statuses, and the args become the copier's options.
#include "src/copy/engine_options.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>

#include "src/copy/cli_support.hpp"

using namespace schelk;
namespace po = boost::program_options;

namespace {

std::optional<int> parse(std::vector<std::string> words, EngineArgs& a,
                         const std::function<void()>& more_checks = {}) {
  po::options_description desc("test");
  desc.add_options()("help,h", "show this help");
  add_block_list_options(desc, a);
  add_engine_options(desc, a, "queue help", "io help");
  words.insert(words.begin(), "tool");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), desc, "tool", a,
                            more_checks);
}

}  // namespace

TEST_CASE("engine options: defaults and every shared option parsed") {
  EngineArgs a;
  REQUIRE(!parse({}, a));
  CHECK(a.blocks.empty());
  CHECK(a.block_size == 4096);
  CHECK(!a.block_size_given);  // XML lists need it given (src/copy/block_unit.hpp)
  CHECK(a.metadata.empty());
  CHECK(a.engine == "auto");
  CHECK(a.threads == 0);
  CHECK(a.queue_depth == 0);
  CHECK(a.io_size == 0);
  CHECK(!a.json);
  REQUIRE(!parse({"--blocks", "-", "--block-size", "8192", "--threads", "3", "--queue-depth", "5",
                  "--io-size", "65536", "--engine", "sync", "--json"},
                 a));
  CHECK(a.blocks == "-");
  CHECK(a.block_size == 8192);
  CHECK(a.block_size_given);
  CHECK(a.threads == 3);
  CHECK(a.queue_depth == 5);
  CHECK(a.io_size == 65536);
  CHECK(a.engine == "sync");
  CHECK(a.json);
}

TEST_CASE("engine options: --help, bad values and failed extra checks stop the command") {
  EngineArgs a;
  CHECK(parse({"--help"}, a) == kExitOk);
  CHECK(parse({"--block-size", "1000"}, a) == kExitUsage);
  CHECK(parse({"--threads", "x"}, a) == kExitUsage);
  CHECK(parse({"--no-such-option"}, a) == kExitUsage);
  int ran = 0;
  CHECK(!parse({}, a, [&] { ++ran; }));
  CHECK(ran == 1);
  CHECK(parse({}, a, [] { throw std::invalid_argument("nope"); }) == kExitUsage);
  // --help stops before the checks run.
  CHECK(parse({"--help", "--block-size", "1000"}, a, [&] { ++ran; }) == kExitOk);
  CHECK(ran == 1);
}

TEST_CASE("engine options: copier options from the args") {
  EngineArgs a;
  a.engine = "io_uring";
  a.threads = 4;
  a.queue_depth = 16;
  a.io_size = 1 << 20;
  auto o = copier_options(a);
  CHECK(o.engine == copier::EngineKind::kUring);
  CHECK(o.threads == 4);
  CHECK(o.queue_depth == 16);
  CHECK(o.max_io_bytes == 1u << 20);
  CHECK(!o.verify);
  a.engine = "sync";
  CHECK(copier_options(a).engine == copier::EngineKind::kSync);
  a.engine = "auto";
  CHECK(copier_options(a).engine == copier::EngineKind::kAuto);
  a.engine = "nope";
  CHECK_THROWS_WITH(copier_options(a), "unknown engine 'nope' (auto, io_uring or sync)");
}

TEST_CASE("engine options: --threads and --block-size have upper bounds (negative numbers wrap)") {
  EngineArgs a;
  CHECK(!parse({"--threads", "256"}, a));
  CHECK(parse({"--threads", "257"}, a) == kExitUsage);
  CHECK(parse({"--threads", "-1"}, a) == kExitUsage);  // 4294967295 in an unsigned
  CHECK_THROWS_WITH(check_threads(4294967295u), "--threads must be at most 256, not 4294967295");
  CHECK(!parse({"--block-size", "1073741824"}, a));
  CHECK(parse({"--block-size", "-512"}, a) == kExitUsage);  // 2^64 - 512, a multiple of 512
  CHECK_THROWS_WITH(check_block_size(18446744073709551104ull),
                    "--block-size must be at most 1073741824 (1 GiB), not 18446744073709551104");
}
