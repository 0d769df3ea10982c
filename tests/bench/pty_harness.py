#!/usr/bin/env python3
"""A small pseudo-terminal harness for the console benchmarks (tests/bench/run, measurements 2 and 3).

first_frame(argv, env, marker): spawns argv on a fresh pty (120x40), reads everything it writes, and
returns the seconds from spawn until the screen text (escape sequences stripped) matches `marker` (a
regular expression, e.g. the fixture's image references). Terminal queries the program may send
(cursor position, device attributes, colours, keyboard enhancement) are answered the way a real
terminal would, so a program that waits for a reply does not stall.

idle(argv, env, marker, seconds): spawns it the same way, waits for the first frame and a settling
period, then for `seconds` counts the bytes written to the terminal and samples /proc/PID for CPU time
and memory.

idle_over_heartbeats(argv, env, marker, db, beats): for tests; no window of seconds. After the first
frame, lets the console's enforcer take the lease and renew it once (read from the database), then
counts the bytes written to the terminal until it has renewed the lease `beats` more times.

Run standalone for a quick look:
  tests/bench/pty_harness.py first-frame 'reg\\.local/' -- target/release/imgreaper --db /tmp/x.db
  tests/bench/pty_harness.py idle 'reg\\.local/' 10 -- target/release/imgreaper --db /tmp/x.db
"""

import fcntl
import os
import re
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time

ROWS, COLS = 40, 120
CLK_TCK = os.sysconf("SC_CLK_TCK")

# CSI … final byte, OSC … BEL/ST, two-byte escapes, and other control characters.
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0e-\x1f]")

# Queries a terminal answers, and what a plain xterm would say.
REPLIES = [
    (re.compile(rb"\x1b\[6n"), lambda m: b"\x1b[1;1R"),
    (re.compile(rb"\x1b\[\?u"), lambda m: b"\x1b[?0u"),
    (re.compile(rb"\x1b\[0?c"), lambda m: b"\x1b[?62;22c"),
    (re.compile(rb"\x1b\[>0?c"), lambda m: b"\x1b[>41;380;0c"),
    (re.compile(rb"\x1b\]1([01]);\?(\x07|\x1b\\)"),
     lambda m: b"\x1b]1" + m.group(1) + b";rgb:0000/0000/0000" + m.group(2)),
    (re.compile(rb"\x1b\[18t"), lambda m: b"\x1b[8;%d;%dt" % (ROWS, COLS)),
]


class Session:
    """One program on one pty; everything it writes is kept in `raw`."""

    def __init__(self, argv, env):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))

        def controlling_tty():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        env = dict(env, TERM=env.get("TERM", "xterm-256color"), COLUMNS=str(COLS), LINES=str(ROWS))
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv, env=env, stdin=slave, stdout=slave, stderr=slave,
            preexec_fn=controlling_tty, close_fds=True,
        )
        os.close(slave)
        self.raw = bytearray()
        self.answered = 0

    def pump(self, timeout):
        """Reads what is available within `timeout` seconds; returns the bytes read (b'' at EOF)."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return None
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return b""
        self.raw.extend(data)
        self.answer()
        return data

    def answer(self):
        tail = bytes(self.raw[self.answered:])
        for pattern, reply in REPLIES:
            for m in pattern.finditer(tail):
                os.write(self.master, reply(m))
        # Keep a few bytes in case a query is split across reads.
        self.answered = max(self.answered, len(self.raw) - 16)

    def text(self):
        return ANSI.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    def wait_for(self, marker, timeout):
        """Seconds from spawn until `marker` shows, or None on timeout/exit."""
        deadline = self.started + timeout
        pattern = re.compile(marker)
        while time.monotonic() < deadline:
            data = self.pump(deadline - time.monotonic())
            if data == b"":
                return None
            if data and pattern.search(self.text()):
                return time.monotonic() - self.started
        return None

    def close(self):
        if self.proc.poll() is None:
            try:
                os.write(self.master, b"q")
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        try:
            while self.pump(0.05):
                pass
        finally:
            os.close(self.master)


def first_frame(argv, env, marker, timeout=30):
    session = Session(argv, env)
    try:
        elapsed = session.wait_for(marker, timeout)
        return elapsed, session.text()[-3000:]
    finally:
        session.close()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


def cpu_ns(pid):
    """CPU time of every thread from schedstat (nanoseconds), finer than the ticks of /proc/PID/stat."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def memory_kb(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def sample_process(pid, seconds, windows=1, during=None):
    """CPU % (of one core), memory of `pid` over `seconds`, split into `windows` equal windows.

    Returns {"windows": [...], "total": {...}}; each has cpu_pct (from utime+stime in /proc/PID/stat,
    clock ticks), cpu_pct_ns (from the threads' schedstat, nanoseconds), rss_kb and hwm_kb at its end,
    and wall_s. `during(remaining)` is called in a loop meanwhile (it must return within `remaining`)."""

    def snap():
        return time.monotonic(), cpu_ticks(pid), cpu_ns(pid)

    def figures(a, b):
        wall = b[0] - a[0]
        mem = memory_kb(pid)
        return {
            "wall_s": wall,
            "cpu_pct": (b[1] - a[1]) / CLK_TCK / wall * 100,
            "cpu_pct_ns": (b[2] - a[2]) / 1e9 / wall * 100,
            "rss_kb": mem.get("VmRSS"),
            "hwm_kb": mem.get("VmHWM"),
        }

    first = last = snap()
    out = []
    for w in range(windows):
        end = first[0] + seconds * (w + 1) / windows
        while time.monotonic() < end:
            if during:
                during(end - time.monotonic())
            else:
                time.sleep(min(0.5, max(end - time.monotonic(), 0)))
        now = snap()
        out.append(figures(last, now))
        last = now
    return {"windows": out, "total": figures(first, last)}


def idle(argv, env, marker, seconds, windows=3, settle=3.0, timeout=30):
    """Console idle over `seconds` after the first frame and `settle`: sample_process figures, each
    window and the total also with bytes written to the terminal (bytes, bytes_per_s)."""
    session = Session(argv, env)
    try:
        shown = session.wait_for(marker, timeout)
        if shown is None:
            return {"error": "no first frame", "screen": session.text()[-2000:]}
        settle_end = time.monotonic() + settle
        while time.monotonic() < settle_end:
            session.pump(settle_end - time.monotonic())
        counted = [0]
        marks = []

        def read(remaining):
            data = session.pump(min(remaining, 0.25))
            if data:
                counted[0] += len(data)

        # Bytes per window: remember the count at each window's end by wrapping `read`.
        per_window = seconds / windows
        start = time.monotonic()

        def read_marked(remaining):
            read(remaining)
            while len(marks) < windows and time.monotonic() >= start + per_window * (len(marks) + 1) - 0.01:
                marks.append(counted[0])

        result = sample_process(session.proc.pid, seconds, windows, read_marked)
        while len(marks) < windows:
            marks.append(counted[0])
        previous = 0
        for window, mark in zip(result["windows"], marks):
            window["bytes"] = mark - previous
            window["bytes_per_s"] = (mark - previous) / window["wall_s"]
            previous = mark
        result["total"]["bytes"] = counted[0]
        result["total"]["bytes_per_s"] = counted[0] / result["total"]["wall_s"]
        result["first_frame_s"] = shown
        result["screen"] = session.text()[-2000:]
        return result
    finally:
        session.close()


def idle_over_heartbeats(argv, env, marker, db, beats, patience=180):
    """Bytes the console writes to the terminal while its enforcer renews the lease `beats` times,
    from one renewal on (so its start-up, first cycle and first renewal are behind it). Fails
    after `patience` seconds of waiting for the first frame or a renewal."""
    session = Session(argv, env)
    holder = f"console pid {session.proc.pid} %"

    def heartbeat():
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
                row = conn.execute(
                    "SELECT heartbeat FROM lease WHERE holder LIKE ?", (holder,)
                ).fetchone()
                return row[0] if row else None
        except sqlite3.Error:
            return None

    def next_heartbeat(after, counted):
        """Pumps output (adding it to `counted`) until the lease shows a renewal after `after`."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            data = session.pump(0.25)
            if data == b"":
                return None
            if data:
                counted[0] += len(data)
            beat = heartbeat()
            if beat is not None and beat != after:
                return beat
        return None

    try:
        if session.wait_for(marker, patience) is None:
            return {"error": "no first frame", "screen": session.text()[-2000:]}
        ignored = [0]
        beat = next_heartbeat(None, ignored)
        beat = beat and next_heartbeat(beat, ignored)
        counted = [0]
        beats_seen = []
        while beat is not None and len(beats_seen) < beats:
            beat = next_heartbeat(beat, counted)
            beats_seen.append(beat)
        if beat is None:
            return {"error": "the lease was not renewed", "screen": session.text()[-2000:]}
        return {"bytes": counted[0], "heartbeats": beats_seen, "screen": session.text()[-2000:]}
    finally:
        session.close()


def main():
    if "--" not in sys.argv:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    opts, argv = sys.argv[1:split], sys.argv[split + 1:]
    if opts[0] == "first-frame":
        elapsed, screen = first_frame(argv, dict(os.environ), opts[1])
        print(screen if elapsed is None else f"first frame after {elapsed * 1000:.1f} ms")
    elif opts[0] == "idle":
        print(idle(argv, dict(os.environ), opts[1], float(opts[2])))
    elif opts[0] == "idle-over-heartbeats":
        print(idle_over_heartbeats(argv, dict(os.environ), opts[1], opts[2], int(opts[3])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
