"""The sidecar image from `podman run` to the first 200 on /healthz, as a backend starts it.

    image_start.py IMAGE BINARY OUT.json RUNS     (as root; IMAGE from build/image.sh, BINARY the
                                                  published bot-bottle-sidecar that migrates the database)
    image_start.py --section OUT.json              prints the BENCHMARKS.md section alone

Each run gets a fresh database directory owned by the image's user, the flags a backend passes
(read-only root, no capabilities, no new privileges, a published port), and the clock starts just
before `podman run -d`. /healthz is polled every 10 ms from the host, so the figure includes
podman's own start-up, which is most of it.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "containers.conf")
COMMAND = "python3 build/bench/image_start.py localhost/bot-bottle-sidecar:linux-x64 dist/linux-x64/bot-bottle-sidecar OUT.json 20"


def podman(*args):
    env = dict(os.environ, CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", CONF))
    return subprocess.run(["podman", *args], env=env, check=True, capture_output=True, text=True).stdout.strip()


def one_start(image, binary, uid):
    home = tempfile.mkdtemp(prefix="bb-image-start-")
    name = f"bb-bench-{os.getpid()}-{time.monotonic_ns()}"
    try:
        db_dir = os.path.join(home, "db")
        os.mkdir(db_dir)
        subprocess.run([binary, "--db", os.path.join(db_dir, "bot-bottle.db"), "db", "migrate"], check=True, capture_output=True)
        for path in (home, db_dir, *[os.path.join(db_dir, f) for f in os.listdir(db_dir)]):
            os.chown(path, uid, uid)
        started = time.monotonic()
        podman("run", "-d", "--name", name, "--read-only", "--cap-drop=ALL", "--security-opt", "no-new-privileges",
               "-p", "127.0.0.1::9100", "-v", f"{db_dir}:/run/supervise", image, "--slug", "bench")
        returned = time.monotonic()
        url = "http://" + podman("port", name, "9100/tcp").splitlines()[0] + "/healthz"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200:
                        return returned - started, time.monotonic() - started
            except OSError:
                pass
            if time.monotonic() - started > 30:
                raise SystemExit(f"{name} was not healthy within 30 s:\n" + podman("logs", name))
            time.sleep(0.01)
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True,
                       env=dict(os.environ, CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", CONF)))
        shutil.rmtree(home, ignore_errors=True)


def image_section(data, command=COMMAND):
    if not data:
        return []
    ms = lambda s: f"{s * 1000:.0f} ms"
    return [
        "## The image: start to first healthy answer",
        "",
        f"`{command}`: {data['runs']} starts of `{data['image']}` ({data['size_mb']:.0f} MB) with podman {data['podman']} (runc), each on a fresh",
        "database directory, with the flags a backend passes; the clock starts just before `podman run -d`.",
        "",
        "| | median | fastest | slowest |",
        "|---|---|---|---|",
        f"| `podman run -d` returns | {ms(data['run_median'])} | {ms(data['run_min'])} | {ms(data['run_max'])} |",
        f"| first 200 on /healthz | {ms(data['healthy_median'])} | {ms(data['healthy_min'])} | {ms(data['healthy_max'])} |",
        "",
    ]


def main():
    if sys.argv[1] == "--section":
        print("\n".join(image_section(json.load(open(sys.argv[2])))))
        return
    image, binary, out, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    uid = int(podman("image", "inspect", "--format", "{{.User}}", image).split(":")[0] or 0)
    one_start(image, binary, uid)  # warm: the first start also sets up podman's network
    samples = [one_start(image, binary, uid) for _ in range(runs)]
    run_times = [s[0] for s in samples]
    healthy = [s[1] for s in samples]
    data = {
        "image": image,
        "size_mb": int(podman("image", "inspect", "--format", "{{.Size}}", image)) / 1e6,
        "podman": podman("version", "--format", "{{.Client.Version}}"),
        "runs": runs,
        "run_median": statistics.median(run_times), "run_min": min(run_times), "run_max": max(run_times),
        "healthy_median": statistics.median(healthy), "healthy_min": min(healthy), "healthy_max": max(healthy),
    }
    json.dump(data, open(out, "w"), indent=2)
    print("\n".join(image_section(data)))


if __name__ == "__main__":
    main()
