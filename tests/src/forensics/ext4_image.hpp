// Test ext4 images built with e2fsprogs (mke2fs -d from a directory tree; debugfs -w for what
// -d cannot make), and debugfs as the oracle: icheck (block -> inode), ncheck (inode -> names),
// testb (block in use), stat (a file's extent tree blocks). A missing tool FAILS the test.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/prerequisite.hpp"
#include "tests/support/run_shell.hpp"

namespace schelk::test {

inline std::string sh(const std::string& command) {
  const auto r = run_shell(command);
  INFO(command << "\n" << r.output);
  REQUIRE(r.status == 0);
  return r.output;
}

inline void require_e2fsprogs() {
  for (const char* tool : {"mke2fs", "debugfs"}) {
    INFO(tool << " is missing: scripts/install-deps.sh installs e2fsprogs");
    REQUIRE(have_command(tool));
  }
}

inline std::string debugfs(const std::string& image, const std::string& request) {
  return sh("debugfs -R '" + request + "' '" + image + "' 2>/dev/null");
}

// icheck: block -> inode (0 when no inode owns it).
inline std::map<uint64_t, uint64_t> icheck(const std::string& image,
                                           const std::vector<uint64_t>& blocks) {
  std::map<uint64_t, uint64_t> owner;
  for (size_t at = 0; at < blocks.size(); at += 200) {
    std::string request = "icheck";
    for (size_t i = at; i < blocks.size() && i < at + 200; ++i) {
      request += " " + std::to_string(blocks[i]);
    }
    std::istringstream in(debugfs(image, request));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream l(line);
      uint64_t block = 0;
      std::string inode;
      if (!(l >> block >> inode)) continue;
      owner[block] = inode[0] == '<' ? 0 : std::stoull(inode);
    }
  }
  return owner;
}

// ncheck: inode -> its names ("//a" as debugfs prints root entries becomes "/a").
inline std::map<uint64_t, std::set<std::string>> ncheck(const std::string& image,
                                                        const std::set<uint64_t>& inodes) {
  std::map<uint64_t, std::set<std::string>> names;
  if (inodes.empty()) return names;
  std::string request = "ncheck";
  for (auto i : inodes) request += " " + std::to_string(i);
  std::istringstream in(debugfs(image, request));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string path = line.substr(tab + 1);
    if (path.rfind("//", 0) == 0) path.erase(0, 1);
    names[std::stoull(line.substr(0, tab))].insert(path);
  }
  return names;
}

// testb for many blocks in one debugfs run: block -> in use.
inline std::map<uint64_t, bool> blocks_in_use(const std::string& image,
                                              const std::vector<uint64_t>& blocks) {
  std::string script;
  for (auto b : blocks) script += "testb " + std::to_string(b) + "\n";
  const auto text = sh("printf '" + script + "' | debugfs -f - '" + image + "' 2>/dev/null");
  std::map<uint64_t, bool> out;
  const std::regex line("Block ([0-9]+) (marked in use|not in use)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it) {
    out[std::stoull((*it)[1])] = (*it)[2] == "marked in use";
  }
  REQUIRE(out.size() == blocks.size());
  return out;
}

// "regular", "directory", ... from stat's "Type:".
inline std::string inode_type(const std::string& image, uint64_t inode) {
  const auto text = debugfs(image, "stat <" + std::to_string(inode) + ">");
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex("Type: ([a-z]+)")));
  return m[1];
}

// The extent tree blocks (ETB) stat lists for an inode.
inline std::set<uint64_t> tree_blocks(const std::string& image, uint64_t inode) {
  const auto text = debugfs(image, "stat <" + std::to_string(inode) + ">");
  std::set<uint64_t> out;
  const std::regex etb("\\(ETB[0-9]+\\):([0-9]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), etb); it != std::sregex_iterator();
       ++it) {
    out.insert(std::stoull((*it)[1]));
  }
  return out;
}

// Data and tree blocks of a file by path (debugfs blocks).
inline std::vector<uint64_t> file_blocks(const std::string& image, const std::string& path) {
  std::istringstream in(debugfs(image, "blocks " + path));
  std::vector<uint64_t> out;
  for (uint64_t b; in >> b;) out.push_back(b);
  return out;
}

}  // namespace schelk::test
