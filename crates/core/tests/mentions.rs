//! Unread mentions in the room list (issue 17): the messages from others
//! after my read marker that mention me (`@` and my name), counted the same
//! in both homes from the store's history; my own, unsent ones and read
//! ones do not count, and an edit counts as the text now is.

mod support;

use futures_executor::block_on;
use moodchat_core::Identity;
use support::*;

async fn mentions_of(w: &World, who: &Identity, room: &str) -> (u32, u32) {
    let rooms = w.chat.list_rooms(who, false).await.unwrap();
    let summary = rooms.iter().find(|r| r.room.id == room).unwrap();
    (summary.unread, summary.mentions)
}

#[test]
fn unread_messages_that_mention_me_are_counted_until_read() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        w.chat.send(&alice, "lobby", send("@bob are you in?", "a1")).await.unwrap();
        w.chat.send(&alice, "lobby", send("hello everyone", "a2")).await.unwrap();
        w.chat.send(&alice, "lobby", send("@Bob and the slides?", "a3")).await.unwrap();
        w.chat.send(&alice, "lobby", send("@bobby is someone else", "a4")).await.unwrap();
        w.chat.send(&bob, "lobby", send("@bob talking to myself", "b1")).await.unwrap();
        assert_eq!(mentions_of(&w, &bob, "lobby").await, (0, 0), "sending read the room");

        let after = w.chat.send(&alice, "lobby", send("@bob one", "a5")).await.unwrap().message;
        w.chat.send(&alice, "lobby", send("@bob two", "a6")).await.unwrap();
        w.chat.send(&alice, "lobby", send("bob without the at", "a7")).await.unwrap();
        assert_eq!(mentions_of(&w, &bob, "lobby").await, (3, 2));
        assert_eq!(mentions_of(&w, &alice, "lobby").await, (0, 0), "not Alice's");

        // Unsent: no longer a mention. Edited to mention him: counted.
        w.chat.unsend_message(&alice, "lobby", &after.id).await.unwrap();
        assert_eq!(mentions_of(&w, &bob, "lobby").await, (3, 1));
        let last = w.chat.send(&alice, "lobby", send("see you", "a8")).await.unwrap().message;
        w.chat.edit_message(&alice, "lobby", &last.id, "see you @bob").await.unwrap();
        assert_eq!(mentions_of(&w, &bob, "lobby").await, (4, 2));

        w.chat.mark_read(&bob, "lobby", &last.id).await.unwrap();
        assert_eq!(mentions_of(&w, &bob, "lobby").await, (0, 0), "read");
    });
}
