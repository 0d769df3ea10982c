//! The toolkit for reading a JSON document written by a person: image policies, node policies
//! and registry policies are all read with it, so each says what is wrong the same way.
//!
//! How a reader uses it:
//! - [`read`] checks the text is JSON (comments allowed, blanked in place so positions stay the
//!   file's own), and hands the root object's AST (byte ranges of every key and value) and its
//!   `serde_json` value to the reader; it returns the reader's result and every diagnostic,
//!   sorted by position.
//! - [`Report`] collects errors and warnings, each with a JSON path ([`child`], [`element`])
//!   and a byte offset that it turns into line:column (characters, as an editor counts).
//! - [`unique_props`] gives an object's properties, reporting duplicate keys;
//!   [`hint`]/[`nearest`] say "did you mean `x`?" for an unknown key; [`Strays`] reports keys
//!   of the other spelling or unknown ones the same way everywhere; [`describe`] names a value's
//!   kind in messages ("not an array").
//!
//! Everything here is pure: text in, data and diagnostics out.

mod comments;
mod diagnostic;
mod json_path;
mod position;
mod props;
mod read;
mod report;
mod stray;
mod suggest;
mod value_kind;

pub use diagnostic::{Diagnostic, Severity};
pub(crate) use json_path::{child, element};
pub(crate) use props::unique_props;
pub(crate) use read::read;
pub(crate) use report::Report;
pub(crate) use stray::Strays;
pub(crate) use suggest::{hint, nearest};
pub(crate) use value_kind::describe;
