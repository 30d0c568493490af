#!/usr/bin/env bash
# Real WebDAV servers for tests, on loopback only. See FACTS.md §5.
#
#   webdav-servers.sh install
#   webdav-servers.sh start KIND DIR PORT USER PASSWORD      KIND = lighttpd | apache | sabre
#   webdav-servers.sh stop  KIND DIR
#
# Exit codes: 0 ok, 1 failure, 2 usage, 3 packages missing and we cannot install them (not root / no apt).
set -euo pipefail

PACKAGES_LIGHTTPD=(lighttpd lighttpd-mod-webdav)
PACKAGES_APACHE=(apache2 apache2-utils)
PACKAGES_SABRE=(php-cli php-sabre-dav)

die() { echo "webdav-servers: $*" >&2; exit 1; }

sabre_autoload() {
    local f
    for f in /usr/share/php/Sabre/DAV/autoload.php /usr/share/php/Sabre/autoload.php; do
        [[ -f $f ]] && { echo "$f"; return 0; }
    done
    return 1
}

missing_packages() {
    local -a miss=()
    [[ -x /usr/sbin/lighttpd && -f /usr/lib/lighttpd/mod_authn_file.so ]] || miss+=(lighttpd)
    [[ -f /usr/lib/lighttpd/mod_webdav.so ]] || miss+=(lighttpd-mod-webdav)
    [[ -x /usr/sbin/apache2 && -f /usr/lib/apache2/modules/mod_dav_fs.so ]] || miss+=(apache2)
    [[ -x /usr/bin/htpasswd ]] || miss+=(apache2-utils)
    command -v php >/dev/null 2>&1 || miss+=(php-cli)
    sabre_autoload >/dev/null || miss+=(php-sabre-dav)
    echo "${miss[*]:-}"
}

cmd_install() {
    local miss
    miss=$(missing_packages)
    [[ -z $miss ]] && return 0
    local all="${PACKAGES_LIGHTTPD[*]} ${PACKAGES_APACHE[*]} ${PACKAGES_SABRE[*]}"
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        cat >&2 <<MSG
webdav-servers: the real WebDAV servers for the tests are not installed (missing: $miss).
Install them once as root on Debian/Ubuntu:
    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $all
(or run the tests as root: they install what is missing themselves).
MSG
        exit 3
    fi
    # One installer at a time (parallel test JVMs); apt itself also waits for the dpkg lock.
    exec 9>/tmp/webdav-servers-install.lock
    flock 9
    miss=$(missing_packages)
    [[ -z $miss ]] && return 0

    # Never let the package scripts start system services (there is no systemd here anyway).
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# temporary, from webdav-servers.sh install\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    local had_apache_pid=0 had_lighttpd_pid=0
    [[ -e /run/apache2/apache2.pid ]] && had_apache_pid=1
    [[ -e /run/lighttpd.pid ]] && had_lighttpd_pid=1

    local rc=0 log=/tmp/webdav-servers-install.log
    {
        export DEBIAN_FRONTEND=noninteractive
        apt-get -q update &&
        apt-get -q install -y --no-install-recommends -o DPkg::Lock::Timeout=300 \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $miss
    } >"$log" 2>&1 || rc=$?
    if [[ $created_policy -eq 1 ]]; then rm -f "$policy"; trap - EXIT; fi

    # If a package script started a system service anyway, stop it again (by its pid file only).
    local pf pid
    for pf in /run/apache2/apache2.pid /run/lighttpd.pid; do
        if [[ -e $pf ]]; then
            if [[ $pf == *apache2* && $had_apache_pid -eq 1 ]] || [[ $pf == *lighttpd* && $had_lighttpd_pid -eq 1 ]]; then continue; fi
            pid=$(cat "$pf" 2>/dev/null || true)
            [[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null || true
        fi
    done

    if [[ $rc -ne 0 ]]; then
        tail -n 30 "$log" >&2
        die "apt-get install of '$miss' failed (exit $rc); full log in $log"
    fi
    miss=$(missing_packages)
    [[ -z $miss ]] || die "still missing after apt-get install: $miss (log: $log)"
}

# ---------------------------------------------------------------------------------------------------------
# start / stop
# ---------------------------------------------------------------------------------------------------------

# Layout of DIR (everything a server writes stays inside it):
#   DIR/root/        the served folder (owned by the server's user)
#   DIR/var/         lock/property databases, request-body temp files (owned by the server's user)
#   DIR/logs/        error/access logs, the launcher's output
#   DIR/server.pid   pid of the server's process-group leader; DIR/server.port, DIR/server.kind
#   DIR/<kind>.conf / sabre-server.php, and the password file

RUN_USER=""
RUN_GROUP=""

setup_user() {
    if [[ $(id -u) -eq 0 ]]; then
        RUN_USER=www-data
        RUN_GROUP=www-data
        id "$RUN_USER" >/dev/null 2>&1 || die "user $RUN_USER does not exist (needed to run the servers as non-root)"
    else
        RUN_USER=$(id -un)
        RUN_GROUP=$(id -gn)
    fi
}

as_run_user() {
    if [[ $(id -u) -eq 0 ]]; then
        setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --init-groups -- "$@"
    else
        "$@"
    fi
}

# As root the servers run as www-data, which must be able to walk down to DIR (JUnit's @TempDir is 0700).
# Grant search permission (o+x, never read) on the ancestors that lack it.
make_reachable() {
    local target=$1 d
    [[ $(id -u) -eq 0 ]] || return 0
    as_run_user test -x "$target" -a -r "$target" 2>/dev/null && return 0
    d=$target
    local -a chain=()
    while [[ $d != / && -n $d ]]; do chain=("$d" "${chain[@]}"); d=$(dirname "$d"); done
    for d in "${chain[@]}"; do
        as_run_user test -x "$d" 2>/dev/null || chmod o+x "$d"
    done
    as_run_user test -x "$target" -a -w "$target" 2>/dev/null \
        || die "$RUN_USER cannot reach $target even after chmod o+x on its parents"
}

prepare_dir() {
    local dir=$1
    mkdir -p "$dir/root" "$dir/var" "$dir/logs"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$RUN_USER:$RUN_GROUP" "$dir/root" "$dir/var" "$dir/logs"
        # Files a test seeded as root must stay writable by the server (same as a real host's data).
        chown -R "$RUN_USER:$RUN_GROUP" "$dir/root" "$dir/var"
    fi
    make_reachable "$dir/root"
}

# A file readable by the server's user only (the password files).
write_secret() {
    local file=$1
    umask 077
    cat >"$file"
    umask 022
    if [[ $(id -u) -eq 0 ]]; then chgrp "$RUN_GROUP" "$file"; chmod 640 "$file"; fi
}

# group_alive PGID: some live (non-zombie) process is in that process group.
group_alive() {
    local pgid=$1 f stat rest
    for f in /proc/[0-9]*/stat; do
        { read -r stat <"$f"; } 2>/dev/null || continue
        rest=${stat##*) }                 # "S ppid pgrp ..."
        read -r st _ pg _ <<<"$rest"
        [[ $pg == "$pgid" && $st != Z ]] && return 0
    done
    return 1
}

# http_status PORT USER PASSWORD: status of an authenticated "PROPFIND / Depth: 0", or "000".
http_status() {
    local port=$1 auth line
    auth=$(printf '%s:%s' "$2" "$3" | base64 -w0)
    line=$( {
        exec 8<>"/dev/tcp/127.0.0.1/$port" || exit 0
        printf 'PROPFIND / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nAuthorization: Basic %s\r\nDepth: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' \
            "$port" "$auth" >&8
        IFS= read -r -t 5 l <&8 && printf '%s' "$l"
        exec 8>&-
    } 2>/dev/null ) || true
    if [[ $line =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]]; then echo "${BASH_REMATCH[1]}"; else echo 000; fi
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

check_value() {
    local name=$1 value=$2
    [[ $value != *[$'"\n\r\\']* ]] || die "$name must not contain quotes, backslashes or newlines: $value"
}

conf_lighttpd() {
    local dir=$1 port=$2 user=$3 password=$4
    printf '%s:%s\n' "$user" "$password" | write_secret "$dir/users.plain"
    local drop=""
    [[ $(id -u) -eq 0 ]] && drop="server.username = \"$RUN_USER\"
server.groupname = \"$RUN_GROUP\""
    cat >"$dir/lighttpd.conf" <<CONF
# Generated by webdav-servers.sh: lighttpd 1.4 + mod_webdav on 127.0.0.1:$port
server.modules = ( "mod_auth", "mod_authn_file", "mod_webdav", "mod_accesslog" )
server.document-root = "$dir/root"
server.bind = "127.0.0.1"
server.port = $port
$drop
server.errorlog = "$dir/logs/error.log"
accesslog.filename = "$dir/logs/access.log"
server.upload-dirs = ( "$dir/var" )
server.max-request-size = 0
server.max-connections = 256
server.follow-symlink = "disable"
index-file.names = ( )
mimetype.assign = ( "" => "application/octet-stream" )

webdav.activate = "enable"
webdav.is-readonly = "disable"
webdav.sqlite-db-name = "$dir/var/webdav.sqlite"

auth.backend = "plain"
auth.backend.plain.userfile = "$dir/users.plain"
auth.require = ( "/" => ( "method" => "basic", "realm" => "webdav", "require" => "valid-user" ) )
CONF
}

launch_lighttpd() {
    local dir=$1
    lighttpd -tt -f "$dir/lighttpd.conf" >>"$dir/logs/launcher.log" 2>&1 || return 1
    setsid lighttpd -D -f "$dir/lighttpd.conf" </dev/null >>"$dir/logs/launcher.log" 2>&1 &
    echo $! >"$dir/server.pid"
}

conf_apache() {
    local dir=$1 port=$2 user=$3 password=$4
    printf '%s\n' "$password" | htpasswd -i -c -B -C 5 "$dir/users.htpasswd.tmp" "$user" >/dev/null 2>&1 \
        || die "htpasswd failed"
    write_secret "$dir/users.htpasswd" <"$dir/users.htpasswd.tmp"
    rm -f "$dir/users.htpasswd.tmp"
    local m=/usr/lib/apache2/modules drop="" types=""
    [[ $(id -u) -eq 0 ]] && drop="User $RUN_USER
Group $RUN_GROUP"
    [[ -f /etc/mime.types ]] && types="TypesConfig /etc/mime.types"
    cat >"$dir/apache2.conf" <<CONF
# Generated by webdav-servers.sh: Apache 2.4 + mod_dav_fs on 127.0.0.1:$port (standalone, no /etc/apache2)
ServerRoot "$dir"
DefaultRuntimeDir "$dir/var"
PidFile "$dir/server.pid"
ServerName 127.0.0.1
Listen 127.0.0.1:$port

<IfModule !mpm_event_module>
    LoadModule mpm_event_module $m/mod_mpm_event.so
</IfModule>
<IfModule !unixd_module>
    LoadModule unixd_module $m/mod_unixd.so
</IfModule>
<IfModule !authz_core_module>
    LoadModule authz_core_module $m/mod_authz_core.so
</IfModule>
<IfModule !authn_core_module>
    LoadModule authn_core_module $m/mod_authn_core.so
</IfModule>
<IfModule !authn_file_module>
    LoadModule authn_file_module $m/mod_authn_file.so
</IfModule>
<IfModule !auth_basic_module>
    LoadModule auth_basic_module $m/mod_auth_basic.so
</IfModule>
<IfModule !authz_user_module>
    LoadModule authz_user_module $m/mod_authz_user.so
</IfModule>
<IfModule !dav_module>
    LoadModule dav_module $m/mod_dav.so
</IfModule>
<IfModule !dav_fs_module>
    LoadModule dav_fs_module $m/mod_dav_fs.so
</IfModule>
<IfModule !mime_module>
    LoadModule mime_module $m/mod_mime.so
</IfModule>
<IfModule !log_config_module>
    LoadModule log_config_module $m/mod_log_config.so
</IfModule>
$drop

StartServers 1
ServerLimit 4
ThreadsPerChild 16
MaxRequestWorkers 64
MinSpareThreads 8
MaxSpareThreads 64
Timeout 60
KeepAlive On
MaxKeepAliveRequests 1000
KeepAliveTimeout 5
LimitRequestBody 0

ErrorLog "$dir/logs/error.log"
LogLevel warn
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog "$dir/logs/access.log" common
$types
DavLockDB "$dir/var/DavLock"

DocumentRoot "$dir/root"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
# WebDAV on a <Directory>, as a DAV share on Debian is usually set up (an Alias and its folder).
<Directory "$dir/root">
    Options None
    AllowOverride None
    Dav On
    AuthType Basic
    AuthName "webdav"
    AuthBasicProvider file
    AuthUserFile "$dir/users.htpasswd"
    Require valid-user
</Directory>
# As Debian ships Apache (/etc/apache2/apache2.conf): no .htaccess or .htpasswd is ever served. <Files>
# sections apply after <Directory> ones, so this refuses every request naming such a file with 403 (a PUT,
# a PROPFIND, the Destination of a MOVE), whatever the share's own Require says.
<FilesMatch "^\.ht">
    Require all denied
</FilesMatch>
# For tests: under /mkcol-403/ every MKCOL is refused with 403, as mod_dav_fs refuses the loser of two
# concurrent MKCOLs of the same folder ("File exists: Unable to create collection").
<Location /mkcol-403/>
    <Limit MKCOL>
        Require all denied
    </Limit>
</Location>
CONF
}

launch_apache() {
    local dir=$1
    # -k start daemonizes: the daemon (a new session and process group) writes DIR/server.pid.
    apache2 -f "$dir/apache2.conf" -k start </dev/null >>"$dir/logs/launcher.log" 2>&1 || return 1
    local i
    for ((i = 0; i < 100; i++)); do [[ -s $dir/server.pid ]] && return 0; sleep 0.05; done
    echo "apache2 did not write $dir/server.pid" >&2
    return 1
}

conf_sabre() {
    local dir=$1 port=$2 user=$3 password=$4 autoload
    autoload=$(sabre_autoload) || die "sabre/dav autoloader not found (package php-sabre-dav)"
    # Credentials as base64 so that any character survives.
    write_secret "$dir/sabre-config.php" <<CONF
<?php
return [
    'autoload' => base64_decode('$(printf '%s' "$autoload" | base64 -w0)'),
    'root'     => base64_decode('$(printf '%s' "$dir/root" | base64 -w0)'),
    'locks'    => base64_decode('$(printf '%s' "$dir/var/locks.dat" | base64 -w0)'),
    'user'     => base64_decode('$(printf '%s' "$user" | base64 -w0)'),
    'password' => base64_decode('$(printf '%s' "$password" | base64 -w0)'),
];
CONF
    cat >"$dir/sabre-server.php" <<'PHP'
<?php
// Generated by webdav-servers.sh: sabre/dav 1.8 over the file system, for `php -S` (this file is the router).
$cfg = require __DIR__ . '/sabre-config.php';
require_once $cfg['autoload'];

use Sabre\DAV;

final class HarnessBasicAuth extends DAV\Auth\Backend\AbstractBasic {
    private $user;
    private $password;
    public function __construct($user, $password) { $this->user = $user; $this->password = $password; }
    protected function validateUserPass($username, $password) {
        return is_string($username) && is_string($password)
            && hash_equals($this->user, $username) && hash_equals($this->password, $password);
    }
}

$server = new DAV\Server(new DAV\FSExt\Directory($cfg['root']));
$server->setBaseUri('/');
$server->addPlugin(new DAV\Auth\Plugin(new HarnessBasicAuth($cfg['user'], $cfg['password']), 'webdav'));
$server->addPlugin(new DAV\Locks\Plugin(new DAV\Locks\Backend\File($cfg['locks'])));

// RFC 4918 §9.7.1 / §9.3.1: creating a resource under a missing collection is 409 Conflict
// (sabre 1.8 would answer 404 for a PUT there).
$server->subscribeEvent('beforeBind', function ($uri) use ($server) {
    list($parent) = DAV\URLUtil::splitPath($uri);
    if ($parent !== null && $parent !== '' && !$server->tree->nodeExists($parent)) {
        throw new DAV\Exception\Conflict('The parent collection does not exist: /' . $parent);
    }
    return true;
}, 1);

$server->exec();
PHP
}

launch_sabre() {
    local dir=$1 port=$2
    # The router answers every request itself; -t points at an empty folder so nothing is served statically.
    mkdir -p "$dir/var/docroot"
    local -a drop=()
    [[ $(id -u) -eq 0 ]] && drop=(setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --init-groups --)
    # php -S is single-threaded unless PHP_CLI_SERVER_WORKERS is set; the workers share the process group.
    PHP_CLI_SERVER_WORKERS=4 setsid "${drop[@]}" php \
        -d display_errors=0 -d log_errors=1 -d "error_log=$dir/logs/error.log" \
        -d "error_reporting=E_ALL & ~E_DEPRECATED & ~E_STRICT" \
        -d memory_limit=-1 -d post_max_size=0 -d output_buffering=0 -d expose_php=0 \
        -S "127.0.0.1:$port" -t "$dir/var/docroot" "$dir/sabre-server.php" \
        </dev/null >>"$dir/logs/launcher.log" 2>&1 &
    echo $! >"$dir/server.pid"
}

cmd_start() {
    [[ $# -eq 5 ]] || { echo "usage: $0 start lighttpd|apache|sabre DIR PORT USER PASSWORD" >&2; exit 2; }
    local kind=$1 dir=$2 port=$3 user=$4 password=$5
    case $kind in lighttpd|apache|sabre) ;; *) echo "unknown server kind: $kind (lighttpd|apache|sabre)" >&2; exit 2 ;; esac
    [[ $port =~ ^[0-9]+$ && $port -gt 0 && $port -lt 65536 ]] || { echo "bad port: $port" >&2; exit 2; }
    [[ -n $user && $user != *[:$'\n\r']* ]] || { echo "bad user name: '$user'" >&2; exit 2; }
    [[ -n $password && $password != *[$'\n\r']* ]] || { echo "password must be non-empty and on one line" >&2; exit 2; }
    [[ -z $(missing_packages) ]] || { echo "webdav-servers: missing packages: $(missing_packages); run '$0 install' first" >&2; exit 3; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    check_value DIR "$dir"

    if [[ -s $dir/server.pid ]]; then
        local old; old=$(<"$dir/server.pid")
        if [[ $old =~ ^[0-9]+$ ]] && group_alive "$old"; then
            die "a server is already running in $dir (pid $old); stop it first"
        fi
        rm -f "$dir/server.pid"
    fi
    port_open "$port" && die "port 127.0.0.1:$port is already in use"

    setup_user
    prepare_dir "$dir"
    echo "=== start $kind 127.0.0.1:$port $(date -u +%FT%TZ)" >>"$dir/logs/launcher.log"
    echo "$kind" >"$dir/server.kind"
    echo "$port" >"$dir/server.port"
    "conf_$kind" "$dir" "$port" "$user" "$password"
    if ! "launch_$kind" "$dir" "$port"; then
        stop_dir "$dir" >/dev/null 2>&1 || true
        echo "webdav-servers: $kind failed to start on 127.0.0.1:$port (dir $dir)" >&2
        show_logs "$dir"
        exit 1
    fi

    # Ready = an authenticated PROPFIND / answers 207. Give up after 30 s, when the server died, or when it
    # keeps giving another answer (a broken configuration) for 3 s.
    local pid status=000 deadline=$((SECONDS + 30)) answered_at=""
    pid=$(<"$dir/server.pid")
    while ((SECONDS < deadline)); do
        status=$(http_status "$port" "$user" "$password")
        [[ $status == 207 ]] && break
        group_alive "$pid" || break
        if [[ $status != 000 ]]; then
            [[ -n $answered_at ]] || answered_at=$SECONDS
            ((SECONDS - answered_at >= 3)) && break
        fi
        sleep 0.1
    done
    if [[ $status != 207 ]]; then
        local why
        if ! group_alive "$pid"; then
            why="exited during start-up"
        elif [[ $status == 000 ]]; then
            why="did not answer within 30 s"
        else
            why="answers $status (not 207) to an authenticated PROPFIND /"
        fi
        stop_dir "$dir" >/dev/null 2>&1 || true
        echo "webdav-servers: $kind on 127.0.0.1:$port (dir $dir) $why" >&2
        show_logs "$dir"
        exit 1
    fi
    echo "$kind ready on http://127.0.0.1:$port/ (pid $pid, root $dir/root)"
}

# Stops the server whose pid file is in DIR: TERM to its process group, KILL after 10 s; waits until gone.
stop_dir() {
    local dir=$1 pid
    [[ -s $dir/server.pid ]] || return 0
    pid=$(<"$dir/server.pid")
    [[ $pid =~ ^[0-9]+$ && $pid -gt 1 ]] || { rm -f "$dir/server.pid"; return 0; }
    if group_alive "$pid"; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 10))
        while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.05; done
        if group_alive "$pid"; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 5))
            while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.05; done
            group_alive "$pid" && die "server (pid $pid) in $dir did not stop"
        fi
    fi
    rm -f "$dir/server.pid"
    # The listening socket dies with the process; make sure nothing answers any more.
    if [[ -s $dir/server.port ]]; then
        local port deadline=$((SECONDS + 5))
        port=$(<"$dir/server.port")
        while port_open "$port" && ((SECONDS < deadline)); do sleep 0.05; done
    fi
    return 0
}

cmd_stop() {
    [[ $# -eq 2 ]] || { echo "usage: $0 stop lighttpd|apache|sabre DIR" >&2; exit 2; }
    local kind=$1 dir=$2
    case $kind in lighttpd|apache|sabre) ;; *) echo "unknown server kind: $kind (lighttpd|apache|sabre)" >&2; exit 2 ;; esac
    [[ -d $dir ]] || return 0
    if [[ -s $dir/server.kind && $(<"$dir/server.kind") != "$kind" ]]; then
        die "$dir holds a $(<"$dir/server.kind") server, not $kind"
    fi
    stop_dir "$dir"
}

case "${1:-}" in
    install) cmd_install ;;
    missing) missing_packages ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    *) echo "usage: $0 install | start KIND DIR PORT USER PASSWORD | stop KIND DIR" >&2; exit 2 ;;
esac
