#include "src/era_tools/era_tool_cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "base/scope_exit.hpp"

namespace po = boost::program_options;

namespace schelk::era_tools {

namespace {

// Options schelk added to the tools, one usage line each, which 0.9's usage does not have.
constexpr std::string_view kAddedUsageLines[] = {"  {--include-current-writeset}\n",
                                                 "  {--trust-kernel-order}\n"};
bool g_exact_usage = false;  // set once by main before the tool runs
std::string g_first_answer;  // "help" or "version": the first of them on the command line

}  // namespace

bool parse_command_line(int argc, char** argv, const po::options_description& options,
                        std::string_view tool, std::string_view usage, po::variables_map& vm) {
  po::options_description all;
  all.add(options);
  all.add_options()("input", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("input", -1);
  // 0.9 answers the first of -h and -V it meets (its getopt loop returns there).
  g_first_answer.clear();
  for (int i = 1; i < argc && g_first_answer.empty(); ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") g_first_answer = "help";
    if (a == "-V" || a == "--version") g_first_answer = "version";
  }
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    // In getopt's words, as 0.9 prints them (naming the program as invoked).
    const std::string name = e.get_option_name();
    const char* self = argc > 0 ? argv[0] : "";
    if (name.rfind("--", 0) == 0 || name.size() < 2) {
      std::fprintf(stderr, "%s: unrecognized option '%s'\n", self, name.c_str());
    } else {
      std::fprintf(stderr, "%s: invalid option -- '%s'\n", self, name.substr(1, 1).c_str());
    }
    print_usage(stderr, usage);
    return false;
  } catch (const po::error& e) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(tool.size()), tool.data(), e.what());
    print_usage(stderr, usage);
    return false;
  }
  return true;
}

void use_thin_provisioning_tools_usage(bool exact) { g_exact_usage = exact; }

void print_usage(std::FILE* out, std::string_view usage) {
  std::string text(usage);
  if (g_exact_usage) {
    for (const auto line : kAddedUsageLines) {
      if (const auto at = text.find(line); at != std::string::npos) text.erase(at, line.size());
    }
  }
  std::fwrite(text.data(), 1, text.size(), out);
}

std::string version_string() { return kThinProvisioningToolsVersion; }

std::uint32_t parse_u32_like_0_9(const std::string& text) {
  static const char* const kBadCast =
      "bad lexical cast: source type value could not be interpreted as target";
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) throw std::runtime_error(kBadCast);
  std::uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) throw std::runtime_error(kBadCast);
  return negative ? static_cast<std::uint32_t>(0u - v) : v;
}

namespace {

// "<path>: <strerror>" as 0.9 era_check prints a failed stat (no "(errno N)" suffix).
std::string stat_problem(const std::string& path, int err) {
  return path + ": " + std::system_category().message(err);
}

}  // namespace

void check_input_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error(stat_problem(path, errno));
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    throw std::runtime_error(path + ": Not a block device or regular file");
  }
}

std::optional<std::string> regular_file_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return stat_problem(path, errno);
  if (!S_ISREG(st.st_mode)) return path + ": Not a regular file";
  return std::nullopt;
}

void Output::open(const std::string& path) {
  path_ = path.empty() ? "<stdout>" : path;
  if (path.empty()) {
    fd_ = STDOUT_FILENO;
  } else {
    owned_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
    if (!owned_) base::throw_errno(errno, "cannot create " + path);
    fd_ = owned_.get();
  }
  buf_.reserve(1 << 20);
}

void Output::write(std::string_view s) {
  buf_.append(s);
  if (buf_.size() >= (1u << 20)) flush_buffer();
}

void Output::write_u64(std::uint64_t v) {
  char tmp[24];
  const auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  write(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
}

void Output::flush_buffer() {
  const base::ScopeExit clear([this]() noexcept { buf_.clear(); });  // also when the write fails
  base::write_full(fd_, buf_, "write to " + path_ + " failed");
}

void Output::close() {
  if (fd_ < 0) return;
  flush_buffer();
  fd_ = -1;
  // close's own error matters (a file system may report a failed write only here).
  if (owned_ && ::close(owned_.release()) != 0) {
    base::throw_errno(errno, "close of " + path_ + " failed");
  }
}

int run_tool(const std::function<int()>& body) { return run_tool(false, body); }

int run_tool(bool quiet, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    if (!quiet) std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

void write_output(const boost::program_options::variables_map& vm,
                  const std::function<void(Output&)>& produce) {
  Output out;
  out.open(vm.count("output") ? vm["output"].as<std::string>() : std::string());
  produce(out);
  out.close();
}

std::optional<int> answer_help_or_version(const boost::program_options::variables_map& vm,
                                          std::string_view usage) {
  if (vm.count("help") && (g_first_answer != "version" || !vm.count("version"))) {
    print_usage(stdout, usage);
    return 0;
  }
  if (vm.count("version")) {
    std::printf("%s\n", version_string().c_str());
    return 0;
  }
  return std::nullopt;
}

std::optional<std::string> input_path(const boost::program_options::variables_map& vm,
                                      std::string_view usage) {
  if (!vm.count("input")) {
    std::fprintf(stderr, "No input file provided.\n");
    print_usage(stderr, usage);
    return std::nullopt;
  }
  return vm["input"].as<std::vector<std::string>>().front();
}

}  // namespace schelk::era_tools
