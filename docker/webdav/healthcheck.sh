#!/bin/bash
# HEALTHCHECK: an authenticated "PROPFIND / Depth: 0" on 127.0.0.1:80 must answer 207 within 5 s.
set -u
IFS=: read -r user password </run/lighttpd-webdav/users.plain || { echo "no password file"; exit 1; }
auth=$(printf '%s:%s' "$user" "$password" | base64 -w0)
exec 3<>/dev/tcp/127.0.0.1/80 || exit 1
printf 'PROPFIND / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic %s\r\nDepth: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' "$auth" >&3
IFS= read -r -t 5 status <&3 || { echo "no answer"; exit 1; }
[[ $status == "HTTP/1."[01]" 207"* ]] || { echo "PROPFIND / answered: $status"; exit 1; }
