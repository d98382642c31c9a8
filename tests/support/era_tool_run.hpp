// Test support: run an external tool (thin-provisioning-tools, our schelk binary) through the
// shell and capture its stdout and exit status; temporary files that delete themselves.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/temp_path.hpp"

namespace era_test {

struct RunResult {
  int rc = -1;
  std::string out;
};

// Runs `cmd` with /bin/sh; stderr goes wherever cmd redirects it (default: inherited).
inline RunResult run(const std::string& cmd) {
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return r;
}

inline bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// Rust thin-provisioning-tools 1.x (scripts/fetch-tpt-rust.sh): $SCHELK_TPT_RUST or the
// default cache path; empty if absent.
inline std::string rust_pdata_tools() {
  const char* env = std::getenv("SCHELK_TPT_RUST");
  std::string p = env && *env ? env : "/var/cache/schelk/tpt-rust/usr/sbin/pdata_tools";
  return executable(p) ? p : std::string();
}

using TempFile = schelk::test::TempFile;

}  // namespace era_test
