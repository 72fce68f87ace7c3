#!/usr/bin/env python3
"""Persistence benchmark: shardis against redis-server in the same run.

Measures, for each server (redis first, then shardis, each started fresh on
a free 127.0.0.1 port in its own temporary directory and stopped by PID):

  * save / load: time of SAVE of KEYS keys of mixed types (strings, hashes,
    lists, sets, sorted sets), the file size, and the time to load it at
    start-up (the server's own "DB loaded from disk" log line);
  * BGSAVE under write load: CLIENTS redis-benchmark clients keep writing
    (SET with random keys) while BGSAVE runs; memory is sampled every 20 ms
    until the save ends: RSS of the server process and, for redis, of its
    fork child too, and the proportional set size (PSS, from
    /proc/PID/smaps_rollup) of all of them, which counts pages shared by
    parent and child once. Peak over the value before BGSAVE is reported.
  * latency during BGSAVE: p50/p99 of GET and SET (redis-benchmark, CLIENTS
    clients) with BGSAVE started again and again during the run, compared
    with the same run without BGSAVE;
  * AOF: SET throughput with appendonly yes and appendfsync everysec and
    always (redis-benchmark -c CLIENTS -t set).

Usage: scripts/bench_persist.py [--keys N] [--shards N] [--clients N]
       [--core-server CPUS] [--core-client CPUS] [--only save,bgsave,latency,aof]

SHARDIS_BIN (default: cargo build --release, target/release/shardis-server)
and REDIS_BIN (default: redis-server in PATH) pick the binaries. Every load
loop is bounded in requests and time. Ratios read "> 1 means shardis is
better".
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def dataset(path, keys, seed=7):
    """Writes KEYS mixed-type keys as RESP commands: 70% strings (ints and
    16-64 byte values, 10% with a TTL), 10% hashes, 8% lists, 6% sets, 6%
    sorted sets, 5-20 elements each (small: the compact encodings)."""
    rnd = random.Random(seed)
    with open(path, "wb") as f:
        buf = []
        for i in range(keys):
            r = rnd.random()
            if r < 0.70:
                if i % 3 == 0:
                    buf.append(resp("SET", "s:%d" % i, rnd.randrange(10**9)))
                else:
                    v = "v" * rnd.randrange(16, 64)
                    if i % 10 == 1:
                        buf.append(resp("SET", "s:%d" % i, v, "EX", 100000))
                    else:
                        buf.append(resp("SET", "s:%d" % i, v))
            elif r < 0.80:
                n = rnd.randrange(5, 20)
                args = ["HSET", "h:%d" % i]
                for j in range(n):
                    args += ["f%d" % j, "value-%d" % rnd.randrange(10**6)]
                buf.append(resp(*args))
            elif r < 0.88:
                n = rnd.randrange(5, 20)
                buf.append(resp("RPUSH", "l:%d" % i, *["item-%d" % rnd.randrange(10**6) for _ in range(n)]))
            elif r < 0.94:
                n = rnd.randrange(5, 20)
                buf.append(resp("SADD", "t:%d" % i, *["m%d" % rnd.randrange(10**6) for _ in range(n)]))
            else:
                n = rnd.randrange(5, 20)
                args = ["ZADD", "z:%d" % i]
                for j in range(n):
                    args += [str(rnd.random() * 1000), "m%d" % j]
                buf.append(resp(*args))
            if len(buf) >= 10000:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))


class Server:
    """A server process in its own directory, pinned to CPUS."""

    def __init__(self, name, binary, cpus, shards, extra=(), directory=None):
        self.name = name
        self.port = free_port()
        self.dir = directory or tempfile.mkdtemp(prefix="bench-persist-%s-" % name)
        self.log = os.path.join(self.dir, "server.log")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no", "--logfile", self.log]
        if name == "shardis":
            args += ["--threads", str(shards)]
        args += list(extra)
        self.started = time.time()
        self.proc = subprocess.Popen(["taskset", "-c", cpus] + args,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 600
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: see %s" % (name, self.log))
            try:
                if self.cli("PING") == "PONG":
                    return
            except Exception:
                pass
            time.sleep(0.05)
        raise RuntimeError("%s did not start" % name)

    def cli(self, *args, timeout=600):
        out = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                             capture_output=True, text=True, timeout=timeout)
        return out.stdout.strip()

    def info(self, section):
        d = {}
        for line in self.cli("INFO", section).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                d[k] = v.strip()
        return d

    def pids(self):
        """The server and its children (redis' fork)."""
        pids = [self.proc.pid]
        try:
            for t in os.listdir("/proc/%d/task" % self.proc.pid):
                with open("/proc/%d/task/%s/children" % (self.proc.pid, t)) as f:
                    pids += [int(p) for p in f.read().split()]
        except OSError:
            pass
        return pids

    def memory(self):
        """(RSS of all processes, PSS of all processes) in bytes."""
        rss = pss = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Rss:"):
                            rss += int(line.split()[1]) * 1024
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1]) * 1024
            except OSError:
                pass
        return rss, pss

    def stop(self, save=False):
        try:
            self.cli("SHUTDOWN", "SAVE" if save else "NOSAVE", timeout=600)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def loaded_seconds(self):
        with open(self.log, errors="replace") as f:
            m = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
        return float(m[-1]) if m else None


def prefill_benchmark_keys(path, n):
    """The keys redis-benchmark -r N writes (`key:` and 12 digits) with its
    3-byte value, so that the load during BGSAVE overwrites keys instead of
    growing the data set (growth would be counted as snapshot memory)."""
    with open(path, "wb") as f:
        for i in range(n):
            f.write(resp("SET", "key:%012d" % i, "xxx"))


def fill(server, data, timeout=900):
    with open(data, "rb") as f:
        subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], stdin=f,
                       capture_output=True, timeout=timeout, check=True)


def wait_bgsave(server, sample=None, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sample:
            sample()
        if server.info("persistence").get("rdb_bgsave_in_progress") == "0":
            return
        time.sleep(0.02)
    raise RuntimeError("BGSAVE did not end")


def benchmark(server, cpus, clients, tests, requests, keyspace, timeout=600):
    """redis-benchmark --csv: {test: (rps, p50, p99)}."""
    out = subprocess.run(
        ["taskset", "-c", cpus, "redis-benchmark", "-p", str(server.port), "-c", str(clients),
         "-n", str(requests), "-r", str(keyspace), "-t", tests, "--csv", "-q"],
        capture_output=True, text=True, timeout=timeout)
    res = {}
    for line in out.stdout.splitlines():
        cols = [c.strip('"') for c in line.split(",")]
        if len(cols) >= 8 and cols[0] not in ("test",):
            try:
                res[cols[0]] = (float(cols[1]), float(cols[4]), float(cols[6]))
            except ValueError:
                pass
    return res


def ratio(a, b):
    return "%.2f" % (a / b) if b else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=int(os.environ.get("KEYS", 1000000)))
    ap.add_argument("--shards", type=int, default=int(os.environ.get("SHARDS", 1)))
    ap.add_argument("--clients", type=int, default=int(os.environ.get("CLIENTS", 50)))
    ap.add_argument("--core-server", default=os.environ.get("CORE_SERVER", "0"))
    ap.add_argument("--core-client", default=os.environ.get("CORE_CLIENT", "1"))
    ap.add_argument("--aof-requests", type=int, default=int(os.environ.get("AOF_REQUESTS", 200000)))
    ap.add_argument("--only", default=os.environ.get("ONLY", "save,bgsave,latency,aof"))
    opts = ap.parse_args()
    only = set(opts.only.split(","))
    shardis_bin = os.environ.get("SHARDIS_BIN")
    if not shardis_bin:
        subprocess.run(["cargo", "build", "--release", "--bin", "shardis-server"], cwd=REPO,
                       check=True)
        shardis_bin = os.path.join(REPO, "target/release/shardis-server")
    redis_bin = os.environ.get("REDIS_BIN") or shutil.which("redis-server")
    bins = [("redis", redis_bin), ("shardis", shardis_bin)]
    work = tempfile.mkdtemp(prefix="bench-persist-")
    data = os.path.join(work, "data.resp")
    report = []

    def out(line=""):
        print(line, flush=True)
        report.append(line)

    bench_keys = os.path.join(work, "bench-keys.resp")
    keyspace = min(opts.keys, 100000)
    if only & {"save", "bgsave", "latency"}:
        print("generating %d keys..." % opts.keys, file=sys.stderr)
        dataset(data, opts.keys)
        prefill_benchmark_keys(bench_keys, keyspace)

    if "save" in only:
        res = {}
        for name, b in bins:
            s = Server(name, b, opts.core_server, opts.shards)
            fill(s, data)
            n = int(s.cli("DBSIZE"))
            t0 = time.time()
            s.cli("SAVE")
            save_s = time.time() - t0
            size = os.path.getsize(os.path.join(s.dir, "dump.rdb"))
            d = s.dir
            s.stop()
            t0 = time.time()
            s2 = Server(name, b, opts.core_server, opts.shards, directory=d)
            start_s = time.time() - t0
            n2 = int(s2.cli("DBSIZE"))
            load_s = s2.loaded_seconds()
            s2.stop()
            res[name] = (n, save_s, size, load_s, start_s, n2)
            shutil.rmtree(d, ignore_errors=True)
        out("### SAVE and load, %d keys of mixed types (%d shard(s))" % (opts.keys, opts.shards))
        out()
        out("| server | keys | SAVE s | file MB | load s (log) | start to PING s | keys after |")
        out("|---|---|---|---|---|---|---|")
        for name in ("redis", "shardis"):
            n, sv, size, ld, st, n2 = res[name]
            out("| %s | %d | %.3f | %.1f | %s | %.2f | %d |" % (
                name, n, sv, size / 1e6, "%.3f" % ld if ld is not None else "-", st, n2))
        r, s = res["redis"], res["shardis"]
        out("| ratio redis/shardis | | %s | %s | %s | %s | |" % (
            ratio(r[1], s[1]), ratio(r[2], s[2]),
            ratio(r[3] or 0, s[3] or 0), ratio(r[4], s[4])))
        out()

    if "bgsave" in only:
        res = {}
        for name, b in bins:
            s = Server(name, b, opts.core_server, opts.shards)
            fill(s, data)
            fill(s, bench_keys)
            before = s.memory()
            load = subprocess.Popen(
                ["taskset", "-c", opts.core_client, "redis-benchmark", "-p", str(s.port),
                 "-c", str(opts.clients), "-n", "100000000", "-r", str(keyspace), "-t", "set",
                 "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
            under_load = s.memory()
            peak = list(under_load)

            def sample():
                m = s.memory()
                peak[0] = max(peak[0], m[0])
                peak[1] = max(peak[1], m[1])

            t0 = time.time()
            s.cli("BGSAVE")
            wait_bgsave(s, sample)
            took = time.time() - t0
            status = s.info("persistence").get("rdb_last_bgsave_status")
            load.send_signal(signal.SIGINT)
            try:
                load.wait(timeout=30)
            except subprocess.TimeoutExpired:
                load.kill()
            s.stop()
            shutil.rmtree(s.dir, ignore_errors=True)
            res[name] = (before, under_load, peak, took, status)
        out("### Memory during BGSAVE with %d clients writing (%d keys + %d benchmark keys, SET over those)" % (opts.clients, opts.keys, keyspace))
        out()
        out("| server | RSS before MB | RSS peak MB | peak/before RSS | PSS before MB | PSS peak MB | peak/before PSS | BGSAVE s | status |")
        out("|---|---|---|---|---|---|---|---|---|")
        for name in ("redis", "shardis"):
            _, u, p, took, status = res[name]
            out("| %s | %.1f | %.1f | %.3f | %.1f | %.1f | %.3f | %.2f | %s |" % (
                name, u[0] / 1e6, p[0] / 1e6, p[0] / u[0], u[1] / 1e6, p[1] / 1e6, p[1] / u[1],
                took, status))
        out()

    if "latency" in only:
        res = {}
        for name, b in bins:
            s = Server(name, b, opts.core_server, opts.shards)
            fill(s, data)
            fill(s, bench_keys)
            idle = benchmark(s, opts.core_client, opts.clients, "set,get", 400000, keyspace)
            stop = threading.Event()
            saves = [0]

            def saver():
                while not stop.is_set():
                    if s.cli("BGSAVE").startswith("Background"):
                        saves[0] += 1
                    wait_bgsave(s)
                    time.sleep(0.05)

            th = threading.Thread(target=saver)
            th.start()
            busy = benchmark(s, opts.core_client, opts.clients, "set,get", 400000, keyspace)
            stop.set()
            th.join()
            s.stop()
            shutil.rmtree(s.dir, ignore_errors=True)
            res[name] = (idle, busy, saves[0])
        out("### GET/SET latency (ms) idle and with BGSAVE running (%d clients, %d keys)" % (opts.clients, opts.keys))
        out()
        out("| server | test | rps idle | p50 idle | p99 idle | rps BGSAVE | p50 BGSAVE | p99 BGSAVE | p99 BGSAVE/idle | BGSAVEs |")
        out("|---|---|---|---|---|---|---|---|---|---|")
        for name in ("redis", "shardis"):
            idle, busy, n = res[name]
            for t in ("SET", "GET"):
                i, bz = idle.get(t), busy.get(t)
                if i and bz:
                    out("| %s | %s | %.0f | %.3f | %.3f | %.0f | %.3f | %.3f | %.2f | %d |" % (
                        name, t, i[0], i[1], i[2], bz[0], bz[1], bz[2], bz[2] / i[2] if i[2] else 0, n))
        out()

    if "aof" in only:
        res = {}
        for policy in ("everysec", "always"):
            for name, b in bins:
                s = Server(name, b, opts.core_server, opts.shards,
                           extra=["--appendonly", "yes", "--appendfsync", policy])
                time.sleep(0.5)
                r = benchmark(s, opts.core_client, opts.clients, "set", opts.aof_requests, 100000)
                s.stop()
                shutil.rmtree(s.dir, ignore_errors=True)
                res[(policy, name)] = r.get("SET")
        out("### SET with appendonly yes (%d clients)" % opts.clients)
        out()
        out("| appendfsync | redis rps | shardis rps | shardis/redis | redis p99 ms | shardis p99 ms |")
        out("|---|---|---|---|---|---|")
        for policy in ("everysec", "always"):
            r, s = res.get((policy, "redis")), res.get((policy, "shardis"))
            if r and s:
                out("| %s | %.0f | %.0f | %s | %.3f | %.3f |" % (policy, r[0], s[0], ratio(s[0], r[0]), r[2], s[2]))
        out()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
