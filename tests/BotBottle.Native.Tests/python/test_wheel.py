"""build/wheel.py: the wheel's layout, tag and records, and its refusal of a mislabelled library.

BOTBOTTLE_DIST names the publish directory (dist/RID) the wheel is built from.
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DIST = os.path.abspath(os.environ.get("BOTBOTTLE_DIST") or os.path.join(REPO, "dist", "linux-x64"))
WHEEL_PY = os.path.join(REPO, "build", "wheel.py")
MACHINES = {62: "x86_64", 183: "aarch64"}


def build(dist, out):
    return subprocess.run([sys.executable, WHEEL_PY, dist, out], capture_output=True, text=True)


@unittest.skipUnless(sys.platform.startswith("linux"), "the manylinux checks read ELF; macOS wheels are built by the hosted workflow")
class WheelTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="bb-wheel-")

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def test_the_wheel_holds_the_package_and_its_libraries_of_the_tagged_architecture(self):
        result = build(DIST, self.directory)
        self.assertEqual(result.returncode, 0, result.stderr)
        path = result.stdout.strip().splitlines()[-1]
        arch = {"linux-x64": "x86_64", "linux-arm64": "aarch64"}[os.path.basename(DIST)]
        self.assertTrue(os.path.basename(path).endswith(f"-py3-none-manylinux_2_34_{arch}.whl"), path)
        with zipfile.ZipFile(path) as wheel:
            names = set(wheel.namelist())
            for member in ("botbottle/__init__.py", "botbottle/py.typed", "botbottle/libbotbottle.so",
                           "botbottle/libbotbottle-fleet.so", "botbottle/libe_sqlite3.so"):
                self.assertIn(member, names)
            for library in (n for n in names if n.endswith(".so")):
                header = wheel.read(library)[:20]
                self.assertEqual(header[:4], b"\x7fELF", library)
                self.assertEqual(MACHINES.get(int.from_bytes(header[18:20], "little")), arch, library)
            dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/WHEEL"))
            self.assertIn(f"Tag: py3-none-manylinux_2_34_{arch}", wheel.read(f"{dist_info}/WHEEL").decode())
            for line in wheel.read(f"{dist_info}/RECORD").decode().splitlines():
                member, digest, size = line.split(",")
                if member.endswith("RECORD"):
                    continue
                data = wheel.read(member)
                expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                self.assertEqual((digest, int(size)), (expected, len(data)), member)

    def test_a_library_of_another_architecture_is_refused_not_tagged(self):
        native = os.path.basename(DIST)
        foreign = "linux-arm64" if native == "linux-x64" else "linux-x64"
        mislabelled = os.path.join(self.directory, foreign)
        shutil.copytree(DIST, mislabelled, ignore=shutil.ignore_patterns("bot-bottle-*", "include"))

        result = build(mislabelled, os.path.join(self.directory, "out"))

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("but the wheel is tagged", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.directory, "out")))


if __name__ == "__main__":
    unittest.main()
