#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is up, reachable, and has the
# test database; print the URL it ensured on stdout (log lines go to stderr).
#
#   URL: $VANTHU_TEST_POSTGRES_URL
#        (default postgresql+psycopg://postgres@127.0.0.1:5432/vanthu_test)
#
# Fast path (server already running, auth works, database exists): a
# pg_isready and two psql queries, no apt and no network.
#
# Slow path, only for a local address (127.0.0.1 / localhost / ::1):
#   1. no client tools           -> apt-get install postgresql-client
#   2. server not ready:
#        a cluster on that port  -> pg_ctlcluster ... start
#        none                    -> apt-get install postgresql (Debian creates
#                                   and usually starts 15/main on 5432); if
#                                   there is still no cluster on the port,
#                                   pg_createcluster one; start it
#   3. cannot log in as the URL's user without a password
#                                -> prepend "trust" rules for that user from
#                                   127.0.0.1/::1/local to the cluster's
#                                   pg_hba.conf and reload
#   4. create the database if missing (UTF8, C.UTF-8, from template0)
# A non-local server is never installed, started or reconfigured: it must be
# up, and the script only creates the database there.
set -euo pipefail

DEFAULT_URL='postgresql+psycopg://postgres@127.0.0.1:5432/vanthu_test'
url="${VANTHU_TEST_POSTGRES_URL:-$DEFAULT_URL}"
WAIT_SECONDS="${ENSURE_POSTGRES_WAIT:-60}"

log() { echo "ensure-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- parse the URL ------------------------------------------------------------
# postgresql[+driver]://user[:password]@host[:port]/dbname[?query]
re='^postgres(ql)?(\+[A-Za-z0-9_]+)?://([^:@/]+)(:([^@]*))?@([^:/?]+)(:([0-9]+))?/([^/?]+)(\?.*)?$'
[[ $url =~ $re ]] || die "cannot parse VANTHU_TEST_POSTGRES_URL='$url' (expected postgresql+psycopg://user[:pw]@host[:port]/db)"
pg_user="${BASH_REMATCH[3]}"
pg_password="${BASH_REMATCH[5]}"
pg_host="${BASH_REMATCH[6]}"
pg_port="${BASH_REMATCH[8]:-5432}"
pg_db="${BASH_REMATCH[9]}"

case "$pg_host" in
  127.0.0.1|localhost|::1) is_local=1 ;;
  *) is_local=0 ;;
esac

# libpq settings for every pg_isready/psql call below; never prompt (no stdin in CI).
export PGHOST="$pg_host" PGPORT="$pg_port" PGUSER="$pg_user" PGCONNECT_TIMEOUT=5
if [[ -n $pg_password ]]; then export PGPASSWORD="$pg_password"; fi

# --- helpers ------------------------------------------------------------------
as_root() {
  if ((EUID == 0)); then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root for: $*"
  fi
}

apt_updated=0
apt_install() {
  log "apt-get install $*"
  local opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  # LANG: Debian's postinst creates the first cluster with the caller's
  # locale; without one it would be SQL_ASCII.
  local envs=(env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8)
  if ((apt_updated == 0)); then
    as_root "${envs[@]}" apt-get "${opts[@]}" update -q
    apt_updated=1
  fi
  as_root "${envs[@]}" apt-get "${opts[@]}" install -y -q --no-install-recommends "$@" </dev/null
}

is_ready() { pg_isready -q -t 2 >/dev/null 2>&1; }

wait_ready() {
  local i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    is_ready && return 0
    sleep 1
  done
  return 1
}

psql_q() { psql -X -w -q -At -v ON_ERROR_STOP=1 "$@" </dev/null; }

can_login() { psql_q -d postgres -c 'SELECT 1' >/dev/null 2>&1 || psql_q -d template1 -c 'SELECT 1' >/dev/null 2>&1; }

# "version name" of the local cluster configured for $pg_port, if any
# (the first one listed if several share the port).
find_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters -h 2>/dev/null | awk -v port="$pg_port" '$3 == port { print $1, $2; exit }'
}

newest_server_version() {
  local d
  # `if`, not `&&`: an unmatched glob must not make the loop (and so the
  # function) fail under set -e/pipefail.
  for d in /usr/lib/postgresql/*/bin/postgres; do
    if [[ -x $d ]]; then basename "$(dirname "$(dirname "$d")")"; fi
  done | sort -n | tail -n 1
}

cluster_log() {  # $1 version $2 name
  local f="/var/log/postgresql/postgresql-$1-$2.log"
  [[ -r $f ]] && { log "last lines of $f:"; tail -n 20 "$f" >&2; }
  return 0
}

start_local_server() {
  local cluster ver name rc
  cluster="$(find_cluster)"
  if [[ -z $cluster ]]; then
    if [[ -z $(newest_server_version) ]]; then
      log "no PostgreSQL server installed; installing one"
      apt_install postgresql
      # The package's postinst normally created (and maybe started) 15/main.
      if is_ready; then return 0; fi
    fi
    cluster="$(find_cluster)"
  fi
  if [[ -z $cluster ]]; then
    ver="$(newest_server_version)"
    [[ -n $ver ]] || die "postgresql installed but no server binaries under /usr/lib/postgresql"
    name=main
    if [[ -e /etc/postgresql/$ver/main ]]; then name=vanthu; fi
    log "creating cluster $ver/$name on port $pg_port"
    as_root pg_createcluster --locale C.UTF-8 --port "$pg_port" "$ver" "$name" >&2
    cluster="$ver $name"
  fi
  read -r ver name <<<"$cluster"
  log "starting cluster $ver/$name (port $pg_port)"
  rc=0
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || rc=$?
  ((rc == 0)) || log "pg_ctlcluster start exited $rc (2 = already running); checking readiness anyway"
  if ! wait_ready; then
    cluster_log "$ver" "$name"
    die "cluster $ver/$name did not accept connections on $pg_host:$pg_port within ${WAIT_SECONDS}s"
  fi
}

# Prepend trust rules for the test user (first matching pg_hba line wins).
trust_local_logins() {
  local cluster ver name hba marker tmp users
  cluster="$(find_cluster)"
  [[ -n $cluster ]] || die "cannot log in as '$pg_user' on $pg_host:$pg_port and no local cluster configured for that port to fix"
  read -r ver name <<<"$cluster"
  hba="/etc/postgresql/$ver/$name/pg_hba.conf"
  [[ -f $hba ]] || die "cannot log in as '$pg_user' and $hba not found"
  marker='# vanthu: trust rules added by scripts/ensure-postgres.sh (test server)'
  if grep -qxF "$marker" "$hba"; then
    die "cannot log in as '$pg_user' on $pg_host:$pg_port although $hba already has vanthu trust rules (does the role exist?)"
  fi
  log "cannot log in as '$pg_user' without a password; adding trust rules to $hba"
  users=postgres
  [[ $pg_user == postgres ]] || users="postgres,$pg_user"
  tmp="$(mktemp)"
  {
    echo "$marker"
    printf '%-7s %-15s %-15s %-23s %s\n' \
      local all "$users" '' trust \
      host  all "$users" 127.0.0.1/32 trust \
      host  all "$users" ::1/128 trust
    echo
    cat "$hba"
  } >"$tmp"
  as_root cp "$tmp" "$hba"
  rm -f "$tmp"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload >&2
  local i
  for ((i = 0; i < 10; i++)); do can_login && return 0; sleep 1; done
  die "still cannot log in as '$pg_user' on $pg_host:$pg_port after updating $hba"
}

db_exists() {
  local out
  out="$(psql -X -w -q -At -d postgres -v db="$pg_db" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" || return 2
  [[ $out == 1 ]]
}

create_db() {  # $1: locale clause
  psql -X -w -q -d postgres -v ON_ERROR_STOP=1 -v db="$pg_db" \
    <<<"CREATE DATABASE :\"db\" TEMPLATE template0 ENCODING 'UTF8' $1;" >&2
}

ensure_database() {
  local rc=0
  db_exists || rc=$?
  ((rc != 2)) || die "cannot query pg_database on $pg_host:$pg_port as '$pg_user'"
  ((rc != 0)) || return 0
  log "creating database $pg_db"
  # Always UTF8 + C.UTF-8 whatever the cluster default (a cluster created
  # without a locale is SQL_ASCII); the C locale only for servers lacking
  # C.UTF-8. A failure may also mean a concurrent run created it first, so
  # decide by looking, not by exit codes.
  create_db "LOCALE 'C.UTF-8'" || db_exists || create_db "LC_COLLATE 'C' LC_CTYPE 'C'" || true
  db_exists || die "could not create database $pg_db on $pg_host:$pg_port"
}

# --- main ---------------------------------------------------------------------
if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  log "PostgreSQL client tools missing"
  apt_install postgresql-client
  hash -r
fi

if ! is_ready; then
  ((is_local)) || die "no PostgreSQL accepting connections at $pg_host:$pg_port (not a local address, so not starting one)"
  log "no server ready at $pg_host:$pg_port"
  start_local_server
fi

if ! can_login; then
  ((is_local)) || die "cannot log in to $pg_host:$pg_port as '$pg_user' (not a local server, so not changing its auth)"
  trust_local_logins
fi

ensure_database
log "ready: $pg_db on $pg_host:$pg_port as $pg_user"
echo "$url"
