#!/usr/bin/env python3
"""Helpers for scripts/bench-stack.sh (standard library only, Python 3.9+).

  stackbench.py tokens SECRET COUNT            development JWTs (HS256, role authenticated), one a line
  stackbench.py hold  --port P --path PATH --body FILE --tokens FILE --count N [...]
        holds N concurrent streaming calls (SSE) and prints one JSON line of results
  stackbench.py ttfb  --calls N --a name,port,path,bodyfile,header... --b ...
        alternates sequential streaming calls to two targets; time to the first `data:` byte
  stackbench.py startup --kind http|rpc --cmd ... (see below)
        time from exec to ready, several starts
  stackbench.py wrktables WRK_JSONL
        the throughput part's tables (markdown), one per upstream, from bench-stack.sh's wrk.jsonl

Every mode bounds its own run time.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_tokens(secret: str, count: int) -> list:
    now = int(time.time())
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    tokens = []
    for i in range(count):
        payload = {
            "sub": str(uuid.UUID(int=(0x0000000000004000800000000000000 + i + 1))),
            "role": "authenticated",
            "aud": "authenticated",
            "email": f"bench{i}@example.com",
            "iat": now,
            "exp": now + 6 * 3600,
        }
        body = b64url(json.dumps(payload, separators=(",", ":")).encode())
        signing_input = f"{header}.{body}".encode()
        signature = b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
        tokens.append(f"{header}.{body}.{signature}")
    return tokens


def request_bytes(host: str, port: int, path: str, body: bytes, headers: dict) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
             "Accept: text/event-stream", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse_status(raw: bytes) -> int:
    try:
        return int(raw.split(b" ", 2)[1])
    except Exception:
        return 0


# ---------------------------------------------------------------- hold: N concurrent streams

async def hold(args) -> dict:
    body = open(args.body, "rb").read()
    tokens = [t.strip() for t in open(args.tokens) if t.strip()] if args.tokens else []
    host, port = "127.0.0.1", args.port
    results = {"ok": 0, "status": {}, "error_event": 0, "no_done": 0, "exceptions": {}, "connect_failed": 0}
    in_flight = 0
    peak_in_flight = 0
    gateway_peak = {"http_requests_in_flight": 0.0, "http_event_streams_open": 0.0}
    durations = []
    go = asyncio.Event()
    connected = 0
    all_connected = asyncio.Event()

    def note_exception(e):
        name = type(e).__name__
        results["exceptions"][name] = results["exceptions"].get(name, 0) + 1

    async def one(i):
        nonlocal in_flight, peak_in_flight, connected
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"} if tokens else {}
        req = request_bytes(host, port, args.path, body, headers)
        writer = None
        try:
            for attempt in range(5):
                try:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 20)
                    break
                except (OSError, asyncio.TimeoutError):
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.5)
        except Exception as e:
            results["connect_failed"] += 1
            note_exception(e)
            connected += 1
            if connected == args.count:
                all_connected.set()
            return
        connected += 1
        if connected == args.count:
            all_connected.set()
        await go.wait()
        started = time.monotonic()
        in_flight += 1
        peak_in_flight = max(peak_in_flight, in_flight)
        try:
            writer.write(req)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(-1), args.call_timeout)
            status = parse_status(data)
            results["status"][str(status)] = results["status"].get(str(status), 0) + 1
            if status != 200 or b"event: error" in data:
                # The first answer of each kind, for the report: its error body.
                key = f"{status}"
                if key not in results.setdefault("samples", {}):
                    results["samples"][key] = data[data.find(b"\r\n\r\n") + 4:][:400].decode(errors="replace")
            if status == 200:
                if b"event: error" in data:
                    results["error_event"] += 1
                elif b"event: done" not in data:
                    results["no_done"] += 1
                else:
                    results["ok"] += 1
                    durations.append(time.monotonic() - started)
        except Exception as e:
            note_exception(e)
        finally:
            in_flight -= 1
            writer.close()

    async def sample_gateway():
        # The gateway's own gauges, from /metrics, while the calls are held.
        if not args.metrics_port:
            return
        while True:
            try:
                r, w = await asyncio.open_connection(host, args.metrics_port)
                w.write(f"GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                text = (await asyncio.wait_for(r.read(-1), 5)).decode(errors="replace")
                w.close()
                for line in text.splitlines():
                    for name in gateway_peak:
                        if line.startswith(name) and not line.startswith("#"):
                            try:
                                gateway_peak[name] = max(gateway_peak[name], float(line.rsplit(" ", 1)[1]))
                            except ValueError:
                                pass
            except Exception:
                pass
            await asyncio.sleep(0.2)

    t0 = time.monotonic()
    tasks = []
    # Open the connections in batches (the listen backlog is finite), then send every request
    # at once so that the calls overlap as much as the stack allows.
    for start in range(0, args.count, args.batch):
        for i in range(start, min(start + args.batch, args.count)):
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(args.batch_pause)
    await asyncio.wait_for(all_connected.wait(), 120)
    connect_seconds = time.monotonic() - t0
    sampler = asyncio.create_task(sample_gateway())
    t1 = time.monotonic()
    cpu1 = time.process_time()
    go.set()
    await asyncio.wait_for(asyncio.gather(*tasks), args.call_timeout + 60)
    wall = time.monotonic() - t1
    client_cpu = time.process_time() - cpu1
    sampler.cancel()
    durations.sort()
    q = lambda p: round(durations[min(len(durations) - 1, int(p * len(durations)))], 3) if durations else None
    results.update({
        "count": args.count, "connect_seconds": round(connect_seconds, 2), "wall_seconds": round(wall, 2),
        "client_cpu_seconds": round(client_cpu, 2),
        "client_peak_in_flight": peak_in_flight,
        "gateway_peak_http_requests_in_flight": gateway_peak["http_requests_in_flight"],
        "gateway_peak_event_streams_open": gateway_peak["http_event_streams_open"],
        "call_seconds_p50": q(0.5), "call_seconds_p99": q(0.99), "call_seconds_max": q(1.0),
    })
    return results


# ---------------------------------------------------------------- ttfb: first SSE data byte

def first_data_ms(port: int, path: str, body: bytes, headers: dict, timeout: float) -> tuple:
    """One streaming call on a fresh connection: ms from the request's last byte written to the
    first byte of the first `data:` line, and whether the whole answer came."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        s.sendall(request_bytes("127.0.0.1", port, path, body, headers))
        t0 = time.perf_counter_ns()
        buf = b""
        first = None
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            if first is None:
                head_end = buf.find(b"\r\n\r\n")
                if head_end >= 0 and buf.find(b"data:", head_end) >= 0:
                    first = (time.perf_counter_ns() - t0) / 1e6
        return first, parse_status(buf), buf
    finally:
        s.close()


def ttfb(args) -> dict:
    targets = []
    for spec in (args.a, args.b):
        name, port, path, bodyfile, *hdrs = spec.split(",")
        headers = dict(h.split(":", 1) for h in hdrs)
        targets.append((name, int(port), path, open(bodyfile, "rb").read(), headers))
    samples = {t[0]: [] for t in targets}
    failures = {t[0]: 0 for t in targets}
    deadline = time.monotonic() + args.max_seconds
    for i in range(args.warmup + args.calls):
        if time.monotonic() > deadline:
            break
        order = targets if i % 2 == 0 else list(reversed(targets))
        for name, port, path, body, headers in order:
            ms, status, buf = first_data_ms(port, path, body, headers, 10)
            if status != 200 or ms is None or (b"event: error" in buf):
                failures[name] += 1
                continue
            if i >= args.warmup:
                samples[name].append(ms)
    out = {"calls": args.calls, "warmup": args.warmup, "failures": failures}
    for name, xs in samples.items():
        xs.sort()
        out[name] = {
            "n": len(xs),
            "p50_ms": round(statistics.median(xs), 3) if xs else None,
            "p10_ms": round(xs[int(0.1 * len(xs))], 3) if xs else None,
            "p90_ms": round(xs[int(0.9 * len(xs))], 3) if xs else None,
        }
    a, b = targets[0][0], targets[1][0]
    if samples[a] and samples[b]:
        out["difference_of_medians_ms"] = round(out[a]["p50_ms"] - out[b]["p50_ms"], 3)
    return out


# ---------------------------------------------------------------- pcap: chunk to SSE byte, on the wire

def read_pcap(path):
    """Yields (seconds, src port, dst port, payload) of the IPv4 TCP packets in a pcap file
    (Ethernet or Linux cooked link type, micro- or nanosecond timestamps)."""
    import struct
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    else:
        endian = ">"
        magic = struct.unpack(">I", data[:4])[0]
    scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    link_len = {1: 14, 113: 16, 276: 20}.get(linktype, 14)
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16: off + 16 + caplen]
        off += 16 + caplen
        ip = pkt[link_len:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 0x0F) * 4
        tcp = ip[ihl:]
        if len(tcp) < 20:
            continue
        sport, dport = struct.unpack(">HH", tcp[:4])
        doff = (tcp[12] >> 4) * 4
        yield sec + frac * scale, sport, dport, tcp[doff:]


def pcap_gap(args) -> dict:
    """For each streaming call the service made to the simulator (a `POST` to the simulator's
    port without the `x-bench: direct` header that the direct calls carry): time from the first
    packet the simulator sent back on that connection with a `data:` line to the first packet
    the gateway sent to a client with one, after it. Calls must be sequential (bench-stack.sh's
    ttfb part makes them so)."""
    import bisect
    packets = sorted(read_pcap(args.file), key=lambda p: p[0])
    requests = []          # (time, service's port)
    gw_first = {}          # client port -> time of the gateway's first data: packet to it
    for t, sport, dport, payload in packets:
        if dport == args.simulator_port and payload.startswith(b"POST ") and b"x-bench: direct" not in payload:
            requests.append((t, sport))
        elif sport == args.gateway_port and b"data:" in payload and dport not in gw_first:
            gw_first[dport] = t
    gw_times = sorted(gw_first.values())
    gaps = []
    for i, (t_req, port) in enumerate(requests):
        t_next = requests[i + 1][0] if i + 1 < len(requests) else float("inf")
        t_chunk = next((t for t, sport, dport, payload in packets
                        if t > t_req and sport == args.simulator_port and dport == port and b"data:" in payload), None)
        if t_chunk is None or t_chunk > t_next:
            continue
        j = bisect.bisect_left(gw_times, t_chunk)
        if j < len(gw_times) and gw_times[j] < t_next:
            gaps.append((gw_times[j] - t_chunk) * 1000)
    gaps.sort()
    if not gaps:
        return {"n": 0}
    return {"n": len(gaps), "p10_ms": round(gaps[int(0.1 * len(gaps))], 3), "p50_ms": round(statistics.median(gaps), 3),
            "p90_ms": round(gaps[int(0.9 * len(gaps))], 3), "max_ms": round(gaps[-1], 3)}


# ---------------------------------------------------------------- perfsum: where the time goes

SYSTEM_MODULES = {"Swift", "Foundation", "FoundationEssentials", "FoundationInternationalization", "_Concurrency",
                  "Synchronization", "Dispatch", "_StringProcessing"}


def swift_module(symbol: str):
    """The module of a mangled Swift symbol (`$s10AppSupport...` → AppSupport), else None."""
    import re
    m = re.match(r"\$s(\d+)", symbol)
    if not m:
        return None
    n = int(m.group(1))
    start = m.end()
    name = symbol[start:start + n]
    return None if name in SYSTEM_MODULES else name


def perfsum(args) -> str:
    """Reads `perf script -F pid,ip,sym,dso` (with call chains) on stdin. For each process
    (pid=name arguments): samples, self time by shared object, the top self-time symbols, and
    each sample charged to the first frame, from the leaf up, that belongs to a Swift module
    other than the standard library and Foundation (so malloc, retain/release, JSON encoding
    and the like count against the code that asked for them)."""
    import collections
    names = dict(a.split("=", 1) for a in args.names)
    per = collections.defaultdict(lambda: {"n": 0, "dso": collections.Counter(), "sym": collections.Counter(),
                                           "owner": collections.Counter(), "owner_sym": collections.Counter()})
    def flush(pid, frames):
        if pid is None or pid not in names:
            return
        d = per[pid]
        d["n"] += 1
        if frames:
            sym, dso = frames[0]
            d["dso"][dso] += 1
            d["sym"][sym] += 1
        owner_frame = next((sym for sym, _ in frames if swift_module(sym)), None)
        owner = swift_module(owner_frame) if owner_frame else None
        if owner_frame:
            d["owner_sym"][owner_frame] += 1
        if owner is None:
            owner = "kernel" if frames and "kernel" in frames[0][1] else "(no app frame: runtime, libc, event loop)"
        d["owner"][owner] += 1
    pid, frames = None, []
    for line in sys.stdin:
        if not line.strip():
            continue
        tokens = line.split()
        if len(tokens) == 1 and tokens[0].isdigit():
            flush(pid, frames)
            pid, frames = tokens[0], []
            continue
        parts = line.strip().split(" ", 1)
        if len(parts) < 2:
            continue
        rest = parts[1]
        dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else "?"
        sym = rest[:rest.rfind("(")].strip() if "(" in rest else rest
        if "+0x" in sym:
            sym = sym[:sym.rfind("+0x")]
        frames.append((sym, os.path.basename(dso)))
    flush(pid, frames)
    total = sum(d["n"] for d in per.values()) or 1
    out = []
    def demangle(symbols):
        try:
            r = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(symbols),
                               capture_output=True, text=True, timeout=60)
            lines = r.stdout.splitlines()
            if len(lines) == len(symbols):
                return lines
        except Exception:
            pass
        return symbols
    for pid, name in names.items():
        d = per.get(pid)
        if not d:
            continue
        n = d["n"]
        out.append(f"== {name}: {n} samples, {100 * n / total:.1f}% of all samples")
        out.append("   self time by shared object: " + ", ".join(f"{k} {100 * v / n:.1f}%" for k, v in d["dso"].most_common(6)))
        out.append("   charged to the first app/library Swift module up the stack: " +
                   ", ".join(f"{k} {100 * v / n:.1f}%" for k, v in d["owner"].most_common(8)))
        out.append("   top self-time symbols:")
        top = d["sym"].most_common(args.top)
        for (sym, count), pretty in zip(top, demangle([t[0] for t in top])):
            out.append(f"   {100 * count / n:5.1f}%  {pretty[:150]}")
        out.append("   top app/library functions, charged as above (self time plus the runtime work they asked for):")
        top = d["owner_sym"].most_common(args.top)
        for (sym, count), pretty in zip(top, demangle([t[0] for t in top])):
            out.append(f"   {100 * count / n:5.1f}%  {pretty[:150]}")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- startup: exec to ready

def http_ok(port: int, path: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                c = s.recv(4096)
                if not c:
                    break
                data += c
            return parse_status(data) == 200
    except OSError:
        return False


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def startup(args) -> dict:
    """Starts `cmd` (with the current environment) `runs` times; for each, ms from just before
    exec until each probe first succeeds (polling every `poll` ms). Probes: `listen` (TCP
    connect), `http:PATH` (200), `rpc` (the health-check command in $RPC_HEALTHCHECK exits 0)."""
    probes = args.probes.split(",")
    times = {p: [] for p in probes}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(args.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            pending = list(probes)
            while pending and time.perf_counter() - t0 < args.timeout:
                p = pending[0]
                if p == "listen":
                    ok = port_open(args.port)
                elif p.startswith("http:"):
                    ok = http_ok(args.port, p[5:])
                elif p == "rpc":
                    ok = subprocess.run([os.environ["RPC_HEALTHCHECK"], "--target", f"127.0.0.1:{args.port}", "--timeout", "1"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
                else:
                    raise SystemExit(f"unknown probe {p}")
                if ok:
                    times[p].append((time.perf_counter() - t0) * 1000)
                    pending.pop(0)
                    continue
                if proc.poll() is not None:
                    raise SystemExit(f"{args.cmd[0]} exited during start-up")
                time.sleep(args.poll / 1000)
            if pending:
                raise SystemExit(f"{args.cmd[0]} not ready within {args.timeout} s ({pending[0]})")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        time.sleep(0.3)
    return {p: {"median_ms": round(statistics.median(xs), 1), "min_ms": round(min(xs), 1), "max_ms": round(max(xs), 1),
                "runs": len(xs)} for p, xs in times.items()}


# ---------------------------------------------------------------- wrktables: the throughput section

UPSTREAM_TITLES = {
    "simulator": "Against the Gemini simulator (zero simulated latency)",
    "static": "Against nginx serving the canned answers (static upstream)",
}


def wrk_tables(args) -> str:
    """Markdown for the throughput part, from the JSON lines bench-stack.sh writes (one per wrk
    run: wrk's figures plus upstream, target, connections, repeat, idle_before, cpus and
    cpu_us_per_call). Lines without an upstream (runs before UPSTREAMS existed) are the
    simulator's; without cpu_us_per_call, CPU per call is CPUs × wrk's duration / requests."""
    rows = []
    for line in open(args.file):
        if line.strip():
            r = json.loads(line)
            r.setdefault("upstream", "simulator")
            rows.append(r)
    names = [u for u in UPSTREAM_TITLES if any(r["upstream"] == u for r in rows)]
    names += sorted({r["upstream"] for r in rows} - set(names))

    def cpus(r, key):
        c = r.get("cpus") or {}
        if key == "upstream" and "upstream" not in c:
            key = "simulator"
        return c.get(key)

    def us(r, key):
        u = r.get("cpu_us_per_call") or {}
        if key in u:
            return u[key]
        c = cpus(r, key)
        if c is None or not r.get("requests"):
            return None
        return c * r["duration_us"] / r["requests"]

    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    def f(v, spec):
        return "–" if v is None else format(v, spec)

    out = []
    for name in names:
        rs = [r for r in rows if r["upstream"] == name]
        levels = sorted({r["connections"] for r in rs})
        out += [f"#### {UPSTREAM_TITLES.get(name, name)}", "",
                "| connections | target | req/s | p50 ms | p99 ms | errors + non-2xx (all runs) | stack/direct req/s "
                "| p50 stack − direct ms | CPUs gateway / generation / upstream / machine | CPU µs per call gateway + generation "
                "| CPUs idle before each run |",
                "|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|"]
        summary = {}
        for c in levels:
            for target in ("stack", "before", "floor", "direct"):
                runs = [r for r in rs if r["connections"] == c and r["target"] == target]
                if not runs:
                    continue
                rps, p50, p99 = (med(r[k] for r in runs) for k in ("rps", "p50_ms", "p99_ms"))
                errors = sum(r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"] + r["non2xx"] for r in runs)
                idle = ", ".join(f"{r['idle_before']}%" if r.get("idle_before") is not None else "?" for r in runs)
                m = {k: med(cpus(r, k) for r in runs) for k in ("gateway", "generation", "upstream", "machine")}
                summary[(c, target)] = {"rps": rps, "p50": p50}
                if target in ("stack", "before", "floor"):
                    gw, gen = med(us(r, "gateway") for r in runs), med(us(r, "generation") for r in runs)
                    total = gw + gen if gw is not None and gen is not None else None
                    summary[(c, target)].update(gw=gw, gen=gen, total=total)
                    cpu_text = " / ".join(f(m[k], ".2f") for k in ("gateway", "generation", "upstream", "machine"))
                    us_text = f"{f(gw, '.0f')} + {f(gen, '.0f')} = {f(total, '.0f')}"
                    ratio = diff = ""
                else:
                    cpu_text = f"– / – / {f(m['upstream'], '.2f')} / {f(m['machine'], '.2f')}"
                    us_text = ""
                    ratios, diffs = [], []
                    for t in ("stack", "before", "floor"):
                        s = summary.get((c, t))
                        if s and s["rps"] is not None and rps:
                            ratios.append(f(s["rps"] / rps, ".2f") + (f" ({t})" if t != "stack" else ""))
                        if s and s["p50"] is not None and p50 is not None:
                            diffs.append(f(s["p50"] - p50, "+.3f") + (f" ({t})" if t != "stack" else ""))
                    ratio, diff = ", ".join(ratios), ", ".join(diffs)
                label = {"before": f"stack, before ({args.baseline_label})", "floor": "floor (StackFloor: no work)"}.get(target, target)
                out.append(f"| {c} | {label} | {f(rps, '.0f')} | {f(p50, '.3f')} | {f(p99, '.3f')} | {errors} | {ratio} | {diff} "
                           f"| {cpu_text} | {us_text} | {idle} |")
        out.append("")
        lines = []
        per_call = [f"{c} connection{'s' if c != 1 else ''} {f(summary[(c, 'stack')]['gw'], '.0f')} + "
                    f"{f(summary[(c, 'stack')]['gen'], '.0f')} = **{f(summary[(c, 'stack')]['total'], '.0f')} µs**"
                    for c in levels if (c, "stack") in summary]
        if per_call:
            lines.append("- CPU per call, gateway + generation: " + "; ".join(per_call))
        s1, d1 = summary.get((1, "stack")), summary.get((1, "direct"))
        if s1 and d1 and s1["p50"] is not None and d1["p50"] is not None:
            lines.append(f"- p50 added over the direct upstream call, 1 connection: **{s1['p50'] - d1['p50']:+.3f} ms** "
                         f"({s1['p50']:.3f} − {d1['p50']:.3f})")
        s64, d64 = summary.get((64, "stack")), summary.get((64, "direct"))
        if s64 and s64["rps"] is not None:
            lines.append(f"- requests/s at 64 connections: **{s64['rps']:.0f}**" +
                         (f" (direct: {d64['rps']:.0f})" if d64 and d64["rps"] is not None else ""))
        # The same figures for StackFloor, the stack's shape with none of its work: the floor each
        # aim meets on these frameworks and three processes.
        floor_lines = []
        for c in levels:
            fl, d, st = summary.get((c, "floor")), summary.get((c, "direct")), summary.get((c, "stack"))
            if not fl or fl["rps"] is None:
                continue
            text = f"- {c} connection{'s' if c != 1 else ''}: floor {fl['rps']:.0f} req/s"
            if st and st["rps"] is not None:
                text += f" (stack {st['rps']:.0f}, {st['rps'] / fl['rps']:.2f}× the floor's)"
            if fl.get("total") is not None:
                text += f"; CPU per call, front + back: {fl['gw']:.0f} + {fl['gen']:.0f} = **{fl['total']:.0f} µs**"
                if st and st.get("total") is not None:
                    text += f" (stack {st['total']:.0f})"
            if d and d["p50"] is not None and fl["p50"] is not None:
                text += f"; p50 added over direct: **{fl['p50'] - d['p50']:+.3f} ms**"
                if st and st["p50"] is not None:
                    text += f" (stack {st['p50'] - d['p50']:+.3f})"
            floor_lines.append(text)
        before_lines = []
        for c in levels:
            a, b, d = summary.get((c, "stack")), summary.get((c, "before")), summary.get((c, "direct"))
            if not (a and b) or a["rps"] is None or b["rps"] is None:
                continue
            text = (f"- {c} connection{'s' if c != 1 else ''}: {b['rps']:.0f} → {a['rps']:.0f} req/s "
                    f"(**{(a['rps'] / b['rps'] - 1) * 100:+.1f}%**)")
            if a.get("total") is not None and b.get("total") is not None:
                text += (f"; CPU per call, gateway + generation: {b['gw']:.0f} + {b['gen']:.0f} = {b['total']:.0f} → "
                         f"{a['gw']:.0f} + {a['gen']:.0f} = {a['total']:.0f} µs (**{(a['total'] / b['total'] - 1) * 100:+.1f}%**)")
            if d and d["p50"] is not None and a["p50"] is not None and b["p50"] is not None:
                text += f"; p50 added over direct: {b['p50'] - d['p50']:+.3f} → {a['p50'] - d['p50']:+.3f} ms"
            before_lines.append(text)
        if lines:
            out += ["In the terms of the performance aims (medians):", ""] + lines + [""]
        if floor_lines:
            out += ["StackFloor, the same shape with none of the stack's work, in the same run (medians):", ""] + floor_lines + [""]
        if before_lines:
            out += [f"Before ({args.baseline_label}) → this build, side by side in this run (medians):", ""] + before_lines + [""]
        out += ["Every run (req/s, p50/p99 ms; CPUs used and CPU µs per call by process during the run; CPUs idle just before it):", ""]
        for r in rs:
            text = (f"- repeat {r.get('repeat', '?')}, {r['connections']} conn, {r['target']}: {int(r['rps'])} req/s, p50 {r['p50_ms']}, "
                    f"p99 {r['p99_ms']}, errors {r['connect_errors'] + r['read_errors'] + r['write_errors'] + r['timeouts']}, "
                    f"non-2xx {r['non2xx']}")
            keys = [k for k in ("gateway", "generation", "upstream", "machine") if cpus(r, k) is not None]
            if keys:
                text += "; CPUs " + ", ".join(f"{k} {cpus(r, k):.2f}" for k in keys)
            keys = [k for k in ("gateway", "generation", "upstream") if us(r, k) is not None]
            if keys:
                text += "; µs/call " + ", ".join(f"{k} {us(r, k):.0f}" for k in keys)
            if r.get("idle_before") is not None:
                text += f"; idle before {r['idle_before']}%"
            out.append(text)
        out.append("")
    return "\n".join(out).rstrip("\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("tokens"); t.add_argument("secret"); t.add_argument("count", type=int)
    h = sub.add_parser("hold")
    h.add_argument("--port", type=int, required=True); h.add_argument("--path", required=True)
    h.add_argument("--body", required=True); h.add_argument("--tokens")
    h.add_argument("--count", type=int, default=10000); h.add_argument("--batch", type=int, default=500)
    h.add_argument("--batch-pause", type=float, default=0.05); h.add_argument("--call-timeout", type=float, default=60)
    h.add_argument("--metrics-port", type=int)
    f = sub.add_parser("ttfb")
    f.add_argument("--a", required=True); f.add_argument("--b", required=True)
    f.add_argument("--calls", type=int, default=300); f.add_argument("--warmup", type=int, default=20)
    f.add_argument("--max-seconds", type=float, default=120)
    s = sub.add_parser("startup")
    s.add_argument("--port", type=int, required=True); s.add_argument("--probes", required=True)
    s.add_argument("--runs", type=int, default=5); s.add_argument("--poll", type=float, default=2)
    s.add_argument("--timeout", type=float, default=30); s.add_argument("cmd", nargs=argparse.REMAINDER)
    g = sub.add_parser("pcap")
    g.add_argument("file"); g.add_argument("--simulator-port", type=int, required=True)
    g.add_argument("--gateway-port", type=int, required=True)
    w = sub.add_parser("wrktables"); w.add_argument("file"); w.add_argument("--baseline-label", default="an earlier commit")
    ps = sub.add_parser("perfsum")
    ps.add_argument("names", nargs="+", help="pid=name"); ps.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    if args.mode == "tokens":
        print("\n".join(make_tokens(args.secret, args.count)))
    elif args.mode == "hold":
        print(json.dumps(asyncio.run(hold(args))))
    elif args.mode == "ttfb":
        print(json.dumps(ttfb(args)))
    elif args.mode == "wrktables":
        print(wrk_tables(args))
    elif args.mode == "perfsum":
        print(perfsum(args))
    elif args.mode == "pcap":
        print(json.dumps(pcap_gap(args)))
    elif args.mode == "startup":
        if args.cmd and args.cmd[0] == "--":
            args.cmd = args.cmd[1:]
        print(json.dumps(startup(args)))


if __name__ == "__main__":
    main()
