#!/usr/bin/env bash
# The Docker-based smoke test, end to end:
#
#   1. docker/compose.yml must pass "docker-compose config";
#   2. a Docker engine (Debian's docker.io; installed with apt and started when missing, root only);
#   3. the base image debian:bookworm-slim (made with debootstrap when missing: nothing can be pulled
#      here; the root file system tarball is kept in /var/cache/photo-sidecar-docker, not in the repo);
#   4. docker/compose.test.yml: build both images, start lighttpd-WebDAV and the sidecar on loopback;
#   5. enroll a device, upload 3 MiB of random bytes through the published port, wait until the job
#      has succeeded, fetch the file from the WebDAV server and compare SHA-256;
#   6. always "down -v".
#
# Ends with "docker-smoke: N passed, M failed"; exit status 0 only when nothing failed.
# Safe to run again and again (as root in CI). Environment:
#   SIDECAR_TEST_PORT / WEBDAV_TEST_PORT   published ports (18420 / 18088; the next free one is
#                                          taken when a default is in use)
#   DOCKER_SMOKE_PROJECT                   compose project name (photo-sidecar-smoke)
#   SIDECAR_BUILD_NETWORK                  "host" if build containers cannot reach the network
#   EXTRA_CA_CERTS                         PEM certificates the image build must trust (default:
#                                          the host's /usr/local/share/ca-certificates/*.crt)
#   DOCKER_SMOKE_KEEP=1                    leave the stack running (for a look around)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

PROJECT=${DOCKER_SMOKE_PROJECT:-photo-sidecar-smoke}
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
CACHE_DIR=/var/cache/photo-sidecar-docker
ROOTFS_TAR=$CACHE_DIR/debian-bookworm-minbase.tar
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKERD_LOG=/var/log/photo-sidecar-dockerd.log
DOCKERD_PIDFILE=/run/photo-sidecar-dockerd.pid
TEST_FILE_BYTES=$((3 * 1024 * 1024))

export BASE_IMAGE
# docker-compose 1.29 builds through the engine API (the classic builder). The first "docker" on
# PATH may be a newer client without buildx, and compose's "exec" runs whatever "docker" is first
# on PATH: put Debian's client first.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
work=$(mktemp -d /tmp/docker-smoke.XXXXXX)
if [[ -x /usr/bin/docker ]]; then
    mkdir -p "$work/bin"
    ln -s /usr/bin/docker "$work/bin/docker"
    export PATH="$work/bin:$PATH"
fi

started=$SECONDS
passed=0
failed=0
stack_up=0

log() { printf 'docker-smoke [%3ds]: %s\n' "$((SECONDS - started))" "$*" >&2; }
pass() { passed=$((passed + 1)); log "PASS $*"; }
fail() { failed=$((failed + 1)); log "FAIL $*"; }
# A setup step that cannot go on: counts as a failure and ends the run (the trap cleans up).
abort() { fail "$*"; exit 1; }

compose() { docker-compose -p "$PROJECT" -f "$here/compose.test.yml" "$@"; }

finish() {
    local rc=$?
    trap - EXIT INT TERM
    if ((stack_up)); then
        if ((failed > 0 || rc != 0)); then
            log "logs of the stack (last 80 lines per service):"
            compose logs --no-color --tail=80 >&2 || true
        fi
        if [[ ${DOCKER_SMOKE_KEEP:-} == 1 ]]; then
            log "DOCKER_SMOKE_KEEP=1: leaving the stack up (sidecar http://127.0.0.1:$SIDECAR_TEST_PORT," \
                "webdav http://127.0.0.1:$WEBDAV_TEST_PORT, user $WEBDAV_TEST_USER password $WEBDAV_TEST_PASSWORD)"
        else
            compose down -v --remove-orphans -t 15 >/dev/null 2>&1 \
                || compose down -v --remove-orphans -t 15 >&2 || log "warning: 'down -v' failed"
        fi
    fi
    if declare -F cleanup_rootfs >/dev/null; then cleanup_rootfs; fi
    rm -rf "$work"
    if ((rc != 0 && failed == 0)); then failed=1; log "FAIL stopped before the end (exit $rc)"; fi
    echo "docker-smoke: $passed passed, $failed failed ($((SECONDS - started)) s)"
    ((failed == 0)) || exit 1
    exit "$rc"
}
trap finish EXIT
trap 'log "interrupted"; exit 130' INT TERM

is_root() { [[ $(id -u) -eq 0 ]]; }

# ---------------------------------------------------------------------------------------------------
# Packages (apt, as root, only what is missing). Package scripts must not start services.
# ---------------------------------------------------------------------------------------------------
apt_updated=0
apt_install() {
    is_root && command -v apt-get >/dev/null 2>&1 \
        || abort "packages missing: $* (install them as root with apt-get, or run this script as root)"
    log "installing with apt: $*"
    local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0 apt_log="$work/apt.log"
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# temporary, from docker/test.sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    {
        export DEBIAN_FRONTEND=noninteractive
        if ((apt_updated == 0)); then apt-get -q update; fi &&
        apt-get -q install -y --no-install-recommends -o DPkg::Lock::Timeout=300 \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
    } >"$apt_log" 2>&1 || rc=$?
    ((made_policy)) && rm -f "$policy"
    if ((rc != 0)); then
        tail -n 30 "$apt_log" >&2
        abort "apt-get install $* failed (exit $rc)"
    fi
    apt_updated=1
}

docker_ok() { docker info >/dev/null 2>&1; }

ensure_engine() {
    local -a missing=()
    command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
    if ! docker_ok; then
        { [[ -x /usr/bin/docker ]] && command -v dockerd >/dev/null 2>&1; } || missing+=(docker.io)
    fi
    if ((${#missing[@]})); then
        apt_install "${missing[@]}"
        if [[ -x /usr/bin/docker && ! -e $work/bin/docker ]]; then
            mkdir -p "$work/bin"; ln -s /usr/bin/docker "$work/bin/docker"; export PATH="$work/bin:$PATH"
        fi
    fi
    docker_ok && return 0

    is_root || abort "no Docker engine answers and only root can start one"
    local pid=""
    [[ -s $DOCKERD_PIDFILE ]] && pid=$(<"$DOCKERD_PIDFILE")
    if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
        log "dockerd (pid $pid) is running but does not answer yet; waiting"
    else
        log "starting dockerd (log: $DOCKERD_LOG)"
        mkdir -p "$(dirname "$DOCKERD_LOG")"
        # Its own session, no inherited descriptors: it outlives this script (later runs reuse it).
        setsid dockerd --storage-driver=overlay2 </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
        pid=$!
        echo "$pid" >"$DOCKERD_PIDFILE"
    fi
    local deadline=$((SECONDS + 90))
    until docker_ok; do
        if [[ ! -d /proc/$pid ]]; then
            tail -n 30 "$DOCKERD_LOG" >&2
            abort "dockerd exited during start-up (see $DOCKERD_LOG)"
        fi
        ((SECONDS < deadline)) || { tail -n 30 "$DOCKERD_LOG" >&2; abort "dockerd did not answer within 90 s"; }
        sleep 0.5
    done
    log "dockerd is up (pid $pid)"
}

# ---------------------------------------------------------------------------------------------------
# The base image: debootstrap --variant=minbase bookworm, trimmed like the official slim image.
# ---------------------------------------------------------------------------------------------------
rootfs=""
cleanup_rootfs() {
    [[ -n $rootfs && -d $rootfs ]] || return 0
    local m
    # debootstrap mounts /proc and /sys inside while it runs; never delete through a mount.
    for m in $(awk -v r="$rootfs/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$rootfs"
}

make_rootfs_tar() {
    is_root || abort "building the base image $BASE_IMAGE with debootstrap needs root"
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
    mkdir -p "$CACHE_DIR"
    # Leftovers of a run that was killed (this run holds the lock, so no other one is working).
    local old
    for old in "$CACHE_DIR"/rootfs.*; do
        [[ -d $old ]] || continue
        rootfs=$old
        cleanup_rootfs
    done
    rootfs="$CACHE_DIR/rootfs.$$"
    log "debootstrap --variant=minbase bookworm ($DEBIAN_MIRROR)"
    if ! debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        cleanup_rootfs
        abort "debootstrap failed"
    fi
    # Sources with updates and security, like the official image.
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # No services from package scripts, no caches, no documentation (what the slim image does).
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod 755 "$rootfs/usr/sbin/policy-rc.d"
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
    printf 'Acquire::GzipIndexes "true";\n' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
    printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
    printf 'force-unsafe-io\n' >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda}/* 2>/dev/null || true
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
        "$rootfs"/var/cache/apt/archives/partial/* "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/var/tmp/* \
        "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/* 2>/dev/null || true
    # Image-level files the engine provides at run time.
    : >"$rootfs/etc/hostname"
    printf '%s\n' "127.0.0.1 localhost" >"$rootfs/etc/hosts"
    : >"$rootfs/etc/resolv.conf"
    tar --numeric-owner -C "$rootfs" -cf "$ROOTFS_TAR.tmp" . \
        || { cleanup_rootfs; rm -f "$ROOTFS_TAR.tmp"; abort "could not write $ROOTFS_TAR"; }
    mv -f "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    cleanup_rootfs
    rootfs=""
    log "root file system: $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

ensure_base_image() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        log "base image $BASE_IMAGE is there"
        return 0
    fi
    [[ $BASE_IMAGE == debian:bookworm-slim ]] \
        || abort "base image $BASE_IMAGE is missing (only debian:bookworm-slim can be made here)"
    [[ -s $ROOTFS_TAR ]] || make_rootfs_tar
    log "docker import $ROOTFS_TAR as $BASE_IMAGE"
    docker import --change 'CMD ["bash"]' - "$BASE_IMAGE" <"$ROOTFS_TAR" >/dev/null \
        || abort "docker import of $ROOTFS_TAR failed"
}

# ---------------------------------------------------------------------------------------------------
# Ports: the defaults, or the next free ones; a port set explicitly must be free.
# ---------------------------------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
choose_port() {
    local var=$1 default=$2 p
    if [[ -n ${!var:-} ]]; then
        port_busy "${!var}" && abort "$var=${!var}: 127.0.0.1:${!var} is already in use"
        return 0
    fi
    for ((p = default; p < default + 50; p++)); do
        if ! port_busy "$p"; then printf -v "$var" '%s' "$p"; export "${var?}"; return 0; fi
    done
    abort "no free port in 127.0.0.1:$default-$((default + 49)) for $var"
}

json_field() { python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"; }

# ---------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------
lockfile=/run/lock/photo-sidecar-docker-smoke.lock
[[ -d /run/lock && -w /run/lock ]] || lockfile="/tmp/photo-sidecar-docker-smoke.$(id -u).lock"
exec 9>"$lockfile"
flock -w 600 9 || abort "another docker/test.sh is still running (lock held for 10 minutes)"

ensure_engine

if docker-compose -f "$here/compose.yml" config -q; then
    pass "docker/compose.yml: docker-compose config"
else
    fail "docker/compose.yml: docker-compose config"
fi

ensure_base_image

# Leftovers of an interrupted run.
compose down -v --remove-orphans -t 5 >/dev/null 2>&1 || true

WEBDAV_TEST_USER=${WEBDAV_TEST_USER:-sidecar}
WEBDAV_TEST_PASSWORD=${WEBDAV_TEST_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}
export WEBDAV_TEST_USER WEBDAV_TEST_PASSWORD
choose_port SIDECAR_TEST_PORT 18420
choose_port WEBDAV_TEST_PORT 18088

# Maven Central is fetched over HTTPS from inside the build: trust what the host trusts beyond
# Debian's CAs (locally added certificates, e.g. of a proxy that intercepts TLS).
if [[ -z ${EXTRA_CA_CERTS+set} ]]; then
    shopt -s nullglob
    local_cas=(/usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt)
    shopt -u nullglob
    EXTRA_CA_CERTS=""
    if ((${#local_cas[@]})); then
        EXTRA_CA_CERTS=$(cat "${local_cas[@]}")
        log "the build trusts ${#local_cas[@]} locally added CA certificate file(s) of this host"
    fi
fi
export EXTRA_CA_CERTS

log "building the images (docker-compose -f docker/compose.test.yml build)"
build_started=$SECONDS
compose build --force-rm >&2 || abort "docker-compose build"
log "images built in $((SECONDS - build_started)) s"

# Drop superseded copies of our images (untagged by this build); keep the newest build stage,
# which is the cache for the next build.
mapfile -t stale < <(docker images -q -f dangling=true -f label=dev.photosidecar.stage=runtime
                     docker images -q -f dangling=true -f label=dev.photosidecar.stage=webdav)
mapfile -t old_build < <(docker images -q -f dangling=true -f label=dev.photosidecar.stage=build | tail -n +2)
stale+=("${old_build[@]}")
((${#stale[@]} == 0)) || docker rmi "${stale[@]}" >/dev/null 2>&1 || true

stack_up=1
log "starting the stack (sidecar 127.0.0.1:$SIDECAR_TEST_PORT, webdav 127.0.0.1:$WEBDAV_TEST_PORT)"
compose up -d >&2 || abort "docker-compose up"

sidecar_url="http://127.0.0.1:$SIDECAR_TEST_PORT"
webdav_url="http://127.0.0.1:$WEBDAV_TEST_PORT"

deadline=$((SECONDS + 120))
until curl -fsS -m 5 -o /dev/null "$sidecar_url/readyz" 2>/dev/null; do
    ((SECONDS < deadline)) || { curl -sS -m 5 "$sidecar_url/readyz" >&2 || true; abort "sidecar /readyz not ready within 120 s"; }
    sleep 1
done
log "sidecar ready: $(curl -fsS -m 5 "$sidecar_url/readyz")"
status=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -u "$WEBDAV_TEST_USER:$WEBDAV_TEST_PASSWORD" \
    -X PROPFIND -H 'Depth: 0' "$webdav_url/" || true)
[[ $status == 207 ]] || abort "webdav: PROPFIND / answered $status, not 207"
status=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' "$webdav_url/" || true)
[[ $status == 401 ]] || abort "webdav: PROPFIND / without credentials answered $status, not 401"
pass "stack up: sidecar /readyz answers, WebDAV answers 207 with the account and 401 without"

# The images' own HEALTHCHECKs, and the sidecar's user.
deadline=$((SECONDS + 60))
while :; do
    h_sidecar=$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q sidecar)" 2>/dev/null || echo "?")
    h_webdav=$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q webdav)" 2>/dev/null || echo "?")
    [[ $h_sidecar == healthy && $h_webdav == healthy ]] && break
    ((SECONDS < deadline)) || break
    sleep 1
done
uid=$(compose exec -T sidecar id -u 2>/dev/null | tr -d '\r' || true)
if [[ $h_sidecar == healthy && $h_webdav == healthy && $uid == 10001 ]]; then
    pass "healthchecks: sidecar $h_sidecar, webdav $h_webdav; the sidecar runs as uid $uid"
else
    fail "healthchecks: sidecar '$h_sidecar', webdav '$h_webdav' (want healthy); sidecar uid '$uid' (want 10001)"
fi

# Enroll, upload, wait, fetch, compare.
e2e() {
    local enrolled token name key file sha resp code job_id state job remote got_sha
    enrolled=$(compose exec -T sidecar photo-sidecar device add --user alice --name ci --json 2>"$work/enroll.err") \
        || { cat "$work/enroll.err" >&2; echo "device add failed"; return 1; }
    token=$(json_field token <<<"$enrolled") || { echo "device add printed no JSON: $enrolled"; return 1; }
    [[ $token == psc_* ]] || { echo "device add printed no token: $enrolled"; return 1; }

    name="docker-smoke-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n').jpg"
    key="smoke-${name%.jpg}"
    file="$work/$name"
    head -c "$TEST_FILE_BYTES" /dev/urandom >"$file"
    sha=$(sha256sum "$file" | cut -d' ' -f1)
    code=$(curl -sS -m 60 -o "$work/put.json" -w '%{http_code}' -X PUT --data-binary "@$file" \
        -H "Authorization: Bearer $token" \
        -H "Content-Type: image/jpeg" \
        -H "X-Filename: $name" \
        -H "X-Created-At: 2024-05-01T10:15:30Z" \
        -H "Content-Digest: sha-256=:$(python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$sha"):" \
        "$sidecar_url/v1/uploads/$key") || { echo "upload: curl failed"; return 1; }
    [[ $code == 201 ]] || { echo "upload answered $code: $(cat "$work/put.json")"; return 1; }
    job_id=$(json_field id <"$work/put.json")
    log "uploaded $name ($TEST_FILE_BYTES bytes) as job $job_id"

    local deadline=$((SECONDS + 120))
    while :; do
        job=$(curl -fsS -m 10 -H "Authorization: Bearer $token" "$sidecar_url/v1/jobs/$job_id") \
            || { echo "GET /v1/jobs/$job_id failed"; return 1; }
        state=$(json_field state <<<"$job")
        [[ $state == succeeded ]] && break
        [[ $state == failed ]] && { echo "the job failed: $job"; return 1; }
        ((SECONDS < deadline)) || { echo "the job is still '$state' after 120 s: $job"; return 1; }
        sleep 0.5
    done
    remote=$(json_field remotePath <<<"$job")
    [[ $remote == "Photos/2024/05/$name" ]] || { echo "remotePath is '$remote', want Photos/2024/05/$name"; return 1; }

    code=$(curl -sS -m 60 -o "$work/fetched" -w '%{http_code}' -u "$WEBDAV_TEST_USER:$WEBDAV_TEST_PASSWORD" \
        "$webdav_url/alice/Photos/2024/05/$name") || { echo "fetch: curl failed"; return 1; }
    [[ $code == 200 ]] || { echo "GET alice/Photos/2024/05/$name from WebDAV answered $code"; return 1; }
    got_sha=$(sha256sum "$work/fetched" | cut -d' ' -f1)
    [[ $got_sha == "$sha" ]] || { echo "SHA-256 differs: uploaded $sha, on WebDAV $got_sha ($(stat -c %s "$work/fetched") bytes)"; return 1; }
    echo "alice/Photos/2024/05/$name on WebDAV, $TEST_FILE_BYTES bytes, SHA-256 $sha"
}
if result=$(e2e); then
    pass "upload → job succeeded → $result"
else
    fail "upload → WebDAV: $result"
fi
