#!/usr/bin/env python3
"""A socket relay that behaves like the ones VM runtimes put between a sidecar and the host broker.

Apple `container` and smolvm carry a guest's Unix socket to a host socket over vsock; Docker
Desktop's users reach a TCP port through host.docker.internal. What those relays do, this does:

- one upstream connection per downstream connection, opened only when one arrives;
- no peer credentials: the upstream sees the relay, never the client;
- half-close: a side's end of stream becomes shutdown(SHUT_WR) on the other side, and with
  --half-close-after-frames N the relay half-closes upstream itself once it has forwarded N whole
  frames of the broker's wire format (4-byte big-endian length, body), as relays that treat a
  connection as one request do;
- slow, fragmented delivery: every byte is forwarded in pieces of a few sizes, with a pause
  between pieces (--fragment, --pause-ms);
- a failed write ends both connections, which is how a client's departure reaches the upstream.

Usage: relay.py --listen PATH|vsock:PORT --upstream unix:PATH|tcp://HOST:PORT|vsock://CID:PORT [options]
It prints one line, "relay listening", on stdout once it accepts connections, and one JSON line
per connection on stderr when the connection ends. Two relays joined by vsock (a guest side that
listens on a Unix socket and connects to vsock://1:PORT, a host side that listens on vsock:PORT and
connects to the broker's socket) are the shape of Apple container's and smolvm's socket relays.

relay.py --probe-vsock exits 0 when this kernel can connect a vsock socket to itself (the
vsock_loopback transport), else prints why not and exits 1.
"""

import argparse
import itertools
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

FRAGMENT_SIZES = (1, 3, 7, 512, 4096)


def parse_upstream(text):
    if text.startswith("vsock://"):
        cid, _, port = text[len("vsock://"):].partition(":")
        return socket.AF_VSOCK, (int(cid), int(port))
    if text.startswith("tcp://"):
        host, _, port = text[len("tcp://"):].rpartition(":")
        return socket.AF_INET, (host, int(port))
    if text.startswith("unix:"):
        return socket.AF_UNIX, text[len("unix:"):]
    raise SystemExit(f"--upstream must be unix:PATH, tcp://HOST:PORT or vsock://CID:PORT, not {text!r}")


class FrameCounter:
    """Counts whole frames of the broker's wire format going past, without buffering them."""

    def __init__(self):
        self.frames = 0
        self._header = b""
        self._body_left = None

    def feed(self, data):
        """Returns how many of data's bytes complete the frames seen so far (all of them, unless a frame ends inside)."""
        consumed = 0
        while consumed < len(data):
            if self._body_left is None:
                take = min(4 - len(self._header), len(data) - consumed)
                self._header += data[consumed:consumed + take]
                consumed += take
                if len(self._header) == 4:
                    self._body_left = struct.unpack(">I", self._header)[0]
                    self._header = b""
                    if self._body_left == 0:
                        self._body_left = None
            else:
                take = min(self._body_left, len(data) - consumed)
                self._body_left -= take
                consumed += take
                if self._body_left == 0:
                    self._body_left = None
                    self.frames += 1
                    return consumed
        return consumed


class Connection:
    def __init__(self, downstream, options):
        self.downstream = downstream
        self.options = options
        self.upstream = None
        self.lock = threading.Lock()
        self.broken = False
        self.sizes = itertools.cycle(FRAGMENT_SIZES)
        self.bytes_up = 0
        self.bytes_down = 0

    def run(self):
        family, address = parse_upstream(self.options.upstream)
        self.upstream = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.upstream.connect(address)
        except OSError as error:
            log({"event": "upstream_refused", "error": str(error)})
            self.downstream.close()
            self.upstream.close()
            return
        up = threading.Thread(target=self.pump_up, daemon=True)
        up.start()
        self.pump_down()
        up.join()
        self.downstream.close()
        self.upstream.close()
        log({"event": "closed", "bytes_up": self.bytes_up, "bytes_down": self.bytes_down, "broken": self.broken})

    def send(self, target, data):
        """Forwards data in pieces; False (and both connections shut) when the write fails."""
        offset = 0
        while offset < len(data):
            piece = data[offset:offset + next(self.sizes)] if self.options.fragment else data[offset:]
            try:
                target.sendall(piece)
            except OSError:
                self.break_both()
                return False
            offset += len(piece)
            if self.options.pause_ms:
                time.sleep(self.options.pause_ms / 1000)
        return True

    def break_both(self):
        with self.lock:
            self.broken = True
            for side in (self.downstream, self.upstream):
                try:
                    side.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def pump_up(self):
        counter = FrameCounter()
        limit = self.options.half_close_after_frames
        while True:
            try:
                data = self.downstream.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if limit:
                while data and counter.frames < limit:
                    forward = counter.feed(data)
                    if not self.send(self.upstream, data[:forward]):
                        return
                    self.bytes_up += forward
                    data = data[forward:]
                if counter.frames >= limit:
                    # The request is all there: this relay treats the connection as one request.
                    # Anything more from the client is dropped.
                    break
            else:
                if not self.send(self.upstream, data):
                    return
                self.bytes_up += len(data)
        try:
            self.upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def pump_down(self):
        while True:
            try:
                data = self.upstream.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if not self.send(self.downstream, data):
                return
            self.bytes_down += len(data)
        try:
            self.downstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def log(entry):
    sys.stderr.write(json.dumps(entry) + "\n")
    sys.stderr.flush()


def probe_vsock():
    """Connects a vsock socket to a listener of this kernel (CID 1, VMADDR_CID_LOCAL) and exchanges a byte."""
    if not hasattr(socket, "AF_VSOCK"):
        return "this Python has no AF_VSOCK"
    try:
        listener = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    except OSError as error:
        return f"the kernel has no AF_VSOCK sockets ({error.strerror})"
    with listener:
        listener.bind((socket.VMADDR_CID_ANY, socket.VMADDR_PORT_ANY))
        listener.listen(1)
        port = listener.getsockname()[1]
        client = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        client.settimeout(3)
        with client:
            try:
                client.connect((1, port))
            except OSError as error:
                loaded = os.path.isdir("/sys/module/vsock_loopback")
                return (f"connecting to vsock CID 1 failed ({error.strerror or error}); "
                        + ("vsock_loopback is loaded" if loaded else "the kernel has no vsock_loopback transport (not built in, and /sys/module/vsock_loopback is absent; 'modprobe vsock_loopback' where modules exist)"))
            served, _ = listener.accept()
            with served:
                client.sendall(b"x")
                return None if served.recv(1) == b"x" else "a byte sent over vsock loopback did not arrive"


def main():
    if sys.argv[1:] == ["--probe-vsock"]:
        reason = probe_vsock()
        print(reason or "vsock loopback works")
        sys.exit(1 if reason else 0)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="the Unix socket the client connects to, or vsock:PORT")
    parser.add_argument("--upstream", required=True, help="unix:PATH or tcp://HOST:PORT")
    parser.add_argument("--fragment", action="store_true", help="forward in pieces of 1, 3, 7, 512 and 4096 bytes")
    parser.add_argument("--pause-ms", type=float, default=0, help="pause between pieces")
    parser.add_argument("--half-close-after-frames", type=int, default=0, help="half-close upstream after this many whole frames")
    options = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if options.listen.startswith("vsock:"):
        listener = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        listener.bind((socket.VMADDR_CID_ANY, int(options.listen[len("vsock:"):])))
    else:
        if os.path.exists(options.listen):
            os.unlink(options.listen)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(options.listen)
    listener.listen(128)
    print("relay listening", flush=True)
    while True:
        downstream, _ = listener.accept()
        threading.Thread(target=Connection(downstream, options).run, daemon=True).start()


if __name__ == "__main__":
    main()
