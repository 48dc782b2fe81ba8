#!/usr/bin/env python3
"""How long a process that holds a directory watch takes to be reaped after its last output: why
waits use dnotify before inotify (README, Speed).

    python3 build/bench/inotify_exit.py [ROUNDS]

Each round starts a child that watches a directory, writes one byte and exits; the time is from
that byte to waitpid returning. "inotify": the child holds the only reference to its inotify file,
so its exit retires the watch (an SRCU grace period) before it can be reaped. "held": the child
first forks a helper that inherits the inotify descriptor and waits for the child to be gone, so the
last reference, and the grace period, are the helper's. "dnotify": an fcntl(F_NOTIFY) watch, whose
mark a kernel worker frees later. "none": no watch, the floor.
"""
import ctypes
import fcntl
import os
import signal
import subprocess
import sys
import time

IN_MODIFY = 0x2


def child(mode: str, directory: str) -> None:
    if mode in ("dnotify", "none"):
        if mode == "dnotify":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGIO})
            watched = os.open(directory, os.O_RDONLY)
            fcntl.fcntl(watched, fcntl.F_NOTIFY, fcntl.DN_MODIFY | fcntl.DN_MULTISHOT)
        os.write(1, b"x")
        os._exit(0)
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    descriptor = libc.inotify_init1(0)
    if descriptor < 0 or libc.inotify_add_watch(descriptor, directory.encode(), IN_MODIFY) < 0:
        os._exit(2)
    if mode == "held":
        read_end, write_end = os.pipe()
        if os.fork() == 0:
            os.close(write_end)
            os.read(read_end, 1)  # end of file once the child, the only writer, is gone
            os._exit(0)
        os.close(read_end)
    os.write(1, b"x")
    os._exit(0)


def measure(mode: str, rounds: int, directory: str) -> list[float]:
    times = []
    for _ in range(rounds):
        process = subprocess.Popen([sys.executable, __file__, "--child", mode, directory], stdout=subprocess.PIPE)
        if process.stdout.read(1) != b"x":
            raise SystemExit(f"the {mode} child failed to watch {directory}")
        start = time.perf_counter()
        process.wait()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    directory = os.path.dirname(os.path.abspath(__file__))
    for mode in ("inotify", "held", "dnotify", "none") * 2:
        t = measure(mode, rounds, directory)
        print(f"{mode:7}: byte -> reaped p50 {t[len(t) // 2]:.2f} ms, p90 {t[len(t) * 9 // 10]:.2f} ms, max {t[-1]:.2f} ms (n={rounds})")


if __name__ == "__main__":
    main()
