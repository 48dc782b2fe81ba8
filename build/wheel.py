#!/usr/bin/env python3
"""Builds the Python wheel of one published platform: the botbottle package with libbotbottle inside.

    python3 build/wheel.py DIST OUT_DIR [VERSION]

DIST is a publish directory (dist/RID from build/publish.sh). The wheel holds the package
``botbottle`` (the ctypes binding, ``py.typed`` for its type hints), ``libbotbottle`` and
``libbotbottle-fleet`` (loaded only for a fleet database) and ``libe_sqlite3``, all in the package's
directory, where the binding and libbotbottle look for them. It is tagged ``py3-none-PLATFORM``:
the binding is pure Python over ctypes, so one wheel serves every Python 3 on that platform, and
the platform tag says which machine code is inside and the oldest glibc it needs
(``manylinux_2_34`` on Linux, from the symbol versions the libraries import; see ``check``).

A wheel is a zip with a fixed layout (PEP 427, PEP 491); this writes it with the standard library
alone, because PyPI, and with it the ``build`` and ``wheel`` packages, is out of reach here.
"""
import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile

NAME = "botbottle"

# ELF e_machine values and the wheel's name for the architecture.
ELF_MACHINES = {62: "x86_64", 183: "aarch64"}

# The platform tag per publish RID: glibc 2.34 is the newest symbol version the Linux libraries
# import (check() verifies it), which is the manylinux_2_34 policy.
PLATFORMS = {
    "linux-x64": "manylinux_2_34_x86_64",
    "linux-arm64": "manylinux_2_34_aarch64",
    "osx-arm64": "macosx_11_0_arm64",
}


def libraries(dist):
    suffix = ".dylib" if os.path.exists(os.path.join(dist, "libbotbottle.dylib")) else ".so"
    names = ["libbotbottle" + suffix, "libbotbottle-fleet" + suffix, "libe_sqlite3" + suffix]
    missing = [n for n in names if not os.path.exists(os.path.join(dist, n))]
    if missing:
        sys.exit(f"build/wheel.py: {dist} lacks {', '.join(missing)}; run build/publish.sh for that RID first")
    return names


def elf_machine(path):
    with open(path, "rb") as f:
        header = f.read(20)
    if header[:4] != b"\x7fELF":
        return None
    return ELF_MACHINES.get(int.from_bytes(header[18:20], "little"))


def newest_glibc(path):
    """The newest GLIBC_x.y symbol version the library imports (readelf --version-info)."""
    out = subprocess.run(["readelf", "--version-info", "--wide", path], capture_output=True, text=True, check=True).stdout
    versions = {tuple(int(p) for p in m.groups()) for m in re.finditer(r"Name: GLIBC_(\d+)\.(\d+)(?:\.\d+)?\b", out)}
    return max(versions) if versions else None


def check(platform, directory, names):
    """What auditwheel checks for a manylinux tag: every library is the tag's architecture and needs no newer glibc."""
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", platform)
    if not match:
        return
    glibc, arch = (int(match.group(1)), int(match.group(2))), match.group(3)
    for name in names:
        path = os.path.join(directory, name)
        machine = elf_machine(path)
        if machine != arch:
            sys.exit(f"build/wheel.py: {name} is {machine or 'not ELF'}, but the wheel is tagged {arch}")
        needed = newest_glibc(path)
        if needed and needed > glibc:
            sys.exit(f"build/wheel.py: {name} needs GLIBC_{needed[0]}.{needed[1]}, newer than the tag's {glibc[0]}.{glibc[1]}")


def record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def build(dist, out_dir, version):
    rid = os.path.basename(os.path.normpath(dist))
    platform = PLATFORMS.get(rid) or sys.exit(f"build/wheel.py: no wheel platform for {rid} (known: {', '.join(PLATFORMS)})")
    names = libraries(dist)
    check(platform, dist, names)
    with open(os.path.join(dist, "botbottle.py"), "rb") as f:
        binding = f.read()

    dist_info = f"{NAME}-{version}.dist-info"
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {version}",
        "Summary: bot-bottle's host store from Python: the supervise queue and the audit log, through libbotbottle",
        "Requires-Python: >=3.8",
        "License: see the bot-bottle repository",
        "",
    ]).encode()
    wheel = "\n".join([
        "Wheel-Version: 1.0",
        "Generator: bot-bottle build/wheel.py",
        "Root-Is-Purelib: false",
        f"Tag: py3-none-{platform}",
        "",
    ]).encode()

    files = [(f"{NAME}/__init__.py", binding, 0o644), (f"{NAME}/py.typed", b"", 0o644)]
    for name in names:
        with open(os.path.join(dist, name), "rb") as f:
            files.append((f"{NAME}/{name}", f.read(), 0o755))
    files += [(f"{dist_info}/METADATA", metadata, 0o644), (f"{dist_info}/WHEEL", wheel, 0o644)]

    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{NAME}-{version}-py3-none-{platform}.whl")
    records = [record_line(arcname, data) for arcname, data, _ in files] + [f"{dist_info}/RECORD,,"]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for arcname, data, mode in files + [(f"{dist_info}/RECORD", ("\n".join(records) + "\n").encode(), 0o644)]:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return path


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    print(build(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "1.0.0"))
