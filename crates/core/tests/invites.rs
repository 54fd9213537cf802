//! Inviting someone into a room and muting one (issue 17, "rooms people can find"),
//! through the in-memory adapters: the room appears in their list, live on
//! their open tab, with everything before read; inviting a member changes
//! nothing; and every refusal changes nothing.

mod support;

use futures_executor::block_on;
use moodchat_protocol::{ErrorCode, ServerEvent};
use support::*;

#[test]
fn the_person_invited_gets_the_room_live_with_its_past_read() {
    block_on(async {
        let w = world();
        let (alice, bob, _, b) = two_people(&w).await;
        let club = w.chat.create_room(&alice, "club").await.unwrap();
        w.chat.send(&alice, &club.id, send("before bob came", "a1")).await.unwrap();
        w.hub.take_events(&b);

        // By username, in any case of spacing.
        let invited = w.chat.invite(&alice, &club.id, " bob ").await.unwrap();
        assert_eq!(invited, bob.user_ref());
        let events = w.hub.take_events(&b);
        assert!(events.contains(&ServerEvent::RoomAdded { room: club.id.clone() }), "{events:?}");
        let rooms = w.chat.list_rooms(&bob, false).await.unwrap();
        let listed = rooms.iter().find(|r| r.room.id == club.id).expect("in Bob's list");
        assert_eq!((listed.member, listed.unread), (true, 0), "what came before is read");

        // Live in it already: Alice's next message reaches Bob's open tab.
        w.chat.send(&alice, &club.id, send("welcome!", "a2")).await.unwrap();
        let events = w.hub.take_events(&b);
        assert!(events.iter().any(|e| matches!(e, ServerEvent::Message { message } if message.text == "welcome!")), "{events:?}");
        w.chat.send(&bob, &club.id, send("thanks", "b1")).await.unwrap();

        // Again, by sub: nothing changes, no second announcement.
        assert_eq!(w.chat.invite(&alice, &club.id, &bob.sub).await.unwrap(), bob.user_ref());
        assert!(!w.hub.take_events(&b).iter().any(|e| matches!(e, ServerEvent::RoomAdded { .. })));
        // A member invites too.
        let carol = user("carol");
        w.chat.register(&carol).await.unwrap();
        w.chat.invite(&bob, &club.id, "carol").await.unwrap();
        let members: Vec<String> = w.chat.members(&alice, &club.id).await.unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(members.len(), 3, "{members:?}");
    });
}

#[test]
fn refused_invitations_change_nothing() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        let carol = user("carol");
        w.chat.register(&carol).await.unwrap();
        let club = w.chat.create_room(&alice, "club").await.unwrap();
        let direct = w.chat.open_direct(&alice, "bob").await.unwrap();

        let cases = [
            (&alice, "lobby", "carol", ErrorCode::BadRequest),
            (&alice, direct.id.as_str(), "carol", ErrorCode::BadRequest),
            (&alice, club.id.as_str(), "nobody-by-that-name", ErrorCode::NotFound),
            (&alice, "no-such-room", "carol", ErrorCode::NotFound),
            // Only members invite: Bob is not in the club.
            (&bob, club.id.as_str(), "carol", ErrorCode::Forbidden),
            // Nobody invites into someone else's direct conversation.
            (&carol, direct.id.as_str(), "carol", ErrorCode::Forbidden),
        ];
        for (who, room, user, expected) in cases {
            assert_eq!(code(w.chat.invite(who, room, user).await), expected, "{} invites {user} to {room}", who.name);
        }
        let members: Vec<String> = w.chat.members(&alice, &club.id).await.unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(members, ["alice"]);
        let carols = w.chat.list_rooms(&carol, false).await.unwrap();
        assert_eq!(carols.iter().map(|r| r.room.id.as_str()).collect::<Vec<_>>(), ["lobby"]);
    });
}

#[test]
fn a_member_mutes_a_room_for_themselves_and_others_cannot() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        let club = w.chat.create_room(&alice, "club").await.unwrap();
        let muted_for = |rooms: Vec<moodchat_protocol::RoomSummary>, id: &str| rooms.iter().find(|r| r.room.id == id).map(|r| r.muted);

        w.chat.set_muted(&alice, &club.id, true).await.unwrap();
        w.chat.set_muted(&bob, "lobby", true).await.unwrap();
        assert_eq!(muted_for(w.chat.list_rooms(&alice, false).await.unwrap(), &club.id), Some(true));
        assert_eq!(muted_for(w.chat.list_rooms(&alice, false).await.unwrap(), "lobby"), Some(false), "Bob's mute is his");
        assert_eq!(muted_for(w.chat.list_rooms(&bob, false).await.unwrap(), "lobby"), Some(true));

        // Muted still counts unread.
        w.chat.send(&alice, "lobby", send("still counted", "a1")).await.unwrap();
        let lobby = w.chat.list_rooms(&bob, false).await.unwrap().into_iter().find(|r| r.room.id == "lobby").unwrap();
        assert_eq!((lobby.muted, lobby.unread), (true, 1));

        assert_eq!(code(w.chat.set_muted(&bob, &club.id, true).await), ErrorCode::Forbidden, "not a member");
        assert_eq!(code(w.chat.set_muted(&bob, "no-such-room", true).await), ErrorCode::NotFound);
        w.chat.set_muted(&alice, &club.id, false).await.unwrap();
        assert_eq!(muted_for(w.chat.list_rooms(&alice, false).await.unwrap(), &club.id), Some(false));
    });
}
