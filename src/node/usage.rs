//! An error that says the request itself is wrong (a name that is not here, an invalid policy,
//! a bad flag), not that something failed: exit code 2 on the command line, `refused` over
//! `rpc`. Carried through `anyhow` and found again with `downcast_ref`.

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Whether an error anywhere in this chain is a `UsageError`.
pub fn is_usage(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<UsageError>().is_some())
}
