#!/usr/bin/env bash
# A real, throw-away PostgreSQL cluster for tests, on loopback only (the WebDAV servers' twin:
# src/test/resources/webdav/webdav-servers.sh).
#
#   postgres-server.sh install                        Debian's postgresql package, with apt, only when missing
#   postgres-server.sh start DIR PORT USER PASSWORD   initdb into DIR/data (if new), start on 127.0.0.1:PORT
#   postgres-server.sh stop  DIR                      fast shutdown; waits until the port is closed
#   postgres-server.sh bindir                         prints the server's bin folder (exit 3 when not installed)
#
# The cluster listens on 127.0.0.1:PORT only, with its unix socket in DIR/socket (never /var/run/postgresql).
# USER is the cluster's superuser; over TCP it must give PASSWORD (scram-sha-256); the socket, inside DIR,
# is trusted. As root the server runs as the 'postgres' user: PostgreSQL refuses to run as root.
# fsync is off: the cluster lives for one test run, and a crashed test JVM loses nothing of value with it.
#
# Exit codes: 0 ok, 1 failure, 2 usage, 3 PostgreSQL missing and we cannot install it (not root / no apt).
set -euo pipefail

PACKAGES=(postgresql)
RUN_USER_AS_ROOT=postgres

die() { echo "postgres-server: $*" >&2; exit 1; }

# The newest installed server's bin folder (/usr/lib/postgresql/<major>/bin on Debian), or nothing.
bin_dir() {
    local d best="" best_major=0 major
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] || continue
        major=$(basename "$(dirname "$d")")
        [[ $major =~ ^[0-9]+$ ]] || continue
        if ((major > best_major)); then best=$d; best_major=$major; fi
    done
    [[ -n $best ]] && echo "$best"
}

cmd_install() {
    bin_dir >/dev/null && return 0
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        cat >&2 <<MSG
postgres-server: PostgreSQL for the tests is not installed (no /usr/lib/postgresql/*/bin/initdb).
Install it once as root on Debian/Ubuntu:
    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES[*]}
(or run the tests as root: they install what is missing themselves).
MSG
        exit 3
    fi
    # One installer at a time (parallel test JVMs); apt itself also waits for the dpkg lock.
    exec 9>/tmp/postgres-server-install.lock
    flock 9
    bin_dir >/dev/null && return 0

    # Never let the package scripts start the system's cluster (there is no systemd here anyway): the tests
    # start their own. The package still creates its 'main' cluster on disk; it is never started.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# temporary, from postgres-server.sh install\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    local rc=0 log=/tmp/postgres-server-install.log
    {
        export DEBIAN_FRONTEND=noninteractive
        apt-get -q update &&
        apt-get -q install -y --no-install-recommends -o DPkg::Lock::Timeout=300 \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"
    } >"$log" 2>&1 || rc=$?
    if [[ $created_policy -eq 1 ]]; then rm -f "$policy"; trap - EXIT; fi
    if [[ $rc -ne 0 ]]; then
        tail -n 30 "$log" >&2
        die "apt-get install of '${PACKAGES[*]}' failed (exit $rc); full log in $log"
    fi
    bin_dir >/dev/null || die "still no /usr/lib/postgresql/*/bin/initdb after apt-get install (log: $log)"
}

# ---------------------------------------------------------------------------------------------------------
# start / stop
# ---------------------------------------------------------------------------------------------------------

# Layout of DIR (everything the cluster writes stays inside it):
#   DIR/data/          the cluster (PGDATA), owned by the server's user, mode 0700
#   DIR/socket/        its unix socket (.s.PGSQL.PORT)
#   DIR/logs/          server.log (pg_ctl -l), initdb.log
#   DIR/server.port    the port it was started on

RUN_USER=""

setup_user() {
    if [[ $(id -u) -eq 0 ]]; then
        RUN_USER=$RUN_USER_AS_ROOT
        id "$RUN_USER" >/dev/null 2>&1 || die "user $RUN_USER does not exist (PostgreSQL refuses to run as root)"
    else
        RUN_USER=$(id -un)
    fi
}

as_run_user() {
    if [[ $(id -u) -eq 0 ]]; then
        setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --init-groups -- "$@"
    else
        "$@"
    fi
}

# As root the server runs as 'postgres', which must be able to walk down to DIR (JUnit's @TempDir is 0700).
# Grant search permission (o+x, never read) on the ancestors that lack it.
make_reachable() {
    local target=$1 d
    [[ $(id -u) -eq 0 ]] || return 0
    as_run_user test -x "$target" -a -w "$target" 2>/dev/null && return 0
    d=$(dirname "$target")
    local -a chain=()
    while [[ $d != / && -n $d ]]; do chain=("$d" "${chain[@]}"); d=$(dirname "$d"); done
    for d in "${chain[@]}"; do
        as_run_user test -x "$d" 2>/dev/null || chmod o+x "$d"
    done
    as_run_user test -x "$target" -a -w "$target" 2>/dev/null \
        || die "$RUN_USER cannot reach $target even after chmod o+x on its parents"
}

port_open() {
    ( exec 8<>"/dev/tcp/127.0.0.1/$1" ) 2>/dev/null
}

show_logs() {
    local dir=$1 f
    for f in "$dir"/logs/*; do
        [[ -s $f ]] || continue
        echo "----- $f (last 40 lines) -----" >&2
        tail -n 40 "$f" >&2
    done
}

# The postmaster's pid, from DIR/data/postmaster.pid, if that process is alive.
live_pid() {
    local dir=$1 pid
    [[ -s $dir/data/postmaster.pid ]] || return 1
    read -r pid <"$dir/data/postmaster.pid" || return 1
    [[ $pid =~ ^[0-9]+$ && $pid -gt 1 ]] || return 1
    [[ -d /proc/$pid ]] || return 1
    local state
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $state != Z ]]
}

init_cluster() {
    local dir=$1 user=$2 password=$3 bin=$4
    local pwfile="$dir/initdb.pw"
    # The password reaches initdb in a file readable by the server's user only, never on a command line.
    ( umask 077; printf '%s\n' "$password" >"$pwfile" )
    [[ $(id -u) -eq 0 ]] && chown "$RUN_USER" "$pwfile"
    local rc=0
    # --no-sync: a throw-away cluster need not wait for the disk (saves seconds on every start).
    as_run_user "$bin/initdb" --pgdata="$dir/data" --username="$user" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync \
        >"$dir/logs/initdb.log" 2>&1 || rc=$?
    rm -f "$pwfile"
    if [[ $rc -ne 0 ]]; then
        show_logs "$dir"
        die "initdb failed (exit $rc) in $dir/data"
    fi
    # Only the private socket and IPv4 loopback may connect; TCP needs the password.
    cat >"$dir/data/pg_hba.conf" <<HBA
# Generated by postgres-server.sh: the socket in $dir/socket (mode 0700) is trusted; TCP from 127.0.0.1 needs
# the password; nothing else may connect.
local   all   all                 trust
host    all   all   127.0.0.1/32  scram-sha-256
HBA
    cat >>"$dir/data/postgresql.conf" <<CONF

# ---- postgres-server.sh: a throw-away cluster for tests ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/socket'
unix_socket_permissions = 0700
# Nothing here must survive a power cut: the cluster lives for one test run.
fsync = off
synchronous_commit = off
full_page_writes = off
# Room for several sidecars' pools at once (the replica tests) and the tests' own connections.
max_connections = 200
shared_buffers = 64MB
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
CONF
}

cmd_start() {
    [[ $# -eq 4 ]] || { echo "usage: $0 start DIR PORT USER PASSWORD" >&2; exit 2; }
    local dir=$1 port=$2 user=$3 password=$4 bin
    [[ $port =~ ^[0-9]+$ && $port -gt 0 && $port -lt 65536 ]] || { echo "bad port: $port" >&2; exit 2; }
    [[ $user =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "bad user name: '$user' (lower-case letters, digits, _)" >&2; exit 2; }
    [[ -n $password && $password != *[$'\n\r']* ]] || { echo "password must be non-empty and on one line" >&2; exit 2; }
    bin=$(bin_dir) || { echo "postgres-server: PostgreSQL is not installed; run '$0 install' first" >&2; exit 3; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    [[ $dir != *[$'\'"\n\r\\ ']* ]] || die "DIR must not contain quotes, backslashes, spaces or newlines: $dir"
    # The socket path must fit in sockaddr_un (107 bytes): DIR/socket/.s.PGSQL.NNNNN
    ((${#dir} <= 80)) || die "DIR is too long for a unix socket path (${#dir} > 80 characters): $dir"

    if live_pid "$dir"; then
        die "a cluster is already running in $dir (pid $(head -n1 "$dir/data/postmaster.pid")); stop it first"
    fi
    port_open "$port" && die "port 127.0.0.1:$port is already in use"

    setup_user
    mkdir -p "$dir/logs" "$dir/socket"
    [[ $(id -u) -eq 0 ]] && chown "$RUN_USER" "$dir" "$dir/logs" "$dir/socket"
    chmod 0700 "$dir/socket"
    make_reachable "$dir"
    if [[ ! -s $dir/data/PG_VERSION ]]; then
        rm -rf "$dir/data"
        init_cluster "$dir" "$user" "$password" "$bin"
    fi
    echo "$port" >"$dir/server.port"

    # -w waits until the server accepts connections (pg_ctl checks postmaster.pid's "ready" status).
    local rc=0
    as_run_user "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/logs/server.log" --wait --timeout=60 \
        -o "-p $port" start </dev/null >>"$dir/logs/pg_ctl.log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        stop_dir "$dir" >/dev/null 2>&1 || true
        echo "postgres-server: PostgreSQL failed to start on 127.0.0.1:$port (dir $dir)" >&2
        show_logs "$dir"
        exit 1
    fi
    port_open "$port" || { stop_dir "$dir" >/dev/null 2>&1 || true; show_logs "$dir"; die "started but 127.0.0.1:$port is closed"; }
    echo "PostgreSQL $(basename "$(dirname "$bin")") ready on 127.0.0.1:$port (pid $(head -n1 "$dir/data/postmaster.pid"), dir $dir)"
}

# Stops the cluster in DIR: fast shutdown (clients disconnected), immediate after 20 s, KILL after 10 more.
stop_dir() {
    local dir=$1 bin pid
    live_pid "$dir" || return 0
    pid=$(head -n1 "$dir/data/postmaster.pid")
    setup_user
    bin=$(bin_dir) || bin=""
    if [[ -n $bin ]]; then
        as_run_user "$bin/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --timeout=20 stop \
            >>"$dir/logs/pg_ctl.log" 2>&1 \
        || as_run_user "$bin/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait --timeout=10 stop \
            >>"$dir/logs/pg_ctl.log" 2>&1 || true
    fi
    if live_pid "$dir"; then
        kill -KILL "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 5))
        while [[ -d /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.05; done
        [[ -d /proc/$pid ]] && die "PostgreSQL (pid $pid) in $dir did not stop"
    fi
    if [[ -s $dir/server.port ]]; then
        local port deadline=$((SECONDS + 5))
        port=$(<"$dir/server.port")
        while port_open "$port" && ((SECONDS < deadline)); do sleep 0.05; done
    fi
    return 0
}

cmd_stop() {
    [[ $# -eq 1 ]] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    local dir=$1
    [[ -d $dir ]] || return 0
    stop_dir "$dir"
}

case "${1:-}" in
    install) cmd_install ;;
    bindir) bin_dir || exit 3 ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    *) echo "usage: $0 install | start DIR PORT USER PASSWORD | stop DIR | bindir" >&2; exit 2 ;;
esac
