"""The "Floods" section of build/BENCHMARKS.md, from the console output of FloodTests (used by report.py).

    floods_report.py FLOODS_LOG    prints the section alone
"""
import re
import sys

COMMAND = "BOTBOTTLE_DIST=dist/linux-x64 dotnet test tests/BotBottle.Sidecar.Tests -c Release --filter FullyQualifiedName~FloodTests --logger 'console;verbosity=detailed'"

BROKER = re.compile(r"broker, tokenless reconnect flood at (\d+) connections/s: (\d+) of 100 fragmented requests answered(?: \(connect to reply: median ([\d.]+) s, slowest ([\d.]+) s)?")
SERVE = re.compile(r"serve, (2000 \w+ connections): /healthz (\d+) of 100 and tools/list (\d+) of 100 answered within 1 s")
OUTCOME = re.compile(r"^\s*(Passed|Failed) BotBottle\.Sidecar\.Tests\.FloodTests\.(\w+)", re.M)


def floods_section(log_text, command=COMMAND):
    if not log_text:
        return []
    broker = BROKER.search(log_text)
    serve = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in SERVE.finditer(log_text)}
    outcomes = {name: result for result, name in OUTCOME.findall(log_text)}
    lines = [
        "## Floods against each door",
        "",
        f"One run of `{command}`: the published binary on loopback, a hostile client flooding while a real",
        "client works on a thread of its own with blocking sockets (as a separate program would). Target: at least 99 of 100.",
        "",
        "| flood | the real client | result | |",
        "|---|---|---|---|",
    ]
    if broker:
        rate, answered = int(broker.group(1)), int(broker.group(2))
        took = f"; connect to reply median {broker.group(3)} s, slowest {broker.group(4)} s (the bytes alone take 1 s)" if broker.group(3) else ""
        lines.append(f"| TCP broker: 300 tokenless clients holding connections and reconnecting whenever dropped, 30 more connecting and closing nonstop: **{rate:,} connections/s** | 20 sidecars × 5 `hello` requests, each request's bytes in 10 pieces over 1 s (as a relay delivers them) | **{answered} of 100** answered{took} | {'met' if answered >= 99 else '**not met**'} |")
    for flood, (healthy, listed) in serve.items():
        met = healthy >= 99 and listed >= 99
        lines.append(f"| `serve`: {flood} (reconnecting whenever closed{', each sending a header byte a second' if 'slowloris' in flood else ''}), 50 `tools/call`s waiting | `/healthz` and `tools/list`, 100 each on fresh connections, answered within 1 s; the image's HEALTHCHECK command 3 times | `/healthz` **{healthy}**, `tools/list` **{listed}** of 100 | {'met' if met else '**not met**'} |")
    lines += [
        "",
        "The 50 waiting calls outlived both `serve` floods and all got the operator's approval: "
        + ("yes." if outcomes.get("Idle_and_slowloris_floods_do_not_blind_serve_and_waiting_calls_survive_them") == "Passed" else "**no** (the test failed)."),
        "",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(floods_section(open(sys.argv[1]).read())))
