#!/usr/bin/env python3
"""Cold start and idle memory of a release `herd serve` (standard library only).

Cold start: time from exec to the first 200 on /api/v1/instance with migrations current
(the database is migrated once before the runs). Idle memory: VmRSS and VmHWM from
/proc/<pid>/status, sampled 2 s after the first answer. Prints the median of N runs.

    cargo build --release && python3 benches/startup.py [--runs 10] [--database-url URL]
"""
import argparse, http.client, os, socket, statistics, subprocess, sys, tempfile, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--binary", default="target/release/herd")
    ap.add_argument("--database-url", default="")
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="herd-bench-")
    env = dict(os.environ, HERD_DATA_DIR=data, RUST_LOG="warn")
    if a.database_url:
        env["DATABASE_URL"] = a.database_url
    subprocess.run([a.binary, "migrate"], env=env, check=True, capture_output=True)
    starts, rss, hwm = [], [], []
    for _ in range(a.runs):
        port = free_port()
        env2 = dict(env, HERD_LISTEN=f"127.0.0.1:{port}", HERD_DOMAIN=f"127.0.0.1:{port}")
        t0 = time.perf_counter()
        proc = subprocess.Popen([a.binary, "serve"], env=env2, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/api/v1/instance")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - t0 > 30:
                proc.kill(); sys.exit("server did not answer within 30 s")
            time.sleep(0.001)
        starts.append((time.perf_counter() - t0) * 1000)
        time.sleep(2)
        rss.append(status_kb(proc.pid, "VmRSS") / 1024); hwm.append(status_kb(proc.pid, "VmHWM") / 1024)
        proc.terminate(); proc.wait(timeout=10)
    backend = "postgres" if a.database_url.startswith("postgres") else "sqlite"
    print(f"cold start ({backend}, migrations current, exec -> first 200 on /api/v1/instance): "
          f"median {statistics.median(starts):.1f} ms, min {min(starts):.1f} ms, max {max(starts):.1f} ms over {a.runs} runs")
    print(f"idle memory 2 s after start: VmRSS median {statistics.median(rss):.1f} MB, VmHWM median {statistics.median(hwm):.1f} MB")

if __name__ == "__main__":
    main()
