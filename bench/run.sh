#!/usr/bin/env bash
# Reproduces every CrmChat benchmark (see BENCHMARKS.md). Installs what it needs when missing
# (PostgreSQL on loopback, the npm peers), builds Release, runs each benchmark against the real
# host on 127.0.0.1, and prints a summary. Exits non-zero when any benchmark breaks.
#   bench/run.sh            the full run (about 15 minutes on 2 cores)
#   bench/run.sh --smoke    a few seconds each, for CI
#   bench/run.sh --only ingest,crypto   a subset (ingest, processing, fullsync, reminders, crypto)
#   bench/run.sh --stock-kernel   leave the kernel's writeback settings as they are (see below)
#   bench/run.sh --stock-postgres leave PostgreSQL's wal_init_zero as it is (see below)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
smoke=""
only="ingest,processing,fullsync,reminders,crypto"
stock_kernel=""
stock_postgres=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke="--smoke" ;;
    --only) only="$2"; shift ;;
    --stock-kernel) stock_kernel=1 ;;
    --stock-postgres) stock_postgres=1 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL 15 on 127.0.0.1, as test.sh sets it up.
export CRMCHAT_BENCH_POSTGRES="${CRMCHAT_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Timeout=10}"
if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing PostgreSQL"; apt_install postgresql
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL"
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if ! pg_lsclusters -h | grep -q .; then as_root pg_createcluster "$version" main >/dev/null; fi
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  as_root pg_ctlcluster $cluster start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
if ! command -v node >/dev/null; then apt_install nodejs npm; fi
if [ ! -d tests/peers/node_modules/@wecom/crypto ]; then
  log "installing npm peers"; (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
fi

started=$(date +%s)
out="$root/.tmp/bench"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
log "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uptime | sed 's/.*load/load/')"
log "building Release"
dotnet build Bots -c Release -v q -nologo >"$out/build.log" 2>&1 && \
  dotnet build bench/CrmChat.Bench -c Release -v q -nologo >>"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
bots="$root/Bots/bin/Release/net10.0/CrmChat.Bots.dll"
tool=(dotnet "$root/bench/CrmChat.Bench/bin/Release/net10.0/CrmChat.Bench.dll")

failed=()
run() { # name, then the tool's arguments
  local name=$1; shift
  log "$name ($(uptime | sed 's/.*load/load/'))"
  if ! "${tool[@]}" "$@" $smoke --results "$results"; then failed+=("$name"); fi
}
wants() { [[ ",$only," == *",$1,"* ]]; }

# PostgreSQL's host as README -> Production sets it up: the kernel writes dirty pages back as
# it goes (vm.dirty_background_bytes = 32 MiB) instead of a whole table file about every 30 s,
# which held every commit, and so every webhook, for 100-200 ms (BENCHMARKS.md, eighth and
# ninth sessions). Only for the PostgreSQL ingest run, put back right after it (and on exit);
# --stock-kernel, or not being root, leaves the machine alone. The latency note prints the
# settings the run saw either way.
saved_writeback=""
writeback_as_in_production() {
  if [ -n "$stock_kernel" ] || [ "$(id -u)" != 0 ] || [ ! -w /proc/sys/vm/dirty_background_bytes ]; then return 0; fi
  saved_writeback="$(cat /proc/sys/vm/dirty_background_bytes) $(cat /proc/sys/vm/dirty_background_ratio)"
  echo 33554432 > /proc/sys/vm/dirty_background_bytes
  log "vm.dirty_background_bytes = 32 MiB for this run, as README -> Production recommends (--stock-kernel to leave it)"
}
writeback_restore() {
  [ -z "$saved_writeback" ] && return 0
  read -r bytes ratio <<<"$saved_writeback"
  # Writing one of the pair zeroes the other: write the one that was in force.
  if [ "$bytes" != 0 ]; then echo "$bytes" > /proc/sys/vm/dirty_background_bytes; else echo "$ratio" > /proc/sys/vm/dirty_background_ratio; fi
  saved_writeback=""
}

# And PostgreSQL as README -> Production sets it up: wal_init_zero = off. A server whose WAL
# grows past the segments its checkpoints recycled (a new one, or any after a burst) creates a
# 16 MiB segment each time one fills, and with the default it writes and fsyncs 16 MiB of zeroes
# inside the commit that crossed into it: 50-60 ms on this machine, every ~1.4 s at half load
# (BENCHMARKS.md, eleventh session). Only for the PostgreSQL ingest run, reset right after it.
pg_setting_saved=""
psql_as_postgres() { as_root su postgres -c "psql -Atqc \"$1\"" >/dev/null; }
postgres_as_in_production() {
  [ -n "$stock_postgres" ] && return 0
  [ "$(as_root su postgres -c "psql -Atc 'SHOW wal_init_zero'")" = on ] || return 0
  if psql_as_postgres "ALTER SYSTEM SET wal_init_zero = off" && psql_as_postgres "SELECT pg_reload_conf()"; then
    pg_setting_saved=1
    log "wal_init_zero = off for this run, as README -> Production recommends (--stock-postgres to leave it)"
  fi
}
postgres_restore() {
  [ -z "$pg_setting_saved" ] && return 0
  psql_as_postgres "ALTER SYSTEM RESET wal_init_zero" && psql_as_postgres "SELECT pg_reload_conf()"
  pg_setting_saved=""
}
trap 'writeback_restore; postgres_restore' EXIT

if wants ingest; then
  # Every request is distinct. At 2026-12-07's 12,000-17,000 callbacks a second the rounds, the
  # warm-up and the latency run took up to 700,000; a round that runs dry is not counted.
  count=800000; [ -n "$smoke" ] && count=12000
  "${tool[@]}" gen-callbacks --count "$count" --out "$out/callbacks.txt" || failed+=("gen-callbacks")
  for p in sqlite postgres; do
    [ "$p" = postgres ] && { writeback_as_in_production; postgres_as_in_production; }
    run "ingest/$p" ingest --provider "$p" --bots "$bots" --requests "$out/callbacks.txt" --log "$out/host-ingest-$p.log"
    [ "$p" = postgres ] && { writeback_restore; postgres_restore; }
  done
fi
if wants processing; then
  customers=(); [ -z "$smoke" ] && customers=(--customers "${CRMCHAT_BENCH_PROCESSING_CUSTOMERS:-1000}")
  for p in sqlite postgres; do run "processing/$p" processing --provider "$p" --bots "$bots" "${customers[@]}" --log "$out/host-processing-$p.log"; done
fi
if wants fullsync; then
  # The issue's size, 100,000 customers across 200 members (CRMCHAT_BENCH_SYNC_CUSTOMERS to change it):
  # with binary COPY on PostgreSQL both providers sync it in well under a minute each.
  customers=(); [ -z "$smoke" ] && customers=(--customers "${CRMCHAT_BENCH_SYNC_CUSTOMERS:-100000}")
  for p in sqlite postgres; do run "fullsync/$p" fullsync --provider "$p" --bots "$bots" "${customers[@]}" --log "$out/host-fullsync-$p.log"; done
fi
if wants reminders; then
  for p in sqlite postgres; do run "reminders/$p" reminders --provider "$p"; done
fi
if wants crypto; then
  run crypto crypto --peers "$root/tests/peers"
fi

log "summary ($(( $(date +%s) - started )) s, $(uptime | sed 's/.*load/load/'))"
python3 - "$results" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    note = f"  ({r['note']})" if r.get("note") else ""
    value = "n/a" if r["value"] is None else f"{r['value']:.4g}"
    print(f"{r['bench']:<18} {r['name']:<46} {value:>12} {r['unit']:<12} load {r['load']}{note}")
PY
if [ ${#failed[@]} -gt 0 ]; then
  echo "BENCHMARKS FAILED: ${failed[*]}"
  exit 1
fi
echo "all benchmarks ran"
