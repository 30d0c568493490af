#!/bin/sh
# Writes the Basic-auth password file from WEBDAV_USER and WEBDAV_PASSWORD (or
# WEBDAV_PASSWORD_FILE), makes sure www-data owns the served folder, then runs lighttpd in the
# foreground. Any arguments are passed on to lighttpd (e.g. -tt to only check the configuration).
set -eu

conf=/etc/lighttpd/webdav.conf
userfile=/run/lighttpd-webdav/users.plain

die() { echo "webdav-entrypoint: $*" >&2; exit 1; }

user=${WEBDAV_USER:-}
if [ -n "${WEBDAV_PASSWORD_FILE:-}" ]; then
    [ -r "$WEBDAV_PASSWORD_FILE" ] || die "WEBDAV_PASSWORD_FILE=$WEBDAV_PASSWORD_FILE is not readable"
    password=$(cat "$WEBDAV_PASSWORD_FILE")
else
    password=${WEBDAV_PASSWORD:-}
fi
unset WEBDAV_PASSWORD

nl='
'
cr=$(printf '\r')
[ -n "$user" ] || die "set WEBDAV_USER (the Basic-auth account name)"
case $user in *:*|*"$nl"*|*"$cr"*) die "WEBDAV_USER must not contain ':' or line breaks" ;; esac
[ -n "$password" ] || die "set WEBDAV_PASSWORD or WEBDAV_PASSWORD_FILE (the account's password)"
case $password in *"$nl"*|*"$cr"*) die "the password must be one line" ;; esac

umask 027
tmp="$userfile.tmp.$$"
printf '%s:%s\n' "$user" "$password" >"$tmp"
if [ "$(id -u)" -eq 0 ]; then
    chown root:www-data "$tmp"
    chmod 0640 "$tmp"
    # A fresh named volume inherits www-data from the image; a bind mount may not.
    for d in /srv/webdav /var/lib/lighttpd-webdav /var/tmp/lighttpd-webdav; do
        [ "$(stat -c %U "$d")" = www-data ] || chown www-data:www-data "$d"
    done
fi
mv -f "$tmp" "$userfile"

# The access log: lighttpd writes into a FIFO, a cat copies it to the container's stderr. The cat
# opens it read-write, so it is always ready and never sees an end of file.
fifo=/run/lighttpd-webdav/access.fifo
rm -f "$fifo"
mkfifo -m 0600 "$fifo"
[ "$(id -u)" -ne 0 ] || chown www-data:www-data "$fifo"
cat <>"$fifo" >&2 &

exec lighttpd -D -f "$conf" "$@"
