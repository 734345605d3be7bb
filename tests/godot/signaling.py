#!/usr/bin/env python3
"""Tiny signaling relay for the Godot multiplayer tests, on 127.0.0.1 only.

Newline-delimited text over TCP. A client's first line is "HELLO <id>";
then each line "<to> <payload>" is delivered to client <to> as
"<from> <payload>" (queued until <to> has said HELLO). The chosen port is
written to the file named by argv[1]. Runs until killed.
"""
import os
import selectors
import socket
import sys

sel = selectors.DefaultSelector()
clients = {}  # id -> socket
pending = {}  # id -> [bytes]
state = {}  # socket -> {"id": int or None, "buf": bytes}


def deliver(to, data):
    sock = clients.get(to)
    if sock is None:
        pending.setdefault(to, []).append(data)
        return
    try:
        sock.sendall(data)
    except OSError:
        pass


def handle_line(sock, line):
    st = state[sock]
    if st["id"] is None:
        parts = line.split(" ")
        if len(parts) == 2 and parts[0] == "HELLO":
            st["id"] = int(parts[1])
            clients[st["id"]] = sock
            for data in pending.pop(st["id"], []):
                deliver(st["id"], data)
        return
    to, _, payload = line.partition(" ")
    try:
        deliver(int(to), f"{st['id']} {payload}\n".encode())
    except ValueError:
        pass


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.getsockname()[1]))
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    sel.register(server, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is server:
                conn, _ = server.accept()
                state[conn] = {"id": None, "buf": b""}
                sel.register(conn, selectors.EVENT_READ)
                continue
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(sock)
                st = state.pop(sock)
                if st["id"] is not None and clients.get(st["id"]) is sock:
                    del clients[st["id"]]
                sock.close()
                continue
            st = state[sock]
            st["buf"] += data
            while b"\n" in st["buf"]:
                line, st["buf"] = st["buf"].split(b"\n", 1)
                handle_line(sock, line.decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
