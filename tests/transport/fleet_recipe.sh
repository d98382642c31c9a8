#!/usr/bin/env bash
# The fleet recipe of README "Shipping baselines between hosts", as a script (tested by
# tests/transport/run.sh with rclone's local backend). One host publishes each generation once
# to object storage; every runner brings itself to it, incrementally when the store has a delta
# from its generation, else from the full stream.
#
#   fleet_recipe.sh publish DEST [KEEP]   on the host that promotes, right after 'schelk promote':
#       DEST/<id>/g<to>.full.NNNNNN          the full stream in parts of $PART_SIZE (default 1G)
#       DEST/<id>/g<from>-g<to>.schelk       a delta from each of the KEEP (default 5) generations
#                                            before, as far as the history keeps their promotes
#       DEST/current                         "<id> <to>", written last: runners never see a
#                                            generation whose objects are not all there
#   fleet_recipe.sh update DEST PAIR...   on a runner: up to date, an incremental receive, or a
#       full receive (a new pair from PAIR: --virgin V --scratch S --ramdisk R --mount-point M)
#
# DEST is an rclone path (remote:bucket/baselines, or a directory for the local backend). The
# schelk binary is $SCHELK (default schelk); its state file SCHELK_STATE or schelk's default.
set -euo pipefail
schelk=${SCHELK:-schelk}
part_size=${PART_SIZE:-1G}

field() { "$schelk" status --json | jq -r ".$1 // empty"; }

publish() {
  local dest=$1 keep=${2:-5}
  local id g from
  id=$(field baseline_id)
  g=$(field generation)
  [ -n "$id" ] || { echo "fleet_recipe: this host has no baseline id yet" >&2; return 1; }
  "$schelk" send --full --part-size "$part_size" \
    --part-command "rclone rcat '$dest/$id/g$g.full.'\$SCHELK_PART"
  local tmp
  tmp=$(mktemp -d)
  for ((from = g > keep ? g - keep : 0; from < g; from++)); do
    # Through a file, so that only a whole delta is stored; one the history no longer allows
    # is skipped (send refuses it), and runners that old take the full stream.
    if "$schelk" send --from-generation "$from" -o "$tmp/delta" >/dev/null 2>&1; then
      rclone copyto "$tmp/delta" "$dest/$id/g$from-g$g.schelk"
    fi
  done
  rm -rf "$tmp"
  echo "$id $g" | rclone rcat "$dest/current"
  echo "published $id generation $g to $dest"
}

update() {
  local dest=$1
  shift
  local id g my_id my_g
  read -r id g < <(rclone cat "$dest/current")
  my_id=$(field baseline_id 2>/dev/null || true)
  my_g=$(field generation 2>/dev/null || true)
  if [ "$my_id" = "$id" ] && [ "$my_g" = "$g" ]; then
    echo "up to date: $id generation $g"
  elif [ "$my_id" = "$id" ] && [ -n "$(rclone lsf "$dest/$id/g$my_g-g$g.schelk" 2>/dev/null)" ]; then
    rclone cat "$dest/$id/g$my_g-g$g.schelk" | "$schelk" receive -y
    echo "received $id generation $my_g to $g (incremental)"
  else
    "$schelk" receive --part-command "rclone cat '$dest/$id/g$g.full.'\$SCHELK_PART" -y "$@"
    echo "received $id generation $g (full)"
  fi
}

case ${1:-} in
  publish) shift; publish "$@" ;;
  update) shift; update "$@" ;;
  *) echo "usage: fleet_recipe.sh publish DEST [KEEP] | update DEST PAIR-OPTIONS..." >&2; exit 2 ;;
esac
