#!/usr/bin/env bash
# Checks haproxy.cfg without Docker: Debian's HAProxy with this folder's haproxy.cfg (only its addresses changed,
# shown as a diff), in front of 2 replicas of target/photo-sidecar.jar on loopback, on a real throw-away PostgreSQL
# (the tests' src/test/resources/postgres/postgres-server.sh) and one spool folder; local target. It sends a plain
# upload and 20 more through the balancer, then a resumable creation (IETF draft, interop version 6) whose 104 must
# come back through the balancer before any body byte is sent, and finishes that upload on the second replica
# directly. About 30 s. Needs the jar (mvn -o -q package -DskipTests), haproxy and PostgreSQL (apt, as root).
#
#   bash docker/scale-out/check-balancer.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wt="$(cd "$here/../.." && pwd)"
d="$(mktemp -d /tmp/scale-out-check.XXXXXX)"
command -v haproxy >/dev/null || apt-get install -y -q --no-install-recommends haproxy >/dev/null
bash "$wt/src/test/resources/postgres/postgres-server.sh" install
pgscript=$wt/src/test/resources/postgres/postgres-server.sh
read pgport lbport p1 p2 < <(python3 -c 'import socket
ss=[socket.socket() for _ in range(4)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(*[s.getsockname()[1] for s in ss])')
bash $pgscript start $d/pg $pgport sidecar lbcheckpw
trap 'kill $(cat $d/*.pid 2>/dev/null) 2>/dev/null || true; bash '$pgscript' stop '$d'/pg; rm -rf '$d'' EXIT
PGPASSWORD=lbcheckpw psql -h 127.0.0.1 -p $pgport -U sidecar -d postgres -qc 'CREATE DATABASE sidecar'
export SIDECAR_DATABASE_URL=postgresql://127.0.0.1:$pgport/sidecar SIDECAR_DATABASE_USER=sidecar SIDECAR_DATABASE_PASSWORD=lbcheckpw
export SIDECAR_SPOOL_DIR=$d/spool SIDECAR_SECRET_KEY=$(head -c32 /dev/urandom | base64) SIDECAR_TARGET=local
export SIDECAR_BIND=127.0.0.1 SIDECAR_SPOOL_RESERVE_BYTES=0 SIDECAR_PUBLIC_URL=http://127.0.0.1:$lbport
for i in 1 2; do
  if [[ $i == 1 ]]; then port=$p1; else port=$p2; fi
  SIDECAR_DATA_DIR=$d/r$i SIDECAR_PORT=$port java -jar $wt/target/photo-sidecar.jar serve > $d/r$i.log 2>&1 &
  echo $! > $d/r$i.pid
done
token=$(SIDECAR_DATA_DIR=$d/cli java -jar $wt/target/photo-sidecar.jar device add --user alice --name lbcheck --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
sed -e "s/^    bind :8420/    bind 127.0.0.1:$lbport/" -e '/^resolvers docker/,/^$/d' -e 's/ resolvers docker init-addr last,libc,none//' \
    -e "s/^    server sidecar-1 sidecar-1:8420/    server sidecar-1 127.0.0.1:$p1/" -e "s/^    server sidecar-2 sidecar-2:8420/    server sidecar-2 127.0.0.1:$p2/" \
    -e '/server sidecar-3/d' -e 's/^    log stdout format raw local0 info/    log stderr format raw local0 info/' \
    $wt/docker/scale-out/haproxy.cfg > $d/haproxy.cfg
diff $wt/docker/scale-out/haproxy.cfg $d/haproxy.cfg || true
haproxy -f $d/haproxy.cfg > $d/haproxy.log 2>&1 &
echo $! > $d/haproxy.pid
for i in $(seq 1 120); do
  c1=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$p1/healthz || true)
  c2=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$p2/healthz || true)
  [[ $c1 == 200 && $c2 == 200 ]] && break; sleep 1
done
sleep 5   # two health checks of haproxy (inter 2s, rise 2)
head -c 3000000 /dev/urandom > $d/IMG_0001.JPG
echo "--- plain upload through the balancer:"
code=$(curl -sS -T $d/IMG_0001.JPG -H "Authorization: Bearer $token" -H 'X-Filename: IMG_0001.JPG' -H 'Content-Type: image/jpeg' \
  -o $d/put.out -w '%{http_code}' http://127.0.0.1:$lbport/v1/uploads/img-0001); echo "$code"; cat $d/put.out; echo
[[ $code == 201 ]] || { echo "FAILED: the upload through the balancer answered $code" >&2; exit 1; }
echo "--- 20 plain uploads through the balancer, which replica took them:"
for n in $(seq 2 21); do curl -sS -T $d/IMG_0001.JPG -H "Authorization: Bearer $token" -H "X-Filename: IMG_00$n.JPG" \
  -o /dev/null -w '%{http_code} ' http://127.0.0.1:$lbport/v1/uploads/img-00$n; done; echo
echo "--- resumable creation through the balancer:"
python3 $here/resumable-through-balancer.py $lbport $p1 $p2 $token $d/haproxy.log
sleep 3
echo "--- jobs (through the balancer):"
curl -sS -H "Authorization: Bearer $token" "http://127.0.0.1:$lbport/v1/jobs?limit=50" | python3 -c 'import json,sys,collections
j = json.load(sys.stdin)["jobs"]; states = collections.Counter(x["state"] for x in j); print(len(j), "jobs", dict(states))
sys.exit(0 if states == {"succeeded": 22} else "FAILED: expected 22 succeeded jobs")'
echo "--- uploads per replica (the balancer's log):"
grep '"PUT /v1/uploads/' $d/haproxy.log | grep -o 'sidecars/sidecar-[0-9]' | sort | uniq -c
