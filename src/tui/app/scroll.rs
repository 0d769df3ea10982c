//! A cursor over a list and the first row shown, kept so the cursor is always on screen.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub cursor: usize,
    pub offset: usize,
}

impl Scroll {
    /// Moves by `delta` rows, clamped to `0..len`.
    pub fn step(&mut self, delta: isize, len: usize) {
        let target = self.cursor as isize + delta;
        self.cursor = target.clamp(0, len.saturating_sub(1) as isize) as usize;
    }

    pub fn clamp(&mut self, len: usize) {
        self.cursor = self.cursor.min(len.saturating_sub(1));
        self.offset = self.offset.min(self.cursor);
    }

    /// Keeps the cursor within the `page` rows shown.
    pub fn follow(&mut self, page: usize) {
        let page = page.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
    }

    /// The rows to draw: `offset..offset + page`, within `len`.
    pub fn window(&self, page: usize, len: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(len);
        start..(start + page).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_stays_visible() {
        let mut scroll = Scroll::default();
        scroll.step(15, 100);
        scroll.follow(10);
        assert_eq!((scroll.cursor, scroll.offset), (15, 6));
        scroll.step(-100, 100);
        scroll.follow(10);
        assert_eq!((scroll.cursor, scroll.offset), (0, 0));
        assert_eq!(scroll.window(10, 4), 0..4);
    }
}
