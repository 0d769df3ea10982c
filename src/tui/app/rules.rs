//! The Rules view: drafts of the saved policies being edited (removal rules, keep rules, disk
//! marks), the cursor, the open form and the preview. Edits stay in the drafts until `w` saves
//! them; `u` restores the saved policy. A save names the version its edits began on, so one
//! over a policy another process saved meanwhile is refused rather than dropping their changes.

use super::form::{FormKind, RuleForm, check_document};
use super::preview::{self, Preview};
use super::scroll::Scroll;
use crate::core::placement::{NmpPlacement, Placement, place};
use crate::core::policy::PolicyDocument;
use crate::core::snapshot::Snapshot;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDraft {
    pub name: String,
    /// The policy as edited: rules, keep rules, disk marks and the NMP fields around them.
    pub document: PolicyDocument,
    /// The policy as saved; `None` for one not saved yet (new or imported).
    pub saved: Option<PolicyDocument>,
    /// The stored version the edits began on; `None` for a policy not saved yet.
    pub version: Option<i64>,
    /// The version another process saved since the edits began, if it did.
    pub changed_elsewhere: Option<i64>,
}

impl PolicyDraft {
    pub fn dirty(&self) -> bool {
        self.saved.as_ref() != Some(&self.document)
    }

    pub fn document(&self) -> PolicyDocument {
        self.document.clone()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Policy(usize),
    Rule(usize, usize),
    Keep(usize, usize),
    Disk(usize),
}

impl Entry {
    pub fn policy(self) -> usize {
        match self {
            Entry::Policy(p) | Entry::Rule(p, _) | Entry::Keep(p, _) | Entry::Disk(p) => p,
        }
    }

    /// The same entry in another policy position (after a sync moved it).
    fn moved_to(self, p: usize) -> Entry {
        match self {
            Entry::Policy(_) => Entry::Policy(p),
            Entry::Rule(_, r) => Entry::Rule(p, r),
            Entry::Keep(_, k) => Entry::Keep(p, k),
            Entry::Disk(_) => Entry::Disk(p),
        }
    }
}

#[derive(Debug, Default)]
pub struct RulesEditor {
    pub drafts: Vec<PolicyDraft>,
    pub entries: Vec<Entry>,
    pub scroll: Scroll,
    pub form: Option<RuleForm>,
    pub preview: Option<Preview>,
    /// `policy check` errors and warnings of the policy under the cursor, as edited.
    pub problems: (Vec<String>, Vec<String>),
    /// Policies whose placement leaves this node out (§13), by name: why.
    pub not_placed: Vec<(String, String)>,
}

/// The name of the policy `n` creates when none is saved yet.
pub const NEW_POLICY: &str = "console";

impl RulesEditor {
    /// Why the policy is not placed on this node, if it is not.
    pub fn not_placed(&self, name: &str) -> Option<&str> {
        self.not_placed
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, why)| why.as_str())
    }

    /// Takes in the saved policies; drafts with unsaved edits keep their edits, and note when
    /// another process saved their policy since. Drafts are known by name across syncs (their
    /// positions change when another process saves or deletes a policy): the cursor and an
    /// open form follow their policy, and a form whose policy is gone closes.
    pub fn sync(&mut self, snapshot: &Snapshot) {
        let name_of = |p: usize| self.drafts.get(p).map(|d| d.name.clone());
        let form_policy = self.form.as_ref().and_then(|f| name_of(f.policy));
        let cursor = self
            .current()
            .and_then(|entry| Some((name_of(entry.policy())?, entry)));
        let mut drafts: Vec<PolicyDraft> = snapshot
            .policies
            .iter()
            .map(|stored| {
                match self
                    .drafts
                    .iter()
                    .find(|d| d.name == stored.name && d.dirty())
                {
                    Some(draft) => PolicyDraft {
                        saved: Some(stored.document.clone()),
                        changed_elsewhere: (draft.version != Some(stored.version))
                            .then_some(stored.version),
                        ..draft.clone()
                    },
                    None => PolicyDraft {
                        name: stored.name.clone(),
                        document: stored.document.clone(),
                        saved: Some(stored.document.clone()),
                        version: Some(stored.version),
                        changed_elsewhere: None,
                    },
                }
            })
            .collect();
        for draft in &self.drafts {
            if draft.saved.is_none() && !drafts.iter().any(|d| d.name == draft.name) {
                drafts.push(draft.clone());
            }
        }
        self.drafts = drafts;
        self.not_placed = self
            .drafts
            .iter()
            .filter_map(|d| {
                let placement = match NmpPlacement::of(&d.document.extra) {
                    Ok(nmp) => place(&nmp, &snapshot.node),
                    Err(why) => Placement::NotPlaced(format!("its placement does not read: {why}")),
                };
                (!placement.is_placed()).then(|| (d.name.clone(), placement.to_string()))
            })
            .collect();
        self.rebuild_entries();
        let position = |name: &str| self.drafts.iter().position(|d| d.name == name);
        match (
            self.form.as_mut(),
            form_policy.as_deref().and_then(position),
        ) {
            (Some(form), Some(p)) => form.policy = p,
            _ => self.form = None,
        }
        if let Some((name, entry)) = cursor
            && let Some(p) = position(&name)
        {
            self.select_nearest(entry.moved_to(p));
        }
    }

    pub fn rebuild_entries(&mut self) {
        self.entries.clear();
        for (p, draft) in self.drafts.iter().enumerate() {
            let document = &draft.document;
            self.entries.push(Entry::Policy(p));
            self.entries
                .extend((0..document.rules.len()).map(|r| Entry::Rule(p, r)));
            self.entries
                .extend((0..document.keep.len()).map(|k| Entry::Keep(p, k)));
            if document.disk.is_some() {
                self.entries.push(Entry::Disk(p));
            }
        }
        self.scroll.clamp(self.entries.len());
    }

    pub fn current(&self) -> Option<Entry> {
        self.entries.get(self.scroll.cursor).copied()
    }

    pub fn current_policy(&self) -> Option<usize> {
        self.current().map(Entry::policy)
    }

    fn select(&mut self, wanted: Entry) {
        if let Some(position) = self.entries.iter().position(|e| *e == wanted) {
            self.scroll.cursor = position;
        }
    }

    /// Selects `wanted`, or the last of its kind in its policy when it is gone, or the policy.
    fn select_nearest(&mut self, wanted: Entry) {
        let p = wanted.policy();
        let document = &self.drafts[p].document;
        let nearest = match wanted {
            Entry::Rule(_, r) if !document.rules.is_empty() => {
                Entry::Rule(p, r.min(document.rules.len() - 1))
            }
            Entry::Keep(_, k) if !document.keep.is_empty() => {
                Entry::Keep(p, k.min(document.keep.len() - 1))
            }
            Entry::Disk(_) if document.disk.is_some() => Entry::Disk(p),
            _ => Entry::Policy(p),
        };
        self.select(nearest);
    }

    /// The policy a new item goes into (creating one if there is none).
    fn target_policy(&mut self) -> usize {
        if self.drafts.is_empty() {
            self.drafts.push(PolicyDraft {
                name: NEW_POLICY.into(),
                document: PolicyDocument::rules_only(Vec::new()),
                saved: None,
                version: None,
                changed_elsewhere: None,
            });
            self.rebuild_entries();
        }
        self.current_policy().unwrap_or(0)
    }

    /// Opens the form for a new removal rule after the cursor.
    pub fn new_rule(&mut self, snapshot: &Snapshot) {
        let p = self.target_policy();
        let at = match self.current() {
            Some(Entry::Rule(_, r)) => r + 1,
            Some(Entry::Keep(..) | Entry::Disk(_)) => self.drafts[p].document.rules.len(),
            _ => 0,
        };
        self.open(RuleForm::new_rule(p, at), snapshot);
    }

    /// Opens the form for a new keep rule after the cursor (`N`).
    pub fn new_keep(&mut self, snapshot: &Snapshot) {
        let p = self.target_policy();
        let at = match self.current() {
            Some(Entry::Keep(_, k)) => k + 1,
            _ => self.drafts[p].document.keep.len(),
        };
        self.open(RuleForm::new_keep(p, at), snapshot);
    }

    /// Opens the form for the policy's disk marks, set or not (`D`).
    pub fn edit_disk(&mut self, snapshot: &Snapshot) {
        let p = self.target_policy();
        let marks = self.drafts[p].document.disk;
        self.open(RuleForm::disk(p, marks), snapshot);
    }

    /// Opens the form for the rule, keep rule or disk marks under the cursor.
    pub fn edit_rule(&mut self, snapshot: &Snapshot) -> bool {
        let form = match self.current() {
            Some(Entry::Rule(p, r)) => RuleForm::edit(p, r, &self.drafts[p].document.rules[r]),
            Some(Entry::Keep(p, k)) => RuleForm::edit_keep(p, k, &self.drafts[p].document.keep[k]),
            Some(Entry::Disk(p)) => RuleForm::disk(p, self.drafts[p].document.disk),
            _ => return false,
        };
        self.open(form, snapshot);
        true
    }

    fn open(&mut self, form: RuleForm, snapshot: &Snapshot) {
        self.form = Some(form);
        self.validate_form();
        self.refresh_preview(snapshot);
    }

    pub fn validate_form(&mut self) {
        if let Some(form) = &mut self.form {
            form.validate(&self.drafts[form.policy].document);
        }
    }

    /// Accepts the form into the draft, if it is valid.
    pub fn submit_form(&mut self, snapshot: &Snapshot) -> Result<(), String> {
        let Some(form) = self.form.clone() else {
            return Ok(());
        };
        if let Some(error) = form.errors.first() {
            return Err(error.clone());
        }
        let draft = &mut self.drafts[form.policy];
        draft.document = form
            .applied_to(&draft.document)
            .ok_or("the form is incomplete")?;
        self.form = None;
        self.rebuild_entries();
        let index = form.editing.unwrap_or(form.insert_at);
        self.select(match form.kind {
            FormKind::Removal => Entry::Rule(form.policy, index),
            FormKind::Keep => Entry::Keep(form.policy, index),
            FormKind::Disk => Entry::Disk(form.policy),
        });
        self.refresh_preview(snapshot);
        Ok(())
    }

    /// Deletes the rule, keep rule or disk marks under the cursor.
    pub fn delete_rule(&mut self, snapshot: &Snapshot) -> bool {
        let Some(entry) = self.current() else {
            return false;
        };
        let document = &mut self.drafts[entry.policy()].document;
        match entry {
            Entry::Rule(_, r) => {
                document.rules.remove(r);
            }
            Entry::Keep(_, k) => {
                document.keep.remove(k);
            }
            Entry::Disk(_) => document.disk = None,
            Entry::Policy(_) => return false,
        }
        self.rebuild_entries();
        self.select_nearest(entry);
        self.refresh_preview(snapshot);
        true
    }

    /// Moves the rule or keep rule under the cursor up (-1) or down (+1) within its list.
    pub fn move_rule(&mut self, delta: isize, snapshot: &Snapshot) -> bool {
        let (p, index, len) = match self.current() {
            Some(Entry::Rule(p, r)) => (p, r, self.drafts[p].document.rules.len()),
            Some(Entry::Keep(p, k)) => (p, k, self.drafts[p].document.keep.len()),
            _ => return false,
        };
        let target = index as isize + delta;
        if target < 0 || target as usize >= len {
            return false;
        }
        let target = target as usize;
        let moved = match self.current() {
            Some(Entry::Rule(..)) => {
                self.drafts[p].document.rules.swap(index, target);
                Entry::Rule(p, target)
            }
            _ => {
                self.drafts[p].document.keep.swap(index, target);
                Entry::Keep(p, target)
            }
        };
        self.rebuild_entries();
        self.select(moved);
        self.refresh_preview(snapshot);
        true
    }

    /// Restores the saved policy under the cursor (drops it if never saved); the edits now
    /// begin on the version stored.
    pub fn discard(&mut self, snapshot: &Snapshot) -> bool {
        let Some(p) = self.current_policy() else {
            return false;
        };
        let draft = &mut self.drafts[p];
        match draft.saved.clone() {
            Some(saved) => {
                draft.document = saved;
                if let Some(version) = draft.changed_elsewhere.take() {
                    draft.version = Some(version);
                }
            }
            None => {
                self.drafts.remove(p);
            }
        }
        self.form = None;
        self.rebuild_entries();
        self.refresh_preview(snapshot);
        true
    }

    /// Takes an imported document in as an unsaved draft (replacing the draft of that name).
    pub fn import(&mut self, name: String, document: PolicyDocument, snapshot: &Snapshot) {
        match self.drafts.iter_mut().position(|d| d.name == name) {
            Some(p) => {
                self.drafts[p].document = document;
                self.rebuild_entries();
                self.select(Entry::Policy(p));
            }
            None => {
                self.drafts.push(PolicyDraft {
                    name,
                    document,
                    saved: None,
                    version: None,
                    changed_elsewhere: None,
                });
                self.rebuild_entries();
                self.select(Entry::Policy(self.drafts.len() - 1));
            }
        }
        self.refresh_preview(snapshot);
    }

    /// Marks a policy as saved, as `version`, with its current document.
    pub fn mark_saved(&mut self, name: &str, version: Option<i64>) {
        if let Some(draft) = self.drafts.iter_mut().find(|d| d.name == name) {
            draft.saved = Some(draft.document.clone());
            draft.version = version.or(draft.version);
            draft.changed_elsewhere = None;
        }
    }

    /// Recomputes the pattern preview and what saving would change, for the policy at hand.
    pub fn refresh_preview(&mut self, snapshot: &Snapshot) {
        let Some(p) = self
            .form
            .as_ref()
            .map(|f| f.policy)
            .or_else(|| self.current_policy())
        else {
            self.preview = None;
            self.problems = Default::default();
            return;
        };
        let draft = &self.drafts[p];
        let (pattern, document) = match &self.form {
            Some(form) => (
                (form.kind != FormKind::Disk).then(|| form.pattern.clone()),
                form.applied_to(&draft.document)
                    .filter(|_| form.errors.is_empty())
                    .unwrap_or_else(|| draft.document.clone()),
            ),
            None => {
                let pattern = match self.current() {
                    Some(Entry::Rule(_, r)) => Some(draft.document.rules[r].image_name.clone()),
                    Some(Entry::Keep(_, k)) => Some(draft.document.keep[k].image_name.clone()),
                    _ => None,
                };
                (pattern, draft.document.clone())
            }
        };
        self.problems = check_document(&document);
        self.preview = Some(Preview {
            policy: draft.name.clone(),
            pattern: pattern
                .filter(|p| !p.is_empty())
                .map(|p| preview::pattern_matches(snapshot, &p)),
            summary: Some(preview::on_save(snapshot, &draft.name, &document)),
        });
    }
}
