#!/usr/bin/python3
"""An aiortc node of the interop exchange (tests/interop/README.md); the same
state machine as web/exchange.mjs and driver.c.

Loopback only: aioice skips 127.0.0.1 when it lists host addresses, so this
peer replaces that list with ["127.0.0.1"]; no STUN/TURN servers (iceServers=[],
which also stops aiortc from adding its default public STUN server). It runs
inside the test's network namespace, where lo is the only interface.

Usage: aiortc_peer.py --me NAME --peer OTHER:offer|answer [...] [--port 8765]
                      [--bulk N] [--deadline S]
Needs Debian's python3-aiortc: run it with /usr/bin/python3.
"""
import argparse
import asyncio
import json
import sys
import time
import urllib.request

import aioice.ice

# aioice's gather_candidates() calls this module-level function.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.sdp import candidate_from_sdp  # noqa: E402

CHUNK = 16384
WINDOW = 1024 * 1024
UNREL_N = 50
UNREL_LEN = 64
LIFETIME_MS = 1000
CH_NAMES = ["reliable", "ordered", "unreliable", "inband"]


def pattern(n):
    return bytes((i * 7 + (i >> 8) * 13 + (i >> 16) * 31) & 255 for i in range(n))


def now():
    return time.monotonic() * 1000.0


class Conn:
    def __init__(self, name, offerer):
        self.name, self.offerer = name, offerer
        self.pc = None
        self.ch = [None] * 4
        self.pending, self.checks = [], []
        self.error = None
        self.open = False
        self.t_start = self.t_open = 0.0
        self.bulk_sent, self.bulk_acked, self.t_bulk_send_start, self.t_bulk_acked = 0, False, 0.0, 0.0
        self.fin_sent = self.fin_received = False
        self.rel_stage, self.bulk_recv, self.t_bulk_recv_first, self.t_bulk_recv_done = 0, 0, 0.0, 0.0
        self.ord_stage, self.unrel, self.inb_text, self.inb_bin = 0, 0, False, False
        self.done = False


class Node:
    def __init__(self, args):
        self.me, self.bulk, self.deadline_s = args.me, args.bulk, args.deadline
        self.base = f"http://127.0.0.1:{args.port}"
        self.expect = pattern(self.bulk)
        self.conns = {}
        for p in args.peer:
            name, role = p.split(":")
            self.conns[name] = Conn(name, role == "offer")
        self.all_done = asyncio.Event()
        self.finished = False

    def log(self, text):
        print(f"[{self.me}] {text}", file=sys.stderr, flush=True)

    async def http(self, method, path, body=None):
        def call():
            req = urllib.request.Request(self.base + path, data=body, method=method)
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.read()

        return await asyncio.get_running_loop().run_in_executor(None, call)

    async def signal(self, c, type_, **fields):
        msg = {"from": self.me, "to": c.name, "type": type_, **fields}
        try:
            await self.http("POST", f"/send/{c.name}", json.dumps(msg).encode())
        except Exception as e:  # noqa: BLE001
            self.fail(c, f"signaling failed: {e}")

    def fail(self, c, msg):
        if c.error:
            return
        c.error = msg
        self.log(f"FAIL with {c.name}: {msg}")
        self.maybe_finish()

    def put(self, c, idx, data):
        try:
            c.ch[idx].send(data)
            return True
        except Exception as e:  # noqa: BLE001
            self.fail(c, f"send on {CH_NAMES[idx]} failed: {e!r}")
            return False

    def check_inband(self, c, dc):
        got = {"label": dc.label, "protocol": dc.protocol, "ordered": dc.ordered, "negotiated": dc.negotiated,
               "maxRetransmits": dc.maxRetransmits, "maxPacketLifeTime": dc.maxPacketLifeTime}
        want = {"label": "inband", "protocol": "meshrtc-interop", "ordered": False, "negotiated": False,
                "maxRetransmits": 5, "maxPacketLifeTime": None}
        if got != want:
            self.fail(c, f"received in-band channel {got}, want {want}")
        else:
            c.checks.append("inband-channel-properties")

    def attach(self, c, idx, dc):
        c.ch[idx] = dc

        @dc.on("open")
        def on_open():
            self.step(c)

        @dc.on("message")
        def on_message(data):
            try:
                self.receive(c, idx, data)
            except Exception as e:  # noqa: BLE001
                self.fail(c, f"receive on {CH_NAMES[idx]}: {e!r}")
            self.step(c)

        @dc.on("close")
        def on_close():
            if not c.done and not c.error and not self.finished:
                self.fail(c, f"channel {CH_NAMES[idx]} closed before the exchange finished")

        if dc.readyState == "open":
            asyncio.get_running_loop().call_soon(self.step, c)

    def receive(self, c, idx, m):
        if c.error:
            return
        is_text = isinstance(m, str)
        desc = f"text {m[:80]!r}" if is_text else f"binary({len(m)}) {bytes(m[:80])!r}"
        if idx == 0:
            if is_text and m.startswith("bulk-ok ") and c.rel_stage == 3:
                if int(m[8:]) != self.bulk or c.bulk_sent != self.bulk or c.bulk_acked:
                    return self.fail(c, f"unexpected {desc}")
                c.bulk_acked, c.t_bulk_acked = True, now()
                c.checks.append("bulk-sent-acked")
                return
            if is_text and m == "fin" and c.rel_stage == 3:
                c.fin_received = True
                return
            if c.rel_stage == 0:
                want = f"hello reliable from {c.name} \u2713"
                if m != want:
                    return self.fail(c, f"reliable: got {desc}, want text {want}")
                c.checks.append("reliable-text-utf8")
                c.rel_stage = 1
            elif c.rel_stage == 1:
                if is_text or bytes(m) != bytes(range(256)):
                    return self.fail(c, f"reliable: got {desc}, want binary 0..255")
                c.checks.append("reliable-binary")
                c.rel_stage = 2
            elif c.rel_stage == 2:
                if m != f"text\0with nul from {c.name}":
                    return self.fail(c, f"reliable: got {desc}, want text with NUL from {c.name}")
                c.checks.append("reliable-text-with-nul")
                c.rel_stage = 3
            else:
                if is_text or c.bulk_recv + len(m) > self.bulk:
                    return self.fail(c, f"reliable: unexpected {desc} after {c.bulk_recv} bulk bytes")
                if c.bulk_recv == 0:
                    c.t_bulk_recv_first = now()
                want = self.expect[c.bulk_recv:c.bulk_recv + len(m)]
                if m != want:
                    i = next(i for i in range(len(m)) if m[i] != want[i])
                    return self.fail(c, f"bulk byte {c.bulk_recv + i} is {m[i]}, want {want[i]}")
                c.bulk_recv += len(m)
                if c.bulk_recv == self.bulk:
                    c.t_bulk_recv_done = now()
                    c.checks.append("bulk-received-byte-for-byte")
                    self.put(c, 0, f"bulk-ok {self.bulk}")
        elif idx == 1:
            if c.ord_stage == 0 and m == f"hello ordered from {c.name}":
                c.checks.append("ordered-text")
                c.ord_stage = 1
            elif c.ord_stage == 1 and not is_text and bytes(m) == b"\xff\x00\x7f\x80":
                c.checks.append("ordered-binary")
                c.ord_stage = 2
            else:
                self.fail(c, f"ordered: unexpected {desc} at stage {c.ord_stage}")
        elif idx == 2:
            if not is_text and len(m) == UNREL_LEN and m[0] == 0xAB:
                if c.unrel == 0:
                    c.checks.append("unreliable-received")
                c.unrel += 1
            else:
                self.fail(c, f"unreliable: unexpected {desc}")
        else:
            if not c.inb_text and m == f"hello inband from {c.name}":
                c.inb_text = True
                c.checks.append("inband-text")
            elif not c.inb_bin and not is_text and bytes(m) == b"\x01\x02\x03":
                c.inb_bin = True
                c.checks.append("inband-binary")
            else:
                self.fail(c, f"inband: unexpected {desc}")

    def send_phase_a(self, c):
        self.put(c, 0, f"hello reliable from {self.me} \u2713")
        self.put(c, 0, bytes(range(256)))
        self.put(c, 0, f"text\0with nul from {self.me}")
        self.put(c, 1, f"hello ordered from {self.me}")
        self.put(c, 1, b"\xff\x00\x7f\x80")
        self.put(c, 3, f"hello inband from {self.me}")
        self.put(c, 3, b"\x01\x02\x03")
        for i in range(UNREL_N):
            self.put(c, 2, bytes([0xAB, i]) + bytes(UNREL_LEN - 2))
        c.t_bulk_send_start = now()
        asyncio.get_running_loop().create_task(self.pump_bulk(c))

    async def pump_bulk(self, c):
        dc = c.ch[0]
        while not c.error and not self.finished and c.bulk_sent < self.bulk:
            while c.bulk_sent < self.bulk and dc.bufferedAmount < WINDOW:
                n = min(CHUNK, self.bulk - c.bulk_sent)
                if not self.put(c, 0, self.expect[c.bulk_sent:c.bulk_sent + n]):
                    return
                c.bulk_sent += n
            await asyncio.sleep(0.002)
        self.step(c)

    def step(self, c):
        if c.error or c.done:
            return
        if not c.open:
            if not all(dc is not None and dc.readyState == "open" for dc in c.ch):
                return
            c.open, c.t_open = True, now()
            c.checks.append("all-channels-open")
            ids = [dc.id for dc in c.ch[:3]]
            if ids != [1, 2, 3] or not all(dc.negotiated for dc in c.ch[:3]):
                self.fail(c, f"negotiated channel ids {ids}")
            else:
                c.checks.append("negotiated-channel-properties")
            self.send_phase_a(c)
        if (not c.fin_sent and c.rel_stage == 3 and c.ord_stage == 2 and c.inb_text and c.inb_bin and c.unrel > 0
                and c.bulk_recv == self.bulk and c.bulk_acked):
            self.put(c, 0, "fin")
            c.fin_sent = True
        if c.fin_sent and c.fin_received and not c.done:
            c.done = True
            self.maybe_finish()

    def maybe_finish(self):
        if all(c.done or c.error for c in self.conns.values()):
            self.all_done.set()

    async def setup(self, c):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        c.pc = pc

        @pc.on("connectionstatechange")
        def on_state():
            self.log(f"{c.name}: connection {pc.connectionState}")
            if pc.connectionState == "failed":
                self.fail(c, "connection state failed")

        @pc.on("datachannel")
        def on_dc(dc):
            if c.offerer or c.ch[3] is not None:
                return self.fail(c, "unexpected datachannel event")
            self.check_inband(c, dc)
            self.attach(c, 3, dc)

        self.attach(c, 0, pc.createDataChannel("reliable", negotiated=True, id=1))
        self.attach(c, 1, pc.createDataChannel("ordered", negotiated=True, id=2, maxPacketLifeTime=LIFETIME_MS))
        self.attach(c, 2, pc.createDataChannel("unreliable", negotiated=True, id=3, ordered=False,
                                               maxPacketLifeTime=LIFETIME_MS))
        if c.offerer:
            self.attach(c, 3, pc.createDataChannel("inband", ordered=False, maxRetransmits=5,
                                                   protocol="meshrtc-interop"))
        await self.signal(c, "hello")

    async def on_signal(self, msg):
        c = self.conns.get(msg.get("from"))
        if c is None:
            return self.log(f"signal from unknown node {msg.get('from')}")
        if c.error:
            return
        try:
            t = msg["type"]
            if t == "hello":
                if c.offerer and not c.t_start:
                    # The offerer waits for the answerer's hello, so setup_ms does not count its start-up.
                    c.t_start = now()
                    await c.pc.setLocalDescription(await c.pc.createOffer())  # gathers: candidates are in the SDP
                    await self.signal(c, "offer", sdp=c.pc.localDescription.sdp)
            elif t == "offer":
                c.t_start = now()
                await c.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="offer"))
                await c.pc.setLocalDescription(await c.pc.createAnswer())
                await self.signal(c, "answer", sdp=c.pc.localDescription.sdp)
            elif t == "answer":
                await c.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="answer"))
            elif t == "candidate":
                if not msg.get("candidate"):
                    return
                if c.pc.remoteDescription is None:
                    c.pending.append(msg)
                    return
                cand = candidate_from_sdp(msg["candidate"].split(":", 1)[1])
                cand.sdpMid, cand.sdpMLineIndex = msg.get("mid"), msg.get("index")
                await c.pc.addIceCandidate(cand)
            pending, c.pending = c.pending, []
            for p in pending:
                await self.on_signal(p)
        except Exception as e:  # noqa: BLE001
            self.fail(c, f"applying {msg.get('type')}: {e!r}")

    async def signal_loop(self):
        while not self.finished:
            try:
                body = await self.http("GET", f"/recv/{self.me}")
                for line in body.decode().splitlines():
                    if line:
                        await self.on_signal(json.loads(line))
            except Exception as e:  # noqa: BLE001
                for c in self.conns.values():
                    self.fail(c, f"signaling: {e!r}")
            await asyncio.sleep(0.02)

    async def run(self):
        for c in self.conns.values():
            try:
                await self.setup(c)
            except Exception as e:  # noqa: BLE001
                self.fail(c, f"setup: {e!r}")
        loop_task = asyncio.get_running_loop().create_task(self.signal_loop())
        try:
            await asyncio.wait_for(self.all_done.wait(), self.deadline_s)
        except asyncio.TimeoutError:
            for c in self.conns.values():
                if not c.done and not c.error:
                    self.fail(c, f"deadline of {self.deadline_s} s passed: " + self.progress(c))
        await asyncio.sleep(1.0)  # let the last messages (fin) reach the other side
        self.finished = True
        await loop_task
        result = {"node": self.me, "impl": "aiortc", "conns": {}, "ok": True}
        for c in self.conns.values():
            ok = c.done and not c.error
            result["ok"] = result["ok"] and ok
            result["conns"][c.name] = {
                "role": "offer" if c.offerer else "answer", "ok": ok, "error": c.error,
                "setup_ms": c.t_open - c.t_start if c.open else -1, "bulk_bytes": self.bulk,
                "bulk_send_ms": c.t_bulk_acked - c.t_bulk_send_start if c.bulk_acked else -1,
                "bulk_recv_ms": c.t_bulk_recv_done - c.t_bulk_recv_first if c.t_bulk_recv_done else -1,
                "unreliable_received": c.unrel, "unreliable_sent": UNREL_N, "checks": c.checks,
            }
        await self.http("POST", f"/result/{self.me}", json.dumps(result).encode())
        print(json.dumps(result), flush=True)
        for c in self.conns.values():
            if c.pc is not None:
                await c.pc.close()
        return result["ok"]

    def progress(self, c):
        states = [dc.readyState if dc else None for dc in c.ch]
        return (f"connection={c.pc.connectionState if c.pc else None} channels={states} relStage={c.rel_stage} "
                f"ordStage={c.ord_stage} unreliable={c.unrel} inband={c.inb_text}/{c.inb_bin} "
                f"bulkSent={c.bulk_sent} bulkRecv={c.bulk_recv} bulkAcked={c.bulk_acked} "
                f"fin={c.fin_sent}/{c.fin_received}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--me", required=True)
    ap.add_argument("--peer", action="append", required=True)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--bulk", type=int, default=4 * 1024 * 1024)
    ap.add_argument("--deadline", type=float, default=90)
    args = ap.parse_args()
    ok = asyncio.run(Node(args).run())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
