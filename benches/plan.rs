//! The planner (§4) on synthetic inventories: 1k / 10k / 100k references × 10 / 100 / 1,000 rules.
//!
//! `cargo bench --bench plan` (harness = false). Each case runs for about a second (at least 5 and at
//! most 200 repetitions, after one warm-up) and prints median / min / max of one `plan()` call, plus
//! the one-off cost of compiling the rules (`RuleBook::new`). `QUICK=1` shortens every case;
//! `PLAN_BENCH_MAX_REFS=10000` skips the larger inventories; `PLAN_BENCH_CASE=10000x1000` runs one case
//! (for a profiler); `PLAN_BENCH_REPS=50` runs each case exactly that often (for `perf stat`). Targets:
//! 10k refs × 1,000 rules under 5 ms, 100k × 1,000 under 60 ms, linear in references.
//!
//! Names are realistic (`registry.example.com/org3/app17:1.4.2`, `org/app:latest`, `nginx:1.25`);
//! patterns mix exact names, `org/*`, `*:latest`, `app.*` and `?`.

use imgreaper::core::model::{Container, Guards, Image, ImageRecord, Inventory, Mode, Overrides};
use imgreaper::core::plan::{PlanInput, RuleBook, SourcedRule, plan};
use imgreaper::core::policy::Rule;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

const NOW: i64 = 1_750_000_000;
const REGISTRIES: [&str; 4] = ["", "docker.io/", "registry.example.com/", "127.0.0.1:5000/"];
const OFFICIAL: [&str; 6] = ["nginx", "redis", "postgres", "alpine", "busybox", "traefik"];

/// A small deterministic generator (xorshift), so every run plans the same inventory.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn version(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => "latest".to_string(),
        1 => format!("{}.{}-arm64", rng.below(5), rng.below(20)),
        _ => format!("{}.{}.{}", rng.below(5), rng.below(20), rng.below(50)),
    }
}

/// One reference: mostly `registry/orgN/appM:version`, some official images.
fn reference(rng: &mut Rng, serial: usize) -> String {
    if rng.below(8) == 0 {
        let name = OFFICIAL[rng.below(OFFICIAL.len() as u64) as usize];
        return format!("{name}:{}.{serial}", rng.below(30));
    }
    let registry = REGISTRIES[rng.below(REGISTRIES.len() as u64) as usize];
    format!(
        "{registry}org{}/app{}:{}-{serial}",
        rng.below(40),
        rng.below(200),
        version(rng)
    )
}

/// `refs` references spread over images: most have one name, every 7th two, every 50th is dangling
/// (and counts as one row), every 5th has a container.
fn inventory(refs: usize, rng: &mut Rng) -> (Inventory, HashMap<String, ImageRecord>) {
    let mut images = Vec::new();
    let mut records = HashMap::new();
    let mut rows = 0;
    let mut serial = 0;
    while rows < refs {
        let i = images.len();
        let references: Vec<String> = if i % 50 == 49 {
            Vec::new()
        } else {
            let count = if i % 7 == 0 { 2 } else { 1 }.min(refs - rows);
            (0..count)
                .map(|_| {
                    serial += 1;
                    reference(rng, serial)
                })
                .collect()
        };
        rows += references.len().max(1);
        let id = format!("sha256:{:064x}", i as u128 * 0x9e37_79b9_7f4a_7c15 + 1);
        let containers = if i % 5 == 0 {
            vec![Container {
                id: format!("{i:064x}"),
                name: format!("c{i}"),
                state: "exited".to_string(),
            }]
        } else {
            Vec::new()
        };
        let last_used = if containers.is_empty() {
            NOW - rng.below(30 * 24 * 3600) as i64
        } else {
            0
        };
        records.insert(
            id.clone(),
            ImageRecord {
                first_seen: NOW - 40 * 24 * 3600,
                last_used,
                pulled_at: None,
                agent_downloaded: i % 3 == 0,
            },
        );
        images.push(Image {
            id,
            references,
            repo_digests: Vec::new(),
            size: 5_000_000 + rng.below(200_000_000),
            created: NOW - 60 * 24 * 3600,
            children: Vec::new(),
            containers,
        });
    }
    (
        Inventory {
            images,
            podman: false,
        },
        records,
    )
}

/// `count` rules: exact names taken from the inventory, `orgN/*`, `*:latest`, `orgN/appM.*`,
/// `?` patterns and, last, one catch-all `*`.
fn rules(count: usize, inventory: &Inventory, rng: &mut Rng) -> Vec<SourcedRule> {
    let named: Vec<&String> = inventory
        .images
        .iter()
        .flat_map(|i| i.references.iter())
        .collect();
    (0..count)
        .map(|index| {
            let image_name = if index + 1 == count {
                "*".to_string()
            } else {
                match index % 6 {
                    0 | 1 => named[rng.below(named.len() as u64) as usize].clone(),
                    2 => format!("org{}/*", rng.below(40)),
                    3 => format!("*:{}", ["latest", "*-arm64", "1.*"][index / 6 % 3]),
                    4 => format!("org{}/app{}.*", rng.below(40), rng.below(200)),
                    _ => format!(
                        "registry.example.com/org{}/app{}:?.*",
                        rng.below(40),
                        rng.below(200)
                    ),
                }
            };
            SourcedRule {
                policy: format!("policy{}", index / 100),
                index: index % 100,
                rule: Rule {
                    image_name,
                    delete_after_minutes: 30 + rng.below(10_000),
                    agent_downloaded_only: index % 4 == 0,
                },
            }
        })
        .collect()
}

struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
    reps: usize,
}

/// Runs `f` once to warm up, then repeatedly for about `budget` (5 to 200 times), or exactly
/// `reps` times when given (for counting instructions with `perf stat`, which other load on the
/// machine does not change).
fn measure(budget: Duration, reps: Option<usize>, mut f: impl FnMut()) -> Stats {
    f();
    let started = Instant::now();
    let mut samples = Vec::new();
    while match reps {
        Some(reps) => samples.len() < reps,
        None => samples.len() < 5 || (samples.len() < 200 && started.elapsed() < budget),
    } {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    samples.sort();
    Stats {
        median: samples[samples.len() / 2],
        min: samples[0],
        max: samples[samples.len() - 1],
        reps: samples.len(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let quick = std::env::var("QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let budget = Duration::from_millis(if quick { 200 } else { 1000 });
    let max_refs: usize = std::env::var("PLAN_BENCH_MAX_REFS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let reps: Option<usize> = std::env::var("PLAN_BENCH_REPS")
        .ok()
        .and_then(|v| v.parse().ok());
    let only: Option<(usize, usize)> = std::env::var("PLAN_BENCH_CASE").ok().and_then(|v| {
        let (refs, rules) = v.split_once('x')?;
        Some((refs.parse().ok()?, rules.parse().ok()?))
    });
    println!(
        "{:>8} {:>6} {:>9} {:>11} {:>11} {:>11} {:>5} {:>8}",
        "refs", "rules", "rows", "median ms", "min ms", "max ms", "reps", "build ms"
    );
    for refs in [1_000, 10_000, 100_000] {
        if refs > max_refs || only.is_some_and(|(r, _)| r != refs) {
            continue;
        }
        let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ refs as u64);
        let (inventory, records) = inventory(refs, &mut rng);
        for rule_count in [10, 100, 1_000] {
            if only.is_some_and(|(_, r)| r != rule_count) {
                continue;
            }
            let mut rule_rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (refs * 7 + rule_count) as u64);
            let sourced = rules(rule_count, &inventory, &mut rule_rng);
            let build = Instant::now();
            let book = RuleBook::new(sourced);
            let build = build.elapsed();
            let overrides = Overrides::default();
            let former_names = HashMap::new();
            let input = PlanInput {
                inventory: &inventory,
                rules: &book,
                records: &records,
                overrides: &overrides,
                guards: Guards::none(),
                mode: Mode::Auto,
                now: NOW,
                former_names: &former_names,
                disk: None,
            };
            let mut rows = 0;
            let stats = measure(budget, reps, || {
                let planned = plan(black_box(&input));
                rows = planned.len();
                black_box(planned);
            });
            println!(
                "{refs:>8} {rule_count:>6} {rows:>9} {:>11.3} {:>11.3} {:>11.3} {:>5} {:>8.1}",
                ms(stats.median),
                ms(stats.min),
                ms(stats.max),
                stats.reps,
                ms(build)
            );
            // One machine-readable line per case for tests/bench/run.
            println!(
                "BENCH plan refs={refs} rules={rule_count} median_ms={:.4} min_ms={:.4} max_ms={:.4} reps={} build_ms={:.2}",
                ms(stats.median),
                ms(stats.min),
                ms(stats.max),
                stats.reps,
                ms(build)
            );
        }
    }
}
