#!/usr/bin/env python3
"""The MCP transport decision (issue "One way in"): our hand-written Streamable HTTP endpoint against
ModelContextProtocol.AspNetCore's MapMcp, the same tools behind both, measured interleaved.

    transport.py OURS_BINARY SDK_BINARY OUT.json ROUNDS

Per binary: size; cold start (spawn to the first answered /healthz); RSS 2 s after one tools/list.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ours, sdk, out, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
binaries = {"ours": ours, "sdk": sdk}
samples = {name: {"start_ms": [], "rss_mb": []} for name in binaries}

for _ in range(rounds):
    for name, binary in binaries.items():
        work = tempfile.mkdtemp()
        db = os.path.join(work, "db", "bot-bottle.db")
        subprocess.run([binary, "--db", db, "db", "migrate"], stdout=subprocess.DEVNULL, check=True)
        started = time.perf_counter()
        serve = subprocess.Popen([binary, "serve", "--db", db, "--slug", "bench", "--listen", "127.0.0.1:0", "--current-config", work],
                                 stderr=subprocess.PIPE, text=True)
        url = json.loads(serve.stderr.readline())["addresses"].split(" ")[0]
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.002)
        samples[name]["start_ms"].append((time.perf_counter() - started) * 1000)
        request = urllib.request.Request(url + "/mcp", data=b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}',
                                         headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
        body = urllib.request.urlopen(request).read()
        if b"supervise-status" not in body:
            sys.exit(f"{name}: tools/list did not list the tools: {body[:200]!r}")
        time.sleep(2)
        with open(f"/proc/{serve.pid}/status") as status:
            samples[name]["rss_mb"].append(next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024)
        serve.terminate()
        serve.wait()

result = {name: {
    "binary_mb": os.path.getsize(binary) / 1e6,
    "cold_start_ms": statistics.median(samples[name]["start_ms"]),
    "idle_rss_mb": statistics.median(samples[name]["rss_mb"]),
    "rounds": rounds,
} for name, binary in binaries.items()}
json.dump(result, open(out, "w"))
print(json.dumps(result))
