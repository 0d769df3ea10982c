//! The Nodes view's state: a row per node of the inventory with its summary (or why there is
//! none), sorted, filtered by group, and the references marked on each node for one batch.
//! Pure: every change arrives as a call and what to do leaves as a `Do`.

use crate::core::model::Timestamp;
use crate::fleet::error::{Failure, NodeError};
use crate::fleet::inventory::Node;
use crate::fleet::rpc::protocol::{EngineHello, Hello, SummaryAnswer};
use crate::node::removal::Target;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::cmp::Ordering;

/// What is known of one node.
#[derive(Debug, Clone)]
pub enum Known {
    /// Not asked yet, or the first answer is still on its way.
    Waiting,
    Up(Box<Seen>),
    Down(NodeError),
}

/// A node that answered: only what its row shows (500 of these stay in memory).
#[derive(Debug, Clone)]
pub struct Seen {
    /// The engine's version; `None` when it is down.
    pub engine: Option<String>,
    pub answer: SummaryAnswer,
}

#[derive(Debug, Clone)]
pub struct NodeRow {
    pub node: Node,
    pub known: Known,
    /// The last error the node gave, kept after it answers again.
    pub last_error: Option<String>,
    /// The last batch's result on this node.
    pub last_result: Option<(bool, String)>,
    /// References marked on this node (in its Images view), for the next batch.
    pub marked: Vec<Target>,
    /// When the summary was taken (this machine's clock).
    pub polled_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeSort {
    #[default]
    Name,
    Reachable,
    Images,
    Due,
    NextRemoval,
    Reclaimable,
    Freed,
}

impl NodeSort {
    fn next(self) -> NodeSort {
        match self {
            NodeSort::Name => NodeSort::Reachable,
            NodeSort::Reachable => NodeSort::Images,
            NodeSort::Images => NodeSort::Due,
            NodeSort::Due => NodeSort::NextRemoval,
            NodeSort::NextRemoval => NodeSort::Reclaimable,
            NodeSort::Reclaimable => NodeSort::Freed,
            NodeSort::Freed => NodeSort::Name,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            NodeSort::Name => "NODE",
            NodeSort::Reachable => "REACHABLE",
            NodeSort::Images => "IMAGES",
            NodeSort::Due => "DUE",
            NodeSort::NextRemoval => "NEXT REMOVAL",
            NodeSort::Reclaimable => "RECLAIMABLE",
            NodeSort::Freed => "FREED 24H",
        }
    }
}

/// A batch over the references marked on several nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchAction {
    Remove,
    Approve,
    /// Postpone by an hour.
    Postpone,
}

impl BatchAction {
    pub fn verb(self) -> &'static str {
        match self {
            BatchAction::Remove => "Remove",
            BatchAction::Approve => "Approve",
            BatchAction::Postpone => "Postpone by 1h",
        }
    }
}

/// What the loop around the view is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Do {
    Nothing,
    Redraw,
    /// Open this node (index into `rows`).
    Open(usize),
    /// Ask every node again now.
    Refresh,
    /// Run the batch: per node (index), its targets.
    Batch(BatchAction, Vec<(usize, Vec<Target>)>),
    Quit,
}

#[derive(Debug, Default)]
pub struct Nodes {
    pub rows: Vec<NodeRow>,
    pub sort: NodeSort,
    pub reverse: bool,
    /// Only the nodes of this group.
    pub group: Option<String>,
    /// Row indices shown, in order.
    pub shown: Vec<usize>,
    pub cursor: usize,
    /// A batch waiting for the operator's yes.
    pub confirm: Option<BatchAction>,
    pub status: Option<(bool, String)>,
    /// The last batch's result on each node, in full, until the next batch.
    pub results: Vec<(String, bool, String)>,
    pub size: (u16, u16),
    /// This machine's clock, as of the last tick or answer (the view reads no clock).
    pub now: Timestamp,
    /// Nodes of the running batch that have not answered yet.
    pub batch_left: usize,
}

impl Nodes {
    pub fn new(nodes: Vec<Node>, size: (u16, u16)) -> Nodes {
        let mut view = Nodes {
            rows: nodes
                .into_iter()
                .map(|node| NodeRow {
                    node,
                    known: Known::Waiting,
                    last_error: None,
                    last_result: None,
                    marked: Vec::new(),
                    polled_at: None,
                })
                .collect(),
            size,
            ..Nodes::default()
        };
        view.arrange();
        view
    }

    /// Every group some node is in, for the filter to cycle through.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self
            .rows
            .iter()
            .flat_map(|r| r.node.groups.iter().cloned())
            .filter(|g| g != "ungrouped")
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }

    /// A summary (or an error) arrived for one node.
    pub fn polled(
        &mut self,
        index: usize,
        result: Result<(Hello, SummaryAnswer), NodeError>,
        at: Timestamp,
    ) -> bool {
        let Some(row) = self.rows.get_mut(index) else {
            return false;
        };
        row.polled_at = Some(at);
        self.now = self.now.max(at);
        row.known = match result {
            Ok((hello, answer)) => Known::Up(Box::new(Seen {
                engine: match hello.engine {
                    EngineHello::Up { version } => Some(version),
                    EngineHello::Down { .. } => None,
                },
                answer,
            })),
            Err(error) => {
                row.last_error = Some(error.to_string());
                Known::Down(error)
            }
        };
        self.arrange();
        true
    }

    /// A batch's result on one node.
    pub fn batch_done(&mut self, index: usize, ok: bool, text: String) {
        self.batch_left = self.batch_left.saturating_sub(1);
        if self.batch_left == 0 {
            let failed = self.results.iter().filter(|(_, ok, _)| !ok).count() + usize::from(!ok);
            self.status = Some((
                failed > 0,
                format!(
                    "batch done: {} fine, {failed} failed; each node's result is above and in LAST",
                    self.results.len() + 1 - failed
                ),
            ));
        }
        if let Some(row) = self.rows.get_mut(index) {
            self.results.push((row.node.name.clone(), ok, text.clone()));
            if ok {
                row.marked.clear();
            } else {
                row.last_error = Some(text.clone());
            }
            row.last_result = Some((ok, text));
        }
    }

    /// The node under the cursor (index into `rows`).
    pub fn current(&self) -> Option<usize> {
        self.shown.get(self.cursor).copied()
    }

    /// Rows the table shows at once (the screen less header, column titles, the batch's
    /// results, status and footer).
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(4 + self.results_height())).max(1)
    }

    /// Lines the batch's results take: a title and a line a node, at most a third of the screen.
    pub fn results_height(&self) -> u16 {
        if self.results.is_empty() {
            return 0;
        }
        (self.results.len() as u16 + 1).min(self.size.1 / 3)
    }

    /// Sorts and filters again, keeping the cursor on the same node.
    pub fn arrange(&mut self) {
        let current = self.current();
        let group = self.group.clone();
        let mut shown: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                group
                    .as_ref()
                    .is_none_or(|g| self.rows[i].node.groups.contains(g))
            })
            .collect();
        let rows = &self.rows;
        let sort = self.sort;
        shown.sort_by(|&a, &b| {
            let order = compare(sort, &rows[a], &rows[b]).then(a.cmp(&b));
            if self.reverse { order.reverse() } else { order }
        });
        self.shown = shown;
        self.cursor = current
            .and_then(|c| self.shown.iter().position(|&i| i == c))
            .unwrap_or(0)
            .min(self.shown.len().saturating_sub(1));
    }

    pub fn marked_total(&self) -> usize {
        self.rows.iter().map(|r| r.marked.len()).sum()
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Do {
        if let Some(action) = self.confirm {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.confirm = None;
                    let batch: Vec<(usize, Vec<Target>)> = self
                        .rows
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| !r.marked.is_empty())
                        .map(|(i, r)| (i, r.marked.clone()))
                        .collect();
                    self.status = Some((
                        false,
                        format!("{}: running on {} nodes…", action.verb(), batch.len()),
                    ));
                    self.results.clear();
                    self.batch_left = batch.len();
                    Do::Batch(action, batch)
                }
                _ => {
                    self.confirm = None;
                    self.status = Some((false, "nothing done".into()));
                    Do::Redraw
                }
            };
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('q') => Do::Quit,
            KeyCode::Char('c') if ctrl => Do::Quit,
            KeyCode::Down | KeyCode::Char('j') => self.move_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.move_by(-1),
            KeyCode::PageDown => self.move_by(self.page() as i64),
            KeyCode::PageUp => self.move_by(-(self.page() as i64)),
            KeyCode::Home | KeyCode::Char('g') => self.move_by(i64::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.move_by(i64::MAX / 2),
            KeyCode::Enter => self.current().map_or(Do::Nothing, Do::Open),
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.arrange();
                Do::Redraw
            }
            KeyCode::Char('S') => {
                self.reverse = !self.reverse;
                self.arrange();
                Do::Redraw
            }
            KeyCode::Char('f') => {
                let groups = self.groups();
                self.group = match &self.group {
                    None => groups.first().cloned(),
                    Some(g) => groups
                        .iter()
                        .position(|x| x == g)
                        .and_then(|i| groups.get(i + 1))
                        .cloned(),
                };
                self.arrange();
                Do::Redraw
            }
            KeyCode::Char('R') => {
                self.status = Some((false, "asking every node again".into()));
                Do::Refresh
            }
            KeyCode::Char('x') => {
                for row in &mut self.rows {
                    row.marked.clear();
                }
                self.status = Some((false, "marks cleared".into()));
                Do::Redraw
            }
            KeyCode::Char(c @ ('r' | 'a' | 'p')) => {
                if self.marked_total() == 0 {
                    self.status = Some((
                        true,
                        "nothing marked: open a node (enter), mark references (space), come back (q)"
                            .into(),
                    ));
                    return Do::Redraw;
                }
                self.confirm = Some(match c {
                    'r' => BatchAction::Remove,
                    'a' => BatchAction::Approve,
                    _ => BatchAction::Postpone,
                });
                Do::Redraw
            }
            _ => Do::Nothing,
        }
    }

    fn move_by(&mut self, delta: i64) -> Do {
        let last = self.shown.len().saturating_sub(1) as i64;
        let cursor = (self.cursor as i64)
            .saturating_add(delta)
            .clamp(0, last.max(0)) as usize;
        if cursor == self.cursor {
            return Do::Nothing;
        }
        self.cursor = cursor;
        Do::Redraw
    }
}

/// Most first (images, due, bytes), soonest first (next removal); nodes without a summary
/// last; ties by name.
fn compare(sort: NodeSort, a: &NodeRow, b: &NodeRow) -> Ordering {
    let key = |r: &NodeRow| -> (bool, i128) {
        let answer = match &r.known {
            Known::Up(seen) => Some(&seen.answer),
            _ => None,
        };
        match (sort, answer) {
            (NodeSort::Name, _) => (false, 0),
            (NodeSort::Reachable, _) => (
                false,
                match r.known {
                    Known::Down(_) => 0,
                    Known::Waiting => 1,
                    Known::Up(_) => 2,
                },
            ),
            (_, None) => (true, 0),
            (NodeSort::Images, Some(a)) => (false, -(a.summary.images as i128)),
            (NodeSort::Due, Some(a)) => (false, -(a.summary.due as i128)),
            (NodeSort::NextRemoval, Some(a)) => {
                (false, a.summary.next_removal.map_or(i128::MAX, i128::from))
            }
            (NodeSort::Reclaimable, Some(a)) => (false, -i128::from(a.summary.reclaimable_bytes)),
            (NodeSort::Freed, Some(a)) => (false, -i128::from(a.freed_24h)),
        }
    };
    key(a)
        .cmp(&key(b))
        .then_with(|| a.node.name.cmp(&b.node.name))
}

/// The REACHABLE column: whether SSH reached imgreaper there (what else is wrong — its engine,
/// its version, sudo — is in the LAST column, named).
pub fn reachable(row: &NodeRow) -> &'static str {
    match &row.known {
        Known::Waiting => "…",
        Known::Up(_) => "yes",
        Known::Down(error) => match error.kind {
            Failure::Unreachable
            | Failure::NoAnswer
            | Failure::HostKeyChanged
            | Failure::HostKeyUnknown
            | Failure::AuthenticationRefused => "no",
            _ => "yes",
        },
    }
}
