//! One room: its title and who is online, the message list, who is typing,
//! who has seen our last message, a polite announcement of new messages for
//! screen readers, and the composer.

use leptos::prelude::*;
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::RoomKind;

use super::client::use_chat;
use super::composer::Composer;
use super::mentions::MentionSuggestions;
use super::notifications::NotificationOffer;
use super::replies::ReplyBar;
use super::message_list::{text, MessageList};
use super::store::Timeline;
use crate::i18n::{tr, use_i18n};
use crate::split::after_first_screen;

/// How often the typing indicator forgets people who stopped.
const TYPING_PRUNE_MS: u64 = 1000;

/// "Alice, Bob, Carol +3 more" for presence, typing and read receipts;
/// `and_more` holds "{}" where the number goes ("+{}명" in Korean).
pub fn name_list(names: &[&str], and_more: &str) -> String {
    const SHOWN: usize = 3;
    let mut text = names.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push(' ');
        text.push_str(&and_more.replacen("{}", &(names.len() - SHOWN).to_string(), 1));
    }
    text
}

#[component]
pub fn RoomView(#[prop(into)] room: String) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    chat.open(room.clone());
    let timeline = chat.timeline(&room);
    let me = chat.me().map(|me| me.sub).unwrap_or_default();
    {
        let room = room.clone();
        on_cleanup(move || chat.close(&room));
    }

    let title = {
        let room = room.clone();
        text(move || {
            let t = i18n.t();
            chat.room_title(&room, t)
        })
    };

    let on_near_top = {
        let room = room.clone();
        move |_| chat.load_older(room.clone())
    };
    let on_read = {
        let room = room.clone();
        move |_| {
            let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
            if !hidden {
                chat.mark_read(&room);
            }
            crate::search::fill_gap(chat, &room);
        }
    };
    let on_retry = {
        let room = room.clone();
        move |client_id: String| chat.retry(&room, &client_id)
    };

    // Status lines are always in the DOM and empty when there is nothing to
    // say (hidden by CSS): cheaper than building and dropping elements.
    let status = text(move || {
        let t = i18n.t();
        timeline.with(|timeline| match (timeline.loaded, timeline.is_empty()) {
            _ if timeline.missing => "",
            (false, true) => t.loading,
            (true, true) => t.room_empty,
            _ => "",
        })
        .to_owned()
    });
    let loading_older = text(move || if chat.loading_older.get() { i18n.t().chat_loading_older.to_owned() } else { String::new() });

    // An unknown room (a mistyped or stale link) says so, with a way out,
    // instead of its messages and the composer (CSS hides them).
    let missing = move || timeline.with(|timeline| timeline.missing);
    let class = text(move || if missing() { "room missing".into() } else { "room".into() });

    view! {
        <div class=class>
        <header class="room-header">
            <a href="/rooms" class="back-link">
                <span aria-hidden="true">"← "</span>
                {tr(|t| t.back_to_rooms)}
            </a>
            <h1 id="room-title">{title}</h1>
            {after_first_screen({
                let me = me.clone();
                move || presence(timeline, me.clone())
            })}
            // The mood chart and search: in the `room_tools` chunk, fetched
            // once the first messages are painted.
            {header_extras(room.clone(), timeline)}
        </header>
        <div class="room-body">
            <MessageList timeline me=me.clone() on_near_top on_read on_retry />
            <p class="room-status muted">{status}</p>
            <p class="loading-older" role="status">{loading_older}</p>
        </div>
        // Presence, typing, "seen by" and the composer (with image sharing and
        // the mood preview) are in the `room_tools` chunk, fetched once the
        // first messages are painted: none of them is needed to show them.
        {after_first_screen(move || missing_notice(timeline))}
        {after_first_screen(move || activity(timeline, me.clone()))}
        {after_first_screen(move || composer(room.clone()))}
        </div>
    }
}

/// The room's mood chart, its members and the search control (when the
/// home offers search), fetched after the first screen.
fn header_extras(room: String, timeline: RwSignal<Timeline>) -> impl IntoView {
    let search = crate::app::use_runtime_config().search;
    let chart = {
        let room = room.clone();
        after_first_screen(move || super::room_mood::room_mood(room.clone(), timeline))
    };
    let members = {
        let room = room.clone();
        after_first_screen(move || crate::people::control(room.clone()))
    };
    let control = search.then(|| after_first_screen(move || crate::search::control(room.clone())));
    view! { <div class="room-tools">{chart}{members}{control}</div> }
}

split_view! { room_tools:
    /// What an unknown room says instead of its messages (rarely seen).
    fn missing_notice(timeline: RwSignal<Timeline>) -> AnyView {
        view! {
            <div class="room-missing" role="alert" hidden=move || !timeline.with(|timeline| timeline.missing)>
                <p>{tr(|t| t.room_missing_body)}</p>
                <a class="button" href=["/rooms/", LOBBY_ROOM_ID].concat()>{tr(|t| t.room_missing_back)}</a>
            </div>
        }
        .into_any()
    }
}

split_view! { room_tools:
    fn presence(timeline: RwSignal<Timeline>, me: String) -> AnyView {
        view! { <Presence timeline me /> }.into_any()
    }
}

split_view! { room_tools:
    fn activity(timeline: RwSignal<Timeline>, me: String) -> AnyView {
        view! { <Activity timeline me /> }.into_any()
    }
}

split_view! { room_tools:
    /// The composer, wired to the chat here so that sending (and the live
    /// link it goes through) is only reachable from chunks.
    fn composer(room: String) -> AnyView {
        let chat = use_chat();
        let on_send = {
            let room = room.clone();
            move |(text, image_key): (String, Option<String>)| chat.send(&room, &text, image_key)
        };
        let on_typing = {
            let room = room.clone();
            move |_| chat.typing(&room)
        };
        // Escape in the composer cancels a reply being written.
        let timeline = chat.timeline(&room);
        let me = chat.me().map(|me| me.sub).unwrap_or_default();
        let area = NodeRef::<leptos::html::Div>::new();
        let direct = {
            let room = room.clone();
            Signal::derive(move || chat.rooms.with(|rooms| rooms.iter().any(|r| r.room.id == room && r.room.kind == RoomKind::Direct)))
        };
        let on_keydown = move |event: web_sys::KeyboardEvent| {
            if event.key() == "Escape" && timeline.with_untracked(|t| t.replying.is_some()) {
                event.prevent_default();
                timeline.update(|t| t.replying = None);
            }
        };
        view! {
            <div class="composer-area" node_ref=area on:keydown=on_keydown>
                <NotificationOffer timeline me=me direct />
                <ReplyBar timeline />
                <MentionSuggestions chat room=room.clone() area />
                <Composer room on_send=Callback::new(on_send) on_typing=Callback::new(on_typing) />
            </div>
        }
        .into_any()
    }
}

/// Who is online in the room.
#[component]
fn Presence(timeline: RwSignal<Timeline>, me: String) -> impl IntoView {
    let i18n = use_i18n();
    let me_for_names = me.clone();
    let others = text(move || {
        let t = i18n.t();
        timeline.with(|timeline| {
            let names: Vec<&str> =
                timeline.online.iter().filter(|u| u.sub != me_for_names).map(|u| u.name.as_str()).collect();
            if names.is_empty() { String::new() } else { [" · ", &name_list(&names, t.chat_more)].concat() }
        })
    });
    let count = text(move || {
        let count = timeline.with(|timeline| timeline.online.len());
        // "{}" in the text is the number: "2 online", "2명 접속 중" (no space in Korean).
        if count == 0 { String::new() } else { i18n.t().chat_online.replacen("{}", &count.to_string(), 1) }
    });
    // Polling clients get no presence: the line keeps its place, invisible.
    let class = text(move || if timeline.with(|t| t.online.is_empty()) { "presence nobody".into() } else { "presence".into() });
    let _ = me;
    view! {
        <p class=class title=others>
            <span class="presence-dot" aria-hidden="true"></span>
            {count}
            <span class="presence-names">{others}</span>
        </p>
    }
}

/// Typing indicator, "seen by", and the polite announcement of new messages.
#[component]
fn Activity(timeline: RwSignal<Timeline>, me: String) -> impl IntoView {
    let i18n = use_i18n();
    // Typing indicators fade out a few seconds after the last keystroke.
    if let Ok(pruner) = set_interval_with_handle(
        move || {
            let now = js_sys::Date::now();
            if timeline.with_untracked(|t| t.typing.iter().any(|(_, until)| *until <= now)) {
                timeline.update(|t| {
                    t.prune_typing(now);
                });
            }
        },
        std::time::Duration::from_millis(TYPING_PRUNE_MS),
    ) {
        on_cleanup(move || pruner.clear());
    }

    let typing = text(move || {
        let t = i18n.t();
        timeline.with(|timeline| {
            let names: Vec<&str> = timeline.typing.iter().map(|(user, _)| user.name.as_str()).collect();
            if names.is_empty() { String::new() } else { format!("{} {}", name_list(&names, t.chat_more), t.chat_typing) }
        })
    });
    let me_for_seen = me.clone();
    let seen = text(move || {
        let t = i18n.t();
        timeline.with(|timeline| {
            let names: Vec<&str> = timeline.seen_by(&me_for_seen).iter().map(|user| user.name.as_str()).collect();
            if names.is_empty() { String::new() } else { format!("{} {}", t.chat_seen_by, name_list(&names, t.chat_more)) }
        })
    });
    // The newest message from someone else, once the room has loaded; the
    // first state seen is the history, which is not announced.
    let announcement = RwSignal::new(String::new());
    Effect::new(move |previous: Option<Option<String>>| {
        let newest = timeline.with(|timeline| {
            timeline.loaded.then(|| timeline.messages.last().map(|m| (m.id.clone(), m.sender.sub.clone(), m.sender.name.clone(), m.text.clone())))
        });
        let newest = newest?;
        let id = newest.as_ref().map(|(id, ..)| id.clone());
        if let (Some(Some(previous)), Some((id, sender, name, text))) = (previous, newest) {
            if id > previous && sender != me {
                announcement.set(format!("{}: {name}: {text}", i18n.t().chat_new_message));
            }
        }
        id.or(Some(String::new()))
    });
    view! {
        <div class="room-activity">
            <p class="typing" aria-live="polite">{typing}</p>
            <p class="seen-by">{seen}</p>
        </div>
        <div class="visually-hidden announcer" aria-live="polite" aria-atomic="true">{announcement}</div>
    }
}
