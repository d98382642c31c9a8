#!/usr/bin/env bash
# The documents generated from the command tables: schelk(8) renders with groff and man -l
# without a warning and has a section for every command and tool; the bash completion, sourced
# into a non-interactive bash, completes commands, options and device paths; the era_* names
# print exactly what thin-provisioning-tools 0.9 prints for -h/--help/-V/--version (0.9 must be
# installed: scripts/install-deps.sh); README.md holds the exit-status table the binary generates.
# Usage: tests/doc/man_completion_test.sh SCHELK_BINARY DOC_DIR README
set -u
binary=${1:?usage: man_completion_test.sh SCHELK_BINARY DOC_DIR README}
doc=${2:?}
readme=${3:?}
work=$(mktemp -d /tmp/schelk-doc-test-XXXXXX)
trap 'rm -rf "$work"' EXIT

. "$(dirname "${BASH_SOURCE[0]}")/../support/check.sh"

# The commands and tools, as the top-level help lists them.
mapfile -t names < <("$binary" --help | sed -n '/^Commands:/,/^Global options:/s/^  \([a-z-][a-z-]*\) .*/\1/p')
check "the help lists 21 commands and tools (${#names[@]})" test "${#names[@]}" -eq 21

# The man page: the build's is what the binary generates now.
check "build/doc/schelk.8 is the binary's --man" cmp -s "$doc/schelk.8" <("$binary" --man)
groff -man -Tutf8 -ww -z "$doc/schelk.8" 2>"$work/groff.err"
check "groff -man renders it without warnings" test ! -s "$work/groff.err"
MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$doc/schelk.8" >"$work/man.txt" 2>"$work/man.err"
check "man -l renders it without warnings" test ! -s "$work/man.err"
for name in "${names[@]}"; do
  check "the man page has a section for $name" grep -q "^   $name\$" "$work/man.txt"
done
for section in SYNOPSIS COMMANDS TOOLS "GLOBAL OPTIONS" "EXIT STATUS" ENVIRONMENT; do
  check "the man page has $section" grep -q "^$section\$" "$work/man.txt"
done
check "the man page marks required options" grep -q -- "--virgin DEVICE (required)" "$work/man.txt"

# The bash completion, in a non-interactive bash.
check "build/doc/schelk.bash is the binary's --bash-completion" \
  cmp -s "$doc/schelk.bash" <("$binary" --bash-completion)
complete_words() {  # complete_words WORD... (the last one is completed)
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _schelk
           printf "%s\n" "${COMPREPLY[@]}"' _ "$doc/schelk.bash" "$@"
}
check "schelk <TAB> offers every command" \
  test "$(complete_words schelk "" | sort)" = "$(printf '%s\n' "${names[@]}" help | sort)"
check "schelk reco<TAB> is recover" test "$(complete_words schelk reco)" = recover
check "schelk --yes re<TAB> (after a global option)" \
  test "$(complete_words schelk --yes re | sort | tr '\n' ' ')" = "receive recover repair restore "
want_recover=$(printf '%s\n' --kill --verify --full-if-needed --map-files --json --yes --state-path \
  --lock-timeout --progress --version --help | sort)
check "schelk recover --<TAB> offers recover's options and the global ones" \
  test "$(complete_words schelk recover -- | sort)" = "$want_recover"
check "schelk recover --<TAB> does not offer another command's option" \
  bash -c "! grep -qx -- --virgin <<<\"$(complete_words schelk recover --)\""
check "schelk init-new --vir<TAB> is --virgin" test "$(complete_words schelk init-new --vir)" = --virgin
check "schelk init-new --virgin <TAB> offers /dev/*" \
  bash -c "grep -qx /dev/null <<<\"$(complete_words schelk init-new --virgin "")\""
check "schelk init-new --ramdisk /dev/nu<TAB> is /dev/null" \
  test "$(complete_words schelk init-new --ramdisk /dev/nu)" = /dev/null
check "schelk copy --from <TAB> offers /dev/*" \
  bash -c "grep -qx /dev/null <<<\"$(complete_words schelk copy --from "")\""
check "schelk --progress never re<TAB> (a global option's value is skipped)" \
  test "$(complete_words schelk --progress never re | sort | tr '\n' ' ')" = "receive recover repair restore "
check "schelk help st<TAB> is status" test "$(complete_words schelk help st)" = status
check "the zsh completion is the binary's and names every command" \
  bash -c "cmp -s '$doc/_schelk' <('$binary' --zsh-completion) && head -1 '$doc/_schelk' | grep -qx '#compdef schelk' &&
           for n in ${names[*]}; do grep -q \"^    '\$n:\" '$doc/_schelk' || exit 1; done"

# The era_* names: thin-provisioning-tools 0.9's exact help and version output.
mkdir "$work/bin" "$work/bin09"  # both run as ./TOOL: getopt's messages name argv[0]
for tool in era_check era_dump era_invalidate era_restore; do
  if [ ! -x "/usr/sbin/$tool" ]; then
    check "thin-provisioning-tools 0.9 $tool is installed (scripts/install-deps.sh)" false
    continue
  fi
  ln -s "$(realpath "$binary")" "$work/bin/$tool"
  ln -s "/usr/sbin/$tool" "$work/bin09/$tool"
  for args in -h --help -V --version "-V -h" "-h -V" --bogus; do
    # shellcheck disable=SC2086
    ours=$(cd "$work/bin" && ./$tool $args 2>&1; echo "exit=$?")
    # shellcheck disable=SC2086
    theirs=$(cd "$work/bin09" && ./$tool $args 2>&1; echo "exit=$?")
    check "$tool $args prints what 0.9 prints" test "$ours" = "$theirs"
  done
done

# README's exit-status table is the generated one.
"$binary" --exit-codes-markdown >"$work/exit-codes.md"
check "README.md holds the exit-status table of every command (schelk --exit-codes-markdown)" \
  python3 -c 'import sys; sys.exit(open(sys.argv[2]).read() not in open(sys.argv[1]).read())' \
  "$readme" "$work/exit-codes.md"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
