#!/usr/bin/env python3
"""Replication benchmark: shardis against redis-server in the same run.

Measures, for each server kind (redis first, then shardis; master and
replicas always of the same kind, each started fresh on a free 127.0.0.1 port
in its own temporary directory, pinned with taskset and stopped by PID):

  * full sync: KEYS keys of mixed types on the master, then a fresh replica
    is pointed at it with REPLICAOF; the time from REPLICAOF to
    `master_link_status:up` on the replica, with `repl-diskless-sync no`
    (the master writes an RDB file, then sends it) and `yes` (the RDB goes
    straight to the socket), `repl-diskless-sync-delay 0` for both;
  * SET throughput on a master with 0, 1 and 2 replicas attached:
    redis-benchmark -t set -c CLIENTS -n REQUESTS, not pipelined (-P 1) and
    pipelined (-P PIPELINE); the loss from 0 to 2 replicas, and the ratio
    shardis/redis;
  * replication lag under a write flood: one replica, a pipelined
    redis-benchmark SET flood on the master, `master_repl_offset` (master)
    minus `slave_repl_offset` (replica) sampled every 100 ms; max and p50
    in bytes.

Usage: scripts/bench_repl.py [--keys N] [--requests N] [--only redis|shardis]
       [--shards N] [--clients N] [--pipeline N] [--core-server CPUS]
       [--core-replica CPUS] [--core-client CPUS] [--tests sync,set,lag]

SHARDIS_BIN (default: cargo build --release, target/release/shardis-server)
and REDIS_BIN (default: redis-server in PATH) pick the binaries. Every wait
is bounded in time. Ratios read "> 1 means shardis is better" (for the loss
columns, smaller is better).
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_persist import dataset, fill, free_port  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAIT_LIMIT = 900


class Server:
    """A server process in its own directory, pinned to CPUS."""

    def __init__(self, kind, binary, cpus, shards, extra=()):
        self.kind = kind
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-repl-%s-" % kind)
        self.log = os.path.join(self.dir, "server.log")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no", "--logfile", self.log,
                "--repl-diskless-sync-delay", "0"]
        if kind == "shardis" and os.path.basename(binary) != "redis-server":
            args += ["--threads", str(shards)]
        args += list(extra)
        self.proc = subprocess.Popen(["taskset", "-c", cpus] + args,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: see %s" % (kind, self.log))
            try:
                if self.cli("PING", timeout=5) == "PONG":
                    return
            except Exception:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("%s did not start" % kind)

    def cli(self, *args, timeout=WAIT_LIMIT):
        out = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                             capture_output=True, text=True, timeout=timeout)
        return out.stdout.strip()

    def info(self, section):
        d = {}
        for line in self.cli("INFO", section, timeout=30).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                d[k] = v.strip()
        return d

    def replicaof(self, master):
        """REPLICAOF the master; returns the seconds until the link is up."""
        t0 = time.time()
        reply = self.cli("REPLICAOF", "127.0.0.1", str(master.port), timeout=30)
        if not reply.startswith("OK"):
            raise RuntimeError("%s: REPLICAOF answered %r" % (self.kind, reply))
        deadline = t0 + WAIT_LIMIT
        while time.time() < deadline:
            if self.info("replication").get("master_link_status") == "up":
                return time.time() - t0
            if self.proc.poll() is not None:
                raise RuntimeError("%s replica exited: see %s" % (self.kind, self.log))
            time.sleep(0.01)
        raise RuntimeError("%s replica: link not up after %ds" % (self.kind, WAIT_LIMIT))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class InfoConn:
    """A persistent connection for INFO: the request can be sent to several
    servers before any reply is read, so the samples are close in time."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def send_info(self, section):
        self.sock.sendall(b"*2\r\n$4\r\nINFO\r\n$%d\r\n%s\r\n"
                          % (len(section), section.encode()))

    def read_info(self):
        while b"\r\n" not in self.buf:
            self.buf += self._recv()
        head, rest = self.buf.split(b"\r\n", 1)
        if not head.startswith(b"$"):
            raise RuntimeError("INFO answered %r" % head)
        n = int(head[1:])
        while len(rest) < n + 2:
            rest += self._recv()
        body, self.buf = rest[:n], rest[n + 2:]
        d = {}
        for line in body.decode(errors="replace").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                d[k] = v.strip()
        return d

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        return chunk

    def close(self):
        self.sock.close()


def benchmark(port, cpus, clients, requests, pipeline, keyspace=100000):
    """redis-benchmark -t set --csv: (rps, p50 ms, p99 ms) or None."""
    out = subprocess.run(
        ["taskset", "-c", cpus, "redis-benchmark", "-p", str(port), "-c", str(clients),
         "-n", str(requests), "-r", str(keyspace), "-P", str(pipeline), "-t", "set",
         "--csv", "-q"],
        capture_output=True, text=True, timeout=WAIT_LIMIT)
    for line in out.stdout.splitlines():
        cols = [c.strip('"') for c in line.split(",")]
        if len(cols) >= 8 and cols[0] == "SET":
            try:
                return float(cols[1]), float(cols[4]), float(cols[6])
            except ValueError:
                pass
    return None


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def full_sync(kind, binary, opts, data):
    """{mode: (seconds, replica keys)} for disk and diskless full syncs."""
    res = {}
    master = Server(kind, binary, opts.core_server, opts.shards)
    try:
        fill(master, data)
        keys = int(master.cli("DBSIZE"))
        for mode, diskless in (("disk", "no"), ("diskless", "yes")):
            master.cli("CONFIG", "SET", "repl-diskless-sync", diskless)
            replica = Server(kind, binary, opts.core_replica, opts.shards)
            try:
                took = replica.replicaof(master)
                res[mode] = (took, int(replica.cli("DBSIZE")), keys)
            finally:
                replica.stop()
    finally:
        master.stop()
    return res


def set_throughput(kind, binary, opts):
    """{(replicas, pipeline): (rps, p50, p99)}."""
    res = {}
    master = Server(kind, binary, opts.core_server, opts.shards)
    replicas = []
    try:
        for n in (0, 1, 2):
            while len(replicas) < n:
                r = Server(kind, binary, opts.core_replica, opts.shards)
                replicas.append(r)
                r.replicaof(master)
            for p in (1, opts.pipeline):
                res[(n, p)] = benchmark(master.port, opts.core_client, opts.clients,
                                        opts.requests, p)
    finally:
        for r in replicas:
            r.stop()
        master.stop()
    return res


def lag(kind, binary, opts):
    """(max lag bytes, p50 lag bytes, samples, flood rps)."""
    master = Server(kind, binary, opts.core_server, opts.shards)
    replica = Server(kind, binary, opts.core_replica, opts.shards)
    samples = []
    try:
        replica.replicaof(master)
        flood_result = []
        flood = threading.Thread(target=lambda: flood_result.append(benchmark(
            master.port, opts.core_client, opts.clients, opts.requests * 5, opts.pipeline)))
        mc, rc = InfoConn(master.port), InfoConn(replica.port)
        flood.start()
        while flood.is_alive():
            # Both requests go out before either reply is read, so the two
            # offsets are read within a fraction of a millisecond of each
            # other (the master's last: a sample may overstate the lag by
            # what the master took in meanwhile, never understate it).
            rc.send_info("replication")
            mc.send_info("replication")
            s = rc.read_info().get("slave_repl_offset")
            m = mc.read_info().get("master_repl_offset")
            if m is not None and s is not None:
                samples.append(max(0, int(m) - int(s)))
            time.sleep(0.1)
        flood.join()
        mc.close()
        rc.close()
    finally:
        replica.stop()
        master.stop()
    rps = flood_result[0][0] if flood_result and flood_result[0] else 0.0
    if not samples:
        return 0, 0, 0, rps
    return max(samples), statistics.median(samples), len(samples), rps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=int(os.environ.get("KEYS", 1000000)))
    ap.add_argument("--requests", type=int, default=int(os.environ.get("REQUESTS", 200000)))
    ap.add_argument("--only", choices=("redis", "shardis"), default=os.environ.get("ONLY"))
    ap.add_argument("--shards", type=int, default=int(os.environ.get("SHARDS", 1)))
    ap.add_argument("--clients", type=int, default=int(os.environ.get("CLIENTS", 50)))
    ap.add_argument("--pipeline", type=int, default=int(os.environ.get("PIPELINE", 16)))
    ap.add_argument("--core-server", default=os.environ.get("CORE_SERVER", "0"))
    ap.add_argument("--core-replica", default=os.environ.get("CORE_REPLICA", "0"))
    ap.add_argument("--core-client", default=os.environ.get("CORE_CLIENT", "1"))
    ap.add_argument("--tests", default=os.environ.get("TESTS", "sync,set,lag"))
    opts = ap.parse_args()
    tests = set(opts.tests.split(","))
    kinds = ["redis", "shardis"] if not opts.only else [opts.only]
    bins = {}
    if "redis" in kinds:
        bins["redis"] = os.environ.get("REDIS_BIN") or shutil.which("redis-server")
    if "shardis" in kinds:
        b = os.environ.get("SHARDIS_BIN")
        if not b:
            subprocess.run(["cargo", "build", "--release", "--bin", "shardis-server"],
                           cwd=REPO, check=True)
            b = os.path.join(REPO, "target/release/shardis-server")
        bins["shardis"] = b
    work = tempfile.mkdtemp(prefix="bench-repl-")

    def out(line=""):
        print(line, flush=True)

    try:
        if "sync" in tests:
            data = os.path.join(work, "data.resp")
            print("generating %d keys..." % opts.keys, file=sys.stderr)
            dataset(data, opts.keys)
            res = {k: full_sync(k, bins[k], opts, data) for k in kinds}
            out("### Full sync of %d keys: REPLICAOF to master_link_status:up (%d shard(s))"
                % (opts.keys, opts.shards))
            out()
            out("| mode | " + " | ".join("%s s | %s keys on replica" % (k, k) for k in kinds)
                + " | redis/shardis time |")
            out("|---|" + "---|---|" * len(kinds) + "---|")
            for mode in ("disk", "diskless"):
                cells = []
                for k in kinds:
                    took, n, keys = res[k][mode]
                    cells.append("%.2f | %d/%d" % (took, n, keys))
                r = res.get("redis", {}).get(mode)
                s = res.get("shardis", {}).get(mode)
                out("| %s | %s | %s |" % (mode, " | ".join(cells),
                                          ratio(r and r[0], s and s[0])))
            out()

        if "set" in tests:
            res = {k: set_throughput(k, bins[k], opts) for k in kinds}
            out("### SET throughput on the master with 0, 1, 2 replicas (-c %d, -n %d)"
                % (opts.clients, opts.requests))
            out()
            out("| -P | replicas | " + " | ".join("%s rps | %s p99 ms" % (k, k) for k in kinds)
                + " | shardis/redis rps |")
            out("|---|---|" + "---|---|" * len(kinds) + "---|")
            for p in (1, opts.pipeline):
                for n in (0, 1, 2):
                    cells = []
                    for k in kinds:
                        v = res[k].get((n, p))
                        cells.append("%.0f | %.3f" % (v[0], v[2]) if v else "- | -")
                    r = res.get("redis", {}).get((n, p))
                    s = res.get("shardis", {}).get((n, p))
                    out("| %d | %d | %s | %s |" % (p, n, " | ".join(cells),
                                                   ratio(s and s[0], r and r[0])))
            out()
            out("| -P | " + " | ".join("%s loss 0->2 replicas" % k for k in kinds) + " |")
            out("|---|" + "---|" * len(kinds))
            for p in (1, opts.pipeline):
                cells = []
                for k in kinds:
                    a, b = res[k].get((0, p)), res[k].get((2, p))
                    cells.append("%.1f%%" % (100.0 * (1 - b[0] / a[0])) if a and b else "-")
                out("| %d | %s |" % (p, " | ".join(cells)))
            out()

        if "lag" in tests:
            res = {k: lag(k, bins[k], opts) for k in kinds}
            out("### Replication lag during a SET flood (-c %d -P %d -n %d), sampled every 100 ms"
                % (opts.clients, opts.pipeline, opts.requests * 5))
            out()
            out("| server | flood rps | samples | max lag bytes | p50 lag bytes |")
            out("|---|---|---|---|---|")
            for k in kinds:
                mx, p50, n, rps = res[k]
                out("| %s | %.0f | %d | %d | %d |" % (k, rps, n, mx, p50))
            out()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        print("bench_repl: %s" % e, file=sys.stderr)
        sys.exit(1)
