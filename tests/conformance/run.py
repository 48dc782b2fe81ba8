#!/usr/bin/env python3
"""The MCP conformance suite's server scenarios against bot-bottle-sidecar serve.

    python3 tests/conformance/run.py PATH/TO/bot-bottle-sidecar

Starts serve on a fresh database (a free port on 127.0.0.1), runs every server scenario of the
pinned @modelcontextprotocol/conformance (package.json here; `npm ci` first, build/test.sh does)
and judges each one:

- a scenario this server can take part in passes when it has at least one successful check and
  no failed one;
- a scenario listed in not-applicable.tsv needs something this server does not offer (the
  suite's fixture tools, prompts, resources...). It is printed with the reason, and it must fail
  only the way the list says (every failed check's message matches the listed pattern) and never
  pass: a listed scenario that passes, or fails some other way, counts as a failure, so the list
  cannot hide a real one.

Ends with "conformance: N passed, N failed (N not applicable)"; exits 1 when anything failed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_not_applicable():
    listed = {}
    for number, line in enumerate((HERE / "not-applicable.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            sys.exit(f"not-applicable.tsv line {number}: want SCENARIO<TAB>PATTERN<TAB>REASON")
        listed[fields[0]] = (re.compile(fields[1]), fields[2])
    return listed


def start_serve(sidecar, work):
    db = work / "bot-bottle.db"
    config = work / "current-config"
    config.mkdir()
    subprocess.run([sidecar, "db", "migrate", "--db", str(db)], check=True, capture_output=True)
    serve = subprocess.Popen(
        [sidecar, "serve", "--db", str(db), "--slug", "conformance", "--listen", "127.0.0.1:0",
         "--current-config", str(config), "--progress-interval", "0.5"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = []
    for line in serve.stderr:
        log.append(line)
        event = json.loads(line)
        if event.get("event") == "listening":
            address = event["addresses"].split(" ")[0]
            # Keep reading its log so serve never blocks on a full pipe.
            threading.Thread(target=lambda: [log.append(rest) for rest in serve.stderr], daemon=True).start()
            return serve, address.rstrip("/") + "/mcp", log
    sys.exit("serve exited before listening:\n" + "".join(log))


def scenario_results(output):
    """{scenario: [check, ...]} from the suite's output directory (server-NAME-TIMESTAMP/checks.json)."""
    results = {}
    for checks in sorted(output.glob("*/checks.json")):
        name = re.sub(r"^server-|-\d{4}-\d\d-\d\dT[\d-]+Z$", "", checks.parent.name)
        results[name] = json.loads(checks.read_text(encoding="utf-8"))
    return results


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sidecar = os.path.abspath(sys.argv[1])
    bin_dir = HERE / "node_modules" / ".bin"
    if not (bin_dir / "conformance").exists():
        sys.exit(f"run 'npm ci --prefix {HERE}' first (build/test.sh does)")
    listed = read_not_applicable()
    version = json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]["@modelcontextprotocol/conformance"]

    work = Path(tempfile.mkdtemp(prefix="bb-conformance."))
    serve = None
    try:
        serve, url, log = start_serve(sidecar, work)
        output = work / "results"
        # npm's node (22) first on PATH: the suite's executable runs under whichever node it finds.
        environment = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        run = subprocess.run([str(bin_dir / "conformance"), "server", "--url", url, "--suite", "all", "-o", str(output)],
                             env=environment, capture_output=True, text=True, timeout=600)
        results = scenario_results(output)
        if not results:
            sys.exit(f"the conformance suite produced no results (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    passed = failed = not_applicable = 0
    print(f"conformance: @modelcontextprotocol/conformance {version}, {len(results)} server scenarios against {url}")
    for name, checks in results.items():
        successes = [c for c in checks if c.get("status") == "SUCCESS"]
        failures = [c for c in checks if c.get("status") == "FAILURE"]
        warnings = [c for c in checks if c.get("status") == "WARNING"]
        if name in listed:
            pattern, reason = listed[name]
            unexpected = [c for c in failures if not pattern.search(c.get("errorMessage") or "")]
            if successes and not failures:
                failed += 1
                print(f"  FAIL {name}: listed as not applicable ({reason}) but it passed; take it off tests/conformance/not-applicable.tsv")
            elif unexpected or successes:
                failed += 1
                what = "; ".join(c.get("errorMessage") or c.get("description") or c.get("id") for c in unexpected) or "some of its checks passed"
                print(f"  FAIL {name}: listed as not applicable ({reason}), but it failed otherwise: {what}")
            else:
                not_applicable += 1
                print(f"  not applicable: {name}: {reason}")
            continue
        if successes and not failures:
            passed += 1
            note = f"; {len(warnings)} warning(s): " + "; ".join(c.get("description", c.get("id")) for c in warnings) if warnings else ""
            print(f"  pass {name} ({len(successes)} check(s){note})")
        else:
            failed += 1
            why = "; ".join(f"{c.get('id')}: {c.get('errorMessage') or c.get('description')}" for c in failures) or "no check succeeded"
            print(f"  FAIL {name}: {why}")

    for name in sorted(set(listed) - set(results)):
        print(f"  note: {name} is in not-applicable.tsv but the suite has no such scenario now")
    if failed:
        print("serve's log:\n" + "".join(log[-40:]))
    print(f"conformance: {passed} passed, {failed} failed ({not_applicable} not applicable)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
