// The unit of a block list; see block_unit.hpp.
#include "src/copy/block_unit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <string>
#include <system_error>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "base/unique_fd.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/superblock.hpp"
#include "src/copy/cli_support.hpp"

namespace schelk {
namespace {

std::string read_all(int fd, const std::string& what) {
  // A directory opens for reading and fails only at read(): say so before, with its name.
  struct stat st {};
  if (::fstat(fd, &st) != 0) base::throw_errno(errno, what);
  if (S_ISDIR(st.st_mode)) base::throw_errno(EISDIR, what);
  std::string text;
  std::size_t chunk = 64 * 1024;
  while (true) {
    const std::size_t old = text.size();
    text.resize(old + chunk);
    const std::size_t got =
        base::read_full(fd, std::as_writable_bytes(std::span(text.data() + old, chunk)), what);
    text.resize(old + got);
    if (got < chunk) return text;
    chunk = std::min<std::size_t>(chunk * 2, std::size_t{16} << 20);
  }
}

}  // namespace

BlockListText read_block_list_text(const std::string& file) {
  BlockListText list;
  list.source = file == "-" ? "stdin" : file;
  const std::string what = "block list " + list.source;
  if (file == "-") {
    list.text = read_all(STDIN_FILENO, what);
  } else {
    const base::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) base::throw_errno(errno, what);
    list.text = read_all(fd.get(), what);
  }
  list.xml = is_xml_block_list(list.text);
  return list;
}

std::uint64_t metadata_data_block_size(const std::string& path) {
  const std::string what = "--metadata " + path;
  std::uint64_t bytes = 0;
  try {
    const auto source =
        era_metadata::FileMetadataSource::open(path, era_metadata::OpenMode::kShared);
    era_metadata::Findings findings;
    bytes = std::uint64_t{era_metadata::read_superblock(source, 0, findings).data_block_size} * 512;
  } catch (const era_metadata::MetadataError& e) {
    throw std::runtime_error(what + ": " + e.what());
  } catch (const std::system_error& e) {  // names the path already
    throw std::runtime_error(std::string("--metadata: ") + e.what());
  }
  try {
    check_block_size(bytes);
  } catch (const std::invalid_argument&) {
    throw std::runtime_error(what + ": the superblock's data block size (" +
                             std::to_string(bytes / 512) +
                             " sectors) is not a usable block size; give --block-size instead");
  }
  return bytes;
}

std::uint64_t list_block_size(const BlockListText* list, const BlockSizeSources& sources) {
  if (!sources.metadata.empty()) {
    const std::uint64_t from_metadata = metadata_data_block_size(sources.metadata);
    if (sources.given && *sources.given != from_metadata) {
      throw BlockSizeUsageError("--block-size " + std::to_string(*sources.given) +
                                " disagrees with the data block size " +
                                std::to_string(from_metadata) + " of --metadata " +
                                sources.metadata + "; give one of the two");
    }
    return from_metadata;
  }
  if (sources.given) return *sources.given;
  if (list && list->xml) {
    throw BlockSizeUsageError(
        list->source +
        " is era_invalidate XML, which carries no block size: give --block-size BYTES (the "
        "dm-era granularity) or --metadata PATH (the dm-era metadata device)");
  }
  return kDefaultBlockSize;
}

void check_block_size_fits(std::uint64_t block_size, const copier::Device& device) {
  const std::uint64_t unit = device.logical_block_size;
  if (unit <= 1 || block_size % unit == 0) return;
  throw std::runtime_error("a block size of " + std::to_string(block_size) + " bytes is " +
                           (block_size < unit ? "below" : "not a multiple of") +
                           " the logical block size of " + device.path + " (" +
                           std::to_string(unit) + " bytes); blocks are not widened: give the " +
                           "block size the list was made with (--block-size)");
}

BlockList load_block_list(const std::string& file, const BlockSizeSources& sources) {
  BlockList list;
  if (file.empty()) {
    list.block_size = list_block_size(nullptr, sources);
    return list;
  }
  const BlockListText text = read_block_list_text(file);
  list.present = true;
  list.ranges = parse_block_list(text.text, text.source);
  list.block_size = list_block_size(&text, sources);
  return list;
}

std::vector<copier::Extent> block_list_extents(
    const BlockList& list, std::initializer_list<const copier::Device*> devices) {
  for (const copier::Device* device : devices) check_block_size_fits(list.block_size, *device);
  return to_extents(list.ranges, list.block_size);
}

}  // namespace schelk
