#!/usr/bin/env bash
# Transports end to end (README "Shipping baselines between hosts"), as root on this host: a
# schelk pair on loop devices sends its baseline, and it is received back through
#  - OpenSSH: `schelk send --full | ssh HOST schelk receive`, with an sshd of its own on a free
#    localhost port (its own host key, client key and config; the host's ssh is not touched);
#  - rclone's local and sftp backends (the same sshd) with rcat/cat, whole and in parts
#    (--part-size, --part-command, --parts);
#  - an S3-compatible server (s3rver, from npm) with rclone's s3 backend and Debian's aws CLI;
#  - the fleet recipe (tests/transport/fleet_recipe.sh) over rclone's local backend.
# Every received stream is compared byte for byte with the one sent (or, applied, the volumes
# with the sender's); a stream corrupted in storage is refused naming the stream byte. A missing
# prerequisite fails the run. Ends with "N passed, N failed".
# Usage: tests/transport/run.sh SCHELK_BINARY   (as root)
set -u
binary=$(realpath "${1:?usage: run.sh SCHELK_BINARY}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../support/check.sh"
started=$(date +%s)

for tool in losetup mkfs.ext4 /usr/sbin/sshd ssh ssh-keygen rclone s3rver /usr/bin/aws jq python3 cmp; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL prerequisite: $tool is not installed (scripts/install-deps.sh installs it)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done
if [ "$(id -u)" != 0 ]; then echo "FAIL run as root (loop devices, sshd)"; echo "0 passed, 1 failed"; exit 1; fi

work=$(mktemp -d /tmp/schelk-transport-XXXXXX)
loops=()
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$work/ssh/sshd.pid" ] && kill "$(cat "$work/ssh/sshd.pid")" 2>/dev/null
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work/home RCLONE_CONFIG=$work/rclone.conf
mkdir -p "$HOME"
: >"$RCLONE_CONFIG"  # every remote comes from RCLONE_CONFIG_<NAME>_* variables
unset SCHELK_STATE SCHELK_PROGRESS
# Every server here is on 127.0.0.1: no proxy, and no CA bundle (plain http; one set for the real
# AWS only gets in the way of the aws CLI and rclone's s3 backend).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY AWS_CA_BUNDLE AWS_PROFILE
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {  # PORT: up to 10 s for a listener
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# new_loop VAR SIZE_MIB NAME: a loop device over a new zeroed file, its name in VAR (no
# subshell, so that cleanup knows it).
new_loop() {
  truncate -s "$2M" "$work/$3.img"
  local dev
  dev=$(losetup -f --show "$work/$3.img") || return 1
  loops+=("$dev")
  printf -v "$1" %s "$dev"
}
# new_pair NAME: loop devices for a receiving pair (64 MiB volumes, an 80 MiB ramdisk), their
# state in a directory of its own (a state's lock lives beside it); sets pair_args and the
# NAME_virgin, NAME_scratch, NAME_state variables.
new_pair() {
  new_loop "$1_virgin" 64 "$1-virgin"
  new_loop "$1_scratch" 64 "$1-scratch"
  new_loop "$1_ramdisk" 80 "$1-ram"
  mkdir -p "$work/$1" "$work/$1-mnt"
  printf -v "$1_state" %s "$work/$1/state.json"
  local v=$1_virgin s=$1_scratch r=$1_ramdisk
  pair_args=(--virgin "${!v}" --scratch "${!s}" --ramdisk "${!r}" --mount-point "$work/$1-mnt"
    --allow-any-ramdisk)
}
# same_volumes A B: byte for byte (unused blocks are zero on both sides: files made by truncate).
same_volumes() { cmp -s "$1" "$2" || { echo "    | $1 and $2 differ: $(cmp "$1" "$2" 2>&1)"; return 1; }; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# flip FILE OFFSET: inverts one byte in place.
flip() {
  python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))
PY
}

# The sender: an ext4 baseline with some files on a pair of loop devices (init-from --no-copy).
mkdir -p "$work/files" "$work/mnt"
head -c $((3 << 20)) /dev/urandom >"$work/files/data.bin"
seq 100000 >"$work/files/numbers.txt"
truncate -s 64M "$work/virgin.img"
mkfs.ext4 -q -F -d "$work/files" "$work/virgin.img"
cp "$work/virgin.img" "$work/scratch.img"
virgin=$(losetup -f --show "$work/virgin.img") && loops+=("$virgin")
scratch=$(losetup -f --show "$work/scratch.img") && loops+=("$scratch")
new_loop ramdisk 80 ram
mkdir -p "$work/sender"
sender=(--state-path "$work/sender/state.json")
"$binary" "${sender[@]}" -y init-from --virgin "$virgin" --scratch "$scratch" --ramdisk "$ramdisk" \
  --mount-point "$work/mnt" --no-copy --allow-any-ramdisk >"$work/init.out" 2>&1
check "the sender's pair is made on loop devices" test $? -eq 0
id=$("$binary" "${sender[@]}" status --json | jq -r .baseline_id)
"$binary" "${sender[@]}" send --full -o "$work/full.schelk" >"$work/send.out" 2>&1
check "send --full -o FILE" test -s "$work/full.schelk"
full_sha=$(sha "$work/full.schelk")
size=$(stat -c %s "$work/full.schelk")
nparts=$(((size + (1 << 20) - 1) >> 20))
part_list=$(for ((i = 0; i < nparts; i++)); do printf 'base.%06d ' "$i"; done)
check "the stream takes at least three 1 MiB parts" test "$nparts" -ge 3
send_full() { "$binary" "${sender[@]}" send --full "$@" 2>>"$work/send.log"; }
# A receiver with no pair: a dry run checks every hash and says the full stream applies.
mkdir -p "$work/receiver"
receiver=(--state-path "$work/receiver/state.json")
dry() { "$binary" "${receiver[@]}" receive --dry-run "$@"; }
# says FILE PATTERN: FILE has a line matching the extended PATTERN; else shows FILE's end.
says() { grep -Eq "$2" "$1" || { tail -n 5 "$1" | sed 's/^/    | /'; return 1; }; }
applies() { says "$1" "^It applies to this host"; }

# --- OpenSSH on localhost: an sshd of its own on a free port.
mkdir -p "$work/ssh" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/id"
cp "$work/ssh/id.pub" "$work/ssh/authorized_keys"
ssh_port=$(free_port)
cat >"$work/ssh/sshd_config" <<EOF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $work/ssh/host_key
PidFile $work/ssh/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
echo "[127.0.0.1]:$ssh_port $(cat "$work/ssh/host_key.pub")" >"$work/ssh/known_hosts"
cat >"$work/ssh/config" <<EOF
Host runner
  HostName 127.0.0.1
  Port $ssh_port
  User root
  IdentityFile $work/ssh/id
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking yes
  UserKnownHostsFile $work/ssh/known_hosts
EOF
/usr/sbin/sshd -f "$work/ssh/sshd_config" -E "$work/ssh/sshd.log"
check "sshd listens on 127.0.0.1:$ssh_port" wait_port "$ssh_port"
ssh_runner() { ssh -F "$work/ssh/config" runner "$@"; }
check "ssh with the test key runs a command" test "$(ssh_runner echo ok)" = ok
send_full | ssh_runner "$binary" "${receiver[@]}" receive --dry-run >"$work/ssh.out" 2>&1
check "send --full | ssh HOST schelk receive --dry-run" applies "$work/ssh.out"
send_full | ssh_runner "cat > $work/ssh-copy.schelk"
check "the stream through ssh is the stream sent" test "$(sha "$work/ssh-copy.schelk")" = "$full_sha"
ssh_runner "cat $work/full.schelk" | dry >"$work/ssh-back.out" 2>&1
check "ssh HOST cat FILE | schelk receive --dry-run" applies "$work/ssh-back.out"
new_pair viassh
send_full | ssh_runner "$binary" --state-path "$viassh_state" -y receive "${pair_args[@]}" \
  >"$work/ssh-apply.out" 2>&1
check "send --full | ssh HOST schelk receive --virgin ... -y: a new pair" \
  says "$work/ssh-apply.out" "^Received the whole baseline $id at generation 0"
check "  ... its virgin is the sender's, byte for byte" same_volumes "$virgin" "$viassh_virgin"
check "  ... and so is its scratch" same_volumes "$virgin" "$viassh_scratch"
check "  ... with the sender's baseline id and generation" \
  test "$("$binary" --state-path "$viassh_state" status --json | jq -r '"\(.baseline_id) \(.generation)"')" = "$id 0"

# --- rclone: local and sftp backends, whole objects and parts.
export RCLONE_CONFIG_SFTPT_TYPE=sftp RCLONE_CONFIG_SFTPT_HOST=127.0.0.1 \
  RCLONE_CONFIG_SFTPT_PORT=$ssh_port RCLONE_CONFIG_SFTPT_USER=root \
  RCLONE_CONFIG_SFTPT_KEY_FILE=$work/ssh/id \
  RCLONE_CONFIG_SFTPT_KNOWN_HOSTS_FILE=$work/ssh/known_hosts \
  RCLONE_CONFIG_SFTPT_SHELL_TYPE=unix RCLONE_CONFIG_SFTPT_MD5SUM_COMMAND=none \
  RCLONE_CONFIG_SFTPT_SHA1SUM_COMMAND=none
mkdir -p "$work/local-store" "$work/sftp-store"
# rclone_round_trip NAME REMOTE_DIR STORE_DIR: whole object and parts through one backend.
rclone_round_trip() {
  local name=$1 remote=$2 store=$3
  send_full | rclone rcat "$remote/base.schelk"
  check "$name: send | rclone rcat stores the stream" \
    test "$(rclone cat "$remote/base.schelk" | sha256sum | cut -d' ' -f1)" = "$full_sha"
  rclone cat "$remote/base.schelk" | dry >"$work/$name-cat.out" 2>&1
  check "$name: rclone cat | schelk receive --dry-run" applies "$work/$name-cat.out"
  send_full --part-size 1M --part-command "rclone rcat '$remote/parts/base.'\$SCHELK_PART" \
    >"$work/$name-parts-send.out" 2>&1
  check "$name: send --part-command 'rclone rcat ...\$SCHELK_PART' stores the parts" \
    test "$(rclone lsf "$remote/parts" | tr '\n' ' ')" = "$part_list"
  check "$name: the parts are at most 1 MiB, the first ones exactly" \
    test "$(rclone lsl "$remote/parts" | awk '{print $1}' | head -2 | tr '\n' ' ')" = "1048576 1048576 "
  dry --part-command "rclone cat '$remote/parts/base.'\$SCHELK_PART" >"$work/$name-parts.out" 2>&1
  check "$name: receive --part-command 'rclone cat ...\$SCHELK_PART'" applies "$work/$name-parts.out"
  check "$name: the joined parts are the stream" \
    test "$(cat "$store"/parts/base.00000* | sha256sum | cut -d' ' -f1)" = "$full_sha"
  dry --parts "$store/parts/base" >"$work/$name-files.out" 2>&1
  check "$name: receive --parts PREFIX reads the stored part files" applies "$work/$name-files.out"
}
rclone_round_trip local "$work/local-store" "$work/local-store"
rclone_round_trip sftp "sftpt:$work/sftp-store" "$work/sftp-store"

# A corrupted object or part is refused, naming the stream byte.
cp "$work/local-store/base.schelk" "$work/local-store/bad.schelk"
flip "$work/local-store/bad.schelk" 5000
rclone cat "$work/local-store/bad.schelk" | dry >"$work/bad.out" 2>&1
check "a flipped byte in an object: refused" test $? -ne 0
check "  ... naming the stream byte" says "$work/bad.out" "stream byte [0-9]+: extent 1 .*does not match its hash"
flip "$work/local-store/parts/base.000001" 100
dry --part-command "rclone cat '$work/local-store/parts/base.'\$SCHELK_PART" >"$work/badpart.out" 2>&1
check "a flipped byte in part 000001: refused naming the stream byte of its extent" \
  says "$work/badpart.out" "^Error: stream byte [0-9]+: extent [0-9]+ .*does not match its hash"
rclone deletefile "$work/local-store/parts/base.000002"
dry --part-command "rclone cat '$work/local-store/parts/base.'\$SCHELK_PART 2>/dev/null" \
  >"$work/missing.out" 2>&1
check "a missing part: refused, naming it" \
  says "$work/missing.out" "The command for part 000002 exited with status [0-9]+: is the part missing\\?"

# --- An S3-compatible server (s3rver) with rclone's s3 backend and the aws CLI.
s3_port=$(free_port)
mkdir -p "$work/s3"
s3rver -d "$work/s3" -a 127.0.0.1 -p "$s3_port" --silent --configure-bucket bench >"$work/s3rver.log" 2>&1 &
pids+=($!)
check "s3rver listens on 127.0.0.1:$s3_port" wait_port "$s3_port"
export RCLONE_CONFIG_S3T_TYPE=s3 RCLONE_CONFIG_S3T_PROVIDER=Other \
  RCLONE_CONFIG_S3T_ACCESS_KEY_ID=S3RVER RCLONE_CONFIG_S3T_SECRET_ACCESS_KEY=S3RVER \
  RCLONE_CONFIG_S3T_ENDPOINT=http://127.0.0.1:$s3_port RCLONE_CONFIG_S3T_FORCE_PATH_STYLE=true
s3_cat_sha() { rclone cat "s3t:bench/$1" | sha256sum | cut -d' ' -f1; }
send_full | rclone rcat s3t:bench/base.schelk
check "s3: send | rclone rcat s3:bucket/NAME" test "$(s3_cat_sha base.schelk)" = "$full_sha"
rclone cat s3t:bench/base.schelk | dry >"$work/s3-cat.out" 2>&1
check "s3: rclone cat s3:bucket/NAME | schelk receive --dry-run" applies "$work/s3-cat.out"
send_full --part-size 1M --part-command 'rclone rcat s3t:bench/parts/base.$SCHELK_PART' >/dev/null 2>&1
check "s3: parts through --part-command" \
  test "$(rclone lsf s3t:bench/parts | tr '\n' ' ')" = "$part_list"
dry --part-command 'rclone cat s3t:bench/parts/base.$SCHELK_PART' >"$work/s3-parts.out" 2>&1
check "s3: receive --part-command 'rclone cat s3:bucket/NAME.\$SCHELK_PART'" applies "$work/s3-parts.out"
new_pair vias3
"$binary" --state-path "$vias3_state" -y receive "${pair_args[@]}" \
  --part-command 'rclone cat s3t:bench/parts/base.$SCHELK_PART' >"$work/s3-apply.out" 2>&1
check "s3: receive --part-command ... --virgin ...: a new pair from the parts" \
  says "$work/s3-apply.out" "^Received the whole baseline $id at generation 0"
check "  ... its virgin is the sender's, byte for byte" same_volumes "$virgin" "$vias3_virgin"
check "  ... and so is its scratch" same_volumes "$virgin" "$vias3_scratch"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
  AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
aws_s3() { /usr/bin/aws --endpoint-url "http://127.0.0.1:$s3_port" s3 "$@"; }
send_full | aws_s3 cp - s3://bench/aws.schelk
check "aws: send | aws s3 cp - s3://bucket/NAME" test "$(s3_cat_sha aws.schelk)" = "$full_sha"
aws_s3 cp s3://bench/aws.schelk - | dry >"$work/aws.out" 2>&1
check "aws: aws s3 cp s3://bucket/NAME - | schelk receive --dry-run" applies "$work/aws.out"
export S3_PORT=$s3_port
send_full --part-size 1M \
  --part-command '/usr/bin/aws --endpoint-url http://127.0.0.1:$S3_PORT s3 cp - s3://bench/aws-parts/base.$SCHELK_PART' \
  >/dev/null 2>&1
dry --part-command '/usr/bin/aws --endpoint-url http://127.0.0.1:$S3_PORT s3 cp s3://bench/aws-parts/base.$SCHELK_PART -' \
  >"$work/aws-parts.out" 2>&1
check "aws: parts with 'aws s3 cp - s3://.../NAME.\$SCHELK_PART' and back" applies "$work/aws-parts.out"

# --- The fleet recipe over rclone's local backend.
fleet=$work/fleet
export SCHELK=$binary
recipe() {  # STATE ARGS...
  SCHELK_STATE=$1 PART_SIZE=1M "$here/fleet_recipe.sh" "${@:2}"
}
recipe "$work/sender/state.json" publish "$fleet" >"$work/publish.out" 2>&1
check "fleet: publish stores the full stream in parts and the current pointer" \
  test "$(cat "$fleet/current")" = "$id 0"
check "fleet: the published parts are the full stream" \
  test "$(cat "$fleet/$id"/g0.full.* | sha256sum | cut -d' ' -f1)" = "$full_sha"
new_pair runner
recipe "$runner_state" update "$fleet" "${pair_args[@]}" >"$work/update-new.out" 2>&1
check "fleet: a runner without a pair receives the full stream" \
  says "$work/update-new.out" "^received $id generation 0 \(full\)$"
check "  ... its virgin is the sender's, byte for byte" same_volumes "$virgin" "$runner_virgin"
recipe "$runner_state" update "$fleet" >"$work/update-same.out" 2>&1
check "fleet: a runner at the current generation is up to date" \
  says "$work/update-same.out" "^up to date: $id generation 0$"
# The publisher is at generation 0 and has no delta to send (promote needs dm-era: the VM tests);
# a pointer to generation 1 with a g0-g1 object holding a 0-to-0 stream takes the incremental
# branch with the same commands.
"$binary" "${sender[@]}" send --from-generation 0 -o "$fleet/$id/g0-g1.schelk" >/dev/null 2>&1
echo "$id 1" >"$fleet/current"
recipe "$runner_state" update "$fleet" >"$work/update-delta.out" 2>&1
check "fleet: a runner with a delta from its generation receives it" \
  says "$work/update-delta.out" "^received $id generation 0 to 1 \(incremental\)$"
# A runner whose pair is of another baseline (the ssh pair, initialised anew) takes the full one.
echo "$id 0" >"$fleet/current"
"$binary" --state-path "$viassh_state" -y init-from --virgin "$viassh_virgin" \
  --scratch "$viassh_scratch" --ramdisk "$viassh_ramdisk" --mount-point "$work/viassh-mnt" \
  --allow-any-ramdisk --no-copy >"$work/reinit.out" 2>&1
other=$("$binary" --state-path "$viassh_state" status --json | jq -r .baseline_id)
check "fleet: the other runner has another baseline" test -n "$other" -a "$other" != "$id"
recipe "$viassh_state" update "$fleet" --virgin "$viassh_virgin" --scratch "$viassh_scratch" \
  --ramdisk "$viassh_ramdisk" --mount-point "$work/viassh-mnt" --allow-any-ramdisk \
  >"$work/update-other.out" 2>&1
check "fleet: a runner of another baseline receives the full stream, replacing its pair" \
  says "$work/update-other.out" "^received $id generation 0 \(full\)$"
check "  ... and has the published baseline" \
  test "$("$binary" --state-path "$viassh_state" status --json | jq -r .baseline_id)" = "$id"

echo "transport tests: $(($(date +%s) - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
