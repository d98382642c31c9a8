// libFuzzer target: the input is an era_dump XML document for era_restore's reader. It may not
// crash, hang, leak or read out of bounds; XmlError is the expected failure. What the reader
// accepts and the writer writes must read back without a MetadataError (so era_restore never
// produces metadata that era_dump and era_invalidate refuse), for models of a few blocks.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "era_metadata/era_content.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/writer.hpp"
#include "src/era_tools/era_dump_xml_reader.hpp"

using namespace era_metadata;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // 4096 metadata blocks, as a small output device: bounds what the declared sizes may cost.
  constexpr std::uint64_t kDeviceBlocks = 4096;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  EraModel model;
  try {
    model = schelk::era_tools::read_era_dump_xml(in, kDeviceBlocks);
  } catch (const schelk::era_tools::XmlError&) {
    return 0;
  }
  // Writing and reading back costs per data block; keep it to small models.
  if (model.nr_blocks > 100000) return 0;
  for (const auto& w : model.writesets) {
    if (w.nr_bits > 100000) return 0;
  }
  const std::uint64_t needed = metadata_blocks_needed(model);
  if (needed > kDeviceBlocks) return 0;
  MemoryMetadataSink sink(needed);
  try {
    write_metadata(model, needed, sink);
  } catch (const WriterError&) {
    return 0;  // era_restore reports it before writing anything
  }
  const MemoryMetadataSource source(sink.take_image());
  try {
    (void)read_era_content(source, {});
  } catch (const MetadataError& e) {
    std::fprintf(stderr, "restored metadata is refused: %s\n", e.what());
    std::abort();
  }
  return 0;
}
