//! Colours as a terminal shows them: xterm's default palette for the 16 named colours and the
//! 256-colour cube, the nearest colour at a lower depth, and WCAG contrast between two colours.

use ratatui::style::Color;

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Indexed256,
    Basic16,
    /// No colour at all (NO_COLOR, a monochrome terminal): attributes only.
    None,
}

/// xterm's default RGB for the 16 named colours, in index order.
const BASIC: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

const NAMED: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The RGB of an xterm 256-colour index.
fn indexed(index: u8) -> (u8, u8, u8) {
    match index {
        0..=15 => BASIC[usize::from(index)],
        16..=231 => {
            let i = index - 16;
            (
                CUBE[usize::from(i / 36)],
                CUBE[usize::from(i / 6 % 6)],
                CUBE[usize::from(i % 6)],
            )
        }
        _ => {
            let level = 8 + 10 * (index - 232);
            (level, level, level)
        }
    }
}

/// The RGB a terminal with xterm's palette shows for a colour; `None` for the terminal's own
/// default (`Reset`), which depends on the terminal.
pub fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    match color {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i) => Some(indexed(i)),
        named => NAMED.iter().position(|c| *c == named).map(|i| BASIC[i]),
    }
}

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    // Weighted for the eye's sensitivity (a cheap "redmean"-like weighting).
    2 * d(a.0, b.0).pow(2) + 4 * d(a.1, b.1).pow(2) + 3 * d(a.2, b.2).pow(2)
}

/// The colour as shown at `depth`: the nearest of the 256 or of the 16, or nothing.
pub fn at_depth(color: Color, depth: ColorDepth) -> Option<Color> {
    let Some(value) = rgb(color) else {
        return Some(color); // the terminal's default stays itself at every depth but none
    };
    match depth {
        ColorDepth::None => None,
        ColorDepth::TrueColor => Some(color),
        ColorDepth::Indexed256 => match color {
            Color::Rgb(..) => (16..=255u8)
                .min_by_key(|&i| distance(indexed(i), value))
                .map(Color::Indexed),
            other => Some(other),
        },
        ColorDepth::Basic16 => match color {
            Color::Rgb(..) | Color::Indexed(16..) => (0..16)
                .min_by_key(|&i| distance(BASIC[i], value))
                .map(|i| NAMED[i]),
            Color::Indexed(i) => Some(NAMED[usize::from(i)]),
            other => Some(other),
        },
    }
}

/// WCAG relative luminance of an sRGB colour.
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio, from 1 (the same) to 21 (black on white).
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_spans_one_to_twenty_one() {
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 0.01);
        assert!((contrast((9, 9, 9), (9, 9, 9)) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn lower_depths_pick_the_nearest_colour() {
        assert_eq!(
            at_depth(Color::Rgb(0x5f, 0xaf, 0xd7), ColorDepth::Indexed256),
            Some(Color::Indexed(74))
        );
        assert_eq!(
            at_depth(Color::Rgb(250, 250, 250), ColorDepth::Basic16),
            Some(Color::White)
        );
        assert_eq!(at_depth(Color::Red, ColorDepth::None), None);
        assert_eq!(
            at_depth(Color::Red, ColorDepth::Indexed256),
            Some(Color::Red)
        );
    }
}
