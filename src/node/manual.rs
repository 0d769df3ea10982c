//! Manual actions, the same for the command line and the console: remove, approve, postpone,
//! pin, adopt. Each decision is checked against the plan it is taken on, bound to the image the
//! name points at, and written to the audit log with who took it.

use crate::core::format::{relative, rfc3339};
use crate::core::lapse::DecisionKind;
use crate::core::model::Timestamp;
use crate::core::plan::{RefPlan, RefState, current_names};
use crate::core::policy::Matcher;
use crate::core::settings::{Settings, SettingsOverride};
use crate::core::snapshot::Snapshot;
use crate::node::clock::{Clock, SystemClock};
use crate::node::engine::Engine;
use crate::node::removal::{self, Batch, Outcome, Target};
use crate::node::store::{NewAudit, Owner, Store};
use anyhow::Result;
use std::collections::HashSet;

/// Why a decision was not taken for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reference: String,
    pub why: String,
}

/// A postponement that was taken: the removal moves from `before` to `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postponed {
    pub target: Target,
    pub before: Timestamp,
    pub until: Timestamp,
}

fn row_of<'a>(snapshot: &'a Snapshot, target: &Target) -> Option<&'a RefPlan> {
    snapshot.rows.iter().find(|row| {
        snapshot.inventory.images[row.image].id == target.image_id
            && row.key(&snapshot.inventory) == target.reference
    })
}

/// How a row stands, for a refusal: `scheduled (removal in 3h 10m)`.
fn standing(row: Option<&RefPlan>, now: Timestamp) -> String {
    match row {
        None => "no longer on the engine under that name".to_string(),
        Some(row) => match (row.state, row.deadline) {
            (RefState::Scheduled | RefState::Postponed { .. }, Some(deadline)) => format!(
                "{} (removal {})",
                row.state.label(),
                relative(deadline, now)
            ),
            (state, _) => state.label().to_string(),
        },
    }
}

/// Which targets await approval; every other is refused, saying how it stands. Writes nothing.
pub fn approvable(snapshot: &Snapshot, targets: &[Target]) -> Vec<Result<Target, Refusal>> {
    targets
        .iter()
        .map(|target| {
            let row = row_of(snapshot, target);
            if row.map(|r| r.state) == Some(RefState::AwaitingApproval) {
                Ok(target.clone())
            } else {
                Err(Refusal {
                    reference: target.reference.clone(),
                    why: format!(
                        "not awaiting approval: it is {}",
                        standing(row, snapshot.now)
                    ),
                })
            }
        })
        .collect()
}

/// Approves removals that await approval; refuses any other target, saying how it stands.
pub fn approve(
    store: &mut Store,
    snapshot: &Snapshot,
    targets: &[Target],
    actor: &str,
    now: Timestamp,
) -> Result<Vec<Result<Target, Refusal>>> {
    let decided = approvable(snapshot, targets);
    for target in decided.iter().flatten() {
        store.approve(&target.reference, &target.image_id, actor, now)?;
        store.audit(
            &NewAudit::new(now, actor, "approve", &target.reference, &target.image_id)
                .result(format!("approved for {}", target.image_id)),
        )?;
    }
    Ok(decided)
}

/// Where each target's removal would move if postponed `seconds` later than it is planned now, a
/// postponed one included (from now, for one already due). A target with no removal planned is
/// refused, as is a duration that is not positive: either would change nothing. Writes nothing.
pub fn postponements(
    snapshot: &Snapshot,
    targets: &[Target],
    seconds: i64,
    now: Timestamp,
) -> Vec<Result<Postponed, Refusal>> {
    targets
        .iter()
        .map(|target| {
            if seconds <= 0 {
                return Err(Refusal {
                    reference: target.reference.clone(),
                    why: "that moves the removal no later; a postponement moves it later, and \
                          ending the postponement brings it back"
                        .to_string(),
                });
            }
            let row = row_of(snapshot, target);
            let Some(before) = row.and_then(|r| r.deadline) else {
                return Err(Refusal {
                    reference: target.reference.clone(),
                    why: format!(
                        "no removal is planned, so there is nothing to postpone: it is {}",
                        standing(row, snapshot.now)
                    ),
                });
            };
            // However often it is postponed, a removal is never planned more than 100 years
            // ahead.
            let latest = now.saturating_add(crate::core::policy::limits::MAX_SECONDS as i64);
            Ok(Postponed {
                target: target.clone(),
                before,
                until: before.max(now).saturating_add(seconds.max(0)).min(latest),
            })
        })
        .collect()
}

/// Postpones each target as `postponements` decides, and records it.
pub fn postpone(
    store: &mut Store,
    snapshot: &Snapshot,
    targets: &[Target],
    seconds: i64,
    actor: &str,
    now: Timestamp,
) -> Result<Vec<Result<Postponed, Refusal>>> {
    let decided = postponements(snapshot, targets, seconds, now);
    for done in decided.iter().flatten() {
        let target = &done.target;
        // Also on this boot's monotonic clock: how long it lasts is real time from now.
        let moment = SystemClock.moment();
        let on_boot = (
            moment.boot,
            moment.up.saturating_add(done.until.saturating_sub(now)),
        );
        store.postpone(
            &target.reference,
            &target.image_id,
            done.until,
            Some(on_boot),
            actor,
        )?;
        store.audit(
            &NewAudit::new(now, actor, "postpone", &target.reference, &target.image_id).result(
                format!(
                    "until {} (was {})",
                    rfc3339(done.until),
                    rfc3339(done.before)
                ),
            ),
        )?;
    }
    Ok(decided)
}

/// A postponement that was ended: the removal moves from `was` back to `back_to` (the rule's
/// deadline, or whatever else now holds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub target: Target,
    pub was: Timestamp,
    pub back_to: Option<Timestamp>,
}

/// When each target's removal would go without its postponement (one plan for all of them).
pub fn without_postponements(snapshot: &Snapshot, targets: &[Target]) -> Vec<Option<Timestamp>> {
    let mut overrides = snapshot.overrides.clone();
    for target in targets {
        overrides
            .postponements
            .retain(|(_, image_id), _| *image_id != target.image_id);
    }
    let rows = snapshot.plan_with(&overrides);
    targets
        .iter()
        .map(|target| {
            rows.iter()
                .find(|row| {
                    snapshot.inventory.images[row.image].id == target.image_id
                        && row.key(&snapshot.inventory) == target.reference
                })
                .and_then(|row| row.deadline)
        })
        .collect()
}

/// Ends each target's postponement (`postpone --cancel`, `x` in the console): its removal goes
/// back to when it would be without it. A target that is not postponed is refused.
pub fn end_postponement(
    store: &mut Store,
    snapshot: &Snapshot,
    targets: &[Target],
    actor: &str,
    now: Timestamp,
) -> Result<Vec<Result<Ended, Refusal>>> {
    let back = without_postponements(snapshot, targets);
    let mut results = Vec::new();
    for (target, back_to) in targets.iter().zip(back) {
        // Its own, or (shown under its former name) one the image kept when the name moved on.
        let held: Vec<(String, Timestamp)> = snapshot
            .overrides
            .postponements
            .iter()
            .filter(|((reference, image_id), _)| {
                *image_id == target.image_id
                    && (*reference == target.reference
                        || row_of(snapshot, target)
                            .is_some_and(|r| matches!(r.state, RefState::Postponed { .. })))
            })
            .map(|((reference, _), until)| (reference.clone(), *until))
            .collect();
        let Some(until) = held.iter().map(|(_, until)| *until).max() else {
            let row = row_of(snapshot, target);
            results.push(Err(Refusal {
                reference: target.reference.clone(),
                why: format!("not postponed: it is {}", standing(row, snapshot.now)),
            }));
            continue;
        };
        let was = row_of(snapshot, target)
            .and_then(|r| r.deadline)
            .unwrap_or(until);
        for (reference, _) in &held {
            store.drop_decision(DecisionKind::Postponement, reference, &target.image_id)?;
        }
        let back = match back_to {
            Some(at) if at <= now => format!("removal back to {} (due now)", rfc3339(at)),
            Some(at) => format!("removal back to {}", rfc3339(at)),
            None => "no removal planned".to_string(),
        };
        store.audit(
            &NewAudit::new(
                now,
                actor,
                "unpostpone",
                &target.reference,
                &target.image_id,
            )
            .result(format!(
                "postponement ended (was until {}); {back}",
                rfc3339(until)
            )),
        )?;
        results.push(Ok(Ended {
            target: target.clone(),
            was,
            back_to,
        }));
    }
    Ok(results)
}

/// The names a reference carries now (its own and its digest names).
pub fn names_now(snapshot: &Snapshot, reference: &str) -> Vec<String> {
    snapshot
        .inventory
        .images
        .iter()
        .find(|image| image.references.iter().any(|r| r == reference))
        .map_or_else(
            || vec![reference.to_string()],
            |image| current_names(image, reference),
        )
}

/// The pin among `pins` that covers a reference (its own name, a pattern, a digest name).
pub fn pinned_by(snapshot: &Snapshot, pins: &HashSet<String>, reference: &str) -> Option<String> {
    if pins.contains(reference) {
        return Some(reference.to_string());
    }
    // A pin by image ID pins that image, under any name.
    let image = snapshot
        .inventory
        .images
        .iter()
        .find(|image| image.id == reference || image.references.iter().any(|r| r == reference));
    if let Some(image) = image.filter(|image| pins.contains(&image.id)) {
        return Some(image.id.clone());
    }
    let mut pins: Vec<&String> = pins.iter().collect();
    pins.sort();
    let matcher = Matcher::new(&pins);
    let mut hits = Vec::new();
    names_now(snapshot, reference).iter().find_map(|name| {
        matcher.matches_into(name, &mut hits);
        hits.first().map(|&i| pins[i].clone())
    })
}

/// Records that an operator removes a name a keep rule keeps, before it is removed.
pub fn ignore_keep(
    store: &mut Store,
    target: &Target,
    keep: &str,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    store.audit(
        &NewAudit::new(
            now,
            actor,
            "ignore-keep",
            &target.reference,
            &target.image_id,
        )
        .result(format!("keep rule ignored: {keep}; removing it by hand")),
    )?;
    Ok(())
}

/// Pins or unpins each target; returns whether each changed.
pub fn pin(
    store: &mut Store,
    targets: &[Target],
    pin: bool,
    actor: &str,
    now: Timestamp,
) -> Result<Vec<(Target, bool)>> {
    let mut results = Vec::new();
    for target in targets {
        let changed = if pin {
            store.pin(&target.reference, actor, now)?
        } else {
            store.unpin(&target.reference)?
        };
        let action = if pin { "pin" } else { "unpin" };
        store.audit(
            &NewAudit::new(now, actor, action, &target.reference, &target.image_id)
                .result(if changed { "ok" } else { "no change" }),
        )?;
        results.push((target.clone(), changed));
    }
    Ok(results)
}

/// Sets (adopt) or clears (disown) the agent-downloaded flag of each target's image by hand.
pub fn adopt(
    store: &mut Store,
    targets: &[Target],
    adopt: bool,
    actor: &str,
    now: Timestamp,
) -> Result<Vec<(Target, bool)>> {
    let mut results = Vec::new();
    for target in targets {
        let changed = store.set_ownership(&target.image_id, adopt, actor, now)?;
        let action = if adopt { "adopt" } else { "disown" };
        store.audit(
            &NewAudit::new(now, actor, action, &target.reference, &target.image_id).result(
                if !changed {
                    "no change".to_string()
                } else if adopt {
                    "ok: counts as agent-downloaded".to_string()
                } else {
                    "ok: no longer counts as agent-downloaded".to_string()
                },
            ),
        )?;
        results.push((target.clone(), changed));
    }
    Ok(results)
}

/// What a manual removal did.
#[derive(Debug, Default)]
pub struct Removals {
    pub outcomes: Vec<(Target, Outcome)>,
    /// Audit lines the full disk kept out of the log (the removals themselves went ahead).
    pub unrecorded: Vec<NewAudit>,
}

/// Removes targets now, never forced, as the enforcer does (`removal::Batch`): journalled under
/// `owner` first; an image whose every name goes is held, its names taken off, and deleted by
/// ID after the grace. On a full disk it removes all the same, since that is how space comes
/// back, and says what it could not record.
pub async fn remove(
    engine: &Engine,
    store: &mut Store,
    targets: Vec<Target>,
    actor: &str,
    owner: &Owner,
    clock: &dyn Clock,
) -> Result<Removals> {
    let store = std::sync::Mutex::new(store);
    let batch = Batch {
        engine,
        store: &store,
        owner,
        actor,
        clock,
        concurrency: 4,
        grace: removal::CREATE_GRACE,
    };
    let mut done = Removals::default();
    for finished in batch.run(targets, &|| Ok(())).await? {
        if finished.unrecorded {
            done.unrecorded.extend(finished.entry);
        }
        done.outcomes.push((finished.target, finished.outcome));
    }
    Ok(done)
}

/// Changes the stored settings every enforcer starts from (`imgreaper settings`, `M` in the
/// console), audited; returns them before and after.
pub fn change_settings(
    store: &mut Store,
    change: SettingsOverride,
    actor: &str,
    now: Timestamp,
) -> Result<(Settings, Settings)> {
    let before = store.settings()?;
    let after = change.apply(before);
    store.save_settings(&after)?;
    store.audit(
        &NewAudit::new(now, actor, "settings", "settings", "").result(format!(
            "{} (was {})",
            settings_line(&after),
            settings_line(&before)
        )),
    )?;
    Ok((before, after))
}

/// `mode auto, start-up delay 300s, minimum age 600s, interval 60s`.
pub fn settings_line(s: &Settings) -> String {
    format!(
        "mode {}, start-up delay {}s, minimum age {}s, interval {}s",
        s.mode, s.startup_delay_secs, s.min_age_secs, s.interval_secs
    )
}
