//! One batch of removals, the same for the enforcer's sweep, `remove`, the console and disk
//! pressure: journalled first, the images read again, due names of images that keep others
//! untagged, images that go held and their names taken off, one grace period for the whole
//! batch, then those images deleted by ID; every outcome recorded once.

use super::hold::{Held, delete_held, hold_name, public_names, take_names_off};
use super::untag::{Reread, reread, untag_names};
use super::{ImageRemoval, Outcome, Target, by_image, record};
use crate::core::policy::qualified_form;
use crate::node::clock::Clock;
use crate::node::engine::{Engine, ImageNow};
use crate::node::store::{Hold, NewAudit, Owner, Store, unless_disk_full};
use anyhow::Result;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Who removes, and how.
pub struct Batch<'a> {
    pub engine: &'a Engine,
    /// Shared with whatever else the caller checks during the batch (the enforcer's lease).
    pub store: &'a Mutex<&'a mut Store>,
    pub owner: &'a Owner,
    pub actor: &'a str,
    pub clock: &'a dyn Clock,
    /// Images worked on at once.
    pub concurrency: usize,
    /// Paid once, after the names of the images that go are off (`CREATE_GRACE`).
    pub grace: Duration,
}

/// One name's outcome, and what was recorded for it.
pub struct Finished {
    pub target: Target,
    pub outcome: Outcome,
    /// The audit line, written or (disk full) still to write.
    pub entry: Option<NewAudit>,
    /// The disk was full: `entry` is not in the log yet.
    pub unrecorded: bool,
}

/// Per name: what happened to it.
type Outcomes = Vec<(String, Outcome)>;
/// An image held with its names off, or what stopped it.
type Taken = Result<Held, Outcomes>;

/// What one image of the batch is to become.
enum Plan {
    Done(Vec<(String, Outcome)>),
    Untag,
    Delete(ImageNow),
}

impl<'a> Batch<'a> {
    /// Removes `targets`, asking `may_proceed` before each request (an `Err(why)` stops what is
    /// left of that image).
    pub async fn run(
        &self,
        targets: Vec<Target>,
        may_proceed: &(dyn Fn() -> Result<(), String> + Sync),
    ) -> Result<Vec<Finished>> {
        let mut finished = Vec::new();
        let mut groups = Vec::new();
        // Names journalled under this owner (the others went ahead unjournalled: a full disk).
        let mut journalled = HashSet::new();
        for group in by_image(targets) {
            let (group, busy, written) = self.journal(group)?;
            finished.extend(busy);
            journalled.extend(written);
            if !group.names.is_empty() {
                groups.push(group);
            }
        }
        // Read every image again, concurrently: what goes whole, what only loses names.
        let plans: Vec<(ImageRemoval, Plan)> = futures_util::stream::iter(groups)
            .map(|group| async move {
                let plan = match reread(self.engine, &group.image_id).await {
                    Reread::Stop(outcome) => Plan::Done(every_name(&group, outcome)),
                    Reread::Now(now) if goes_whole(&group, &now) => Plan::Delete(now),
                    Reread::Now(_) => Plan::Untag,
                };
                (group, plan)
            })
            .buffered(self.concurrency)
            .collect()
            .await;

        let mut results: Vec<(ImageRemoval, Vec<(String, Outcome)>)> = Vec::new();
        let mut deleting: Vec<(ImageRemoval, ImageNow)> = Vec::new();
        let mut untagging: Vec<ImageRemoval> = Vec::new();
        for (group, plan) in plans {
            match plan {
                Plan::Done(outcomes) => results.push((group, outcomes)),
                Plan::Untag => untagging.push(group),
                Plan::Delete(now) => deleting.push((group, now)),
            }
        }
        results.extend(
            futures_util::stream::iter(untagging)
                .map(|group| async move {
                    let outcomes = untag_names(self.engine, &group, may_proceed).await;
                    (group, outcomes)
                })
                .buffer_unordered(self.concurrency)
                .collect::<Vec<_>>()
                .await,
        );

        for (group, now) in &deleting {
            self.journal_hold(group, now)?;
        }
        let taken: Vec<(ImageRemoval, Taken)> = futures_util::stream::iter(deleting)
            .map(|(group, now)| async move {
                let held = take_names_off(self.engine, &group, &now, may_proceed).await;
                (group, held)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let mut held = Vec::new();
        for (group, outcome) in taken {
            match outcome {
                Ok(names_off) => held.push((group, names_off)),
                Err(outcomes) => results.push((group, outcomes)),
            }
        }
        if !held.is_empty() {
            // Creates that resolved a name before it came off register their container now.
            tokio::time::sleep(self.grace).await;
        }
        results.extend(
            futures_util::stream::iter(held)
                .map(|(group, names_off)| async move {
                    let outcomes = delete_held(self.engine, &group, &names_off, may_proceed).await;
                    (group, outcomes)
                })
                .buffer_unordered(self.concurrency)
                .collect::<Vec<_>>()
                .await,
        );
        for (group, outcomes) in results {
            finished.extend(self.record_image(&group, outcomes, &journalled)?);
        }
        Ok(finished)
    }

    /// Journals each name; one another live process is removing comes back as not done.
    /// Returns the group of what goes ahead, what does not, and the names journalled.
    fn journal(
        &self,
        mut group: ImageRemoval,
    ) -> Result<(ImageRemoval, Vec<Finished>, Vec<String>)> {
        let mut busy = Vec::new();
        let mut journalled = Vec::new();
        let mut written = Vec::new();
        let now = self.clock.now();
        let mut store = self.lock();
        for name in std::mem::take(&mut group.names) {
            let target = group.target(&name);
            let entry = record::pending(&target, self.actor, self.owner, now);
            // On a full disk the removal goes ahead unjournalled: freeing space comes first.
            match unless_disk_full(store.begin_removal(&entry))? {
                Some(false) => busy.push(Finished {
                    target,
                    outcome: Outcome::NotDone("another process is removing it right now".into()),
                    entry: None,
                    unrecorded: false,
                }),
                Some(true) => {
                    written.push(name.clone());
                    journalled.push(name);
                }
                None => journalled.push(name),
            }
        }
        group.names = journalled;
        Ok((group, busy, written))
    }

    /// The hold is journalled before the hold name is given, with the names to put back.
    fn journal_hold(&self, group: &ImageRemoval, now: &ImageNow) -> Result<()> {
        let hold = Hold {
            image_id: group.image_id.clone(),
            hold: hold_name(&group.image_id),
            names: public_names(now),
            owner: self.owner.clone(),
            started: self.clock.now(),
        };
        unless_disk_full(self.lock().begin_hold(&hold))?;
        Ok(())
    }

    /// Records each name's outcome; the hold ends unless what happened is not known yet.
    fn record_image(
        &self,
        group: &ImageRemoval,
        outcomes: Vec<(String, Outcome)>,
        journalled: &HashSet<String>,
    ) -> Result<Vec<Finished>> {
        let mut store = self.lock();
        let mut finished = Vec::new();
        // Where the engine went away, the hold stays for the next run to put the names back.
        let unsettled = outcomes
            .iter()
            .any(|(_, o)| matches!(o, Outcome::Unknown(_) | Outcome::NotDone(_)));
        for (name, outcome) in outcomes {
            let target = group.target(&name);
            let now = self.clock.now();
            let written = journalled.contains(&name);
            let recorded = record(
                &mut store, self.owner, &target, &outcome, self.actor, now, written,
            );
            let (entry, unrecorded) = match unless_disk_full(recorded)? {
                Some(entry) => (entry, false),
                None => (super::audit(&target, &outcome, self.actor, now), true),
            };
            finished.push(Finished {
                target,
                outcome,
                unrecorded: unrecorded && entry.is_some(),
                entry,
            });
        }
        if !unsettled {
            unless_disk_full(store.end_hold(&group.image_id))?;
        }
        Ok(finished)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, &'a mut Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether every public name of the image is among the due ones: it is deleted, not untagged.
fn goes_whole(group: &ImageRemoval, now: &ImageNow) -> bool {
    let due: Vec<String> = group.names.iter().map(|n| qualified_form(n)).collect();
    if group.names.contains(&group.image_id) {
        return true; // dangling
    }
    let tags: Vec<&String> = now
        .tags
        .iter()
        .filter(|t| !super::is_hold_name(t))
        .collect();
    let names: Vec<&String> = if tags.is_empty() {
        now.digests.iter().collect()
    } else {
        tags
    };
    !names.is_empty() && names.iter().all(|name| due.contains(&qualified_form(name)))
}

fn every_name(group: &ImageRemoval, outcome: Outcome) -> Vec<(String, Outcome)> {
    group
        .names
        .iter()
        .map(|name| (name.clone(), outcome.clone()))
        .collect()
}
