//! What the terminal can show, read from the environment as the terminal describes itself:
//! colour depth from `COLORTERM` and `TERM` (and `NO_COLOR`), and whether it can draw anything
//! beyond ASCII. A terminal that cannot move the cursor (`TERM=dumb`) cannot hold the console.

use crate::tui::palette::ColorDepth;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub depth: ColorDepth,
    /// Only ASCII is drawn: no box drawing, arrows or ellipses (a vt100).
    pub ascii: bool,
}

/// Reads the capabilities through `var` (the environment, or a table in tests).
pub fn detect(var: impl Fn(&str) -> Option<String>) -> Result<Capabilities, String> {
    let term = var("TERM").unwrap_or_default().to_ascii_lowercase();
    if term == "dumb" {
        return Err(
            "this terminal (TERM=dumb) cannot move the cursor, so it cannot show the console; \
             for a list of the images and their removal times use `imgreaper images` \
             (`imgreaper images --json` for scripts), or set TERM to your terminal's type \
             (e.g. TERM=xterm-256color)"
                .to_string(),
        );
    }
    // The DEC VT terminals draw ASCII in one colour.
    let vt = term.starts_with("vt") && term[2..].starts_with(|c: char| c.is_ascii_digit());
    let no_color = var("NO_COLOR").is_some_and(|v| !v.is_empty());
    let colorterm = var("COLORTERM").unwrap_or_default().to_ascii_lowercase();
    let depth = if no_color || vt {
        ColorDepth::None
    } else if colorterm == "truecolor"
        || colorterm == "24bit"
        || term.ends_with("-direct")
        || term.contains("truecolor")
    {
        ColorDepth::TrueColor
    } else if term.contains("256") {
        ColorDepth::Indexed256
    } else {
        ColorDepth::Basic16
    };
    Ok(Capabilities { depth, ascii: vt })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Capabilities, String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        detect(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    fn depth(vars: &[(&str, &str)]) -> ColorDepth {
        with(vars).unwrap().depth
    }

    #[test]
    fn depth_follows_colorterm_and_term() {
        assert_eq!(
            depth(&[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")]),
            ColorDepth::TrueColor
        );
        assert_eq!(depth(&[("TERM", "xterm-direct")]), ColorDepth::TrueColor);
        assert_eq!(depth(&[("TERM", "tmux-256color")]), ColorDepth::Indexed256);
        assert_eq!(depth(&[("TERM", "xterm")]), ColorDepth::Basic16);
        assert_eq!(depth(&[("TERM", "linux")]), ColorDepth::Basic16);
        assert_eq!(
            depth(&[("TERM", "xterm-256color"), ("NO_COLOR", "1")]),
            ColorDepth::None
        );
    }

    #[test]
    fn a_vt100_gets_ascii_and_no_colour() {
        for term in ["vt100", "vt220", "VT102"] {
            let caps = with(&[("TERM", term), ("COLORTERM", "truecolor")]).unwrap();
            assert_eq!(
                caps,
                Capabilities {
                    depth: ColorDepth::None,
                    ascii: true
                },
                "{term}"
            );
        }
        assert!(!with(&[("TERM", "vte-256color")]).unwrap().ascii);
    }

    #[test]
    fn dumb_is_refused_naming_the_command_to_use() {
        let error = with(&[("TERM", "dumb")]).unwrap_err();
        assert!(error.contains("imgreaper images"), "{error}");
    }
}
