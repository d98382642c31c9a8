// The written-blocks picture, read back with libpng (not cairo, which wrote it): its size is the
// layout's, each phase's cells carry its colour, unwritten cells are grey, a partly written cell
// is lighter than a full one; an unwritable path is an error naming it.
#include "src/picture/written_picture.hpp"

#include <png.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "src/workflow/written_set.hpp"
#include "tests/support/temp_path.hpp"

using namespace schelk;

namespace {

struct Rgb {
  std::vector<uint8_t> px;
  int width = 0;
  int height = 0;
  uint32_t at(int x, int y) const {
    const size_t i = (size_t(y) * size_t(width) + size_t(x)) * 3;
    return uint32_t{px[i]} << 16 | uint32_t{px[i + 1]} << 8 | px[i + 2];
  }
};

Rgb read_png(const std::string& path) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_file(&img, path.c_str()) != 0);
  img.format = PNG_FORMAT_RGB;
  Rgb out;
  out.width = static_cast<int>(img.width);
  out.height = static_cast<int>(img.height);
  out.px.resize(PNG_IMAGE_SIZE(img));
  REQUIRE(png_image_finish_read(&img, nullptr, out.px.data(), 0, nullptr) != 0);
  return out;
}

// The pixel in the middle of cell (row, col).
uint32_t cell(const Rgb& img, const PictureLayout& l, int row, int col) {
  return img.at(l.map_left + col, l.map_top + row * l.cell_height + l.cell_height / 2);
}

int channel_sum(uint32_t rgb) {
  return int((rgb >> 16) & 0xff) + int((rgb >> 8) & 0xff) + int(rgb & 0xff);
}

}  // namespace

TEST_CASE("picture: phases in their colours, unwritten grey, the size of the layout") {
  test::TempDir dir;
  const std::string path = (dir.path() / "w.png").string();
  // 64 rows of 1024 one-block cells.
  PictureInput in{"test", 4096, uint64_t{1024} * 64 * 4096, {}};
  in.phases.push_back({"load", {{0, 1024 * 10}}});               // rows 0-9
  in.phases.push_back({"run", {{1024 * 20, 1024 * 20 + 512}}});  // half of row 20
  const PictureLayout l = write_written_picture(in, path);
  CHECK(l.rows == 64);
  CHECK(l.cell_blocks == 1);
  const Rgb img = read_png(path);
  CHECK(img.width == l.width);
  CHECK(img.height == l.height);
  CHECK(cell(img, l, 0, 0) == phase_colour(0));
  CHECK(cell(img, l, 9, 1023) == phase_colour(0));
  CHECK(cell(img, l, 10, 0) == 0xe6e6e6);
  CHECK(cell(img, l, 20, 100) == phase_colour(1));
  CHECK(cell(img, l, 20, 600) == 0xe6e6e6);
  CHECK(cell(img, l, 63, 1023) == 0xe6e6e6);
}

TEST_CASE("picture: a cell written in part is lighter, the phase that wrote most wins it") {
  test::TempDir dir;
  const std::string path = (dir.path() / "w.png").string();
  // 1024 * 256 cells of 4 blocks.
  PictureInput in{"test", 65536, uint64_t{1024} * 256 * 4 * 65536, {}};
  in.phases.push_back({"a", {{0, 1}, {8, 11}}});   // cell 0: 1 of 4; cell 2: 3 of 4
  in.phases.push_back({"b", {{4, 8}, {11, 12}}});  // cell 1: all; cell 2: 1 of 4
  const PictureLayout l = write_written_picture(in, path);
  REQUIRE(l.cell_blocks == 4);
  const Rgb img = read_png(path);
  CHECK(cell(img, l, 0, 1) == phase_colour(1));
  CHECK(cell(img, l, 0, 2) == phase_colour(0));  // fully written, mostly by a
  const uint32_t part = cell(img, l, 0, 0);
  CHECK(part != 0xe6e6e6);
  CHECK(channel_sum(part) > channel_sum(phase_colour(0)));
}

TEST_CASE("picture: the last row ends where the volume does") {
  test::TempDir dir;
  const std::string path = (dir.path() / "w.png").string();
  PictureInput in{"test", 4096, uint64_t{1024 + 10} * 4096, {{"all", {{0, 1034}}}}};
  const PictureLayout l = write_written_picture(in, path);
  REQUIRE(l.rows == 2);
  const Rgb img = read_png(path);
  CHECK(cell(img, l, 1, 9) == phase_colour(0));
  CHECK(cell(img, l, 1, 10) == 0xffffff);  // past the end of the volume
}

TEST_CASE("picture: an unwritable path is an error naming it") {
  PictureInput in{"test", 4096, 1 << 20, {}};
  CHECK_THROWS_WITH(write_written_picture(in, "/nonexistent-dir/w.png"),
                    Catch::Contains("/nonexistent-dir/w.png"));
  CHECK_THROWS_AS(write_written_picture(PictureInput{"t", 0, 1, {}}, "/tmp/x.png"),
                  std::invalid_argument);
}

TEST_CASE("subtract_ranges: the blocks of a not in b") {
  using V = std::vector<BlockRange>;
  CHECK(subtract_ranges(V{{0, 10}}, V{}) == V{{0, 10}});
  CHECK(subtract_ranges(V{{0, 10}}, V{{0, 10}}).empty());
  CHECK(subtract_ranges(V{{0, 10}}, V{{2, 4}, {6, 7}}) == V{{0, 2}, {4, 6}, {7, 10}});
  CHECK(subtract_ranges(V{{0, 5}, {8, 12}}, V{{3, 9}}) == V{{0, 3}, {9, 12}});
  CHECK(subtract_ranges(V{{5, 6}}, V{{0, 1}, {10, 11}}) == V{{5, 6}});
}
