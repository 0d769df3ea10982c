//! Themes: TOML files compiled in, a user's own file overriding only the keys it names.

use crate::tui::palette::{ColorDepth, at_depth};
use anyhow::{Context, Result, anyhow, bail};
use ratatui::style::{Color, Modifier, Style};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Declares the theme's keys once, so parsing, merging and the struct can never disagree.
macro_rules! theme_keys {
    ($($key:ident),* $(,)?) => {
        /// One style per element of the console.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            $(pub $key: Style,)*
        }

        const KEYS: &[&str] = &[$(stringify!($key)),*];

        impl Theme {
            fn blank() -> Theme {
                Theme { $($key: Style::default(),)* }
            }

            fn slot(&mut self, key: &str) -> Option<&mut Style> {
                match key {
                    $(stringify!($key) => Some(&mut self.$key),)*
                    _ => None,
                }
            }

            /// Every key's style, named.
            pub fn styles(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($key), self.$key),)*]
            }

            /// Applies `change` to every key's style, with the same key's style of `other`.
            fn each_with(&mut self, other: &Theme, mut change: impl FnMut(&mut Style, Style)) {
                $(change(&mut self.$key, other.$key);)*
            }
        }
    };
}

theme_keys!(
    base,
    title,
    header,
    tab_active,
    tab,
    column_header,
    selected,
    marked,
    stale,
    in_use,
    no_rule,
    spared,
    scheduled,
    postponed,
    pinned,
    due,
    removing,
    failed,
    key,
    hint,
    status_ok,
    status_error,
    warning,
    banner,
    dialog,
    dialog_border,
    button,
    button_focused,
    border,
);

const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

impl Theme {
    /// The names of the themes compiled in.
    pub fn built_in_names() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(name, _)| *name)
    }

    pub fn dark() -> Theme {
        Theme::built_in("dark").expect("the dark theme is compiled in and valid")
    }

    pub fn mono() -> Theme {
        Theme::built_in("mono").expect("the mono theme is compiled in and valid")
    }

    pub fn built_in(name: &str) -> Result<Theme> {
        let (_, text) = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| anyhow!("no built-in theme is named {name}"))?;
        let mut theme = Theme::blank();
        theme.apply(text, Path::new(&format!("themes/{name}.toml")))?;
        Ok(theme)
    }

    /// Applies the keys a TOML text names on top of this theme.
    pub fn apply(&mut self, text: &str, file: &Path) -> Result<()> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            anyhow!(
                "theme file {} is not valid TOML: {}",
                file.display(),
                toml_error(text, &e)
            )
        })?;
        for (key, value) in &table {
            let slot = self.slot(key).ok_or_else(|| {
                anyhow!(
                    "theme file {}: unknown key `{key}`; known keys: {}",
                    file.display(),
                    KEYS.join(", ")
                )
            })?;
            *slot = parse_style(value)
                .map_err(|e| anyhow!("theme file {}: key `{key}`: {e}", file.display()))?;
        }
        Ok(())
    }
}

impl Theme {
    /// The theme as a terminal of this depth can show it. Colours go to the nearest the terminal
    /// has; without colour, every key keeps its attributes and gains mono's, so the cursor row,
    /// the focused button and the state words still stand out (reverse, bold, underline).
    pub fn for_depth(mut self, depth: ColorDepth) -> Theme {
        let mono = Theme::mono();
        self.each_with(&mono, |style, mono| {
            if depth == ColorDepth::None {
                style.fg = None;
                style.bg = None;
                style.underline_color = None;
                style.add_modifier |= mono.add_modifier;
                style.sub_modifier -= mono.add_modifier;
            } else {
                style.fg = style.fg.and_then(|c| at_depth(c, depth));
                style.bg = style.bg.and_then(|c| at_depth(c, depth));
                style.underline_color = style.underline_color.and_then(|c| at_depth(c, depth));
            }
        });
        self
    }
}

/// Picks the theme: `--theme NAME`, else mono without colour, else dark. A file
/// `<config>/themes/NAME.toml` overrides the built-in theme of that name key by key, or stands
/// alone (on top of dark) when no built-in has that name. The result is fitted to the
/// terminal's colour depth.
pub fn load(requested: Option<&str>, depth: ColorDepth) -> Result<Theme> {
    Ok(load_named(requested, depth)?.for_depth(depth))
}

fn load_named(requested: Option<&str>, depth: ColorDepth) -> Result<Theme> {
    let name = requested.unwrap_or(if depth == ColorDepth::None {
        "mono"
    } else {
        "dark"
    });
    let user_file = user_theme_path(name);
    let base = BUILT_IN.iter().any(|(n, _)| *n == name);
    let mut theme = if base {
        Theme::built_in(name)?
    } else {
        Theme::dark()
    };
    match user_file.filter(|path| path.exists()) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read theme file {}", path.display()))?;
            theme.apply(&text, &path)?;
        }
        None if !base => bail!(
            "unknown theme {name}: the built-in themes are {}; a theme of your own goes in {}",
            BUILT_IN
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
            user_theme_path(name).map_or_else(
                || "the config directory".to_string(),
                |p| p.display().to_string()
            )
        ),
        None => {}
    }
    Ok(theme)
}

pub fn user_theme_path(name: &str) -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "imgreaper").map(|dirs| {
        dirs.config_dir()
            .join("themes")
            .join(format!("{name}.toml"))
    })
}

fn parse_style(value: &toml::Value) -> Result<Style, String> {
    let table = value.as_table().ok_or_else(|| {
        format!("expected a table such as {{ fg = \"cyan\", bold = true }}, not {value}")
    })?;
    let mut style = Style::default();
    for (field, value) in table {
        match field.as_str() {
            "fg" | "bg" => {
                let text = value
                    .as_str()
                    .ok_or_else(|| format!("`{field}` is a colour name in quotes"))?;
                let color = Color::from_str(text).map_err(|_| {
                    format!("`{field}` = {text:?} is not a colour (a name such as \"cyan\", \"#rrggbb\" or 0-255)")
                })?;
                style = if field == "fg" {
                    style.fg(color)
                } else {
                    style.bg(color)
                };
            }
            "bold" | "dim" | "italic" | "underline" | "reverse" => {
                let on = value
                    .as_bool()
                    .ok_or_else(|| format!("`{field}` is true or false"))?;
                let modifier = match field.as_str() {
                    "bold" => Modifier::BOLD,
                    "dim" => Modifier::DIM,
                    "italic" => Modifier::ITALIC,
                    "underline" => Modifier::UNDERLINED,
                    _ => Modifier::REVERSED,
                };
                style = if on {
                    style.add_modifier(modifier)
                } else {
                    style.remove_modifier(modifier)
                };
            }
            other => {
                return Err(format!(
                    "unknown field `{other}` (fg, bg, bold, dim, italic, underline, reverse)"
                ));
            }
        }
    }
    Ok(style)
}

/// A TOML error on one line: where, then what (`line 2, column 16: unclosed inline table, …`),
/// without the caret diagram, which needs several lines.
fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[line_start..].chars().count() + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_names_every_key() {
        for (name, text) in BUILT_IN {
            let table: toml::Table = toml::from_str(text).unwrap();
            for key in KEYS {
                assert!(table.contains_key(*key), "{name} lacks {key}");
            }
            Theme::built_in(name).unwrap();
        }
    }

    #[test]
    fn user_file_overrides_only_its_keys() {
        let mut theme = Theme::dark();
        theme
            .apply("due = { fg = \"#ff0000\" }", Path::new("x.toml"))
            .unwrap();
        assert_eq!(theme.due, Style::default().fg(Color::Rgb(255, 0, 0)));
        assert_eq!(theme.base, Theme::dark().base);
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let mut theme = Theme::dark();
        let error = theme
            .apply("due = { fg = \"bluish\" }", Path::new("/t/x.toml"))
            .unwrap_err();
        let text = format!("{error:#}");
        assert!(
            text.contains("/t/x.toml") && text.contains("`due`") && text.contains("bluish"),
            "{text}"
        );
        let error = theme.apply("dew = {}", Path::new("/t/x.toml")).unwrap_err();
        assert!(format!("{error:#}").contains("unknown key `dew`"));
    }
}
