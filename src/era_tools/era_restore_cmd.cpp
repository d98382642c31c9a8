// era_restore: XML (era_dump format, 0.9 or 1.x dialect) to dm-era metadata on an existing file
// or block device. Same options, messages and exit codes as thin-provisioning-tools 0.9, except
// that nothing is written to the output unless the whole XML parsed and the metadata fits.
#include <getopt.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <system_error>

#include "era_metadata/format.hpp"
#include "era_metadata/writer.hpp"
#include "src/era_tools/era_dump_xml_reader.hpp"
#include "src/era_tools/era_tool_cli.hpp"
#include "src/era_tools/era_tools.hpp"
#include "src/era_tools/file_sink.hpp"

namespace schelk {

namespace {

void usage(std::FILE* out, const char* name) {
  std::fprintf(out,
               "Usage: %s [options]\n"
               "Options:\n"
               "  {-h|--help}\n"
               "  {-i|--input} <input xml file>\n"
               "  {-o|--output} <output device or file>\n"
               "  {-q|--quiet}\n"
               "  {-V|--version}\n",
               name);
}

constexpr const char* kOutputHint =
    "\n"
    "The output file should either be a block device,\n"
    "or an existing file.  The file needs to be large\n"
    "enough to hold the metadata.\n";

}  // namespace

int run_era_restore(int argc, char** argv) {
  const char* name = "era_restore";
  static const option kLongOpts[] = {
      {"help", no_argument, nullptr, 'h'},         {"input", required_argument, nullptr, 'i'},
      {"output", required_argument, nullptr, 'o'}, {"quiet", no_argument, nullptr, 'q'},
      {"version", no_argument, nullptr, 'V'},      {nullptr, 0, nullptr, 0}};
  std::string input, output;
  optind = 0;  // reset: getopt state is global and tests may call us repeatedly
  int c;
  while ((c = getopt_long(argc, argv, "hi:o:qV", kLongOpts, nullptr)) != -1) {
    switch (c) {
      case 'h':
        usage(stdout, name);
        return 0;
      case 'i':
        input = optarg;
        break;
      case 'o':
        output = optarg;
        break;
      case 'q':
        break;  // we print no progress either way
      case 'V':
        std::printf("%s\n", era_tools::version_string().c_str());
        return 0;
      default:
        usage(stderr, name);
        return 1;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "%s: unexpected argument '%s'\n", name, argv[optind]);
    usage(stderr, name);
    return 1;
  }
  if (input.empty()) {
    std::fprintf(stderr, "No input file provided.\n\n");
    usage(stderr, name);
    return 1;
  }
  if (output.empty()) {
    std::fprintf(stderr, "No output file provided.\n\n");
    usage(stderr, name);
    return 1;
  }

  return era_tools::run_tool([&] {
    if (const auto problem = era_tools::regular_file_problem(input)) {
      std::fprintf(stderr, "%s\n", problem->c_str());
      return 1;
    }
    struct stat st {};
    if (::stat(output.c_str(), &st) != 0) {
      const int err = errno;
      // 0.9's words where they are right; any other failure (a symlink loop, a permission, a
      // file used as a directory) named as it is, since "does not exist" would mislead.
      if (err == ENOENT) {
        std::fprintf(stderr, "Output file does not exist.\n%s", kOutputHint);
      } else {
        std::fprintf(stderr, "%s: %s\n", output.c_str(),
                     std::system_category().message(err).c_str());
      }
      return 1;
    }

    FileSink sink(output);  // opens only; nothing is written before the model is complete
    const std::uint64_t device_blocks = sink.size_bytes() / era_metadata::kBlockSize;
    std::ifstream in(input, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "Couldn't open %s\n", input.c_str());
      return 1;
    }
    era_metadata::EraModel model;
    try {
      model = era_tools::read_era_dump_xml(in, device_blocks);
    } catch (const era_tools::XmlTooLargeError&) {
      std::fprintf(stderr, "Output file too small.\n%s", kOutputHint);
      return 1;
    } catch (const era_tools::XmlError& e) {
      std::fprintf(stderr, "%s: %s\n", input.c_str(), e.what());
      return 1;
    }
    if (in.bad()) {
      std::fprintf(stderr, "read error on %s\n", input.c_str());
      return 1;
    }
    if (device_blocks < era_metadata::metadata_blocks_needed(model)) {
      std::fprintf(stderr, "Output file too small.\n%s", kOutputHint);
      return 1;
    }
    era_metadata::write_metadata(model, device_blocks, sink);
    sink.sync();
    return 0;
  });
}

}  // namespace schelk
