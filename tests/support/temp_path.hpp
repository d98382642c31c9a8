// Temporary files and directories removed at scope exit, for tests that write files. The one
// place tests make them (no hand-rolled mkstemp in test bodies).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace schelk::test {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "schelk-test-XXXXXX").string();
    char* p = ::mkdtemp(templ.data());
    if (!p) throw std::runtime_error("mkdtemp failed");
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

class TempFile {
 public:
  explicit TempFile(const std::string& tag = "era") {
    std::string tmpl = "/tmp/schelk-" + tag + "-XXXXXX";
    const int fd = ::mkstemp(tmpl.data());
    if (fd >= 0) ::close(fd);
    path_ = tmpl;
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

  void write(const std::string& data) const { std::ofstream(path_, std::ios::binary) << data; }
  void write_bytes(const void* data, std::size_t n) const {
    std::ofstream(path_, std::ios::binary)
        .write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  }
  void resize(std::uint64_t bytes) const {
    if (::truncate(path_.c_str(), static_cast<off_t>(bytes)) != 0) std::abort();
  }
  [[nodiscard]] std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
};

}  // namespace schelk::test
