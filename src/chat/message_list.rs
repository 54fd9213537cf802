//! The messages of a room as a windowed list: the DOM holds only the rows
//! near the viewport (plus a margin), placed inside a spacer as tall as the
//! whole room, so a room of 10,000 messages scrolls like one of 50.
//!
//! Row heights are estimated until a row is rendered, then measured and
//! remembered. The scroll position is kept by an anchor (the first visible
//! row and how far into it the viewport starts), so loading older messages
//! above or correcting an estimate never makes the content jump; at the
//! bottom, the list follows new messages.

use std::collections::HashMap;

use leptos::html::Div;
use leptos::prelude::*;

use super::dom::{on_resize, set_style, Keyed};
use super::local_images;
use super::message_layout::{estimate, measure_rows, Layout, Place};
use super::message_row::{build_row, RowData};
use super::row_focus;
use super::store::{placement, Entry, SendState, Timeline};
use super::time::local_day;
use crate::i18n::{tr, use_i18n};
use crate::split::after_first_screen;

/// Rows are rendered this far above and below the viewport.
const OVERSCAN_PX: f64 = 800.0;
/// Within this distance of the bottom, the list counts as "at the bottom".
const BOTTOM_SLACK_PX: f64 = 32.0;
/// Within this distance of the top, older messages are requested.
const NEAR_TOP_PX: f64 = 600.0;

/// The rows to render and where the first one starts.
#[derive(Clone, Debug, PartialEq)]
struct Window {
    top: f64,
    rows: Vec<RowData>,
}

#[component]
pub fn MessageList(
    timeline: RwSignal<Timeline>,
    /// The signed-in user's `sub`, to tell our messages from others'.
    #[prop(into)]
    me: String,
    /// The list is near the top: load older messages.
    #[prop(into)]
    on_near_top: Callback<()>,
    /// The newest message is in view: mark the room read.
    #[prop(into)]
    on_read: Callback<()>,
    /// Send a failed message again (its client id).
    #[prop(into)]
    on_retry: Callback<String>,
) -> impl IntoView {
    let scroller = NodeRef::<Div>::new();
    let spacer = NodeRef::<Div>::new();
    let rows_element = NodeRef::<Div>::new();
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(800.0);
    let heights: StoredValue<HashMap<String, f64>> = StoredValue::new(HashMap::new());
    let measured = RwSignal::new(0u32);
    // A room opened again is where it was left (`scrolled_to`), else at the bottom.
    let left_at = timeline.with_untracked(|timeline| timeline.scrolled_to.clone());
    let stick_to_bottom = StoredValue::new(left_at.is_none());
    // The first visible row and where the viewport starts relative to that
    // row's *bottom*: prepending older messages can take the day line and
    // the sender's name off the top of that row (they move to the older
    // row), and its text must not jump when they do.
    let anchor: StoredValue<Option<(String, f64)>> = StoredValue::new(left_at);
    on_cleanup(move || {
        let left_at = if stick_to_bottom.try_get_value().unwrap_or(true) { None } else { anchor.try_get_value().flatten() };
        // Untracked: nothing on screen shows it. A search result is marked
        // until the room is left.
        timeline.try_update_untracked(|timeline| {
            timeline.scrolled_to = left_at;
            timeline.marked = None;
        });
    });
    // Whether the list has opened where the reader left off (the first
    // unread message), and whether messages came below while they read.
    let left_off_shown = StoredValue::new(false);
    let new_below = RwSignal::new(false);
    let newest_key: StoredValue<Option<String>> = StoredValue::new(None);
    // A search result brought into view, to focus once its row is drawn.
    let focus_row = RwSignal::new(None::<String>);
    // A row to show at a place (a search result in the middle, where the
    // reader left off at the top), placed again at each layout until the
    // reader scrolls: the rows' estimated heights may be far off (a day
    // line, a name, the "new messages" line added once found), and a scroll
    // event of the list's own placing may come after a measurement.
    let place_row: StoredValue<Option<(String, Place)>> = StoredValue::new(None);

    let layout = Memo::new(move |_| {
        measured.track();
        timeline.with(|timeline| {
            heights.with_value(|heights| {
                let mut offsets = Vec::with_capacity(timeline.len() + 1);
                let mut y = 0.0;
                offsets.push(y);
                for index in 0..timeline.len() {
                    let key = timeline.entry(index).map(|entry| entry.key()).unwrap_or_default();
                    y += heights.get(key).copied().unwrap_or_else(|| estimate(timeline, index));
                    offsets.push(y);
                }
                Layout { offsets }
            })
        })
    });
    let me_for_rows = me.clone();
    // My name, for the messages that mention me (none without a chat: tests).
    let my_name = use_context::<super::Chat>().and_then(|chat| chat.me()).map(|me| me.name).unwrap_or_default();
    let window = Memo::new(move |_| {
        let (top, bottom) = (scroll_top.get() - OVERSCAN_PX, scroll_top.get() + viewport.get() + OVERSCAN_PX);
        let (first, last, first_top) = layout.with(|layout| {
            let count = layout.offsets.len() - 1;
            let first = layout.row_at(top.max(0.0)).min(count);
            let last = (layout.row_at(bottom) + 1).min(count);
            (first, last, layout.offsets[first])
        });
        let rows = timeline.with(|timeline| {
            // Our local previews follow the timeline first: revoked once the
            // server's copy is in it (or the send is gone). Done here, not in
            // an effect of its own, because this runs on every change of the
            // timeline anyway (and an effect costs bundle size).
            local_images::sweep(timeline, &me_for_rows);
            (first..last)
                .filter_map(|index| {
                    let entry = timeline.entry(index)?;
                    let place = placement(timeline, index, local_day);
                    let mine = entry.sender_sub() == me_for_rows;
                    // Our image is shown from the file in this tab until the
                    // server's copy arrives (`local_images`).
                    let (message, state) = match entry {
                        Entry::Confirmed(message) => {
                            let mut message = message.clone();
                            if mine && message.image.is_none() {
                                message.image = local_images::for_acknowledged(&message);
                            }
                            (message, SendState::Sent)
                        }
                        Entry::Pending(pending) => {
                            let mut message = pending.as_message();
                            message.image = local_images::for_pending(pending);
                            (message, pending.state)
                        }
                    };
                    let mentions_me = !mine && super::notifications::mentions(&message.text, &my_name);
                    Some(RowData {
                        key: entry.key().to_owned(),
                        mine,
                        message,
                        state,
                        new_day: place.new_day,
                        new_group: place.new_group,
                        unread_line: timeline.first_unread.as_deref() == Some(entry.key()),
                        target: timeline.marked.as_deref() == Some(entry.key()),
                        me: me_for_rows.clone(),
                        mentions_me,
                    })
                })
                .collect()
        });
        Window { top: first_top, rows }
    });

    // Render the window's rows, reusing the elements of rows that did not
    // change, then measure them and remember real heights.
    let i18n = use_i18n();
    let keyed = Keyed::new();
    let remeasure = move || {
        let Some(container) = rows_element.get_untracked() else { return };
        if heights.try_update_value(|heights| measure_rows(&container, heights)).unwrap_or(false) {
            measured.update(|n| *n += 1);
        }
    };
    // A rendered row can grow after it was measured (a font or an image
    // arriving, a mood badge restyled): the rows' box then changes size.
    on_resize(rows_element, remeasure);
    Effect::new(move |_| {
        let locale = i18n.locale.get();
        focus_row.track();
        let Some(container) = rows_element.get() else { return };
        let focused = row_focus::focused(&container);
        let top = window.with(|window| {
            // Times and labels are in the current language: a new language
            // rebuilds the rows.
            let items = window
                .rows
                .iter()
                .map(|row| {
                    let key = [row.render_key().as_str(), locale.tag()].concat();
                    let build: Box<dyn FnOnce() -> web_sys::Element + '_> =
                        Box::new(move || build_row(row, locale.texts(), locale.tag()));
                    (key, build)
                })
                .collect();
            keyed.update(&container, items);
            window.top
        });
        set_style(&container, "transform", &format!("translateY({}px)", top as i64));
        if let Some(focused) = focused {
            row_focus::restore(&container, focused);
        }
        if focus_row.with_untracked(|key| key.as_deref().is_some_and(|key| row_focus::focus_row(&container, key))) {
            focus_row.update_untracked(|key| *key = None);
        }

        remeasure();
    });

    // Clicks and keys in the rows, by delegation (`row_events`).
    let chat = use_context::<super::Chat>();
    let on_click = move |event: web_sys::MouseEvent| {
        super::row_events::click(&event, on_retry, chat, i18n.locale.get_untracked())
    };
    let on_keydown =
        move |event: web_sys::KeyboardEvent| super::row_events::keydown(&event, i18n.locale.get_untracked());

    // Whenever the layout changes, keep the viewport where it was: at the
    // bottom if it was there, else on the same row at the same distance.
    // A search result to show mid-view, also one already laid out (`Timeline::focus`).
    let jumps = Memo::new(move |_| timeline.with(|timeline| timeline.jumps));
    Effect::new(move |_| {
        jumps.track();
        let total = layout.with(Layout::total);
        let (Some(scroller), Some(spacer)) = (scroller.get(), spacer.get()) else { return };
        set_style(&spacer, "height", &format!("{}px", total as i64));
        viewport.set(f64::from(scroller.client_height()));
        let (waiting, first_unread, newest) = timeline.with_untracked(|t| {
            let first = t.first_unread.as_deref().and_then(|key| t.index_of(key));
            (t.unread_at_open > 0 && first.is_none(), first, t.entry(t.len().wrapping_sub(1)).map(|e| e.key().to_owned()))
        });
        if waiting {
            // Where the reader left off is still being looked for: neither
            // jump to the bottom nor mark the room read meanwhile.
            return;
        }
        if let Some(index) = first_unread.filter(|_| !left_off_shown.get_value()) {
            left_off_shown.set_value(true);
            let bottom = layout.with_untracked(|layout| layout.offsets[index + 1]);
            let target = bottom + layout.with_untracked(|layout| layout.placed(index, Place::Top, 0.0));
            if target + f64::from(scroller.client_height()) < total - BOTTOM_SLACK_PX {
                stick_to_bottom.set_value(false);
                new_below.set(true);
                let key = timeline.with_untracked(|t| t.entry(index).map(|e| e.key().to_owned())).unwrap_or_default();
                place_row.set_value(Some((key, Place::Top)));
            }
        }
        if let Some((key, _)) = timeline.try_update_untracked(Timeline::take_focus).flatten() {
            // The result, not where the reader left off, even if that is
            // found later.
            left_off_shown.set_value(true);
            stick_to_bottom.set_value(false);
            focus_row.set(Some(key.clone()));
            place_row.set_value(Some((key, Place::Centre)));
        }
        if let Some((key, place)) = place_row.get_value() {
            let index = timeline.with_untracked(|timeline| timeline.index_of(&key));
            let height = f64::from(scroller.client_height());
            if index.is_none() || stick_to_bottom.get_value() {
                place_row.set_value(None);
            }
            let placed = index.map(|index| (key, layout.with_untracked(|l| l.placed(index, place, height))));
            anchor.set_value(placed.or(anchor.get_value()));
        }
        // Someone wrote while the reader is up in the history: say so.
        if newest_key.get_value() != newest {
            if newest_key.get_value().is_some() && !stick_to_bottom.get_value() {
                new_below.set(true);
            }
            newest_key.set_value(newest);
        }
        if stick_to_bottom.get_value() {
            scroller.set_scroll_top(i32::MAX);
            on_read.run(());
        } else if let Some((key, delta)) = anchor.get_value() {
            let target = timeline.with_untracked(|timeline| timeline.index_of(&key))
                .and_then(|index| layout.with_untracked(|layout| layout.offsets.get(index + 1).copied()))
                .map(|offset| offset + delta);
            if let Some(target) = target {
                if (target - f64::from(scroller.scroll_top())).abs() >= 1.0 {
                    scroller.set_scroll_top(target.round() as i32);
                }
            }
        }
        scroll_top.set(f64::from(scroller.scroll_top()));
    });

    // The list's own height changed (the composer, a chunk loaded after the
    // messages, appeared below it; the window was resized): a list at the
    // bottom stays there, even when no scroll event follows.
    let follow_resize = move || {
        let Some(scroller) = scroller.get_untracked() else { return };
        // No early return when the height looks unchanged: the layout effect
        // and the scroll handler also record the viewport, and may have seen
        // the new height first without moving to the bottom.
        viewport.set(f64::from(scroller.client_height()));
        if stick_to_bottom.get_value() {
            scroller.set_scroll_top(i32::MAX);
        }
        scroll_top.set(f64::from(scroller.scroll_top()));
    };
    on_resize(scroller, follow_resize);

    // Reading waits while the tab is hidden (the room view's `on_read`);
    // back in view at the bottom, what came meanwhile is read. The event
    // bubbles from the document to the window.
    let on_visible = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if stick_to_bottom.try_get_value() == Some(true) {
            on_read.run(());
        }
    });
    on_cleanup(move || on_visible.remove());

    let on_scroll = move |_| {
        let Some(scroller) = scroller.get_untracked() else { return };
        let top = f64::from(scroller.scroll_top());
        let height = f64::from(scroller.client_height());
        let previous_top = scroll_top.get_untracked();
        // The list's own placing scrolls to where `scroll_top` says; any
        // other position is the reader's, who then leaves a placed row.
        let reader_moved = (top - previous_top).abs() >= 1.0;
        if reader_moved {
            place_row.set_value(None);
        }
        // Judged from what is on screen, not from `layout`: a measurement
        // may have grown the layout while the spacer has not followed yet.
        let at_bottom = top + height >= f64::from(scroller.scroll_height()) - BOTTOM_SLACK_PX;
        // Only the reader moving up leaves the bottom. Content growing below
        // (rows measured taller than estimated) or the list shrinking (the
        // composer appearing) also leaves the viewport short of the bottom,
        // without moving it: follow the bottom then.
        if at_bottom {
            stick_to_bottom.set_value(true);
            if new_below.get_untracked() {
                new_below.set(false);
            }
        } else if top < previous_top - 0.5 {
            stick_to_bottom.set_value(false);
        } else if stick_to_bottom.get_value() {
            scroller.set_scroll_top(i32::MAX);
        }
        let top = f64::from(scroller.scroll_top());
        scroll_top.set(top);
        viewport.set(height);
        if place_row.get_value().is_none() {
            anchor.set_value(layout.with_untracked(|layout| {
                let index = layout.row_at(top);
                let key = timeline.with_untracked(|timeline| timeline.entry(index).map(|entry| entry.key().to_owned()))?;
                Some((key, top - layout.offsets[index + 1]))
            }));
        }
        if at_bottom {
            on_read.run(());
        }
        if top < NEAR_TOP_PX {
            on_near_top.run(());
        }
    };

    let to_bottom = Callback::new(move |_| {
        if let Some(scroller) = scroller.get_untracked() {
            stick_to_bottom.set_value(true);
            scroller.set_scroll_top(i32::MAX);
        }
    });

    view! {
        {after_first_screen(move || new_below_marker(new_below, to_bottom))}
        <div
            class="message-scroller"
            node_ref=scroller
            on:scroll=on_scroll
            tabindex="0"
            role="region"
            aria-label=tr(|t| t.chat_messages_label)
        >
            <div class="message-spacer" node_ref=spacer>
                <div class="message-rows" node_ref=rows_element on:click=on_click on:keydown=on_keydown></div>
            </div>
        </div>
    }
}

/// A reactive text as a type-erased signal: every such text in the chat
/// shares one rendering implementation instead of one per closure, which
/// keeps the bundle smaller (like `i18n::tr` for fixed texts).
pub fn text(f: impl Fn() -> String + Send + Sync + 'static) -> Signal<String> {
    Signal::derive(f)
}

split_view! { room_tools:
    /// "New messages below", over the list while there are: a chunk, as it
    /// is not needed to show the messages.
    fn new_below_marker(shown: RwSignal<bool>, on_click: Callback<()>) -> AnyView {
        view! {
            <button type="button" class="new-below" hidden=move || !shown.get() on:click=move |_| on_click.run(())>
                {tr(|t| t.chat_new_below)}
                <span aria-hidden="true">" ↓"</span>
            </button>
        }
        .into_any()
    }
}
