#!/usr/bin/env python3
"""Post-processing for scripts/bench.sh's JSON lines (standard library only).

  report.py aggregate RESULTS.jsonl      median over rounds, one line per impl/metric
  report.py validate RESULTS.jsonl --metrics LIST --impls LIST
                                         every line is JSON, every metric ran; exit 1 if not
  report.py report RESULTS.jsonl         Markdown report on stdout

Never judges the figures: targets are shown as measured, never asserted.
"""
import argparse
import json
import statistics
import sys

# The figure each metric's spread is computed on.
MAIN = {"setup_ms": "median", "throughput": "mb_s", "rtt_us": "p50", "msg_rate": "msgs_s",
        "mesh": "connect_ms", "abi_call_ns": "ns", "soak": "rss_end_mb", "cycles": "rss_end_mb",
        "lossy": "seconds", "lobby": "msgs_s", "server": "cpu_pct", "frame_loop": "max_lossless_msgs_s"}
# The field that tells runs of one metric apart (one median each).
KEY_FIELD = {"mesh": "n", "server": "n", "lossy": "loss_pct"}
# metric names as the bench.sh --metrics list spells them -> output metric names
METRIC_NAMES = {"setup": "setup_ms", "throughput": "throughput", "rtt": "rtt_us", "msg_rate": "msg_rate",
                "mesh": "mesh", "abi": "abi_call_ns", "soak": "soak", "cycles": "cycles",
                "lossy": "lossy", "lobby": "lobby", "server": "server", "frame_loop": "frame_loop"}


def load(path):
    lines = []
    with open(path) as f:
        for number, text in enumerate(f, 1):
            text = text.strip()
            if not text:
                continue
            try:
                lines.append(json.loads(text))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{number}: not JSON ({e}): {text[:120]}")
    return lines


def key_of(line):
    """(impl, metric, the mesh's or server's n or the lossy loss_pct): what one median is taken over."""
    third = KEY_FIELD.get(line["metric"])
    return (line["impl"], line["metric"], line.get(third) if third else None)


def runs(lines):
    """Per-round result lines without errors, grouped by (impl, metric, mesh n)."""
    groups = {}
    for line in lines:
        if line.get("impl") == "env" or "error" in line or not isinstance(line.get("round"), int):
            continue
        groups.setdefault(key_of(line), []).append(line)
    return groups


def aggregate(lines):
    out = []
    for (impl, metric, key), group in runs(lines).items():
        agg = {"impl": impl, "metric": metric, "round": "median", "rounds": len(group)}
        if metric in KEY_FIELD:
            agg[KEY_FIELD[metric]] = key  # the same in every run of the group, never a median
        for field, value in group[0].items():
            if field in ("impl", "metric", "round", KEY_FIELD.get(metric)) or isinstance(value, bool):
                continue
            values = [g[field] for g in group if isinstance(g.get(field), (int, float))]
            if len(values) == len(group):
                med = statistics.median(values)
                agg[field] = round(med, 3) if isinstance(med, float) else med
        main = MAIN.get(metric)
        values = [g[main] for g in group if isinstance(g.get(main), (int, float))]
        if len(values) > 1 and statistics.median(values):
            agg["spread_pct"] = round(100 * (max(values) - min(values)) / statistics.median(values), 1)
        out.append(agg)
    return out


def summary(lines):
    """(impl, metric, n) -> aggregated line: the medians when there are several rounds."""
    return {key_of(a): a for a in aggregate(lines)}


def cmd_aggregate(args):
    for agg in aggregate(load(args.results)):
        print(json.dumps(agg, separators=(",", ":")))


def cmd_validate(args):
    lines = load(args.results)  # exits on invalid JSON
    problems = []
    for line in lines:
        for field in ("impl", "metric", "round"):
            if field not in line:
                problems.append(f"line without {field}: {line}")
        if "error" in line:
            problems.append(f"failed run: {line}")
    have = runs(lines)
    impls = args.impls.split(",")
    for m in args.metrics.split(","):
        metric = METRIC_NAMES[m]
        wanted = ["meshrtc-c", "meshrtc-go"] if metric in ("abi_call_ns", "soak", "cycles") else impls
        if metric == "lossy":
            wanted = ["meshrtc-go", "pion"]
        if metric == "lobby":
            wanted = ["meshrtc-lobby", "meshrtc-lobby-redis"]
        if metric in ("server", "frame_loop"):
            wanted = [i for i in impls if i in ("meshrtc-c", "meshrtc-c-base", "pion")]
        for impl in wanted:
            if not any(k[0] == impl and k[1] == metric for k in have):
                problems.append(f"no {metric} result for {impl}")
            for k, group in have.items():
                if k[0] == impl and k[1] == metric:
                    main = MAIN[metric]
                    if not all(isinstance(g.get(main), (int, float)) for g in group):
                        problems.append(f"{impl} {metric}: no numeric {main}")
    for p in problems:
        print("validate:", p)
    print(f"validate: {len(lines)} JSON lines, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


def fmt(v, digits=1):
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"



def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def cmd_report(args):
    lines = load(args.results)
    s = summary(lines)
    env = [l for l in lines if l.get("impl") == "env"]
    start = next((e for e in env if e["metric"] == "start"), {})
    end = next((e for e in env if e["metric"] == "end"), {})
    rounds = max((a.get("rounds", 1) for a in s.values()), default=0)

    def get(impl, metric, field, n=None):
        a = s.get((impl, metric, n))
        return a.get(field) if a else None

    per_round = runs(lines)

    def spread(impl, metric, n=None, field=None):
        """(max - min) / median over the rounds, in %, of field (default: the metric's main figure)."""
        values = [g.get(field or MAIN[metric]) for g in per_round.get((impl, metric, n), [])]
        values = [v for v in values if isinstance(v, (int, float))]
        if len(values) < 2 or not statistics.median(values):
            return None
        return 100 * (max(values) - min(values)) / statistics.median(values)

    out = []
    w = out.append
    w("# meshrtc benchmark: C ABI vs raw pion")
    w("")
    w(f"- Date: {start.get('date', '?')} ({start.get('mode', '?')} run, {rounds} round(s); "
      "figures are medians over the rounds)")
    w(f"- Machine: {start.get('nproc', '?')} CPUs, {start.get('cpu', '?')}; {start.get('go', '?')}; "
      f"load average {start.get('load', '?')} at the start, {end.get('load', '?')} at the end "
      "(the machine is shared: absolute figures are noisy, the ratios less so because the "
      "implementations alternate within each round)")
    w("- meshrtc: `tests/bench/bench_c.c` (server, frame_loop: `gameloop_c.c`) through `include/meshrtc.h` and "
      "`libmeshrtc.so`, one host thread polling (`poll` + `get_packet` until `ERR_UNAVAILABLE`), defaults plus "
      f"loopback-only ICE. Raw pion: `tests/bench/pionbench`, pion {start.get('pion', '?')} default API "
      "(`OnMessage`, `OnBufferedAmountLow`) with loopback-only ICE; *detached*: the same with `DetachDataChannels` "
      "and blocking reads.")
    w("- Ratio = meshrtc / raw pion. Noise = spread (max − min) / median over the rounds, meshrtc / pion "
      "(abi: C ABI / Go core; A/B: baseline / current).")
    w("")
    w("| Metric | meshrtc (C ABI) | raw pion | ratio | pion detached | ratio | better | noise |")
    w("|---|---:|---:|---:|---:|---:|:---:|---:|")

    def row(label, metric, field, better, n=None, digits=1, meshrtc="meshrtc-c"):
        m, p, d = (get(i, metric, field, n) for i in (meshrtc, "pion", "pion-detached"))
        if m is None and p is None and d is None:
            return
        r1, r2 = ratio(m, p), ratio(m, d)
        noise = "/".join(fmt(float(spread(i, metric, n, field)), 0) + "%" if spread(i, metric, n, field) is not None
                         else "–" for i in (meshrtc, "pion"))
        w(f"| {label} | {fmt(m, digits)} | {fmt(p, digits)} | {fmt(r1, 2) + '×' if r1 else '–'} | "
          f"{fmt(d, digits)} | {fmt(r2, 2) + '×' if r2 else '–'} | {better} | {noise} |")

    row("setup_ms median (ms)", "setup_ms", "median", "lower", digits=1)
    row("setup_ms p90 (ms)", "setup_ms", "p90", "lower", digits=1)
    row("throughput (MB/s)", "throughput", "mb_s", "higher")
    row("throughput CPU (s/GiB)", "throughput", "cpu_s_per_gib", "lower", digits=2)
    row("rtt p50 (µs)", "rtt_us", "p50", "lower")
    row("rtt p99 (µs)", "rtt_us", "p99", "lower")
    hp, m = get("pion-hostpoll", "rtt_us", "p50"), get("meshrtc-c", "rtt_us", "p50")
    if hp is not None:
        r = ratio(m, hp)
        w(f"| rtt p50 vs raw pion polled like meshrtc's host (µs) | {fmt(m, 1)} | {fmt(hp, 1)} | "
          f"{fmt(r, 2) + '×' if r else '–'} | | | lower | |")
    row("msg_rate (msgs/s received)", "msg_rate", "msgs_s", "higher")
    row("msg_rate loss (%)", "msg_rate", "loss_pct", "lower", digits=2)
    mesh_ns = sorted({k[2] for k in s if k[1] == "mesh"})
    for n in mesh_ns:
        row(f"mesh {n}: all connected (ms)", "mesh", "connect_ms", "lower", n=n, digits=0)
        row(f"mesh {n}: RSS per connection (KB)", "mesh", "rss_per_conn_kb", "lower", n=n, digits=0)
        row(f"mesh {n}: RSS per connection after idle (KB)", "mesh", "rss_idle_per_conn_kb", "lower", n=n, digits=0)
        row(f"mesh {n}: RSS after connect (MB)", "mesh", "rss_mb", "lower", n=n, digits=1)
        row(f"mesh {n}: idle CPU (% of one core)", "mesh", "idle_cpu_pct", "lower", n=n, digits=2)
    server_ns = sorted({k[2] for k in s if k[1] == "server"})
    for n in server_ns:
        row(f"server {n} clients: server CPU (% of one core)", "server", "cpu_pct", "lower", n=n)
        row(f"server {n}: CPU per client (% of one core)", "server", "cpu_pct_per_client", "lower", n=n, digits=3)
        row(f"server {n}: RSS per client (KB)", "server", "rss_per_client_kb", "lower", n=n, digits=0)
        for field, way in (("down", "server → client, unreliable"), ("reliable", "server → client, reliable"),
                           ("up", "client → server, unreliable")):
            row(f"server {n}: latency p50, {way} (µs)", "server", f"{field}_p50_us", "lower", n=n, digits=0)
            row(f"server {n}: latency p99, {way} (µs)", "server", f"{field}_p99_us", "lower", n=n, digits=0)
            row(f"server {n}: loss, {way} (%)", "server", f"{field}_loss_pct", "lower", n=n, digits=2)
        row(f"server {n}: server frames that overran (%)", "server", "late_frames_pct", "lower", n=n)
        row(f"server {n}: server frame's work p50 (µs)", "server", "frame_work_p50_us", "lower", n=n, digits=0)
        row(f"server {n}: server frame's work p99 (µs)", "server", "frame_work_p99_us", "lower", n=n, digits=0)
        row(f"server {n}: clients disconnected", "server", "disconnected", "lower", n=n, digits=0)
        row(f"server {n}: all connected (ms)", "server", "connect_ms", "lower", n=n, digits=0)
    row("frame_loop: latency p50 (µs)", "frame_loop", "latency_p50_us", "lower", digits=0)
    row("frame_loop: latency p99 (µs)", "frame_loop", "latency_p99_us", "lower", digits=0)
    row("frame_loop: largest loss-free rate (msgs/s)", "frame_loop", "max_lossless_msgs_s", "higher", digits=0)
    for loss in sorted({k[2] for k in s if k[1] == "lossy"}):
        row(f"lossy {fmt(loss, 0)} %: completion (s), meshrtc's Go core", "lossy", "seconds", "lower", n=loss,
            meshrtc="meshrtc-go")
        row(f"lossy {fmt(loss, 0)} %: goodput (kbit/s), meshrtc's Go core", "lossy", "goodput_kbps", "higher", n=loss,
            meshrtc="meshrtc-go", digits=0)
    if mesh_ns:
        w("")
        w("mesh N: N peers in one process, each linked to every other (N·(N−1) peer connections, "
          "the \"connections\" RSS is divided by), Godot's three negotiated channels per link; meshrtc through "
          "`meshrtc_mesh_*` with the host polling every mesh and connection at 60 Hz while idle.")
    if server_ns:
        w("")
        w("server N: a mesh server process with N clients in 4 more processes, every process in a 60 Hz frame "
          "loop that sleeps between frames; at 30 Hz the server sends 128 B (unreliable) and 16 B (reliable) to "
          "each client and each client 32 B (unreliable) to it. CPU and RSS are the server process's over the "
          "measured window; latency is one-way, from the send to the frame that takes the message; "
          "frame_loop: one client's 100 B unreliable messages to the server, both in 60 Hz frame loops.")
    w("")

    c, g = (s.get((i, "abi_call_ns", None)) for i in ("meshrtc-c", "meshrtc-go"))
    if c or g:
        w("| abi_call_ns (ns per call) | C ABI | Go core | C − Go | noise |")
        w("|---|---:|---:|---:|---:|")
        for field, label in (("ns", "put_packet + get_packet pair"), ("put_ns", "put_packet (64 B)"),
                             ("get_ns", "get_packet (64 B queued)"),
                             ("batch16_ns", "put_packets + get_packets, 16 per call (per packet)"),
                             ("batch16_put_ns", "put_packets, 16 per call (per packet)"),
                             ("batch16_get_ns", "get_packets, 16 per call (per packet)"),
                             ("batch64_ns", "put_packets + get_packets, 64 per call (per packet)"),
                             ("batch64_put_ns", "put_packets, 64 per call (per packet)"),
                             ("batch64_get_ns", "get_packets, 64 per call (per packet)"),
                             ("getter_ns", "get_available_packet_count"),
                             ("empty_get_ns", "get_packet on an empty queue"), ("poll_ns", "peer poll"),
                             ("empty_event_ns", "peer next_event on an empty queue")):
            cv, gv = (c or {}).get(field), (g or {}).get(field)
            diff = cv - gv if cv is not None and gv is not None else None
            noise = "/".join(fmt(float(spread(i, "abi_call_ns", None, field)), 0) + "%"
                             if spread(i, "abi_call_ns", None, field) is not None else "–"
                             for i in ("meshrtc-c", "meshrtc-go"))
            w(f"| {label} | {fmt(cv, 0)} | {fmt(gv, 0)} | {fmt(diff, 0)} | {noise} |")
        w("")

    if any(k[0] == "meshrtc-c-base" for k in s):
        w("Library A/B (`--baseline`): the same C benchmark against the baseline library and the current one, "
          "alternating in every round.")
        w("")
        w("| Metric | baseline | current | current / baseline | better | noise |")
        w("|---|---:|---:|---:|:---:|---:|")
        ab = [("setup_ms median (ms)", "setup_ms", "median", "lower", None),
              ("throughput (MB/s)", "throughput", "mb_s", "higher", None),
              ("throughput CPU (s/GiB)", "throughput", "cpu_s_per_gib", "lower", None),
              ("rtt p50 (µs)", "rtt_us", "p50", "lower", None), ("rtt p99 (µs)", "rtt_us", "p99", "lower", None),
              ("msg_rate (msgs/s)", "msg_rate", "msgs_s", "higher", None),
              ("msg_rate loss (%)", "msg_rate", "loss_pct", "lower", None)]
        for n in mesh_ns:
            ab += [(f"mesh {n}: all connected (ms)", "mesh", "connect_ms", "lower", n),
                   (f"mesh {n}: RSS per connection (KB)", "mesh", "rss_per_conn_kb", "lower", n),
                   (f"mesh {n}: idle CPU (%)", "mesh", "idle_cpu_pct", "lower", n)]
        for n in server_ns:
            ab += [(f"server {n}: server CPU (%)", "server", "cpu_pct", "lower", n),
                   (f"server {n}: RSS per client (KB)", "server", "rss_per_client_kb", "lower", n),
                   (f"server {n}: latency p50 server → client (µs)", "server", "down_p50_us", "lower", n)]
        ab += [("frame_loop: latency p50 (µs)", "frame_loop", "latency_p50_us", "lower", None),
               ("frame_loop: largest loss-free rate (msgs/s)", "frame_loop", "max_lossless_msgs_s", "higher", None)]
        ab += [(f"abi: {f}", "abi_call_ns", f, "lower", None)
               for f in ("ns", "put_ns", "get_ns", "batch16_ns", "batch64_ns", "getter_ns", "empty_get_ns", "poll_ns",
                         "empty_event_ns")]
        for label, metric, field, better, n in ab:
            before, after = get("meshrtc-c-base", metric, field, n), get("meshrtc-c", metric, field, n)
            if before is None and after is None:
                continue
            r = ratio(after, before)
            noise = "/".join(fmt(float(spread(i, metric, n, field)), 0) + "%"
                             if spread(i, metric, n, field) is not None else "–"
                             for i in ("meshrtc-c-base", "meshrtc-c"))
            w(f"| {label} | {fmt(before)} | {fmt(after)} | {fmt(r, 2) + '×' if r else '–'} | {better} | {noise} |")
        w("")

    # Metrics without a raw pion counterpart: their main figure and spread.
    solo = sorted(k for k in s if k[1] in ("soak", "cycles", "lobby"))
    if solo:
        w("| Metric without a raw pion counterpart | implementation | figure | median | noise |")
        w("|---|---|---|---:|---:|")
        for impl, metric, n in solo:
            sp = spread(impl, metric, n)
            w(f"| {metric} | {impl} | {MAIN[metric]} | {fmt(get(impl, metric, MAIN[metric], n))} | "
              f"{fmt(sp, 0) + '%' if sp is not None else '–'} |")
        w("")

    # Targets of issue 5: measured, never asserted.
    w("| Target | measured | reached |")
    w("|---|---|:---:|")

    def target(label, value, ok, shown):
        if value is None:
            w(f"| {label} | not measured | – |")
        else:
            w(f"| {label} | {shown} | {'yes' if ok else 'no'} |")

    r = ratio(get("meshrtc-c", "rtt_us", "p50"), get("pion", "rtt_us", "p50"))
    target("rtt p50 ≤ 1.1× raw pion", r, r is not None and r <= 1.1, f"{fmt(r, 2)}×")
    r = ratio(get("meshrtc-c", "setup_ms", "median"), get("pion", "setup_ms", "median"))
    target("setup_ms ≤ raw pion", r, r is not None and r <= 1.0, f"{fmt(r, 2)}×")
    r = ratio(get("meshrtc-c", "throughput", "mb_s"), get("pion", "throughput", "mb_s"))
    target("throughput ≥ 2× raw pion", r, r is not None and r >= 2.0, f"{fmt(r, 2)}×")
    big = max(mesh_ns) if mesh_ns else None
    v = get("meshrtc-c", "mesh", "connect_ms", big)
    target(f"mesh {big}: all connected ≤ 2 s", v, v is not None and v <= 2000, f"{fmt(v, 0)} ms")
    v = get("meshrtc-c", "mesh", "rss_per_conn_kb", big)
    target(f"mesh {big}: RSS per connection ≤ 100 KB", v, v is not None and v <= 100, f"{fmt(v, 0)} KB")
    v = get("meshrtc-c", "mesh", "idle_cpu_pct", big)
    target(f"mesh {big}: idle CPU ≤ 2 % of one core", v, v is not None and v <= 2, f"{fmt(v, 2)} %")
    for n in server_ns:
        r = ratio(get("meshrtc-c", "server", "cpu_pct_per_client", n), get("pion", "server", "cpu_pct_per_client", n))
        target(f"server {n}: CPU per client ≤ raw pion's", r, r is not None and r <= 1.0, f"{fmt(r, 2)}×")
    v = get("meshrtc-c", "server", "cpu_pct", 128)
    target("server 128 clients: ≤ 25 % of one core", v, v is not None and v <= 25, f"{fmt(v, 1)} %")
    cv, gv = (c or {}).get("ns"), (g or {}).get("ns")
    d = cv - gv if cv is not None and gv is not None else None
    target("abi_call_ns ≤ 150 ns above Go", d, d is not None and d <= 150, f"{fmt(d, 0)} ns")
    for size in (16, 64):
        cv, gv = (c or {}).get(f"batch{size}_ns"), (g or {}).get(f"batch{size}_ns")
        d = cv - gv if cv is not None and gv is not None else None
        target(f"batched abi_call_ns ({size} per call) ≤ 30 ns per packet above Go", d, d is not None and d <= 30,
               f"{fmt(d, 0)} ns")
    w("")
    print("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("aggregate")
    a.add_argument("results")
    v = sub.add_parser("validate")
    v.add_argument("results")
    v.add_argument("--metrics", default="setup,throughput,rtt,msg_rate,mesh,abi")
    v.add_argument("--impls", default="meshrtc-c,pion,pion-detached")
    r = sub.add_parser("report")
    r.add_argument("results")
    args = ap.parse_args()
    {"aggregate": cmd_aggregate, "validate": cmd_validate, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
