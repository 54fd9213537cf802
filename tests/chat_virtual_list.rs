//! The windowed message list with a long room: 10,000 messages render fast,
//! the DOM stays small wherever the list is scrolled, and loading older
//! messages above keeps what is on screen in place. Prints the figures that
//! docs/benchmarks.md ("Chat UI") reports.
#![cfg(target_arch = "wasm32")]

mod support;

use std::time::Duration;

use leptos::prelude::*;
use moodchat_protocol::{Message, Sentiment, UserRef};
use moodchat_web::chat::message_list::MessageList;
use moodchat_web::chat::store::Timeline;
use moodchat_web::i18n::provide_i18n;
use support::{fresh_container, query, wait_for};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn load_styles() {
    let document = support::document();
    if document.get_element_by_id("chat-test-styles").is_some() {
        return;
    }
    let style = document.create_element("style").unwrap();
    style.set_id("chat-test-styles");
    style.set_text_content(Some(concat!(include_str!("../style/main.css"), include_str!("../style/chat.css"))));
    document.head().unwrap().append_child(&style).unwrap();
}

fn message(n: usize) -> Message {
    let sender = ["ann", "bob", "민지"][n / 3 % 3];
    Message {
        id: format!("01J{n:023}"),
        room: "lobby".into(),
        sender: UserRef { sub: sender.into(), name: sender.into() },
        text: if n.is_multiple_of(7) { format!("message {n}: {}", "a longer line that wraps onto a second line ".repeat(3)) } else { format!("message {n}") },
        image: None,
        sentiment: Some(Sentiment { label: ["positive", "neutral", "negative"][n % 3].into(), score: 0.8, source: "server".into() }),
        author_mood: None,
            edited_at: None,
            deleted_at: None,
            change: 0,
            reactions: Vec::new(),
            reply_to: None,
        // Ten messages a minute, so days change a few times in a long room.
        created_at: 1_763_900_000_000 + n as i64 * 6_000 * 10,
        client_id: format!("c{n}"),
        seq: n as u64,
    }
}

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn dom_nodes() -> u32 {
    support::document().query_selector_all("*").unwrap().length()
}

/// The next animation frame (the list re-renders and measures in between).
async fn frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn mount(timeline: RwSignal<Timeline>) -> (web_sys::HtmlElement, web_sys::HtmlElement) {
    load_styles();
    let container = fresh_container();
    container.set_class_name("room-body");
    container.set_attribute("style", "height: 700px; width: 600px").unwrap();
    leptos::mount::mount_to(container.clone(), move || {
        provide_i18n();
        view! { <MessageList timeline me="ann" on_near_top=|_| {} on_read=|_| {} on_retry=|_| {} /> }
    })
    .forget();
    let scroller = query(&container, ".message-scroller").unwrap().unchecked_into();
    (container, scroller)
}

fn row_count(container: &web_sys::Element) -> u32 {
    container.query_selector_all(".message").unwrap().length()
}

/// Yields to the event loop once (a message-channel task: unlike a zero
/// timeout it is not clamped or aligned to frames), so the list's queued
/// update has run when it resolves.
async fn next_task() {
    let yield_once = js_sys::Function::new_no_args(
        "return new Promise(resolve => { const c = new MessageChannel(); c.port1.onmessage = () => resolve(); c.port2.postMessage(0); })",
    );
    let promise: js_sys::Promise = yield_once.call0(&wasm_bindgen::JsValue::NULL).unwrap().unchecked_into();
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Scrolls to `top` and waits until the rows there are rendered and measured.
async fn scroll_to(scroller: &web_sys::HtmlElement, top: i32) {
    scroller.set_scroll_top(top);
    scroller.dispatch_event(&web_sys::Event::new("scroll").unwrap()).unwrap();
    frame().await;
    frame().await;
}

#[wasm_bindgen_test]
async fn ten_thousand_messages_render_fast_and_keep_the_dom_small_while_scrolling() {
    let nodes_before = dom_nodes();
    let mut timeline = Timeline { loaded: true, ..Timeline::default() };
    timeline.insert_all((0..10_000).map(message));
    let timeline = RwSignal::new(timeline);

    let started = now();
    let (container, scroller) = mount(timeline);
    // The newest message is on screen at once.
    wait_for("the newest message", || query(&container, "[data-key='01J00000000000000000009999']")).await;
    frame().await;
    let first_render_ms = now() - started;
    let rows_at_bottom = row_count(&container);
    assert!(scroller.scroll_top() > 0, "opens at the bottom");

    // Scroll through the whole room in 40 steps, top to bottom.
    let total = scroller.scroll_height();
    let mut max_rows = 0;
    let mut max_nodes = 0;
    let mut step_ms = Vec::new();
    let mut work_ms = Vec::new();
    for step in 0..=40 {
        let t0 = now();
        scroller.set_scroll_top(total * step / 40);
        scroller.dispatch_event(&web_sys::Event::new("scroll").unwrap()).unwrap();
        // The list's update runs as queued tasks: the next task runs after it.
        next_task().await;
        work_ms.push(now() - t0);
        frame().await;
        frame().await;
        step_ms.push(now() - t0);
        max_rows = max_rows.max(row_count(&container));
        max_nodes = max_nodes.max(dom_nodes() - nodes_before);
    }
    // Reading speed: 60 small steps of 120 px (a wheel notch) from the middle.
    let mut wheel_ms = Vec::new();
    let middle = total / 2;
    for step in 0..60 {
        let t0 = now();
        scroller.set_scroll_top(middle + step * 120);
        scroller.dispatch_event(&web_sys::Event::new("scroll").unwrap()).unwrap();
        next_task().await;
        wheel_ms.push(now() - t0);
        frame().await;
    }
    wheel_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (median_wheel, worst_wheel) = (wheel_ms[wheel_ms.len() / 2], wheel_ms[wheel_ms.len() - 1]);

    scroll_to(&scroller, 0).await;
    wait_for("the first message at the top", || query(&container, "[data-key='01J00000000000000000000000']")).await;

    step_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    work_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median_step = step_ms[step_ms.len() / 2];
    let worst_step = step_ms[step_ms.len() - 1];
    let (median_work, worst_work) = (work_ms[work_ms.len() / 2], work_ms[work_ms.len() - 1]);
    // What the tab holds for it all (the wasm memory only grows).
    let memory_mb = wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
        / 1048576.0;
    console_log!(
        "chat-ui figures: 10000 messages; wasm memory {memory_mb:.1} MB; first render {first_render_ms:.0} ms; rows in DOM at bottom {rows_at_bottom}, \
         max while scrolling {max_rows}; DOM nodes added by the list, max {max_nodes}; wheel step (120 px): update {median_wheel:.1} ms median, {worst_wheel:.1} ms worst; \
         jump (1/40 of the room): update {median_work:.1} ms median, \
         {worst_work:.1} ms worst; with two frames {median_step:.1} ms median, {worst_step:.1} ms worst"
    );
    assert!(max_rows < 120, "the DOM holds only rows near the viewport, got {max_rows}");
    assert!(max_nodes < 2500, "DOM nodes stay bounded, got {max_nodes}");
    assert!(first_render_ms < 3000.0, "first render took {first_render_ms} ms");
}

#[wasm_bindgen_test]
async fn loading_older_messages_keeps_the_visible_row_in_place() {
    let mut timeline = Timeline { loaded: true, ..Timeline::default() };
    timeline.insert_all((500..700).map(message));
    let timeline = RwSignal::new(timeline);
    let (container, scroller) = mount(timeline);
    wait_for("the newest message", || query(&container, "[data-key='01J00000000000000000000699']")).await;
    frame().await;
    // Read a little way up from the bottom.
    scroll_to(&scroller, scroller.scroll_top() - 900).await;
    scroll_to(&scroller, scroller.scroll_top()).await;
    // The first row fully in view, and where it is on screen.
    let viewport_top = scroller.get_bounding_client_rect().top();
    let list = container.query_selector_all(".message").unwrap();
    let key = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok())
        .find(|row| row.get_bounding_client_rect().top() >= viewport_top)
        .and_then(|row| row.get_attribute("data-key"))
        .expect("a row in view");
    let row_top = |container: &web_sys::HtmlElement| {
        query(container, &format!("[data-key='{key}']")).map(|row| row.get_bounding_client_rect().top())
    };
    let before = row_top(&container).unwrap();

    // An older page arrives above.
    timeline.update(|t| {
        t.insert_all((400..500).map(message));
    });
    for _ in 0..4 {
        frame().await;
    }
    support::tick(Duration::from_millis(50)).await;
    let after = row_top(&container).expect("the row is still rendered");
    assert!((after - before).abs() <= 2.0, "the row moved from {before} to {after}");
    assert!(row_count(&container) < 80);
}

/// The element with the keyboard focus, when it is the row of message `id`.
fn focused_row(id: &str) -> Option<web_sys::Element> {
    let active = support::document().active_element()?;
    (active.get_attribute("data-key")? == id).then_some(active)
}

/// A search result far up in a long room (issue 17): the list brings it
/// into view, marked, and gives it the keyboard focus; the row keeps the
/// focus when it is rebuilt (its mood arrives) and when the window moves
/// (the reader scrolls a little: `Keyed` moves the rows, and a node taken
/// out of the document loses the focus).
#[wasm_bindgen_test]
async fn a_search_result_is_shown_marked_and_keeps_the_keyboard_focus() {
    let mut timeline = Timeline { loaded: true, ..Timeline::default() };
    timeline.insert_all((0..2_000).map(message));
    let timeline = RwSignal::new(timeline);
    let (container, scroller) = mount(timeline);
    wait_for("the newest message", || query(&container, "[data-key='01J00000000000000000001999']")).await;

    let id = message(500).id;
    timeline.update(|t| t.jump_to(&id));
    let row = wait_for("the result to have the focus", || focused_row(&id)).await;
    assert!(row.class_list().contains("search-target"), "the result is marked");
    let (shown, list) = (row.get_bounding_client_rect(), scroller.get_bounding_client_rect());
    assert!(
        shown.top() >= list.top() - 1.0 && shown.bottom() <= list.bottom() + 1.0,
        "the result is in view: row {}..{}, list {}..{}",
        shown.top(),
        shown.bottom(),
        list.top(),
        list.bottom()
    );

    // Its mood arrives: the row is built again, and the new one has the focus.
    timeline.update(|t| {
        let message = t.messages.iter_mut().find(|m| m.id == id).unwrap();
        message.sentiment = Some(Sentiment { label: "negative".into(), score: 0.31, source: "server".into() });
    });
    let rebuilt = wait_for("the rebuilt row to have the focus", || focused_row(&id).filter(|r| *r != row)).await;

    // The reader scrolls a little: the rows are moved, the focus stays.
    let rows_before = container.query_selector(".message").unwrap().and_then(|r| r.get_attribute("data-key"));
    scroll_to(&scroller, scroller.scroll_top() + 300).await;
    let rows_after = container.query_selector(".message").unwrap().and_then(|r| r.get_attribute("data-key"));
    assert_ne!(rows_before, rows_after, "the window moved");
    let kept = wait_for("the row to keep the focus", || focused_row(&id)).await;
    assert!(kept == rebuilt && kept.class_list().contains("search-target"));

    // Far away, then the same result again: back to it, focused.
    scroll_to(&scroller, scroller.scroll_height()).await;
    support::document().body().unwrap().focus().unwrap();
    wait_for("the row to be gone from the window", || query(&container, &format!("[data-key='{id}']")).is_none().then_some(())).await;
    timeline.update(|t| t.jump_to(&id));
    wait_for("the same result focused again", || focused_row(&id)).await;
}
