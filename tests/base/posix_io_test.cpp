#include "base/posix_io.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "base/errno.hpp"
#include "base/unique_fd.hpp"

namespace {

std::string temp_path() {
  char tmpl[] = "/tmp/schelk_base_XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  return tmpl;
}

}  // namespace

TEST_CASE("pwrite_full and pread_full round-trip: pread_full stops at end of file", "[base][io]") {
  const std::string path = temp_path();
  base::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  REQUIRE(fd);
  std::vector<std::byte> data(10000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 7);
  base::pwrite_full(fd.get(), data, 100, "write");
  std::vector<std::byte> back(data.size() + 50);
  const std::size_t got = base::pread_full(fd.get(), back, 100, "read");
  CHECK(got == data.size());
  back.resize(got);
  CHECK(back == data);
  ::unlink(path.c_str());
}

TEST_CASE("read_full and write_full continue after short transfers on a socket", "[base][io]") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  base::UniqueFd a(pair[0]), b(pair[1]);
  // More than the socket buffer holds: the writer makes short writes while the reader drains.
  std::vector<std::byte> data(4 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i % 251);
  std::thread writer([&] {
    base::write_full(a.get(), data, "write");
    a.reset();
  });
  std::vector<std::byte> back(data.size() + 1);
  const std::size_t got = base::read_full(b.get(), back, "read");
  writer.join();
  CHECK(got == data.size());
  back.resize(got);
  CHECK(back == data);
}

TEST_CASE("I/O errors throw system_error naming the action", "[base][io]") {
  std::vector<std::byte> buf(16);
  try {
    (void)base::pread_full(-1, buf, 0, "read /nowhere");
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == EBADF);
    CHECK(std::string(e.what()).rfind("read /nowhere: ", 0) == 0);
  }
  CHECK(base::errno_text(ENOENT) == "No such file or directory (errno 2)");
}

TEST_CASE("read_text_file reads small files whole and bounds large ones", "[base][io]") {
  const std::string path = temp_path();
  {
    base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    base::write_full(fd.get(), std::string(10000, 'x') + "end", "write");
  }
  CHECK(base::read_text_file(path)->size() == 10003);
  CHECK(base::read_text_file(path, 5) == std::string("xxxxx"));
  CHECK_FALSE(base::read_text_file("/nonexistent/schelk").has_value());
  ::unlink(path.c_str());
}
