//! The rules that match one reference, shared between references that have the same list.
//!
//! At the rule limit (10,000) a policy of `*` rules gives every reference the same 10,000
//! indices; a list per reference took 92 MB at 1,000 references, beyond the service's 64 MB.
//! Identical lists are now stored once.

use serde::{Serialize, Serializer};
use std::collections::HashSet;
use std::sync::Arc;

/// Ascending rule indices (into a `RuleBook`), cheap to clone and to share.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct RuleIndices(Arc<[usize]>);

impl RuleIndices {
    pub fn as_slice(&self) -> &[usize] {
        &self.0
    }
}

impl std::ops::Deref for RuleIndices {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a RuleIndices {
    type Item = &'a usize;
    type IntoIter = std::slice::Iter<'a, usize>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::fmt::Debug for RuleIndices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq<Vec<usize>> for RuleIndices {
    fn eq(&self, other: &Vec<usize>) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<[usize]> for RuleIndices {
    fn eq(&self, other: &[usize]) -> bool {
        *self.0 == *other
    }
}

impl From<Vec<usize>> for RuleIndices {
    fn from(indices: Vec<usize>) -> Self {
        RuleIndices(indices.into())
    }
}

impl Serialize for RuleIndices {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0[..].serialize(serializer)
    }
}

/// Hands out one shared `RuleIndices` per distinct list.
#[derive(Default)]
pub struct RuleIndicesCache {
    seen: HashSet<Arc<[usize]>>,
}

impl RuleIndicesCache {
    pub fn share(&mut self, indices: &[usize]) -> RuleIndices {
        if let Some(shared) = self.seen.get(indices) {
            return RuleIndices(shared.clone());
        }
        let shared: Arc<[usize]> = indices.into();
        self.seen.insert(shared.clone());
        RuleIndices(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_lists_are_stored_once() {
        let mut cache = RuleIndicesCache::default();
        let a = cache.share(&[1, 2, 3]);
        let b = cache.share(&[1, 2, 3]);
        let c = cache.share(&[1, 2]);
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        assert_eq!(a, vec![1, 2, 3]);
        assert_eq!(serde_json::to_string(&c).unwrap(), "[1,2]");
    }
}
