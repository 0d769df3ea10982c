//! A node's snapshot as it travels over `rpc`: the data a console needs to show the node's
//! Images, Rules and Activity views with the same code as for the local node. The plan itself
//! does not travel: the console plans again from the same data with the same pure core, so
//! its countdowns tick without asking the node. Policies travel as their JSON documents and are
//! read back with the same parser; node constraints as their text.

use crate::core::disk::DiskReading;
use crate::core::model::{Guards, ImageRecord, Inventory, Mode, Overrides, Timestamp};
use crate::core::placement::{Constraint, Node, Property, parse_constraint};
use crate::core::policy::parse;
use crate::core::saved::{StoredPolicy, rule_book_of};
use crate::core::settings::Settings;
use crate::core::snapshot::Snapshot;
use anyhow::{Context as _, Result, anyhow};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotWire {
    pub inventory: Inventory,
    /// image ID -> what the node remembers about it, as its clock reads now.
    pub records: HashMap<String, ImageRecord>,
    pub former_names: HashMap<String, Vec<String>>,
    pub disk: DiskReading,
    pub policies: Vec<PolicyWire>,
    pub node: NodeWire,
    pub overrides: OverridesWire,
    pub settings: Settings,
    pub guards: Guards,
    /// The node's clock when it read the snapshot.
    pub now: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyWire {
    pub name: String,
    /// The document as `policy export` writes it, in the spelling it was saved in.
    pub document: serde_json::Value,
    pub saved_at: Timestamp,
    /// The policy's save version (§7); absent from a node of an earlier build.
    #[serde(default)]
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeWire {
    pub properties: Vec<Property>,
    pub constraints: Vec<String>,
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OverridesWire {
    pub pins: Vec<String>,
    pub postponements: Vec<Postponement>,
    pub approvals: Vec<Approval>,
    pub ownership: Vec<Ownership>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Postponement {
    pub reference: String,
    pub image_id: String,
    pub until: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    pub reference: String,
    pub image_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ownership {
    pub image_id: String,
    pub agent_downloaded: bool,
}

/// What the console's header shows about the node's engine and enforcer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EngineWire {
    pub version: String,
    /// The engine's name for its host.
    pub node: String,
    pub root_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeaseWire {
    pub holder: String,
    pub kind: String,
    pub mode: Mode,
    pub heartbeat: Timestamp,
    pub expires: Timestamp,
}

impl SnapshotWire {
    pub fn of(snapshot: &Snapshot) -> SnapshotWire {
        let overrides = &snapshot.overrides;
        let mut pins: Vec<String> = overrides.pins.iter().cloned().collect();
        pins.sort();
        SnapshotWire {
            inventory: snapshot.inventory.clone(),
            records: snapshot.records.clone(),
            former_names: snapshot.former_names.clone(),
            disk: snapshot.disk.clone(),
            policies: snapshot
                .policies
                .iter()
                .map(|p| PolicyWire {
                    name: p.name.clone(),
                    document: p.document.to_json(p.document.spelling),
                    saved_at: p.saved_at,
                    version: p.version,
                })
                .collect(),
            node: NodeWire {
                properties: snapshot.node.properties.clone(),
                constraints: snapshot
                    .node
                    .constraints
                    .iter()
                    .map(|c| c.text.clone())
                    .collect(),
                pattern: snapshot.node.pattern.clone(),
            },
            overrides: OverridesWire {
                pins,
                postponements: overrides
                    .postponements
                    .iter()
                    .map(|((reference, image_id), until)| Postponement {
                        reference: reference.clone(),
                        image_id: image_id.clone(),
                        until: *until,
                    })
                    .collect(),
                approvals: overrides
                    .approvals
                    .iter()
                    .map(|(reference, image_id)| Approval {
                        reference: reference.clone(),
                        image_id: image_id.clone(),
                    })
                    .collect(),
                ownership: overrides
                    .ownership
                    .iter()
                    .map(|(image_id, agent_downloaded)| Ownership {
                        image_id: image_id.clone(),
                        agent_downloaded: *agent_downloaded,
                    })
                    .collect(),
            },
            settings: snapshot.settings,
            guards: snapshot.guards,
            now: snapshot.now,
        }
    }

    /// The snapshot again, planned at the node's moment by this process's core.
    pub fn into_snapshot(self) -> Result<Snapshot> {
        let policies = self
            .policies
            .into_iter()
            .map(|p| {
                let parsed = parse(&p.document.to_string()).map_err(|diagnostics| {
                    anyhow!(
                        "the node sent policy {} that does not read here: {}",
                        p.name,
                        diagnostics
                            .first()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    )
                })?;
                Ok(StoredPolicy {
                    name: p.name,
                    document: parsed.document,
                    saved_at: p.saved_at,
                    version: p.version,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let constraints = self
            .node
            .constraints
            .into_iter()
            .map(|text| {
                let expr = parse_constraint(&text)
                    .map_err(|e| anyhow!("{}", e.message))
                    .with_context(|| format!("the node's constraint `{text}` does not read"))?;
                Ok(Constraint { text, expr })
            })
            .collect::<Result<Vec<_>>>()?;
        let node = Node {
            properties: self.node.properties,
            constraints,
            pattern: self.node.pattern,
        };
        let wire = self.overrides;
        let overrides = Overrides {
            pins: wire.pins.into_iter().collect(),
            postponements: wire
                .postponements
                .into_iter()
                .map(|p| ((p.reference, p.image_id), p.until))
                .collect(),
            approvals: wire
                .approvals
                .into_iter()
                .map(|a| (a.reference, a.image_id))
                .collect(),
            ownership: wire
                .ownership
                .into_iter()
                .map(|o| (o.image_id, o.agent_downloaded))
                .collect(),
        };
        let mut snapshot = Snapshot {
            rules: rule_book_of(&policies, &node, self.now),
            inventory: self.inventory,
            records: self.records,
            former_names: self.former_names,
            disk: self.disk,
            policies,
            node,
            overrides,
            settings: self.settings,
            guards: self.guards,
            now: self.now,
            rows: Vec::new(),
        };
        snapshot.replan(self.now);
        Ok(snapshot)
    }
}
