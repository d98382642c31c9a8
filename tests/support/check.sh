# (sourced) check DESCRIPTION COMMAND...: runs COMMAND, prints PASS/FAIL and counts in
# $passed/$failed; the shell tests outside the VM end with their counts.
passed=0 failed=0
check() {
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); echo "PASS $what"
  else failed=$((failed + 1)); echo "FAIL $what"; fi
}
