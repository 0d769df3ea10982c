//! What validation reports: a severity, where (JSON path and line:column) and why.

use std::fmt;

use serde::Serialize;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding about a policy document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// JSON path such as `image_policy.removal[1].delete_after_minutes`; empty for the whole document.
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters (what an editor shows).
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    /// Sort key: by position, errors before warnings at the same spot.
    pub(crate) fn sort_key(&self) -> (usize, usize, u8) {
        let rank = match self.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
        };
        (self.line, self.column, rank)
    }
}

impl fmt::Display for Diagnostic {
    /// One line, compiler style (editors jump to `FILE:3:7:`): `3:7: image_policy.removal[0].image_name: error: …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(
                f,
                "{}:{}: {}: {}",
                self.line, self.column, self.severity, self.message
            )
        } else {
            write!(
                f,
                "{}:{}: {}: {}: {}",
                self.line, self.column, self.path, self.severity, self.message
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(path: &str) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            path: path.to_string(),
            line: 3,
            column: 7,
            message: "`image1` has no tag".to_string(),
        }
    }

    #[test]
    fn display_is_one_line_with_position_path_and_severity() {
        assert_eq!(
            diag("image_policy.removal[0].image_name").to_string(),
            "3:7: image_policy.removal[0].image_name: error: `image1` has no tag"
        );
    }

    #[test]
    fn display_without_path_keeps_the_position() {
        assert_eq!(diag("").to_string(), "3:7: error: `image1` has no tag");
    }

    #[test]
    fn severity_serializes_lowercase() {
        let json = serde_json::to_value(diag("a")).unwrap();
        assert_eq!(json["severity"], "error");
        let warning = Diagnostic {
            severity: Severity::Warning,
            ..diag("a")
        };
        assert_eq!(
            serde_json::to_value(warning).unwrap()["severity"],
            "warning"
        );
    }
}
