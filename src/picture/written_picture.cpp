#include "src/picture/written_picture.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "base/format.hpp"

namespace schelk {
namespace {

constexpr int kColumns = 1024;
constexpr int kMaxRows = 256;
constexpr int kMapLeft = 100;
constexpr int kMapTop = 60;
constexpr int kRightMargin = 24;
constexpr int kLegendLine = 20;
constexpr size_t kMaxLegendPhases = 24;
constexpr uint32_t kUnwritten = 0xe6e6e6;
constexpr uint32_t kOutside = 0xffffff;

// Tableau's ten colours: distinct for most eyes and in greyscale print.
constexpr uint32_t kPalette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x17becf, 0x59a14f,
                                 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0x76b7b2};

uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

// The phase colour mixed with white: a cell barely written still shows, a full one is solid.
uint32_t shade(uint32_t rgb, double fraction) {
  const double a = 0.35 + 0.65 * std::clamp(fraction, 0.0, 1.0);
  uint32_t out = 0;
  for (int shift = 16; shift >= 0; shift -= 8) {
    const double c = static_cast<double>((rgb >> shift) & 0xff);
    const auto v = static_cast<uint32_t>(std::lround(255.0 * (1 - a) + c * a));
    out |= std::min<uint32_t>(v, 255) << shift;
  }
  return out;
}

struct CellCounts {
  std::vector<uint64_t> written;  // blocks written in the cell, any phase
  std::vector<uint64_t> best;     // blocks of the phase that wrote most of it
  std::vector<uint32_t> best_phase;
};

CellCounts count_cells(const PictureInput& in, uint64_t cells, uint64_t cell_blocks) {
  CellCounts c{std::vector<uint64_t>(cells), std::vector<uint64_t>(cells),
               std::vector<uint32_t>(cells)};
  std::vector<uint64_t> mine(cells);
  for (size_t p = 0; p < in.phases.size(); ++p) {
    std::fill(mine.begin(), mine.end(), 0);
    for (const auto& r : in.phases[p].ranges) {
      const uint64_t end = std::min(r.end, cells * cell_blocks);
      for (uint64_t b = r.begin; b < end;) {
        const uint64_t cell = b / cell_blocks;
        const uint64_t stop = std::min(end, (cell + 1) * cell_blocks);
        mine[cell] += stop - b;
        b = stop;
      }
    }
    for (uint64_t i = 0; i < cells; ++i) {
      if (mine[i] == 0) continue;
      c.written[i] += mine[i];
      if (mine[i] >= c.best[i]) {
        c.best[i] = mine[i];
        c.best_phase[i] = static_cast<uint32_t>(p);
      }
    }
  }
  return c;
}

struct Surface {
  cairo_surface_t* s;
  ~Surface() { cairo_surface_destroy(s); }
};
struct Cairo {
  cairo_t* c;
  ~Cairo() { cairo_destroy(c); }
};

void set_rgb(cairo_t* cr, uint32_t rgb) {
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                       (rgb & 0xff) / 255.0);
}

void text_at(cairo_t* cr, double x, double y, const std::string& s) {
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, s.c_str());
}

std::string gib_label(uint64_t bytes, uint64_t volume_bytes) {
  const double gib = static_cast<double>(bytes) / double(uint64_t{1} << 30);
  const int decimals = volume_bytes >= (uint64_t{100} << 30) ? 0
                       : volume_bytes >= (uint64_t{1} << 30) ? 1
                                                             : 3;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f GiB", decimals, gib);
  return buf;
}

std::string percent(uint64_t part, uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%",
                whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

uint64_t range_blocks(const std::vector<BlockRange>& ranges) {
  uint64_t n = 0;
  for (const auto& r : ranges) n += r.end - r.begin;
  return n;
}

void paint_map(cairo_surface_t* surface, const PictureLayout& l, const CellCounts& counts,
               uint64_t volume_blocks) {
  cairo_surface_flush(surface);
  unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int row = 0; row < l.rows; ++row) {
    for (int col = 0; col < l.columns; ++col) {
      const uint64_t cell = uint64_t(row) * uint64_t(l.columns) + uint64_t(col);
      const uint64_t first = cell * l.cell_blocks;
      uint32_t rgb = kOutside;
      if (first < volume_blocks) {
        const uint64_t capacity = std::min(l.cell_blocks, volume_blocks - first);
        rgb =
            counts.written[cell] == 0
                ? kUnwritten
                : shade(phase_colour(counts.best_phase[cell]),
                        static_cast<double>(counts.written[cell]) / static_cast<double>(capacity));
      }
      for (int dy = 0; dy < l.cell_height; ++dy) {
        auto* px =
            reinterpret_cast<uint32_t*>(data + (l.map_top + row * l.cell_height + dy) * stride) +
            l.map_left + col;
        *px = rgb;
      }
    }
  }
  cairo_surface_mark_dirty(surface);
}

}  // namespace

uint32_t phase_colour(size_t index) { return kPalette[index % std::size(kPalette)]; }

PictureLayout picture_layout(uint64_t volume_blocks, size_t legend_entries) {
  PictureLayout l;
  l.columns = kColumns;
  l.cell_blocks = std::max<uint64_t>(1, ceil_div(volume_blocks, uint64_t{kColumns} * kMaxRows));
  l.rows = static_cast<int>(
      std::max<uint64_t>(1, ceil_div(ceil_div(volume_blocks, l.cell_blocks), kColumns)));
  l.cell_height = std::clamp(512 / l.rows, 1, 8);
  l.map_left = kMapLeft;
  l.map_top = kMapTop;
  l.width = kMapLeft + kColumns + kRightMargin;
  const size_t lines = std::min(legend_entries, kMaxLegendPhases + 1);
  l.height = kMapTop + l.rows * l.cell_height + 24 + static_cast<int>(lines) * kLegendLine + 12;
  return l;
}

PictureLayout write_written_picture(const PictureInput& in, const std::string& path) {
  if (in.block_size == 0 || in.volume_bytes == 0) {
    throw std::invalid_argument("a picture needs a block size and a volume size");
  }
  const uint64_t volume_blocks = ceil_div(in.volume_bytes, in.block_size);
  const size_t legend = std::max<size_t>(1, in.phases.size());
  const PictureLayout l = picture_layout(volume_blocks, legend);
  const uint64_t cells = uint64_t(l.rows) * uint64_t(l.columns);
  const CellCounts counts = count_cells(in, cells, l.cell_blocks);

  Surface surface{cairo_image_surface_create(CAIRO_FORMAT_RGB24, l.width, l.height)};
  Cairo cr{cairo_create(surface.s)};
  set_rgb(cr.c, 0xffffff);
  cairo_paint(cr.c);
  paint_map(surface.s, l, counts, volume_blocks);

  cairo_select_font_face(cr.c, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr.c, 13);
  set_rgb(cr.c, 0x202020);
  uint64_t total_blocks = 0;
  for (const auto& p : in.phases) total_blocks += range_blocks(p.ranges);
  const uint64_t total_bytes = std::min(total_blocks * in.block_size, in.volume_bytes);
  text_at(cr.c, 8, 20, "schelk written: " + in.title);
  const uint64_t row_bytes = uint64_t(l.columns) * l.cell_blocks * in.block_size;
  text_at(cr.c, 8, 40,
          base::format_bytes(total_bytes) + " written of " + base::format_bytes(in.volume_bytes) +
              " (" + percent(total_bytes, in.volume_bytes) + "); a row is " +
              base::format_bytes(row_bytes) + ", a pixel column " +
              base::format_bytes(l.cell_blocks * in.block_size) + "; darker = more of it written");

  // The axis: the byte offset where a row starts, every 24 pixels or more.
  cairo_set_font_size(cr.c, 11);
  const int every = std::max(1, (24 + l.cell_height - 1) / l.cell_height);
  for (int row = 0; row < l.rows; row += every) {
    text_at(cr.c, 6, l.map_top + row * l.cell_height + 10,
            gib_label(static_cast<uint64_t>(row) * row_bytes, in.volume_bytes));
  }

  cairo_set_font_size(cr.c, 13);
  int y = l.map_top + l.rows * l.cell_height + 24;
  for (size_t p = 0; p < in.phases.size() && p < kMaxLegendPhases; ++p, y += kLegendLine) {
    set_rgb(cr.c, phase_colour(p));
    cairo_rectangle(cr.c, l.map_left, y - 12, 14, 14);
    cairo_fill(cr.c);
    set_rgb(cr.c, 0x202020);
    const uint64_t bytes =
        std::min(range_blocks(in.phases[p].ranges) * in.block_size, in.volume_bytes);
    text_at(cr.c, l.map_left + 22, y,
            in.phases[p].label + ": " + base::format_bytes(bytes) + " (" +
                percent(bytes, in.volume_bytes) + ")");
  }
  if (in.phases.size() > kMaxLegendPhases) {
    text_at(cr.c, l.map_left + 22, y,
            "... and " + std::to_string(in.phases.size() - kMaxLegendPhases) +
                " more phases (colours repeat)");
  } else if (in.phases.empty()) {
    text_at(cr.c, l.map_left, y, "nothing written");
  }
  cairo_surface_flush(surface.s);
  const cairo_status_t st = cairo_surface_write_to_png(surface.s, path.c_str());
  if (st != CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error("Cannot write the picture to " + path + ": " +
                             cairo_status_to_string(st) +
                             "; check that its directory exists and is writable.");
  }
  return l;
}

}  // namespace schelk
