#!/usr/bin/env bash
# Debian's Chromium and its ChromeDriver for the browser tests (the admin status page), installed with apt
# when missing. Nothing is downloaded from anywhere else: the tests drive /usr/bin/chromium through
# /usr/bin/chromedriver.
#
#   install-chromium.sh            install what is missing, then print the versions
#   install-chromium.sh --check    only say whether both are there (exit 0 or 3)
#
# Exit codes: 0 ready, 1 the install failed, 2 usage, 3 missing and cannot be installed here (not root, or no apt).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver
PACKAGES=(chromium chromium-driver)
LOG=/tmp/install-chromium.log

die() { echo "install-chromium: $*" >&2; exit 1; }

missing() {
    local -a miss=()
    [[ -x $CHROMIUM ]] || miss+=(chromium)
    [[ -x $DRIVER ]] || miss+=(chromium-driver)
    # Without a single font every glyph is a box in the screenshots.
    if command -v fc-list >/dev/null 2>&1 && [[ -z $(fc-list 2>/dev/null | head -n 1) ]]; then
        miss+=(fonts-dejavu-core)
    fi
    echo "${miss[*]:-}"
}

versions() {
    "$CHROMIUM" --version 2>/dev/null || true
    "$DRIVER" --version 2>/dev/null || true
}

case "${1:-}" in
    "") ;;
    --check)
        miss=$(missing)
        if [[ -z $miss ]]; then versions; exit 0; fi
        echo "install-chromium: missing: $miss" >&2
        exit 3
        ;;
    *) echo "usage: install-chromium.sh [--check]" >&2; exit 2 ;;
esac

miss=$(missing)
if [[ -z $miss ]]; then
    versions
    exit 0
fi

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<MSG
install-chromium: the browser tests need Debian's Chromium and ChromeDriver (missing: $miss).
Install them once as root on Debian/Ubuntu:
    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES[*]}
(or run the tests as root: they install what is missing themselves).
MSG
    exit 3
fi

# One installer at a time (parallel test JVMs); apt itself also waits for the dpkg lock.
exec 9>/tmp/install-chromium.lock
flock 9
miss=$(missing)
if [[ -z $miss ]]; then
    versions
    exit 0
fi

echo "install-chromium: installing $miss with apt-get (log: $LOG)" >&2
rc=0
{
    export DEBIAN_FRONTEND=noninteractive
    apt-get -q update &&
    apt-get -q install -y --no-install-recommends -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $miss
} >"$LOG" 2>&1 || rc=$?
if [[ $rc -ne 0 ]]; then
    tail -n 30 "$LOG" >&2
    die "apt-get install of '$miss' failed (exit $rc); full log in $LOG"
fi
miss=$(missing)
[[ -z $miss ]] || die "still missing after apt-get install: $miss (log: $LOG)"
versions
