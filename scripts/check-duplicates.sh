#!/usr/bin/env bash
# Fails when the tree holds more duplicated places (pairs of 6+ same or same-shape lines, as the
# `duplicates` tool counts them, boilerplate excluded) than the limit below. The limit is the
# count when it was last lowered: a change that adds a duplicate must remove one, or mend it.
set -euo pipefail
cd "$(dirname "$0")/.."
# 18: the command-option table of src/workflow/cli.cpp is data whose rows look alike.
limit=${SCHELK_MAX_DUPLICATE_PAIRS:-18}
if ! command -v duplicates >/dev/null; then
  echo "check-duplicates.sh: SKIPPED - the 'duplicates' tool is not installed on this machine" >&2
  exit 0
fi
report=$(duplicates --most 200 --seconds 120)
head=$(echo "$report" | head -n 1)
case "$head" in
  "no duplicates"*) echo "check-duplicates.sh: no duplicates"; exit 0 ;;
  *incomplete*) echo "check-duplicates.sh: duplicates did not finish: $head" >&2; exit 1 ;;
esac
pairs=$(echo "$head" | sed -n 's/^\([0-9]*\) pairs.*/\1/p')
boiler=$(echo "$head" | sed -n 's/.* \([0-9]*\) of those marked boilerplate.*/\1/p')
real=$((pairs - ${boiler:-0}))
if [ "$real" -gt "$limit" ]; then
  echo "$report" | grep -v boilerplate >&2
  echo "check-duplicates.sh: $real duplicated places (limit $limit); mend the new ones" >&2
  exit 1
fi
echo "check-duplicates.sh: $real duplicated places besides boilerplate (limit $limit)"
