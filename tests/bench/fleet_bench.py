"""9. The fleet: `imgreaper fleet status` over N nodes against the floor, and the console's memory
with 500 nodes. Called by suite.py.

The nodes are ssh_config aliases of ONE local sshd (Debian's openssh-server, started here on
127.0.0.1 with keys made here), each with a database of its own (`SetEnv IMGREAPER_DB=…`) on the
bench engine, so every node does the same work: read the engine's N_IMAGES images and plan.

The floor is the same per-node work through plain ssh at the same parallelism:
`ssh -F CONFIG nodeI imgreaper images --json` for every node, `forks` at once (a thread pool
of subprocesses). Fairness:
- cold: neither side has a connection to reuse. imgreaper's masters (ControlMaster=auto,
  ControlPersist) are closed (`ssh -O exit`) before each run, so each run pays for setting them
  up; the floor uses plain ssh (no master at all).
- warm: both sides reuse connections: the floor gets the same ControlMaster, ControlPersist and
  a control directory of its own, and one unmeasured run opens the masters of both.
- Both use the same ssh_config, keys and sshd, the same forks (20), and the same node work
  (imgreaper reading the engine and the database); `fleet status` asks for a summary, which is
  smaller than `images --json`'s output; it also says hello and parses every answer.
"""

import concurrent.futures
import os
import shutil
import socket
import statistics
import subprocess
import time

FORKS = 20
SSHD = "/usr/sbin/sshd"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """One sshd and N node aliases."""

    def __init__(self, work, binary, docker_host, n, log):
        self.dir = os.path.join(work, "fleet")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.binary, self.n, self.log = binary, n, log
        for key in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            os.path.join(self.dir, key)], check=True)
        shutil.copy(os.path.join(self.dir, "client_key.pub"), os.path.join(self.dir, "authorized_keys"))
        os.makedirs("/run/sshd", exist_ok=True)
        self.port = _free_port()
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write(f"""ListenAddress 127.0.0.1
Port {self.port}
HostKey {self.dir}/host_key
PidFile none
AuthorizedKeysFile {self.dir}/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
AcceptEnv IMGREAPER_* DOCKER_HOST
MaxStartups 2000
MaxSessions 200
LogLevel ERROR
""")
        self.sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", config],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "sshd.log"), "w"))
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the bench sshd did not listen")
                time.sleep(0.05)
        with open(os.path.join(self.dir, "host_key.pub")) as f:
            host_key = f.read().strip()
        with open(os.path.join(self.dir, "known_hosts"), "w") as f:
            f.write(f"[127.0.0.1]:{self.port} {host_key}\n")
        # One database per node, copied from one the node's imgreaper made.
        base = os.path.join(self.dir, "base.db")
        env = dict(os.environ, DOCKER_HOST=docker_host)
        # A database as a node's service leaves it: the images recorded (a reader writes nothing).
        subprocess.run([binary, "--db", base, "run", "--once", "--dry-run"], env=env, check=True,
                       capture_output=True)
        lines = []
        for i in range(n):
            db = os.path.join(self.dir, f"node{i}.db")
            shutil.copy(base, db)
            lines.append(f"Host node{i}\n  SetEnv IMGREAPER_DB={db} DOCKER_HOST={docker_host}\n")
        lines.append(f"""Host *
  HostName 127.0.0.1
  Port {self.port}
  User root
  IdentityFile {self.dir}/client_key
  IdentitiesOnly yes
  UserKnownHostsFile {self.dir}/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  LogLevel ERROR
""")
        self.ssh_config = os.path.join(self.dir, "ssh_config")
        with open(self.ssh_config, "w") as f:
            f.writelines(lines)
        self.inventory = os.path.join(self.dir, "inventory.ini")
        with open(self.inventory, "w") as f:
            f.write("[lab]\n" + "".join(f"node{i}\n" for i in range(n)))
            f.write(f"[all:vars]\nimgreaper_path={binary}\n")
        self.env = dict(os.environ, IMGREAPER_SSH_COMMAND=f"ssh -F {self.ssh_config}",
                        XDG_RUNTIME_DIR=os.path.join(self.dir, "runtime"))
        self.env.pop("IMGREAPER_DB", None)
        self.env.pop("DOCKER_HOST", None)
        os.makedirs(self.env["XDG_RUNTIME_DIR"], exist_ok=True)
        self.floor_control = os.path.join(self.dir, "floor-control")
        os.makedirs(self.floor_control, exist_ok=True)

    def close_masters(self):
        """Ends every master connection of both sides, so the next run starts cold."""
        for directory in (os.path.join(self.env["XDG_RUNTIME_DIR"], "imgreaper-ssh"), self.floor_control):
            if not os.path.isdir(directory):
                continue
            sockets = [os.path.join(directory, s) for s in os.listdir(directory)]

            def close(path):
                subprocess.run(["ssh", "-F", "/dev/null", "-O", "exit", "-S", path, "any"],
                               capture_output=True)

            with concurrent.futures.ThreadPoolExecutor(FORKS) as pool:
                list(pool.map(close, sockets))

    def fleet_status(self, limit):
        """Seconds for `imgreaper fleet status` over the first `limit` nodes; and how many failed."""
        start = time.monotonic()
        done = subprocess.run([self.binary, "fleet", "status", "--json", "--inventory", self.inventory,
                               "--limit", f"lab[0:{limit - 1}]", "--forks", str(FORKS)],
                              env=self.env, capture_output=True, text=True)
        took = time.monotonic() - start
        failed = done.stdout.count('"error_kind": "') if done.stdout else limit
        if done.returncode != 0:
            self.log(f"   fleet status exited {done.returncode}: {done.stderr[-300:]}")
        return took, failed

    def floor(self, limit, warm):
        """Seconds for `ssh NODE imgreaper images --json` to the first `limit` nodes, FORKS at once."""
        options = ["-o", "BatchMode=yes"]
        if warm:
            options += ["-o", "ControlMaster=auto", "-o", "ControlPersist=120",
                        "-o", f"ControlPath={self.floor_control}/%n"]

        def one(i):
            return subprocess.run(["ssh", "-F", self.ssh_config, *options, f"node{i}",
                                   self.binary, "images", "--json"],
                                  capture_output=True).returncode

        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(FORKS) as pool:
            codes = list(pool.map(one, range(limit)))
        return time.monotonic() - start, sum(1 for c in codes if c != 0)

    def stop(self):
        self.close_masters()
        self.sshd.terminate()
        self.sshd.wait(timeout=10)


def run(work, binary, docker_host, quick, row, summary, details, log, pty_harness):
    if not os.path.exists(SSHD):
        row("9. fleet", "s", None, note="no /usr/sbin/sshd (apt-get install openssh-server)")
        return
    sizes = [100] if quick else [100, 500]
    reps = {100: 1 if quick else 5, 500: 1 if quick else 2}
    log(f"9. fleet: an sshd and {max(sizes)} node aliases")
    lab = Lab(work, binary, docker_host, max(sizes), log)
    try:
        for n in sizes:
            for warm in (False, True):
                label = "warm (connections reused)" if warm else "cold"
                ours, floor, failures = [], [], 0
                if warm:  # open both sides' masters once, unmeasured
                    lab.fleet_status(n)
                    lab.floor(n, True)
                for _ in range(reps[n]):
                    if not warm:
                        lab.close_masters()
                    took, failed = lab.fleet_status(n)
                    ours.append(took)
                    failures += failed
                    if not warm:
                        lab.close_masters()
                    took, failed = lab.floor(n, warm)
                    floor.append(took)
                    failures += failed
                    log(f"   {n} nodes {label}: fleet status {ours[-1]:.2f} s, floor {floor[-1]:.2f} s")
                ratio = statistics.median(ours) / statistics.median(floor)
                details[f"fleet_{n}_{'warm' if warm else 'cold'}"] = {"ours": ours, "floor": floor}
                row(f"9. fleet status, {n} nodes, {label}", "s", summary(ours), summary(floor),
                    "ssh NODE imgreaper images --json", "≤ 1.25× floor", ratio <= 1.25,
                    note=f"{ratio:.2f}× the floor; forks {FORKS}; {failures} node failures")
            lab.close_masters()
        console_memory(lab, binary, max(sizes), quick, row, summary, details, log, pty_harness)
    finally:
        lab.stop()


def console_memory(lab, binary, n, quick, row, summary, details, log, pty_harness):
    """The fleet console's memory once every node has been asked: after its first frame, as long
    as `fleet status` over the same nodes takes (measured here), then idle."""
    log(f"9. fleet console with {n} nodes: memory")
    lab.close_masters()
    took, failed = lab.fleet_status(n)
    lab.close_masters()
    # The console redraws only the cells that change, so its header's count is no marker in the
    # raw output: wait as long as the nodes took to answer `fleet status`, and half as much again.
    settle = took * 1.5
    r = pty_harness.idle([binary, "--inventory", lab.inventory], lab.env,
                         rf"{n} nodes", 9 if quick else 30, settle=settle, timeout=60)
    details["fleet_console"] = r
    if "error" in r:
        row(f"9. fleet console, {n} nodes: VmRSS", "MB", None, target="reported",
            note=r["error"] + ": " + r["screen"][-300:])
    else:
        t = r["total"]
        row(f"9. fleet console, {n} nodes: VmRSS", "MB",
            summary([x["rss_kb"] / 1024 for x in r["windows"]]), target="reported",
            note=f"VmHWM {t['hwm_kb'] / 1024:.1f} MB; measured {settle:.0f} s after the first frame "
                 f"(fleet status over them took {took:.0f} s, {failed} failed); CPU "
                 f"{t['cpu_pct']:.2f} % while every node is asked each 30 s")
