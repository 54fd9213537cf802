//! Reactions through the in-memory adapters: a member sets an emoji on or
//! off, everyone in the room hears it live, a poller and a resuming
//! connection get it with the changes, repeating a request is harmless, and
//! every refusal changes nothing.

mod support;

use futures_executor::block_on;
use moodchat_core::edge::{handle_text, Caller};
use moodchat_core::{ConnectionId, Identity, MessageStore};
use moodchat_protocol::limits::{REACTION_EMOJI, REACTION_MAX_USERS};
use moodchat_protocol::rest::HistoryQuery;
use moodchat_protocol::{ErrorCode, Message, ServerEvent};
use support::*;

const THUMBS: &str = REACTION_EMOJI[0];
const HEART: &str = REACTION_EMOJI[1];

fn who_reacted(message: &Message) -> Vec<(&str, Vec<&str>)> {
    message.reactions.iter().map(|r| (r.emoji.as_str(), r.users.iter().map(|u| u.name.as_str()).collect())).collect()
}

#[test]
fn a_reaction_reaches_everyone_live_is_idempotent_and_never_unread() {
    block_on(async {
        let w = world();
        let (alice, bob, a, b) = two_people(&w).await;
        let sent = w.chat.send(&alice, "lobby", send("lunch?", "k1")).await.unwrap().message;
        w.hub.take_events(&a);
        w.hub.take_events(&b);

        let reacted = w.chat.react(&bob, "lobby", &sent.id.to_lowercase(), THUMBS, true).await.unwrap();
        assert_eq!((who_reacted(&reacted), reacted.change, reacted.seq), (vec![(THUMBS, vec!["bob"])], 1, sent.seq));
        assert_eq!(reacted.text, "lunch?", "the rest as it was");
        for conn in [&a, &b] {
            assert_eq!(changed_events(&w.hub.take_events(conn)), [&reacted], "{conn:?}");
        }
        // The same again (a double click, a retried request): no change, no event.
        assert_eq!(w.chat.react(&bob, "lobby", &sent.id, THUMBS, true).await.unwrap(), reacted);
        assert!(w.hub.take_events(&a).is_empty());
        assert_eq!(w.chat.change_number("lobby").await.unwrap(), 1);

        // Alice too, and with another emoji; then Bob takes his back.
        w.chat.react(&alice, "lobby", &sent.id, HEART, true).await.unwrap();
        let both = w.chat.react(&alice, "lobby", &sent.id, THUMBS, true).await.unwrap();
        assert_eq!(who_reacted(&both), [(THUMBS, vec!["bob", "alice"]), (HEART, vec!["alice"])]);
        assert!(both.reacted(THUMBS, &bob.sub) && both.reacted(HEART, &alice.sub) && !both.reacted(HEART, &bob.sub));
        let off = w.chat.react(&bob, "lobby", &sent.id, THUMBS, false).await.unwrap();
        assert_eq!((who_reacted(&off), off.change), (vec![(THUMBS, vec!["alice"]), (HEART, vec!["alice"])], 4));
        assert_eq!(w.chat.react(&bob, "lobby", &sent.id, THUMBS, false).await.unwrap(), off, "off twice is off");
        w.hub.take_events(&a);
        assert_eq!(changed_events(&w.hub.take_events(&b)).len(), 3);

        let rooms = w.chat.list_rooms(&bob, false).await.unwrap();
        let lobby = rooms.iter().find(|r| r.room.id == "lobby").unwrap();
        assert_eq!(lobby.unread, 1, "the message, not its reactions, is unread");
        let page = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        assert_eq!((&page.messages[0], page.changes), (&off, 4));
    });
}

#[test]
fn a_poller_and_a_resuming_connection_get_reactions_with_the_changes() {
    block_on(async {
        let w = world();
        let (alice, bob, _, b) = two_people(&w).await;
        let sent = w.chat.send(&alice, "lobby", send("hello", "k1")).await.unwrap().message;
        let first = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        w.chat.disconnect(&b).await.unwrap();

        // Alice reacts by frame while Bob is away.
        let caller = Caller { who: &alice, connection: &ConnectionId("a".into()) };
        let mut to_alice = Recorded::default();
        let frame = format!(r#"{{"action":"react","room":"lobby","message_id":"{}","emoji":"{HEART}","on":true}}"#, sent.id);
        handle_text(&w.chat, caller, &frame, &mut to_alice).await.unwrap();
        assert!(!to_alice.0.iter().any(|e| matches!(e, ServerEvent::Error { .. })), "{:?}", to_alice.0);

        let poll = HistoryQuery { after: first.after.clone(), changes: Some(first.changes), ..Default::default() };
        let page = w.chat.history(&bob, "lobby", &poll).await.unwrap();
        assert_eq!(page.changed.iter().map(who_reacted).collect::<Vec<_>>(), [vec![(HEART, vec!["alice"])]]);
        assert_eq!(page.changes, 1);

        let b2 = ConnectionId("b2".into());
        w.chat.connect(&bob, &b2).await.unwrap();
        let mut to_bob = Recorded::default();
        let join = format!(r#"{{"action":"join","room":"lobby","since":1,"changes":{}}}"#, first.changes);
        handle_text(&w.chat, Caller { who: &bob, connection: &b2 }, &join, &mut to_bob).await.unwrap();
        let replayed: Vec<_> = changed_events(&to_bob.0).into_iter().map(who_reacted).collect();
        assert_eq!(replayed, [vec![(HEART, vec!["alice"])]]);
        assert_eq!(to_bob.0.last(), Some(&ServerEvent::Joined { room: "lobby".into(), changes: 1 }));
    });
}

#[test]
fn every_refused_reaction_changes_nothing() {
    block_on(async {
        let w = world();
        let (alice, bob, a, b) = two_people(&w).await;
        let sent = w.chat.send(&alice, "lobby", send("original", "k1")).await.unwrap().message;
        let gone = w.chat.send(&alice, "lobby", send("gone", "k2")).await.unwrap().message;
        w.chat.unsend_message(&alice, "lobby", &gone.id).await.unwrap();
        let before = w.chat.change_number("lobby").await.unwrap();
        w.hub.take_events(&a);
        w.hub.take_events(&b);

        for emoji in ["", "x", "\u{2764}", "👎", "👍👍", "<script>"] {
            assert_eq!(code(w.chat.react(&bob, "lobby", &sent.id, emoji, true).await), ErrorCode::BadRequest, "{emoji:?}");
        }
        let unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        assert_eq!(code(w.chat.react(&bob, "lobby", unknown, THUMBS, true).await), ErrorCode::NotFound);
        assert_eq!(code(w.chat.react(&bob, "lobby", "../../etc", THUMBS, true).await), ErrorCode::BadRequest);
        assert_eq!(code(w.chat.react(&bob, "nope", &sent.id, THUMBS, true).await), ErrorCode::NotFound);
        assert_eq!(code(w.chat.react(&bob, "lobby", &gone.id, THUMBS, true).await), ErrorCode::Conflict, "unsent");
        assert_eq!(code(w.chat.react(&bob, "lobby", &gone.id, THUMBS, false).await), ErrorCode::Conflict, "unsent");
        // Not a member: someone else's direct conversation, a public room not joined.
        let eve = user("eve");
        w.chat.register(&eve).await.unwrap();
        let dm = w.chat.open_direct(&alice, "bob").await.unwrap();
        let in_dm = w.chat.send(&alice, &dm.id, send("psst", "d")).await.unwrap().message;
        assert_eq!(code(w.chat.react(&eve, &dm.id, &in_dm.id, THUMBS, true).await), ErrorCode::Forbidden);
        let club = w.chat.create_room(&alice, "club").await.unwrap();
        let in_club = w.chat.send(&alice, &club.id, send("members only", "c")).await.unwrap().message;
        assert_eq!(code(w.chat.react(&eve, &club.id, &in_club.id, THUMBS, true).await), ErrorCode::Forbidden);
        // Another room's message by id.
        assert_eq!(code(w.chat.react(&bob, &dm.id, &sent.id, THUMBS, true).await), ErrorCode::NotFound);

        assert_eq!(w.store.message("lobby", &sent.id).await.unwrap().unwrap(), sent, "untouched");
        assert_eq!(w.chat.change_number("lobby").await.unwrap(), before);
        assert!(changed_events(&w.hub.take_events(&b)).is_empty());
    });
}

#[test]
fn an_emoji_takes_at_most_the_bounded_number_of_people() {
    block_on(async {
        let w = world();
        let (alice, _, _, _) = two_people(&w).await;
        let sent = w.chat.send(&alice, "lobby", send("vote", "k1")).await.unwrap().message;
        let people: Vec<Identity> = (0..=REACTION_MAX_USERS).map(|n| user(&format!("p{n}"))).collect();
        for person in &people {
            w.chat.register(person).await.unwrap();
        }
        for person in &people[..REACTION_MAX_USERS] {
            w.chat.react(person, "lobby", &sent.id, THUMBS, true).await.unwrap();
        }
        let last = &people[REACTION_MAX_USERS];
        assert_eq!(code(w.chat.react(last, "lobby", &sent.id, THUMBS, true).await), ErrorCode::Conflict);
        let other = w.chat.react(last, "lobby", &sent.id, HEART, true).await.unwrap();
        assert_eq!(other.reactions.iter().map(|r| r.users.len()).collect::<Vec<_>>(), [REACTION_MAX_USERS, 1]);
        // Room again once someone takes theirs back.
        w.chat.react(&people[0], "lobby", &sent.id, THUMBS, false).await.unwrap();
        assert!(w.chat.react(last, "lobby", &sent.id, THUMBS, true).await.unwrap().reacted(THUMBS, &last.sub));
    });
}
