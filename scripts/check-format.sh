#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format makes of it (.clang-format at the
# root). Fix with: git ls-files '*.cpp' '*.hpp' '*.c' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format.sh: clang-format is not installed (apt-get install clang-format)" >&2; exit 1; }
files=$(git ls-files '*.cpp' '*.hpp' '*.c' '*.h')
if ! bad=$(echo "$files" | xargs clang-format --dry-run -Werror 2>&1); then
  echo "$bad" | grep -E '^[^ ].*: (error|warning):' | cut -d: -f1 | sort -u | sed 's/^/  not formatted: /' >&2
  echo "check-format.sh: run clang-format -i on the files above" >&2
  exit 1
fi
echo "check-format.sh: $(echo "$files" | wc -l) files formatted"
