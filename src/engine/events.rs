//! The engine's event stream, reduced to what changes the plan.

use super::Engine;
use crate::model::Timestamp;
use bollard::models::EventMessageTypeEnum;
use bollard::query_parameters::EventsOptions;
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A container was created or destroyed: in-use state may change.
    Container,
    /// An image was pulled: it is agent-downloaded if we are watching.
    Pull,
    /// Any other image change (delete, tag, untag, import, load, build).
    Image,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    pub kind: EventKind,
    /// Image reference or ID the event names (for a pull: the pulled reference).
    pub subject: String,
    pub time: Timestamp,
}

impl Engine {
    /// Events about containers being created/destroyed and images changing, from `since` (unix
    /// seconds; the engine replays what happened after it) or from when the stream is first
    /// polled. The stream ends (or yields an error) when the engine goes away.
    pub fn events(
        &self,
        since: Option<Timestamp>,
    ) -> impl Stream<Item = anyhow::Result<EngineEvent>> + use<> {
        let mut filters = HashMap::new();
        filters.insert(
            "type".to_string(),
            vec!["container".to_string(), "image".to_string()],
        );
        filters.insert(
            "event".to_string(),
            [
                "create", "destroy", "pull", "delete", "tag", "untag", "import", "load",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        );
        let host = self.host().to_string();
        self.docker
            .events(Some(EventsOptions {
                filters: Some(filters),
                since: since.map(|s| s.to_string()),
                ..Default::default()
            }))
            .filter_map(move |message| {
                let host = host.clone();
                async move {
                    match message {
                        Err(e) => Some(Err(super::connect::unreachable_error(&host, &e))),
                        Ok(message) => {
                            let action = message.action.unwrap_or_default();
                            let kind = match (message.typ, action.as_str()) {
                                (Some(EventMessageTypeEnum::CONTAINER), _) => EventKind::Container,
                                (Some(EventMessageTypeEnum::IMAGE), "pull") => EventKind::Pull,
                                (Some(EventMessageTypeEnum::IMAGE), _) => EventKind::Image,
                                _ => return None,
                            };
                            let subject = message.actor.and_then(|a| a.id).unwrap_or_default();
                            Some(Ok(EngineEvent {
                                kind,
                                subject,
                                time: message.time.unwrap_or_default(),
                            }))
                        }
                    }
                }
            })
    }
}
