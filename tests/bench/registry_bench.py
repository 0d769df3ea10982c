"""Row 7 of the suite: `imgreaper registry plan` over a repository of 2,000 tags on a private
`docker-registry` (loopback, its own storage, access log on), against the same requests made by
curl at the same concurrency (one process, `--parallel --parallel-max 8`).

Counts the requests from the registry's access log: a plan must make at most the pages of the tag
list and one HEAD per tag, and — only when the policy needs dates (`order: created`,
`max_age_days`) — one manifest and one config read per distinct digest.

Run alone: IMGREAPER_BIN=target/release/imgreaper BENCH_WORK=/tmp/w python3 tests/bench/registry_bench.py
"""

import hashlib
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import time

TAGS = 2000
DIGESTS = 50
CONCURRENCY = 8
ACCEPT = ("application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
          "application/vnd.docker.distribution.manifest.list.v2+json, "
          "application/vnd.docker.distribution.manifest.v2+json")
REPO = "bench/lab"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(work):
    port = free_port()
    root = os.path.join(work, "registry")
    os.makedirs(root, exist_ok=True)
    config = os.path.join(root, "config.yml")
    with open(config, "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\n"
                f"storage:\n  filesystem:\n    rootdirectory: {root}/data\n  delete:\n    enabled: true\n"
                f"http:\n  addr: 127.0.0.1:{port}\n")
    log_path = os.path.join(root, "access.log")
    proc = subprocess.Popen(["docker-registry", "serve", config], stdout=open(log_path, "ab"),
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the bench registry did not come up")
            time.sleep(0.1)
    return proc, port, log_path


def fill(port):
    """DIGESTS images of no layers, each with its own config date, under TAGS tags in all."""
    conn = http.client.HTTPConnection("127.0.0.1", port)

    def request(method, path, body=b"", headers=None):
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return response

    manifests = []
    for i in range(DIGESTS):
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "created": f"2024-01-{1 + i % 28:02d}T00:00:{i % 60:02d}Z",
                             "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        digest = "sha256:" + hashlib.sha256(config).hexdigest()
        upload = request("POST", f"/v2/{REPO}/blobs/uploads/")
        location = upload.getheader("Location")
        location = re.sub(r"^https?://[^/]+", "", location)
        sep = "&" if "?" in location else "?"
        request("PUT", f"{location}{sep}digest={digest}", config,
                {"Content-Type": "application/octet-stream"})
        manifests.append(json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": len(config), "digest": digest}, "layers": []}).encode())
    for n in range(TAGS):
        request("PUT", f"/v2/{REPO}/manifests/w_2024_{n}", manifests[n % DIGESTS],
                {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
    conn.close()


def policy(work, port, dated):
    category = ({"name": "weekly", "tags": "w_*", "order": "created", "max_age_days": 365} if dated
                else {"name": "weekly", "tags": "w_*", "order": "tag", "last": 100})
    path = os.path.join(work, f"registry-{'dated' if dated else 'plain'}.json")
    with open(path, "w") as f:
        json.dump({"registry_policy": {"registry": f"127.0.0.1:{port}", "repositories": [
            {"repository": REPO, "keep": ["latest"], "categories": [category]}]}}, f)
    return path


def count(log_path, since):
    with open(log_path, "rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    kinds = {"tag pages": r'"GET /v2/[^ ]*/tags/list', "HEAD": r'"HEAD /v2/[^ ]*/manifests/',
             "manifest GET": r'"GET /v2/[^ ]*/manifests/', "config GET": r'"GET /v2/[^ ]*/blobs/'}
    return {k: len(re.findall(p, text)) for k, p in kinds.items()}


def curl_same(work, port, tags, digests, configs):
    """The plan's requests by one curl at the same concurrency: the tag list, then the HEADs,
    then (dated) the manifests and the configs."""
    base = f"http://127.0.0.1:{port}/v2/{REPO}"
    phases = [[f"{base}/tags/list"], [f"{base}/manifests/{t}" for t in tags]]
    if digests:
        phases += [[f"{base}/manifests/{d}" for d in digests], [f"{base}/blobs/{c}" for c in configs]]
    start = time.monotonic()
    for i, urls in enumerate(phases):
        config = os.path.join(work, "curl.conf")
        with open(config, "w") as f:
            for url in urls:
                f.write(f'url = "{url}"\noutput = "/dev/null"\n')
        head = ["-I"] if i == 1 else []
        subprocess.run(["curl", "-sf", "--no-progress-meter", "--parallel", "--parallel-max", str(CONCURRENCY), *head,
                        "-H", f"Accept: {ACCEPT}", "--config", config], check=True)
    return time.monotonic() - start


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def bench_registry(binary, work, row, details, runs):
    proc, port, log_path = start_registry(work)
    try:
        fill(port)
        tags = [f"w_2024_{n}" for n in range(TAGS)]
        for dated in (False, True):
            path = policy(work, port, dated)
            mine, base, counts = [], [], None
            for _ in range(runs):
                since = os.path.getsize(log_path)
                t = time.monotonic()
                out = subprocess.run([binary, "registry", "plan", path, "--json",
                                      "--concurrency", str(CONCURRENCY)],
                                     capture_output=True, text=True, check=True)
                mine.append((time.monotonic() - t) * 1000)
                time.sleep(0.2)  # the access log is written after each answer
                counts = count(log_path, since)
                plan = json.loads(out.stdout)["plan"]["repositories"][0]["tags"]
                digests = sorted({d["digest"] for d in plan}) if dated else []
                configs = []
                if dated:
                    for d in digests:
                        c = http.client.HTTPConnection("127.0.0.1", port)
                        c.request("GET", f"/v2/{REPO}/manifests/{d}", headers={"Accept": ACCEPT})
                        configs.append(json.loads(c.getresponse().read())["config"]["digest"])
                        c.close()
                base.append(curl_same(work, port, tags, digests, configs) * 1000)
            expected = {"tag pages": 1, "HEAD": TAGS, "manifest GET": DIGESTS if dated else 0,
                        "config GET": DIGESTS if dated else 0}
            within = all(counts[k] <= expected[k] for k in expected)
            m, b = summary(mine), summary(base)
            name = f"7. registry plan {TAGS} tags ({'dates' if dated else 'no dates'})"
            details[name] = {"requests": counts, "expected_at_most": expected, "ms": mine, "curl_ms": base}
            row(name, "ms", m, b, f"curl --parallel-max {CONCURRENCY}", "≤ 1.2× curl; requests as listed",
                m["median"] <= 1.2 * b["median"] and within,
                note=f"ratio {m['median'] / b['median']:.2f}×; requests {counts} (at most {expected})")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    rows = []
    work = os.environ.get("BENCH_WORK", "/tmp/imgreaper-registry-bench")
    os.makedirs(work, exist_ok=True)
    bench_registry(os.environ["IMGREAPER_BIN"], work,
                   lambda *a, **k: rows.append((a, k)), {}, int(os.environ.get("RUNS", "3")))
    for a, k in rows:
        print(a[0], "mine", a[2], "curl", a[3], k)
