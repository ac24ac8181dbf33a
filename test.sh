#!/usr/bin/env bash
# Runs every CrmChat test against real components. On a fresh Debian machine it installs
# and starts what the tests need, on loopback only: PostgreSQL, Redis, and the npm peers
# the crypto tests check against. Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

log() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL 15 from Debian, the cluster Debian creates, password auth on 127.0.0.1.
pg_url="${CRMCHAT_TEST_POSTGRES:-Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Timeout=15}"
export CRMCHAT_TEST_POSTGRES="$pg_url"
if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing PostgreSQL"
  apt_install postgresql
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
# Databases a killed test run left behind.
for db in $(as_root su postgres -c "psql -At -c \"SELECT datname FROM pg_database WHERE datname LIKE 'crmchat_t%'\""); do
  as_root su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)'" >/dev/null || true
done

# Redis 7 from Debian, on loopback.
export CRMCHAT_TEST_REDIS="${CRMCHAT_TEST_REDIS:-127.0.0.1:6379}"
if ! command -v redis-server >/dev/null; then
  log "installing Redis"
  apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

# npm peers: the official @wecom/crypto and friends, for cross-checks.
if [ -f tests/peers/package.json ]; then
  if ! command -v node >/dev/null; then apt_install nodejs npm; fi
  if [ ! -d tests/peers/node_modules ] || [ tests/peers/package.json -nt tests/peers/node_modules ]; then
    log "installing npm peers"
    (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
  fi
  export CRMCHAT_TEST_PEERS="$root/tests/peers"
fi

# gcc compiles the native callback crypto kernel (Connectors/Crypto/Native) during the build;
# without it crypto runs managed, and a test fails so the native path is not left untested.
if ! command -v gcc >/dev/null; then
  log "installing gcc"
  apt_install gcc libc6-dev
fi

log "running the tests (PostgreSQL $pg_url, Redis $CRMCHAT_TEST_REDIS)"
dotnet tool restore >/dev/null
results="$root/.tmp/test-results"
rm -rf "$results" && mkdir -p "$results"
set +e
dotnet test CrmChat.sln --logger "trx" --results-directory "$results" \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$root/.tmp/test-output.log" | grep -vE '^\s*$'
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole run, summed over every test project's results.
python3 - "$results" <<'PY' || true
import sys, glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
failures = []
for f in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(f).getroot()
    c = root.find(".//{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0))
    skipped += int(c.get("notExecuted", 0))
    for r in root.findall(".//{*}UnitTestResult"):
        if r.get("outcome") == "Failed":
            message = (r.findtext(".//{*}Message") or "").strip().splitlines()
            failures.append((r.get("testName"), message[0][:300] if message else ""))
# Named again at the very end, where a log that keeps only its tail still shows them.
for name, message in failures:
    print(f"FAILED {name}: {message}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
