# Used by check-balancer.sh: a resumable creation through the balancer must get its 104 before any body byte
# is sent; the upload is then finished straight on the replica that did not take the creation (the balancer's log
# says which did).
#   resumable-through-balancer.py LB_PORT REPLICA1_PORT REPLICA2_PORT TOKEN HAPROXY_LOG
import re, socket, sys, time, urllib.request
lb_port, ports, token, log = int(sys.argv[1]), [int(sys.argv[2]), int(sys.argv[3])], sys.argv[4], sys.argv[5]
body = bytes(range(256)) * 4096          # 1 MiB
part1, part2 = body[:400000], body[400000:]
s = socket.create_connection(("127.0.0.1", lb_port))
s.sendall((f"PUT /v1/uploads/lbcheck-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
           f"X-Filename: LB_0001.JPG\r\nContent-Type: image/jpeg\r\nUpload-Draft-Interop-Version: 6\r\n"
           f"Upload-Complete: ?0\r\nUpload-Length: {len(body)}\r\nContent-Length: {len(part1)}\r\n\r\n").encode())
s.settimeout(10)
got = b""
t0 = time.time()
while b"\r\n\r\n" not in got:
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
head = got.split(b"\r\n\r\n")[0].decode()
print("before any body byte, through the balancer, in %.3f s:\n%s" % (time.time() - t0, head))
assert head.startswith("HTTP/1.1 104"), head
location = [l.split(": ", 1)[1] for l in head.split("\r\n") if l.lower().startswith("location:")][0]
s.sendall(part1)
rest = b""
while b"\r\n\r\n" not in rest:
    rest += s.recv(4096)
print("then:", rest.split(b"\r\n")[0].decode())
s.close()
took = None
for _ in range(50):
    m = re.search(r"sidecars/sidecar-(\d) .*\"PUT /v1/uploads/lbcheck-1 ", open(log).read())
    if m:
        took = int(m.group(1))
        break
    time.sleep(0.1)
assert took in (1, 2), "the balancer's log does not say which replica took the creation"
other_port = ports[2 - took]
print("the creation went to sidecar-%d; finishing it on sidecar-%d" % (took, 3 - took))
def call(port, method, data=None, extra={}):
    r = urllib.request.Request(f"http://127.0.0.1:{port}{location}", method=method, data=data,
        headers={"Authorization": "Bearer " + token, "Upload-Draft-Interop-Version": "6", **extra})
    with urllib.request.urlopen(r) as resp:
        return resp.status, dict(resp.headers)
st, h = call(other_port, "HEAD")
print("HEAD on replica port", other_port, "->", st, "Upload-Offset", h.get("Upload-Offset"))
st, h = call(other_port, "PATCH", part2, {"Upload-Offset": h["Upload-Offset"], "Upload-Complete": "?1",
                                          "Content-Type": "application/partial-upload"})
print("PATCH the rest on replica port", other_port, "->", st)
