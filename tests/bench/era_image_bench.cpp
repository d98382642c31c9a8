// Helper of era_bench.sh: writes benchmark metadata images with our writer, and times a peer
// command (best wall time of N runs and peak RSS, via wait4), saving its stdout.
//   era_image_bench write SHAPE NR_BLOCKS FILE    SHAPE: a (1% in an archived writeset),
//                                                 b (1% digested into the era array), c (both),
//                                                 s (a, with one shared all-zero array block;
//                                                 not what the kernel writes)
//   era_image_bench time REPEAT LIMIT_S OUT -- CMD ARGS...
//   prints "wall_s=<best> rss_kib=<max> runs=<n> rc=<last>"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "era_metadata/writer.hpp"
#include "src/era_tools/file_sink.hpp"

using era_metadata::EraModel;
using era_metadata::WritesetModel;

namespace {

// 1% of the blocks, in 64-block chunks picked by a hash, so the written set is scattered but
// runs are realistic (about nr_blocks / 6400 runs). `salt` selects an independent pattern.
bool chunk_written(std::uint64_t chunk, std::uint64_t salt) {
  std::uint64_t x = (chunk + salt * 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 29;
  return x % 100 == 0;
}

WritesetModel pattern_writeset(std::uint32_t era, std::uint32_t nr_bits, std::uint64_t salt) {
  WritesetModel ws;
  ws.era = era;
  ws.nr_bits = nr_bits;
  ws.words.assign((std::uint64_t{nr_bits} + 63) / 64, 0);
  for (std::uint64_t w = 0; w < ws.words.size(); ++w) {
    if (chunk_written(w, salt)) ws.words[w] = ~std::uint64_t{0};
  }
  return ws;
}

int write_image(char shape, std::uint32_t nr_blocks, const std::string& file) {
  EraModel m;
  m.data_block_size = 8;
  m.nr_blocks = nr_blocks;
  m.current_era = 2;
  if (shape == 'a' || shape == 's') m.writesets.push_back(pattern_writeset(1, nr_blocks, 1));
  if (shape == 'b' || shape == 'c') {
    m.era_array = [](std::uint64_t first, std::uint32_t* out, std::size_t count) {
      for (std::size_t i = 0; i < count; ++i) out[i] = chunk_written((first + i) / 64, 2) ? 1 : 0;
    };
  }
  if (shape == 'c') {
    m.current_era = 3;
    m.writesets.push_back(pattern_writeset(2, nr_blocks, 1));
  }
  era_metadata::WriterOptions options;
  options.share_zero_era_blocks = shape == 's';
  const std::uint64_t blocks = era_metadata::metadata_blocks_needed(m, options);
  {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(blocks * 4096)) != 0) {
      std::perror(file.c_str());
      return 1;
    }
    ::close(fd);
  }
  const auto t0 = std::chrono::steady_clock::now();
  schelk::FileSink sink(file);
  era_metadata::write_metadata(m, blocks, sink, options);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s: shape %c, %u data blocks, %llu metadata blocks, %.2f s\n", file.c_str(),
              shape, nr_blocks, static_cast<unsigned long long>(blocks), s);
  return 0;
}

int time_command(int repeat, double limit, const std::string& out, char** cmd) {
  double best = 1e18;
  long rss = 0;
  int rc = 0, runs = 0;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || ::dup2(fd, 1) < 0) _exit(126);
      ::execvp(cmd[0], cmd);
      _exit(127);
    }
    int status = 0;
    rusage ru{};
    if (::wait4(pid, &status, 0, &ru) < 0) return 1;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++runs;
    best = std::min(best, s);
    rss = std::max(rss, ru.ru_maxrss);
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (s > limit) break;  // slow peers run once
  }
  std::printf("wall_s=%.4f rss_kib=%ld runs=%d rc=%d\n", best, rss, runs, rc);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "write" && argc == 5) {
      return write_image(argv[2][0], static_cast<std::uint32_t>(std::stoul(argv[3])), argv[4]);
    }
    if (mode == "time" && argc > 6 && std::string(argv[5]) == "--") {
      return time_command(std::stoi(argv[2]), std::stod(argv[3]), argv[4], argv + 6);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "era_image_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: era_image_bench write a|b|c|s NR_BLOCKS FILE\n"
               "       era_image_bench time REPEAT LIMIT_S OUT -- CMD ARGS...\n");
  return 2;
}
