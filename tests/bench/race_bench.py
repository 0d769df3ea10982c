"""Row 8 of the benchmark suite: the two windows a removal leaves open on a real engine under churn
(DESIGN.md §12), measured for this build and, with BASELINE_BIN set, for another build:

- create-versus-delete: containers created by name from due images while `run --once` sweeps
  them; a container whose image no longer exists was left without it.
- name-moved: every due name re-pointed to a new image (its only name) while the sweep takes it
  off; a new image that lost its name (deleted) was a misfire.

Imported by suite.py, which provides the engine helpers."""

import json
import os
import subprocess
import threading
import time

IMAGES = 40  # due images per round


def _sweep(bin_path, env, database):
    return subprocess.Popen([bin_path, "--db", database, "run", "--once", "--startup-delay", "0s",
                             "--min-age", "0s"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _create(http, name, image):
    conn = http()
    body = json.dumps({"Image": image, "Cmd": ["/bin/busybox", "true"]})
    conn.request("POST", f"/containers/create?name={name}", body,
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    return response.status == 201


def _image_of(http, container):
    conn = http()
    conn.request("GET", f"/containers/{container}/json")
    response = conn.getresponse()
    data = response.read()
    return json.loads(data)["Image"] if response.status == 200 else None


def _exists(http, image):
    conn = http()
    conn.request("GET", f"/images/{image}/json")
    response = conn.getresponse()
    response.read()
    return response.status == 200


def create_race(s, bin_path, label, want_containers):
    """Rounds of IMAGES due images swept while four creators make containers from them by name,
    until at least `want_containers` containers were made. Returns (containers, orphans)."""
    made, orphans, round_no = 0, 0, 0
    while made < want_containers:
        s.empty_engine()
        refs = [f"reg.local/race{round_no}/app{i}:1" for i in range(IMAGES)]
        s.import_images(refs)
        database = s.db(f"race-{label}-{round_no}")
        s.apply_policy(database, "all", [("*", 0)])
        sweep = _sweep(bin_path, s.ENV, database)
        done = threading.Event()
        created = []

        def creator(offset):
            n = 0
            while not done.is_set():
                ref = refs[(offset + n) % len(refs)]
                name = f"race-{round_no}-{offset}-{n}"
                if _create(s.UnixHTTP, name, ref):
                    created.append(name)
                n += 1

        threads = [threading.Thread(target=creator, args=(k * IMAGES // 4,)) for k in range(4)]
        for t in threads:
            t.start()
        sweep.wait(timeout=600)
        done.set()
        for t in threads:
            t.join()
        for name in created:
            image = _image_of(s.UnixHTTP, name)
            if image and not _exists(s.UnixHTTP, image):
                orphans += 1
        made += len(created)
        s.log(f"   {label} round {round_no}: {len(created)} containers, {orphans} orphans so far")
        round_no += 1
    return made, orphans


def repoint_race(s, bin_path, label, rounds):
    """Rounds of IMAGES due images, each name re-pointed to a new image while the sweep runs.
    Returns (names re-pointed, new images lost)."""
    moved, lost = 0, 0
    for round_no in range(rounds):
        s.empty_engine()
        refs = [f"reg.local/moved{round_no}/app{i}:1" for i in range(IMAGES)]
        s.import_images(refs)
        database = s.db(f"moved-{label}-{round_no}")
        s.apply_policy(database, "all", [("*", 0)])
        sweep = _sweep(bin_path, s.ENV, database)
        new_ids = []
        lock = threading.Lock()

        def mover(chunk):
            for ref in chunk:
                out = subprocess.run(["docker", "import", "-", ref],
                                     input=s.rootfs_tar(f"{ref} new {time.time_ns()}"),
                                     env=s.ENV, capture_output=True)
                if out.returncode == 0:
                    with lock:
                        new_ids.append(out.stdout.decode().split()[-1])

        threads = [threading.Thread(target=mover, args=(refs[k::4],)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sweep.wait(timeout=600)
        moved += len(new_ids)
        lost += sum(1 for image in new_ids if not _exists(s.UnixHTTP, image))
        s.log(f"   {label} round {round_no}: {len(new_ids)} re-pointed, {lost} lost so far")
    return moved, lost


def bench_races(s, bin_path, row, details, quick):
    want = 200 if quick else 1000
    rounds = 2 if quick else 10
    builds = [("this build", bin_path)]
    baseline = os.environ.get("BASELINE_BIN")
    if baseline:
        builds.append(("baseline", baseline))
    for label, path in builds:
        s.log(f"8. removal races, {label}: creates during sweeps (≥ {want} containers)")
        made, orphans = create_race(s, path, label.replace(" ", "-"), want)
        details.setdefault("races", {})[label] = {"containers": made, "orphans": orphans}
        row(f"8. containers left without their image ({label})", "", {"median": orphans,
            "min": orphans, "max": orphans, "n": 1}, target="≤ 1 per 1,000",
            ok=orphans * 1000 <= made, note=f"{orphans} of {made} containers created by name "
            f"from due images while sweeps removed them")
        s.log(f"8. removal races, {label}: names re-pointed during sweeps ({rounds} × {IMAGES})")
        moved, lost = repoint_race(s, path, label.replace(" ", "-"), rounds)
        details["races"][label].update({"re_pointed": moved, "lost": lost})
        row(f"8. new images a re-pointed name cost ({label})", "", {"median": lost, "min": lost,
            "max": lost, "n": 1}, note=f"{lost} of {moved} names re-pointed (a new image whose "
            f"only name it is) in the instant the sweep took them off; measured, not budgeted")
    s.empty_engine()
