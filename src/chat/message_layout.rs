//! The geometry of the windowed message list: where each row starts, from
//! measured heights or, for rows not rendered yet, an estimate.

use super::local_images;
use super::message_row::shown_size;
use super::store::{Entry, Timeline};

/// Where every row starts: `offsets[i]` is the top of row `i`, and the last
/// entry is the total height.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub offsets: Vec<f64>,
}

impl Layout {
    pub fn total(&self) -> f64 {
        self.offsets.last().copied().unwrap_or(0.0)
    }

    /// The row containing `y`.
    pub fn row_at(&self, y: f64) -> usize {
        self.offsets.partition_point(|&top| top <= y).saturating_sub(1)
    }

    /// The anchor (the viewport's top relative to the row's bottom) that
    /// shows row `index` in the middle of a viewport `height` tall.
    pub fn centred(&self, index: usize, height: f64) -> f64 {
        let (top, bottom) = (self.offsets[index], self.offsets[index + 1]);
        (top - (height - (bottom - top)) / 2.0).max(0.0) - bottom
    }

    /// The anchor that shows row `index` at the viewport's top, `margin`
    /// below it (where the reader left off, under the "new messages" line).
    pub fn at_top(&self, index: usize, margin: f64) -> f64 {
        (self.offsets[index] - margin).max(0.0) - self.offsets[index + 1]
    }
}

/// Where a row is to be shown: in the middle of the view (a search result) or
/// at its top (where the reader left off).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    Centre,
    Top,
}

/// Space left above the row a list opens at, so its edge is seen.
const TOP_MARGIN_PX: f64 = 8.0;

impl Layout {
    /// The anchor that shows row `index` at `place` in a viewport `height` tall.
    pub fn placed(&self, index: usize, place: Place, height: f64) -> f64 {
        match place {
            Place::Centre => self.centred(index, height),
            Place::Top => self.at_top(index, TOP_MARGIN_PX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Rows of 10, 30 and 20 px: a row shown at the top keeps its margin
    /// above it, one centred has equal space above and below.
    #[test]
    fn anchors_are_relative_to_the_rows_bottom() {
        let layout = Layout { offsets: vec![0.0, 10.0, 40.0, 60.0] };
        // Row 1's bottom is at 40; its top at 10 shown 8 px down: view top 2.
        assert_eq!(40.0 + layout.placed(1, Place::Top, 100.0), 2.0);
        // Row 0 cannot have 8 px above it: the view starts at 0.
        assert_eq!(10.0 + layout.placed(0, Place::Top, 100.0), 0.0);
        // Row 2 (40..60) in a 40 px view: 10 px above and below it.
        assert_eq!(60.0 + layout.placed(2, Place::Centre, 40.0), 30.0);
    }
}

/// A guess for a row not yet measured: text lines, a header when the
/// sender changes, and the image's reserved space.
pub fn estimate(timeline: &Timeline, index: usize) -> f64 {
    let Some(entry) = timeline.entry(index) else { return 0.0 };
    let (chars, image_h) = match entry {
        Entry::Confirmed(message) => {
            (message.text.chars().count(), message.image.as_ref().map_or(0.0, |image| image_height(image.w, image.h)))
        }
        Entry::Pending(pending) => (
            pending.text.chars().count(),
            local_images::for_pending(pending).map_or(0.0, |image| image_height(image.w, image.h)),
        ),
    };
    let lines = (chars / 48 + 1) as f64;
    let new_sender = index == 0 || timeline.entry(index - 1).is_none_or(|previous| previous.sender_sub() != entry.sender_sub());
    12.0 + lines * 22.0 + if new_sender { 28.0 } else { 0.0 } + image_h
}

/// The height an image is shown at (`shown_size`), a guess when unknown.
fn image_height(w: Option<u32>, h: Option<u32>) -> f64 {
    shown_size(w, h).map_or(200.0, |(_, height)| f64::from(height))
}

/// Measures the rendered rows (children of `container`, keyed by
/// `data-key`) into `heights`; true when a height is new or changed.
pub fn measure_rows(container: &web_sys::Element, heights: &mut std::collections::HashMap<String, f64>) -> bool {
    let children = container.children();
    let mut changed = false;
    for index in 0..children.length() {
        let Some(child) = children.item(index) else { continue };
        let Some(key) = child.get_attribute("data-key") else { continue };
        let height = child.get_bounding_client_rect().height();
        if height > 0.0 && heights.get(&key).is_none_or(|known| (known - height).abs() > 0.5) {
            heights.insert(key, height);
            changed = true;
        }
    }
    changed
}
