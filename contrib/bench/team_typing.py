#!/usr/bin/python3
"""A team typing searches into comptoir, measured from outside (issue 31).

N people, each with a key of their own, log in `--stagger` seconds apart through asyncssh
and type, a key every 80 ms whatever the screen shows, their own mix of queries: a kind
of body and a town (« commune de saint etienne »), a lycée and a person, or a plain town.
`--measure` sessions spread over the logins read their screen with a terminal emulator (pyte) and time,
per key, its echo in the search box and the first frame with rows for it (or for a later
key of the same query); the others read and discard what they receive, as the issue's
measurement did. At the end: the percentiles, this process's CPU and, with
`--server-pid`, the server's.

Needs python3-asyncssh and python3-pyte (Debian). Keys: `--keys DIR` holding
`staff001`, `staff002`… (private OpenSSH keys), enrolled with
`comptoir keys add staff001 DIR/staff001.pub`; see BENCHMARKS.md « Search under a team's
load ».
"""

import argparse
import asyncio
import os
import random
import resource
import time
import warnings

warnings.filterwarnings("ignore")
import asyncssh  # noqa: E402
import pyte  # noqa: E402

KINDS = [
    ("commune de", True),
    ("mairie de", True),
    ("centre hospitalier de", True),
    ("caisse des ecoles", True),
    ("universite", True),
    ("lycee", False),
    ("college", False),
]
TOWNS = [
    "paris", "marseille", "lyon", "toulouse", "nice", "nantes", "montpellier", "strasbourg",
    "bordeaux", "lille", "rennes", "reims", "toulon", "saint etienne", "le havre", "grenoble",
    "dijon", "angers", "nimes", "villeurbanne", "clermont ferrand", "le mans",
    "aix en provence", "brest", "tours", "amiens", "limoges", "annecy", "perpignan",
    "besancon", "metz", "orleans", "rouen", "mulhouse", "caen", "nancy", "la rochelle",
]
PEOPLE = ["victor hugo", "jean moulin", "marie curie", "jules ferry", "louis pasteur"]


def plan(seed, n):
    r = random.Random(seed)
    out = []
    for _ in range(n):
        if r.randrange(5) == 0:
            out.append(r.choice(TOWNS))
        else:
            kind, town = r.choice(KINDS)
            out.append(f"{kind} {r.choice(TOWNS) if town else r.choice(PEOPLE)}")
    return out


def pct(values, q):
    if not values:
        return 0.0
    v = sorted(values)
    return v[round((len(v) - 1) * q)] * 1000.0


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


async def session(i, args, results):
    await asyncio.sleep(i * args.stagger)
    key = asyncssh.read_private_key(os.path.join(args.keys, f"staff{i + 1:03d}"))
    async with asyncssh.connect(
        "127.0.0.1", args.port, username="staff", client_keys=[key], known_hosts=None
    ) as conn:
        proc = await conn.create_process(
            term_type="xterm", term_size=(100, 30), encoding=None
        )
        # Spread over the logins, so that the peak of the ramp is measured too.
        measured = args.measure > 0 and i % max(args.sessions // args.measure, 1) == 0 and (
            i // max(args.sessions // args.measure, 1) < args.measure
        )
        screen = pyte.Screen(100, 30)
        stream = pyte.ByteStream(screen)
        changed = asyncio.Event()

        async def reader():
            while True:
                data = await proc.stdout.read(65536)
                if not data:
                    return
                if measured:
                    stream.feed(data)
                    changed.set()

        task = asyncio.create_task(reader())

        def text():
            return "\n".join(screen.display)

        async def wait_for(pred, secs=30):
            end = time.monotonic() + secs
            while not pred(text()):
                changed.clear()
                left = end - time.monotonic()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(changed.wait(), left)
                except asyncio.TimeoutError:
                    return False
            return True

        if measured:
            await wait_for(lambda s: "Tableau" in s)
        else:
            await asyncio.sleep(1.0)
        proc.stdin.write(b"2")
        await asyncio.sleep(0.3)
        for n, query in enumerate(plan(31 + i, args.queries)):
            if n > 0:
                await asyncio.sleep(0.4)
                proc.stdin.write(b"\x15")
                await asyncio.sleep(0.1)
            sent = []
            echoed = answered = 0

            def shown():
                line = next((l for l in screen.display if "▏" in l), "")
                for k in range(len(sent), 0, -1):
                    if f"{query[:k]}▏" in line:
                        return k
                return 0

            async def observe():
                nonlocal echoed, answered
                while answered < len(query):
                    changed.clear()
                    try:
                        await asyncio.wait_for(changed.wait(), 30)
                    except asyncio.TimeoutError:
                        return
                    k = shown()
                    now = time.monotonic()
                    while echoed < k:
                        results["echo"].append(now - sent[echoed])
                        echoed += 1
                    s = text()
                    if "résultat(s)" in s and "résultat(s) …" not in s:
                        while answered < k:
                            results["rows"].append(now - sent[answered])
                            answered += 1

            watcher = asyncio.create_task(observe()) if measured else None
            for c in query:
                sent.append(time.monotonic())
                proc.stdin.write(c.encode())
                results["keys"] += 1
                await asyncio.sleep(0.08)
            if watcher:
                await asyncio.wait_for(watcher, 30)
        proc.stdin.write(b"\x03")
        task.cancel()


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--keys", required=True)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--queries", type=int, default=3)
    p.add_argument("--measure", type=int, default=1)
    p.add_argument("--stagger", type=float, default=0.1)
    p.add_argument("--server-pid", type=int)
    args = p.parse_args()
    results = {"echo": [], "rows": [], "keys": 0}
    server0 = cpu_of(args.server_pid) if args.server_pid else 0.0
    mine0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.monotonic()
    await asyncio.gather(*(session(i, args, results) for i in range(args.sessions)))
    wall = time.monotonic() - wall0
    mine1 = resource.getrusage(resource.RUSAGE_SELF)
    mine = (mine1.ru_utime + mine1.ru_stime) - (mine0.ru_utime + mine0.ru_stime)
    e, r = results["echo"], results["rows"]
    print(
        f"{args.sessions} people (asyncssh), {results['keys']} keys, {len(r)} measured: "
        f"echo p50 {pct(e, .5):.1f} ms, p99 {pct(e, .99):.1f} ms; "
        f"rows p50 {pct(r, .5):.1f} ms, p99 {pct(r, .99):.1f} ms, max {pct(r, 1):.1f} ms"
    )
    line = f"CPU over {wall:.1f} s: this client {mine:.1f} s ({mine * 50 / wall:.0f} % of 2 cores)"
    if args.server_pid:
        server = cpu_of(args.server_pid) - server0
        line += (
            f", server {server:.1f} s ({server * 50 / wall:.0f} %,"
            f" {server * 1000 / max(results['keys'], 1):.2f} ms per key)"
        )
    print(line)


if __name__ == "__main__":
    asyncio.run(main())
