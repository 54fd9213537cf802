//! Replies through the in-memory adapters: a reply carries the quote of its
//! original live, in its ack's message and in history (also when the
//! original is far back), the quote follows the original's edits and
//! unsend, and every refusal stores nothing.

mod support;

use futures_executor::block_on;
use moodchat_core::edge::{handle_text, Caller};
use moodchat_core::{ConnectionId, SendRequest};
use moodchat_protocol::limits::REACTION_EMOJI;
use moodchat_protocol::rest::HistoryQuery;
use moodchat_protocol::{ErrorCode, Message, Quote, ServerEvent};
use support::*;

fn reply(text: &str, client_id: &str, to: &str) -> SendRequest {
    SendRequest { reply_to: Some(to.into()), ..send(text, client_id) }
}

fn sent_events(events: &[ServerEvent]) -> Vec<&Message> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Message { message } => Some(message),
            _ => None,
        })
        .collect()
}

/// The newest `limit` messages of the lobby as `who` reads them, newest first.
async fn latest(w: &World, who: &moodchat_core::Identity, limit: u32) -> Vec<Message> {
    let query = HistoryQuery { limit: Some(limit), ..Default::default() };
    w.chat.history(who, "lobby", &query).await.unwrap().messages
}

#[test]
fn a_reply_quotes_its_original_live_and_in_history() {
    block_on(async {
        let w = world();
        let (alice, bob, a, b) = two_people(&w).await;
        let original = w.chat.send(&alice, "lobby", send("회의실 예약했어요?", "k1")).await.unwrap().message;
        w.hub.take_events(&a);
        w.hub.take_events(&b);

        // Any case of the id names it.
        let answer = w.chat.send(&bob, "lobby", reply("네, 3시에요", "k2", &original.id.to_lowercase())).await.unwrap();
        assert!(answer.created);
        let quote = Quote::of(&original);
        assert_eq!(quote.sender.name, "alice");
        assert_eq!(answer.message.reply_to.as_ref(), Some(&quote));
        for conn in [&a, &b] {
            let events = w.hub.take_events(conn);
            assert_eq!(sent_events(&events)[0].reply_to.as_ref(), Some(&quote), "{conn:?}");
        }
        // Read back: a page holding the original, and one that does not
        // (the quote is made from the store then).
        let both = latest(&w, &alice, 2).await;
        assert_eq!(both[0].reply_to.as_ref(), Some(&quote));
        assert_eq!(latest(&w, &alice, 1).await[0].reply_to.as_ref(), Some(&quote), "original not on the page");
        // A retried send answers with the reply and its quote.
        let again = w.chat.send(&bob, "lobby", reply("네, 3시에요", "k2", &original.id)).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.message.reply_to.as_ref(), Some(&quote));
        // Plain messages quote nothing.
        assert_eq!(both[1].reply_to, None);
    });
}

#[test]
fn a_quote_follows_its_originals_edit_and_unsend() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        let original = w.chat.send(&alice, "lobby", send("see you at 3", "k1")).await.unwrap().message;
        w.chat.send(&bob, "lobby", reply("ok", "k2", &original.id)).await.unwrap();

        w.chat.edit_message(&alice, "lobby", &original.id, "see you at 4").await.unwrap();
        let quoted = latest(&w, &bob, 1).await.remove(0).reply_to.unwrap();
        assert_eq!((quoted.text.as_str(), quoted.deleted), ("see you at 4", false));

        w.chat.unsend_message(&alice, "lobby", &original.id).await.unwrap();
        let quoted = latest(&w, &bob, 1).await.remove(0).reply_to.unwrap();
        assert_eq!((quoted.id.as_str(), quoted.text.as_str(), quoted.deleted), (original.id.as_str(), "", true));
        assert_eq!(quoted.sender.name, "alice", "who wrote it stays, as on the original");

        // A reply can no longer be made to it.
        let refused = w.chat.send(&bob, "lobby", reply("what?", "k3", &original.id)).await;
        assert_eq!(code(refused), ErrorCode::Conflict);
    });
}

#[test]
fn an_unsent_reply_quotes_nothing() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        let original = w.chat.send(&alice, "lobby", send("a secret", "k1")).await.unwrap().message;
        let answer = w.chat.send(&bob, "lobby", reply("re: a secret", "k2", &original.id)).await.unwrap().message;
        let unsent = w.chat.unsend_message(&bob, "lobby", &answer.id).await.unwrap();
        assert_eq!(unsent.reply_to, None);
        assert_eq!(latest(&w, &alice, 1).await[0].reply_to, None);
    });
}

#[test]
fn a_change_to_a_reply_is_announced_with_its_quote() {
    block_on(async {
        let w = world();
        let (alice, bob, a, _) = two_people(&w).await;
        let original = w.chat.send(&alice, "lobby", send("lunch?", "k1")).await.unwrap().message;
        let answer = w.chat.send(&bob, "lobby", reply("yes!", "k2", &original.id)).await.unwrap().message;
        w.hub.take_events(&a);
        w.chat.react(&alice, "lobby", &answer.id, REACTION_EMOJI[0], true).await.unwrap();
        let events = w.hub.take_events(&a);
        let changed = changed_events(&events);
        assert_eq!(changed[0].reply_to.as_ref(), Some(&Quote::of(&original)), "readers replace their copy with this one");
    });
}

#[test]
fn a_reply_by_frame_is_acknowledged_and_refusals_are_error_frames() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        let original = w.chat.send(&alice, "lobby", send("hi", "k1")).await.unwrap().message;
        let caller = Caller { who: &bob, connection: &ConnectionId("b".into()) };
        let mut to_bob = Recorded::default();
        let frame = format!(r#"{{"action":"sendMessage","room":"lobby","client_id":"f1","text":"hello","reply_to":"{}"}}"#, original.id);
        handle_text(&w.chat, caller, &frame, &mut to_bob).await.unwrap();
        assert!(to_bob.0.iter().any(|e| matches!(e, ServerEvent::Ack { client_id, .. } if client_id == "f1")), "{:?}", to_bob.0);
        assert_eq!(latest(&w, &bob, 1).await[0].reply_to.as_ref().map(|q| q.id.as_str()), Some(original.id.as_str()));

        let mut to_bob = Recorded::default();
        let frame = r#"{"action":"sendMessage","room":"lobby","client_id":"f2","text":"hello","reply_to":"nope"}"#;
        handle_text(&w.chat, caller, frame, &mut to_bob).await.unwrap();
        assert!(matches!(&to_bob.0[..], [ServerEvent::Error { code: ErrorCode::BadRequest, .. }]), "{:?}", to_bob.0);
    });
}

#[test]
fn refused_replies_store_nothing() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        let original = w.chat.send(&alice, "lobby", send("hi", "k1")).await.unwrap().message;
        let elsewhere = w.chat.create_room(&alice, "Elsewhere").await.unwrap();
        let there = w.chat.send(&alice, &elsewhere.id, send("over here", "k2")).await.unwrap().message;
        let unknown = "01JZZZZZZZZZZZZZZZZZZZZZZZ";

        let cases = [
            ("not an id", ErrorCode::BadRequest),
            ("", ErrorCode::BadRequest),
            (unknown, ErrorCode::NotFound),
            // A message of another room is not one of this room's.
            (there.id.as_str(), ErrorCode::NotFound),
        ];
        for (to, expected) in cases {
            assert_eq!(code(w.chat.send(&bob, "lobby", reply("re", &format!("r-{to}"), to)).await), expected, "{to:?}");
        }
        // A room the caller may not write to is refused before anything else.
        let direct = w.chat.open_direct(&alice, "bob").await.unwrap();
        let carol = user("carol");
        w.chat.register(&carol).await.unwrap();
        assert_eq!(code(w.chat.send(&carol, &direct.id, reply("re", "r-dm", &original.id)).await), ErrorCode::Forbidden);

        let lobby = latest(&w, &alice, 50).await;
        assert_eq!(lobby.len(), 1, "nothing was stored: {lobby:?}");
    });
}
