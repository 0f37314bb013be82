#!/usr/bin/env bash
# Where the cycles of one advert go (issue 21): two vipflip nodes (priorities 200, 199,
# VRRPv3 at 10 ms) in namespaces of their own on one veth pair, then for WINDOW seconds
# `strace -c -f` and `perf record -g` on the master (it only sends) and on the backup (it only
# receives). Reports in OUT (default target/profile/): strace-{master,backup}.txt,
# perf-{master,backup}.txt (perf report --no-children, by symbol), categories.txt (the
# same summed into kinds of work by bench/perf_categories.py).
#
#     cargo build --profile profiling && sudo bench/profile.sh [BINARY] [WINDOW] [OUT]
#     sudo bench/profile.sh keepalived [WINDOW] [OUT]    # the same two nodes, keepalived's
#
# For keepalived, the VRRP child of each node is profiled (`state BACKUP`, `version 3`,
# `advert_int 0.01`, one VIP: the same group). The samples' total per role is the figure to
# compare (perf's cpu-clock samples, 4 ms apart); the categories are vipflip's symbols, so
# keepalived's own code (Debian strips it) lands in "other".
#
# PERF_CALLGRAPH replaces perf record's `-g`: `PERF_CALLGRAPH="--call-graph dwarf"` for
# stacks through Rust's frames, `PERF_CALLGRAPH="-F 20000 -e cpu-clock:u"` for user time only.
#
# The profiling profile is release with debug symbols (Cargo.toml). Everything it creates is
# removed on exit, also on Ctrl-C or an error.
set -euo pipefail
tool=${1:-target/profiling/vipflip}
[ "$tool" = keepalived ] || bin=$(realpath "$tool")
window=${2:-10}
out=${3:-target/profile}
mkdir -p "$out"
ns=vfprof$$
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  for n in a b; do
    for pid in $(ip netns pids "$ns-$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns-$n" 2>/dev/null || true
  done
}
trap cleanup EXIT
for n in a b; do ip netns add "$ns-$n"; done
ip link add "$ns-va" type veth peer name "$ns-vb"
ip link set "$ns-va" netns "$ns-a" name eth0
ip link set "$ns-vb" netns "$ns-b" name eth0
ip -n "$ns-a" addr add 192.0.2.1/24 dev eth0
ip -n "$ns-b" addr add 192.0.2.2/24 dev eth0
for n in a b; do ip -n "$ns-$n" link set eth0 up; ip -n "$ns-$n" link set lo up; done
run() { # namespace priority
  ip netns exec "$ns-$1" "$bin" run --vip 192.0.2.250/24 --iface eth0 --vrid 41 \
    --priority "$2" --vrrp-version 3 --advert-int 10ms > "$out/run-$1.log" 2>&1 &
  pids+=($!)
}
run_keepalived() { # namespace priority; the profiled pid is the VRRP child's
  printf 'vrrp_instance vi {\n state BACKUP\n interface eth0\n virtual_router_id 41\n priority %s\n version 3\n advert_int 0.01\n virtual_ipaddress {\n  192.0.2.250/24\n }\n}\n' \
    "$2" > "$out/keepalived-$1.conf"
  ip netns exec "$ns-$1" keepalived -n -l -D -P -f "$out/keepalived-$1.conf" \
    -p "$out/keepalived-$1.pid" -r "$out/vrrp-$1.pid" > "$out/run-$1.log" 2>&1 &
  pids+=($!)
  sleep 1.5
}
if [ "$tool" = keepalived ]; then
  run_keepalived a 200
  run_keepalived b 199
  sleep 2
  master=$(cat "$out/vrrp-a.pid") backup=$(cat "$out/vrrp-b.pid")
else
  run a 200
  run b 199
  sleep 2
  master=${pids[0]} backup=${pids[1]}
fi
for role in master backup; do
  pid=${!role}
  timeout -s INT "$window" strace -c -f -p "$pid" -o "$out/strace-$role.txt" || true
  perf record -q ${PERF_CALLGRAPH:--g} -o "$out/perf-$role.data" -p "$pid" -- sleep "$window" 2>/dev/null
  perf report -q -i "$out/perf-$role.data" --no-children --sort symbol --stdio -g none \
    > "$out/perf-$role.txt" 2>/dev/null
  echo "$role: $(perf report -i "$out/perf-$role.data" --stdio 2>/dev/null | grep -m1 '^# Samples')"
done
python3 "$(dirname "$0")/perf_categories.py" "$out/perf-master.data" "$out/perf-backup.data" \
  | tee "$out/categories.txt"
echo "profile: $out/strace-{master,backup}.txt, $out/perf-{master,backup}.txt, $out/categories.txt"
