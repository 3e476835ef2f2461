"""An idle TCP client and the servers it talks to, for the tests of
reset_connections (tests/integration/connections.rs, scripts/cluster-test,
the benchmark).

  idle-tcp.py server FAMILY BANNER PORT
      FAMILY 4 or 6 (6 is dual-stack); accepts connections and keeps them
      open; BANNER "-" answers nothing, anything else greets each
      connection with it (a reconnect that reached a silent server is
      never greeted). Prints "listening" once ready.
  idle-tcp.py client VIP PORT WAIT
      connects, prints "connected", waits in recv for WAIT seconds and
      prints how that ended ("reset", "eof", "data" or "waiting") with the
      time; unless still waiting, reconnects and prints "reconnected
      GREETING SECONDS" (or "reconnect-failed ERROR").
"""
import socket
import sys
import time


def server(family, banner, port):
    if family == "6":
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        address = "::"
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = "0.0.0.0"
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(64)
    print("listening", flush=True)
    held = []
    while True:
        connection, _ = s.accept()
        held.append(connection)
        if banner != "-":
            connection.sendall(banner.encode() + b"\n")


def client(vip, port, wait):
    c = socket.create_connection((vip, port), timeout=5)
    print("connected", flush=True)
    c.settimeout(wait)
    try:
        data = c.recv(100)
        print("eof" if not data else "data", time.time(), flush=True)
    except ConnectionResetError:
        print("reset", time.time(), flush=True)
    except socket.timeout:
        print("waiting", time.time(), flush=True)
        return
    began = time.time()
    try:
        again = socket.create_connection((vip, port), timeout=8)
        again.settimeout(4)
        greeting = again.recv(100).decode().strip()
        print("reconnected", greeting or "-", time.time() - began, flush=True)
    except Exception as e:  # what failed is the answer
        print("reconnect-failed", type(e).__name__, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
