// Runs a shell command line (the built binary, in the tests that need the process) and returns
// its exit status and what it printed on stdout (add "2>&1" to the line for stderr too).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace schelk::test {

struct ShellRun {
  int status;  // the exit status, -1 when killed by a signal
  std::string output;
};

inline ShellRun run_shell(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  std::string out;
  if (p == nullptr) return {-1, out};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace schelk::test
