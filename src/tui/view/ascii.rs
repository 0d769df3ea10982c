//! For terminals that show ASCII only (a vt100): every drawn symbol beyond ASCII is replaced, after
//! the frame is drawn, by the ASCII character closest in meaning. One pass over the buffer, so no
//! view needs a second spelling of its borders, arrows and marks.

use ratatui::buffer::Buffer;

/// The ASCII stand-in for one symbol.
fn stand_in(symbol: &str) -> &'static str {
    match symbol {
        "─" | "━" | "—" | "–" => "-",
        "│" | "┃" | "▏" => "|",
        "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" | "╭" | "╮" | "╰" | "╯" => {
            "+"
        }
        "…" => "~",
        "●" | "•" => "*",
        "·" => ".",
        "↑" | "▲" => "^",
        "↓" | "▼" => "v",
        "→" | "▶" | "›" => ">",
        "←" | "‹" => "<",
        "" => "",
        _ => "?",
    }
}

pub fn downgrade(buffer: &mut Buffer) {
    for cell in buffer.content.iter_mut() {
        if !cell.symbol().is_ascii() {
            let ascii = stand_in(cell.symbol());
            cell.set_symbol(ascii);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn every_symbol_becomes_ascii() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 1));
        buffer.set_string(0, 0, "┌─●…↑日é", ratatui::style::Style::default());
        downgrade(&mut buffer);
        let text: String = buffer.content.iter().map(|c| c.symbol()).collect();
        assert!(text.is_ascii(), "{text}");
        assert!(text.starts_with("+-*~^"), "{text}");
    }
}
