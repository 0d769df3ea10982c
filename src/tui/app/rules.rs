//! The Rules view: drafts of the saved policies being edited, the cursor, the open form and the
//! preview. Edits stay in the drafts until `w` saves them; `u` restores the saved rules.

use super::form::{RuleForm, check_document};
use super::preview::{self, Preview};
use super::scroll::Scroll;
use crate::core::placement::{NmpPlacement, Placement, place};
use crate::core::policy::{PolicyDocument, Rule};
use crate::core::snapshot::Snapshot;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDraft {
    pub name: String,
    /// The document around the rules (NMP fields), kept for saving and export.
    pub base: PolicyDocument,
    /// The rules as saved; `None` for a policy not saved yet (new or imported).
    pub saved: Option<Vec<Rule>>,
    pub rules: Vec<Rule>,
}

impl PolicyDraft {
    pub fn dirty(&self) -> bool {
        self.saved.as_ref() != Some(&self.rules)
    }

    pub fn document(&self) -> PolicyDocument {
        PolicyDocument {
            rules: self.rules.clone(),
            ..self.base.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Policy(usize),
    Rule(usize, usize),
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

    /// Takes in the saved policies; drafts with unsaved edits keep their edits. Drafts are
    /// known by name across syncs (their positions change when another process saves or deletes
    /// a policy): the cursor and an open form follow their policy, and a form whose policy is gone
    /// closes.
    pub fn sync(&mut self, snapshot: &Snapshot) {
        let name_of = |p: usize| self.drafts.get(p).map(|d| d.name.clone());
        let form_policy = self.form.as_ref().and_then(|f| name_of(f.policy));
        let cursor = self.current().and_then(|entry| match entry {
            Entry::Policy(p) => Some((name_of(p)?, None)),
            Entry::Rule(p, r) => Some((name_of(p)?, Some(r))),
        });
        let mut drafts: Vec<PolicyDraft> = snapshot
            .policies
            .iter()
            .map(|stored| {
                let saved = stored.document.rules.clone();
                match self
                    .drafts
                    .iter()
                    .find(|d| d.name == stored.name && d.dirty())
                {
                    Some(draft) => PolicyDraft {
                        saved: Some(saved),
                        ..draft.clone()
                    },
                    None => PolicyDraft {
                        name: stored.name.clone(),
                        base: stored.document.clone(),
                        rules: saved.clone(),
                        saved: Some(saved),
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
                let placement = match NmpPlacement::of(&d.base.extra) {
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
        if let Some((name, rule)) = cursor
            && let Some(p) = position(&name)
        {
            let rules = self.drafts[p].rules.len();
            match rule {
                Some(r) if rules > 0 => self.select(Entry::Rule(p, r.min(rules - 1))),
                _ => self.select(Entry::Policy(p)),
            }
        }
    }

    pub fn rebuild_entries(&mut self) {
        self.entries.clear();
        for (p, draft) in self.drafts.iter().enumerate() {
            self.entries.push(Entry::Policy(p));
            self.entries
                .extend((0..draft.rules.len()).map(|r| Entry::Rule(p, r)));
        }
        self.scroll.clamp(self.entries.len());
    }

    pub fn current(&self) -> Option<Entry> {
        self.entries.get(self.scroll.cursor).copied()
    }

    pub fn current_policy(&self) -> Option<usize> {
        self.current().map(|e| match e {
            Entry::Policy(p) | Entry::Rule(p, _) => p,
        })
    }

    fn select(&mut self, wanted: Entry) {
        if let Some(position) = self.entries.iter().position(|e| *e == wanted) {
            self.scroll.cursor = position;
        }
    }

    /// Opens the form for a new rule after the cursor (creating a policy if there is none).
    pub fn new_rule(&mut self, snapshot: &Snapshot) {
        if self.drafts.is_empty() {
            self.drafts.push(PolicyDraft {
                name: NEW_POLICY.into(),
                base: PolicyDocument::rules_only(Vec::new()),
                saved: None,
                rules: Vec::new(),
            });
            self.rebuild_entries();
        }
        let (policy, at) = match self.current() {
            Some(Entry::Rule(p, r)) => (p, r + 1),
            Some(Entry::Policy(p)) => (p, 0),
            None => (0, 0),
        };
        self.form = Some(RuleForm::new_rule(policy, at));
        self.validate_form();
        self.refresh_preview(snapshot);
    }

    pub fn edit_rule(&mut self, snapshot: &Snapshot) -> bool {
        let Some(Entry::Rule(p, r)) = self.current() else {
            return false;
        };
        self.form = Some(RuleForm::edit(p, r, &self.drafts[p].rules[r]));
        self.validate_form();
        self.refresh_preview(snapshot);
        true
    }

    pub fn validate_form(&mut self) {
        if let Some(form) = &mut self.form {
            let draft = &self.drafts[form.policy];
            form.validate(&draft.base, &draft.rules);
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
        let rules = form
            .applied_to(&draft.rules)
            .ok_or("the rule is incomplete")?;
        draft.rules = rules;
        self.form = None;
        self.rebuild_entries();
        let index = form.editing.unwrap_or(form.insert_at);
        self.select(Entry::Rule(form.policy, index));
        self.refresh_preview(snapshot);
        Ok(())
    }

    pub fn delete_rule(&mut self, snapshot: &Snapshot) -> bool {
        let Some(Entry::Rule(p, r)) = self.current() else {
            return false;
        };
        self.drafts[p].rules.remove(r);
        self.rebuild_entries();
        self.refresh_preview(snapshot);
        true
    }

    /// Moves the rule under the cursor up (-1) or down (+1) within its policy.
    pub fn move_rule(&mut self, delta: isize, snapshot: &Snapshot) -> bool {
        let Some(Entry::Rule(p, r)) = self.current() else {
            return false;
        };
        let target = r as isize + delta;
        if target < 0 || target as usize >= self.drafts[p].rules.len() {
            return false;
        }
        self.drafts[p].rules.swap(r, target as usize);
        self.rebuild_entries();
        self.select(Entry::Rule(p, target as usize));
        self.refresh_preview(snapshot);
        true
    }

    /// Restores the saved rules of the policy under the cursor (drops it if never saved).
    pub fn discard(&mut self, snapshot: &Snapshot) -> bool {
        let Some(p) = self.current_policy() else {
            return false;
        };
        match self.drafts[p].saved.clone() {
            Some(saved) => self.drafts[p].rules = saved,
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
        let rules = document.rules.clone();
        match self.drafts.iter_mut().position(|d| d.name == name) {
            Some(p) => {
                self.drafts[p].base = document;
                self.drafts[p].rules = rules;
                self.rebuild_entries();
                self.select(Entry::Policy(p));
            }
            None => {
                self.drafts.push(PolicyDraft {
                    name,
                    base: document,
                    saved: None,
                    rules,
                });
                self.rebuild_entries();
                self.select(Entry::Policy(self.drafts.len() - 1));
            }
        }
        self.refresh_preview(snapshot);
    }

    /// Marks a policy as saved with its current rules.
    pub fn mark_saved(&mut self, name: &str) {
        if let Some(draft) = self.drafts.iter_mut().find(|d| d.name == name) {
            draft.saved = Some(draft.rules.clone());
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
        let (pattern, rules) = match &self.form {
            Some(form) => (
                Some(form.pattern.clone()),
                form.applied_to(&draft.rules)
                    .filter(|_| form.errors.is_empty())
                    .unwrap_or_else(|| draft.rules.clone()),
            ),
            None => {
                let pattern = match self.current() {
                    Some(Entry::Rule(_, r)) => Some(draft.rules[r].image_name.clone()),
                    _ => None,
                };
                (pattern, draft.rules.clone())
            }
        };
        self.problems = check_document(&draft.base, rules.clone());
        let document = PolicyDocument {
            rules,
            ..draft.base.clone()
        };
        self.preview = Some(Preview {
            policy: draft.name.clone(),
            pattern: pattern
                .filter(|p| !p.is_empty())
                .map(|p| preview::pattern_matches(snapshot, &p)),
            summary: Some(preview::on_save(snapshot, &draft.name, &document)),
        });
    }
}
