// A picture of a volume's address space with its written blocks drawn by phase, for
// `schelk written --picture FILE.png`: the volume laid out row by row (address grows left to
// right, then down), one colour per phase, a cell's shade showing how much of it was written,
// the axis in GiB and a legend with each phase's label and bytes. Drawn with cairo.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

struct PicturePhase {
  std::string label;
  std::vector<BlockRange> ranges;  // sorted, disjoint, in blocks of PictureInput::block_size
};

struct PictureInput {
  std::string title;  // e.g. "live", "run 20261201-...": the first line of the picture
  uint64_t block_size = 0;
  uint64_t volume_bytes = 0;
  std::vector<PicturePhase> phases;  // drawn in this order; a later phase wins a tie
};

// Where the map lies in the image, so callers and tests can find a block's pixel.
struct PictureLayout {
  int width = 0;  // of the whole image, pixels
  int height = 0;
  int map_left = 0;  // the map's top-left pixel
  int map_top = 0;
  int columns = 0;           // cells per row
  int rows = 0;              // rows used by the volume
  int cell_height = 0;       // pixels per cell vertically (cells are one pixel wide)
  uint64_t cell_blocks = 0;  // blocks per cell
};

// The layout for a volume of `volume_blocks` with `legend_entries` legend lines.
PictureLayout picture_layout(uint64_t volume_blocks, size_t legend_entries);

// Phase `index`'s colour as 0xRRGGBB (a fixed palette, repeating after ten phases).
uint32_t phase_colour(size_t index);

// Draws the picture and writes it as a PNG to `path`. Throws std::runtime_error naming the path
// when it cannot be written, std::invalid_argument for a zero block size or volume.
PictureLayout write_written_picture(const PictureInput& in, const std::string& path);

}  // namespace schelk
