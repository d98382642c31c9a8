// Documents generated from the command tables (cli.hpp: command_docs(), the option docs, and
// main.cpp's tools), so that help, the man page, the completions and the exit-status table
// cannot drift apart: the build runs `schelk --man`, `--bash-completion`, `--zsh-completion`;
// a test compares `--exit-codes-markdown` with the README. None of these throws but bad_alloc.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/workflow/cli.hpp"

namespace schelk {

// The candidate nearest to `word` by edit distance (Levenshtein), if it is near enough to be a
// typo (at most 2 edits, and fewer than the word's length); empty otherwise.
[[nodiscard]] std::string closest_match(std::string_view word,
                                        const std::vector<std::string>& candidates);

// schelk(8) in roff (man macros).
[[nodiscard]] std::string man_page(std::span<const ToolSummary> tools);

// Completion scripts: bash (function _schelk, `complete -F _schelk schelk`) and zsh (#compdef).
[[nodiscard]] std::string bash_completion(std::span<const ToolSummary> tools);
[[nodiscard]] std::string zsh_completion(std::span<const ToolSummary> tools);

// README's "Exit codes" table of every command (Markdown).
[[nodiscard]] std::string exit_codes_markdown(std::span<const ToolSummary> tools);

}  // namespace schelk
