"""The "Fleet mode" section of build/BENCHMARKS.md, from build/bench/fleet.py's JSON (used by report.py)."""


def fleet_section(fleet, command):
    if fleet is None:
        return []

    def row(name, key):
        s, p = fleet["sqlite"][key], fleet["postgres"][key]
        return f"| {name} | {s['p50']:.1f} / {s['p99']:.1f} ms | {p['p50']:.1f} / {p['p99']:.1f} ms | {p['p50'] / s['p50']:.2f}× |"

    sizes = fleet["sizes"]
    s_all, p_all = fleet["sqlite"]["fleet"], fleet["postgres"]["fleet"]
    return [
        "## Fleet mode: PostgreSQL beside SQLite",
        "",
        f"One run of `{command}` ({fleet['rounds']} rounds each, {fleet['bottles']} bottles), on the published binaries,",
        "each engine measured the same way in the same run: the host broker on SQLite (the VM path of a single host) and",
        "`bot-bottle-host`'s broker on a local PostgreSQL 15 (fsync off, as the test cluster runs: the figures are the protocol's",
        "cost, not a disk's; a real fleet adds its network round trips to every PostgreSQL figure).",
        "",
        "| figure | SQLite p50 / p99 | PostgreSQL p50 / p99 | ratio (p50) |",
        "|---|---|---|---|",
        row("propose through a broker (`bot-bottle-sidecar propose`, spawn to exit)", "propose_ms"),
        row("wake: the answer row written (psql / sqlite3 shell) → `propose --wait` has exited", "wake_ms"),
        f"| {s_all['bottles']} bottles, one broker each (PostgreSQL: three host roles), one `propose --wait` each; all answered in one transaction → the last waiter has exited | {s_all['all_answered_ms']:.0f} ms | {p_all['all_answered_ms']:.0f} ms | {p_all['all_answered_ms'] / s_all['all_answered_ms']:.2f}× |",
        "",
        f"Binary size (linux-x64): `bot-bottle-sidecar` {sizes['bot-bottle-sidecar'] / 1e6:.2f} MB, `bot-bottle-host` {sizes['bot-bottle-host'] / 1e6:.2f} MB:",
        f"Npgsql costs {(sizes['bot-bottle-host'] - sizes['bot-bottle-sidecar']) / 1e6:.2f} MB, which would take the sidecar past 20 MB, so only the host executable carries it",
        "(a trimmer feature switch drops every PostgreSQL path from the sidecar).",
        f"The library is published the same way: `libbotbottle.so` {sizes['libbotbottle.so'] / 1e6:.2f} MB (SQLite, what single-host processes load),",
        f"`libbotbottle-fleet.so` {sizes['libbotbottle-fleet.so'] / 1e6:.2f} MB (botbottle.py loads it for a postgres:// database or a fleet config).",
        "",
        "On PostgreSQL a wake is a NOTIFY at commit to the broker's listening connection, naming the proposal; only that",
        "proposal's waiters (and any `queue watch`) wake and re-read it, one query each.",
        "",
    ]
