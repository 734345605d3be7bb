#!/usr/bin/python3
"""Checks and prints the results the nodes of one interop test posted.

Usage: summary.py RESULTS_DIR NODE...
Exit status 0 only if every node posted ok=true, every connection a node
expected is ok on both of its ends, and each connection's two ends agree
on their roles. Timings are printed for information, never asserted.
"""
import json
import os
import sys


def mib(n):
    return f"{n / 1048576:g} MiB"


def main():
    rdir, nodes = sys.argv[1], sys.argv[2:]
    results, bad = {}, []
    for n in nodes:
        try:
            with open(os.path.join(rdir, n + ".json")) as f:
                results[n] = json.load(f)
        except (OSError, ValueError) as e:
            bad.append(f"{n}: no readable result ({e})")
    for n, r in results.items():
        if not r.get("ok"):
            bad.append(f"{n} ({r.get('impl')}): not ok" + (f": {r['error']}" if r.get("error") else ""))
        if r.get("leaked_handles", 0) != 0:
            bad.append(f"{n}: meshrtc_shutdown reported {r['leaked_handles']} leaked handles")
        for other, c in sorted(r.get("conns", {}).items()):
            peer = results.get(other, {}).get("conns", {}).get(n)
            impl = r.get("impl")
            other_impl = results.get(other, {}).get("impl", "?")
            line = (f"  {n} ({impl}) -> {other} ({other_impl}), {n} {'offers' if c['role'] == 'offer' else 'answers'}: "
                    f"{'ok' if c.get('ok') else 'FAILED'}; setup {c['setup_ms']:.0f} ms")
            if c.get("bulk_send_ms", -1) >= 0:
                line += f"; {mib(c['bulk_bytes'])} sent in {c['bulk_send_ms']:.0f} ms (until acked)"
            if c.get("bulk_recv_ms", -1) >= 0:
                line += f", received in {c['bulk_recv_ms']:.0f} ms (first to last chunk)"
            line += f"; unreliable {c['unreliable_received']}/{c['unreliable_sent']} received"
            if "local_candidate" in c:
                line += f"; selected pair {c['local_candidate']}/{c['remote_candidate']}"
            print(line)
            if c.get("error"):
                print(f"    error: {c['error']}")
                bad.append(f"{n} -> {other}: {c['error']}")
            elif not c.get("ok"):
                bad.append(f"{n} -> {other}: not ok")
            if peer is not None and peer.get("role") == c.get("role"):
                bad.append(f"{n} and {other} both say they {c['role']}")
    for b in bad:
        print(f"  FAIL {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
