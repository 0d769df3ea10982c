#!/usr/bin/env python3
"""The imgreaper benchmark suite. Started by tests/bench/run, which builds the release binary and
starts a private dockerd; this script makes the fixture, runs every measurement and prints the table.

Environment (set by tests/bench/run):
  IMGREAPER_BIN   the release binary
  DOCKER_HOST     unix:///…/docker.sock of the private bench engine (it is emptied and filled)
  BENCH_WORK      a scratch directory (databases, logs, results.json)
  N_IMAGES, N_CONTAINERS   fixture size
  QUICK=1         fewer repetitions, shorter windows (a smoke run)
  REPO_ROOT       the crate (benches/plan.rs is built there)
"""

import concurrent.futures
import http.client
import io
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pty_harness  # noqa: E402
import fleet_bench  # noqa: E402
import race_bench  # noqa: E402
import registry_bench  # noqa: E402

BIN = os.environ["IMGREAPER_BIN"]
HOST = os.environ["DOCKER_HOST"]
SOCK = HOST.removeprefix("unix://")
WORK = os.environ["BENCH_WORK"]
REPO = os.environ.get("REPO_ROOT", os.getcwd())
QUICK = os.environ.get("QUICK", "") not in ("", "0")
N_IMAGES = int(os.environ.get("N_IMAGES", "300"))
N_CONTAINERS = int(os.environ.get("N_CONTAINERS", "100"))

# Repetitions and durations: defaults, and QUICK=1 for a smoke run.
RUNS = 3 if QUICK else 10  # hyperfine runs per command
FRAMES = 3 if QUICK else 7  # console first-frame spawns
IDLE_S = 9 if QUICK else 30  # console / service idle window
LATENCY_IMAGES = 2 if QUICK else 5  # one deadline each, in different seconds
BULK = 50 if QUICK else 200  # images removed in the bulk removal
BULK_REPS = 1 if QUICK else 3
WORKERS = 4  # parallel `docker import`s

# Fixture names: realistic, and easy to spot on a screen (the first-frame marker).
MARKER = r"fleet\d+/app\d+"
BUSYBOX = next(open(p, "rb").read() for p in ("/bin/busybox", "/usr/bin/busybox") if os.path.exists(p))
ENV = dict(os.environ, DOCKER_HOST=HOST)
ENV.pop("IMGREAPER_DB", None)
ENV.pop("NO_COLOR", None)

results = []  # rows of the final table
details = {}  # everything else, written to results.json


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def sh(*argv, check=True, **kw):
    return subprocess.run(argv, env=ENV, check=check, capture_output=True, text=True, **kw)


def db(name):
    return os.path.join(WORK, f"{name}.db")


def imgreaper(database, *args, check=True):
    return sh(BIN, "--db", database, *args, check=check)


def apply_policy(database, name, rules):
    doc = {"image_policy": {"removal": [
        {"image_name": p, "delete_after_minutes": m, "agent_downloaded_only": False} for p, m in rules]}}
    path = os.path.join(WORK, f"{name}.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    imgreaper(database, "policy", "apply", path)


# ---------------------------------------------------------------- engine access


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("localhost", timeout=10)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCK)


def image_exists(conn, reference):
    """`docker image inspect` without the CLI's start-up cost: GET /images/{ref}/json."""
    conn.request("GET", f"/images/{reference}/json")
    response = conn.getresponse()
    response.read()
    return response.status == 200


def rootfs_tar(unique):
    """bin/busybox (static, ~2 MB) and a unique file, like tests/support/images.rs."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data, mode in (("bin/busybox", BUSYBOX, 0o755), ("id", unique.encode(), 0o644)):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def import_images(references):
    stamp = time.time_ns()

    def one(ref):
        subprocess.run(["docker", "import", "-", ref], input=rootfs_tar(f"{ref} {stamp}"),
                       env=ENV, check=True, capture_output=True)

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, references))


def create_containers(pairs):
    def one(pair):
        name, ref = pair
        sh("docker", "create", "--name", name, ref, "/bin/busybox", "true")

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, pairs))


def empty_engine():
    ids = sh("docker", "ps", "-aq").stdout.split()
    if ids:
        sh("docker", "rm", "-f", *ids)
    sh("docker", "image", "prune", "-a", "-f")
    left = sh("docker", "images", "-aq").stdout.split()
    if left:
        sh("docker", "rmi", "-f", *left)


def fixture_refs(n, group="fleet"):
    return [f"reg.local/{group}{i % 12}/app{i}:1.{i % 10}.{i % 3}" for i in range(n)]


# ---------------------------------------------------------------- statistics and the table


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def row(name, unit, measured, baseline=None, baseline_name="", target="", ok=None, note=""):
    results.append({"name": name, "unit": unit, "measured": measured, "baseline": baseline,
                    "baseline_name": baseline_name, "target": target, "ok": ok, "note": note})


def fmt(value, unit):
    if value is None:
        return "n/a"
    if unit == "ms":
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    if unit == "%":
        return f"{value:.3f}"
    if unit in ("MB",):
        return f"{value:.1f}"
    if unit == "B/s":
        return f"{value:.0f}"
    if unit == "s":
        return f"{value:.3f}"
    return f"{value:.3g}"


def triple(s, unit):
    if not s:
        return "n/a"
    return f"{fmt(s['median'], unit)} [{fmt(s['min'], unit)}–{fmt(s['max'], unit)}]"


def print_table(machine):
    print()
    print("imgreaper benchmarks —", time.strftime("%Y-%m-%d %H:%M %Z"), "— QUICK" if QUICK else "")
    for key, value in machine.items():
        print(f"  {key:<15} {value}")
    print(f"  {'fixture':<15} {N_IMAGES} images (busybox rootfs via docker import), {N_CONTAINERS} containers")
    print()
    head = ["measurement", "unit", "median [min–max]", "baseline median [min–max]", "target", "ok"]
    lines = []
    for r in results:
        base = f"{r['baseline_name']}: {triple(r['baseline'], r['unit'])}" if r["baseline_name"] else "-"
        verdict = {True: "yes", False: "NO", None: "-"}[r["ok"]]
        lines.append([r["name"], r["unit"], triple(r["measured"], r["unit"]), base, r["target"], verdict])
    widths = [max(len(x[i]) for x in lines + [head]) for i in range(len(head))]
    for line in [head, ["-" * w for w in widths]] + lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    notes = [f"- {r['name']}: {r['note']}" for r in results if r["note"]]
    if notes:
        print("\nnotes:")
        print("\n".join(notes))


def machine_info():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.lower().startswith(("model name", "hardware", "processor\t: a")):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    server = sh("docker", "version", "--format", "{{.Server.Version}}", check=False).stdout.strip()
    client = sh("docker", "version", "--format", "{{.Client.Version}}", check=False).stdout.strip()
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "docker": f"engine {server}, CLI {client} (private dockerd, {SOCK})",
        "load average": " ".join(open("/proc/loadavg").read().split()[:3]) + " (at the start)",
        "imgreaper": sh(BIN, "--version", check=False).stdout.strip(),
    }


# ---------------------------------------------------------------- 4. planner


def bench_plan():
    # `cargo build --release --bench plan` shares the library with the release binary (`cargo bench`
    # would build it a second time under the bench profile); then run the bench executable itself.
    log("4. planner: benches/plan.rs (cargo build --release --bench plan)")
    build = subprocess.run(["cargo", "build", "--release", "--bench", "plan", "--message-format=json"],
                           cwd=REPO, env=os.environ, capture_output=True, text=True)
    executable = None
    for line in build.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "plan":
            executable = message.get("executable") or executable
    if executable is None:
        row("4. plan()", "ms", None, note="building benches/plan.rs failed: " + build.stderr[-500:])
        return
    out = subprocess.run([executable], cwd=REPO, env=os.environ, capture_output=True, text=True)
    details["plan_output"] = out.stdout + out.stderr[-2000:]
    cases = {}
    for line in out.stdout.splitlines():
        if line.startswith("BENCH plan "):
            fields = dict(kv.split("=") for kv in line.split()[2:])
            cases[(int(fields["refs"]), int(fields["rules"]))] = fields
    if not cases:
        row("4. plan()", "ms", None, note="benches/plan.rs failed: " + out.stderr[-500:].replace("\n", " "))
        return
    for (refs, rules), f in sorted(cases.items()):
        measured = {"median": float(f["median_ms"]), "min": float(f["min_ms"]), "max": float(f["max_ms"])}
        target, ok = "", None
        if (refs, rules) == (10_000, 1_000):
            target, ok = "< 5 ms", measured["median"] < 5
        row(f"4. plan {refs // 1000}k refs × {rules} rules", "ms", measured, target=target, ok=ok,
            note=f"RuleBook::new {f['build_ms']} ms, {f['reps']} reps" if rules == 1000 else "")


# ---------------------------------------------------------------- 1. images


def bench_images(database):
    log(f"1. imgreaper images vs docker images vs GET /images/json ({RUNS} runs each)")
    out = os.path.join(WORK, "hyperfine.json")
    subprocess.run(
        ["hyperfine", "-N", "--warmup", "2", "--runs", str(RUNS), "--export-json", out,
         f"{BIN} --db {database} images", "docker images",
         f"curl -sf --unix-socket {SOCK} http://localhost/images/json"],
        env=ENV, check=True, capture_output=True)
    with open(out) as f:
        runs = [[t * 1000 for t in r["times"]] for r in json.load(f)["results"]]
    mine, docker, raw = (summary(r) for r in runs)
    details["images_ms"] = {"imgreaper": runs[0], "docker": runs[1], "curl": runs[2]}
    row("1. imgreaper images", "ms", mine, docker, "docker images", "≤ 0.6× docker images",
        mine["median"] <= 0.6 * docker["median"],
        note=f"ratio {mine['median'] / docker['median']:.2f}×; raw GET /images/json (curl) {triple(raw, 'ms')} ms")
    row("1. GET /images/json (curl)", "ms", raw, docker, "docker images")
    return docker


# ---------------------------------------------------------------- 2. console first frame


def bench_first_frame(database):
    log(f"2. console first frame vs docker images on a pty ({FRAMES} runs each)")
    console, docker, screen = [], [], ""
    for _ in range(FRAMES):
        t, text = pty_harness.first_frame([BIN, "--db", database], ENV, MARKER)
        console.append(None if t is None else t * 1000)
        screen = text if t is None else screen
        t, _ = pty_harness.first_frame(["docker", "images"], ENV, MARKER)
        docker.append(None if t is None else t * 1000)
    mine, base = summary(console), summary(docker)
    details["first_frame_ms"] = {"console": console, "docker": docker}
    note = ""
    if mine is None:
        note = "no image row within 30 s; last screen text: " + re.sub(r"\s+", " ", screen)[-300:]
    else:
        note = f"ratio {mine['median'] / base['median']:.2f}×; pty 120×40, marker /{MARKER}/"
    row("2. console first frame", "ms", mine, base, "docker images (pty)", "≤ 1.0× docker images",
        None if mine is None else mine["median"] <= 1.0 * base["median"], note=note)


# ---------------------------------------------------------------- 3. console idle


def bench_console_idle(database, label, bytes_target):
    log(f"3. console idle {IDLE_S}s, {label}")
    r = pty_harness.idle([BIN, "--db", database], ENV, MARKER, IDLE_S)
    details[f"console_idle_{label}"] = r
    name = f"3. console idle, {label}"
    if "error" in r:
        row(name + ": CPU", "%", None, target="≤ 0.2 %", note=r["error"] + ": " +
            re.sub(r"\s+", " ", r["screen"])[-300:])
        return
    w, t = r["windows"], r["total"]
    row(name + ": CPU", "%", summary([x["cpu_pct_ns"] for x in w]), target="≤ 0.2 %",
        ok=t["cpu_pct"] <= 0.2,
        note=f"whole {IDLE_S}s: {t['cpu_pct']:.3f} % from /proc/PID/stat utime+stime "
             f"({t['cpu_pct_ns']:.3f} % schedstat); per-window figures from schedstat")
    row(name + ": terminal output", "B/s", summary([x["bytes_per_s"] for x in w]),
        target=f"≤ {bytes_target} B/s" if bytes_target else "0 B/s",
        ok=t["bytes_per_s"] <= bytes_target, note=f"{t['bytes']} bytes in {t['wall_s']:.1f} s")
    row(name + ": VmRSS", "MB", summary([x["rss_kb"] / 1024 for x in w]), target="≤ 12 MB",
        ok=t["rss_kb"] / 1024 <= 12, note=f"VmHWM {t['hwm_kb'] / 1024:.1f} MB")


# ---------------------------------------------------------------- 6. service idle


def bench_service_idle(database):
    log(f"6. service idle {IDLE_S}s")
    with open(os.path.join(WORK, "service-idle.out"), "w") as out, \
            open(os.path.join(WORK, "service-idle.err"), "w") as err:
        proc = subprocess.Popen([BIN, "--db", database, "run"], env=ENV, stdout=out, stderr=err)
        try:
            time.sleep(3)  # first inventory and sweep
            r = pty_harness.sample_process(proc.pid, IDLE_S, 3)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
    details["service_idle"] = r
    w, t = r["windows"], r["total"]
    row("6. service idle: CPU", "%", summary([x["cpu_pct_ns"] for x in w]), target="≤ 0.1 %",
        ok=t["cpu_pct"] <= 0.1,
        note=f"whole {IDLE_S}s: {t['cpu_pct']:.3f} % from /proc/PID/stat ({t['cpu_pct_ns']:.3f} % schedstat)")
    row("6. service idle: VmRSS", "MB", summary([x["rss_kb"] / 1024 for x in w]), target="≤ 10 MB",
        ok=t["rss_kb"] / 1024 <= 10, note=f"VmHWM {t['hwm_kb'] / 1024:.1f} MB")


# ---------------------------------------------------------------- 5. enforcer


def read_lines(proc, sink):
    """Collects (arrival time, parsed JSON) for every line of the service's stdout."""
    for line in proc.stdout:
        try:
            sink.append((time.time(), json.loads(line)))
        except json.JSONDecodeError:
            pass


def bench_latency():
    log(f"5a. removal latency after a deadline ({LATENCY_IMAGES} images, 1-minute rule; ~70 s)")
    empty_engine()
    database = db("latency")
    apply_policy(database, "latency", [("reg.local/latency/*", 1)])
    lines = []
    # The service runs first and sees each image arrive: its own record of it is what the
    # deadline counts from (a reader records nothing, so asking before it runs measures the
    # wrong start).
    proc = subprocess.Popen([BIN, "--db", database, "run", "--startup-delay", "0s", "--min-age", "0s"],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    reader = threading.Thread(target=read_lines, args=(proc, lines), daemon=True)
    reader.start()
    refs = [f"reg.local/latency/app{k}:1" for k in range(LATENCY_IMAGES)]
    for ref in refs:
        import_images([ref])
        time.sleep(1.2 - time.time() % 1)  # the next image's deadline falls in another second
    time.sleep(2)
    # The deadlines the enforcer computed, as `images --json` reports them from its records.
    deadlines = {}
    until = time.time() + 20
    while len(deadlines) < len(refs) and time.time() < until:
        for report in json.loads(imgreaper(database, "images", "--json").stdout):
            if report["reference"] in refs and report.get("deadline_unix"):
                deadlines[report["reference"]] = report["deadline_unix"]
        time.sleep(0.2)
    unknown = [ref for ref in refs if ref not in deadlines]
    gone = {}
    conn = UnixHTTP()
    try:
        give_up = max(deadlines.values(), default=time.time()) + 30
        while len(gone) < len(deadlines) and time.time() < give_up:
            for ref in deadlines:
                if ref not in gone and not image_exists(conn, ref):
                    gone[ref] = time.time()
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        reader.join(timeout=5)
    latency = [gone[r] - d if r in gone else None for r, d in deadlines.items()]
    stdout_latency = []
    for ref, deadline in deadlines.items():
        seen = [(t, j) for t, j in lines if j.get("reference") == ref]
        stdout_latency.append(seen[0][0] - deadline if seen else None)
    details["latency_s"] = {"poll": latency, "stdout": stdout_latency,
                            "lines": [j for _, j in lines], "deadlines": deadlines}
    missed = sum(1 for x in latency if x is None)
    row("5. removal latency after deadline", "s", summary(latency), target="< 1 s",
        ok=missed == 0 and not unknown and bool(latency) and max(latency) < 1,
        note=f"gone (GET /images/REF/json polled every 20 ms) − the enforcer's deadline_unix, {len(latency)} images"
             + (f"; {missed} NOT removed within 30 s" if missed else "")
             + (f"; {len(unknown)} with no deadline reported" if unknown else "")
             + f"; stdout JSON line arrival − deadline {triple(summary(stdout_latency), 's')} s")


def bench_bulk():
    log(f"5b. removing {BULK} due images: service vs docker image prune -a -f ({BULK_REPS} reps; imports)")
    service, prune = [], []
    for rep in range(BULK_REPS):
        empty_engine()
        refs = fixture_refs(BULK, group="bulk")
        import_images(refs)
        database = db(f"bulk{rep}")
        apply_policy(database, "all", [("*", 0)])
        lines = []
        started = time.monotonic()
        proc = subprocess.Popen([BIN, "--db", database, "run", "--startup-delay", "0s", "--min-age", "0s"],
                                env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        removed, elapsed = 0, None
        try:
            for line in proc.stdout:
                try:
                    action = json.loads(line).get("action")
                except json.JSONDecodeError:
                    continue
                removed += action in ("remove", "untag")
                if removed >= BULK:
                    elapsed = time.monotonic() - started
                    break
                if time.monotonic() - started > 300:
                    break
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        left = len(sh("docker", "images", "-q").stdout.split())
        details.setdefault("bulk", []).append({"removed": removed, "left": left, "s": elapsed})
        service.append(elapsed * 1000 if elapsed else None)
        log(f"   service: {removed} removed in {elapsed} s, {left} left")

        empty_engine()
        import_images(refs)
        started = time.monotonic()
        sh("docker", "image", "prune", "-a", "-f")
        prune.append((time.monotonic() - started) * 1000)
        log(f"   prune: {prune[-1]:.0f} ms")
    mine, base = summary(service), summary(prune)
    row(f"5. remove {BULK} due images (service)", "ms", mine, base, "docker image prune -a -f",
        "≤ 1.1× prune", None if mine is None else mine["median"] <= 1.1 * base["median"],
        note=None if mine is None else
        f"ratio {mine['median'] / base['median']:.2f}×; from spawning `imgreaper run` to its {BULK}th remove line")


# ---------------------------------------------------------------- main


# ---------------------------------------------------------------- 8. the binary


def bench_binary_size():
    stripped = os.path.join(WORK, "imgreaper.stripped")
    sh("strip", "-o", stripped, BIN)
    size = os.path.getsize(stripped) / 1e6
    row("10. release binary, stripped", "MB", summary([size]), target="≤ 12 MB", ok=size <= 12,
        note=f"unstripped {os.path.getsize(BIN) / 1e6:.1f} MB")


def main():
    os.makedirs(WORK, exist_ok=True)
    machine = machine_info()
    bench_plan()

    log(f"fixture: {N_IMAGES} images, {N_CONTAINERS} containers")
    empty_engine()
    t = time.monotonic()
    refs = fixture_refs(N_IMAGES)
    import_images(refs)
    create_containers([(f"bench-c{j}", refs[j]) for j in range(min(N_CONTAINERS, N_IMAGES))])
    details["fixture_s"] = time.monotonic() - t
    log(f"   made in {details['fixture_s']:.0f} s")

    plain = db("plain")  # no policy
    scheduled = db("scheduled")  # `*` 600 minutes: every unused reference has a countdown
    apply_policy(scheduled, "all", [("*", 600)])
    for database in (plain, scheduled):
        imgreaper(database, "images")  # the operator's database already knows the images

    bench_images(plain)
    bench_first_frame(plain)
    bench_console_idle(scheduled, "countdowns", 500)
    bench_console_idle(plain, "no policy", 0)
    bench_service_idle(scheduled)
    fleet_bench.run(WORK, BIN, HOST, QUICK, row, summary, details, log, pty_harness)
    bench_binary_size()
    bench_latency()
    bench_bulk()
    log(f"7. registry plan over {registry_bench.TAGS} tags vs curl")
    registry_bench.bench_registry(BIN, WORK, row, details, 3 if QUICK else 5)
    race_bench.bench_races(sys.modules[__name__], BIN, row, details, QUICK)
    empty_engine()

    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump({"machine": machine, "rows": results, "details": details}, f, indent=1, default=str)
    print_table(machine)
    print(f"\nraw figures: {os.path.join(WORK, 'results.json')}")


if __name__ == "__main__":
    main()
