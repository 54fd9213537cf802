//! The contract of `MessageStore`, as tests every adapter runs: the
//! in-memory store here, SQLite in the server, DynamoDB later. An adapter's
//! test file calls `store_contract_tests!` with a fresh store per test and a
//! way to run a future to completion.

use futures_util::future::join_all;
use moodchat_protocol::{AuthorMood, Image, Message, Mood, Quote, Room, RoomKind, Sentiment, UserRef};

use crate::ports::{Appended, Changed, HistorySlice, Identity, MessageChange, MessageStore, MoodCount, DAY_MS};

/// A fresh store (and whatever must live as long as it: a temp dir...).
pub trait Fixture {
    fn store(&self) -> &dyn MessageStore;
}

impl Fixture for crate::memory::InMemoryStore {
    fn store(&self) -> &dyn MessageStore {
        self
    }
}

/// One `#[test]` per contract check. `$fixture` makes a fresh `Fixture`;
/// `$block_on` runs a future to completion (on the adapter's runtime).
#[macro_export]
macro_rules! store_contract_tests {
    ($fixture:expr, $block_on:expr) => {
        $crate::store_contract_tests!(@each $fixture, $block_on,
            appends_number_each_room_from_one,
            a_retry_by_client_id_returns_the_original,
            concurrent_appends_get_every_seq_once,
            history_slices_follow_seqs,
            members_start_with_everything_read,
            a_member_leaves_and_only_they_do,
            read_markers_only_move_forward,
            room_listings_carry_heads_markers_and_peers,
            one_direct_room_per_pair,
            message_ids_map_to_seqs,
            author_moods_are_kept_beside_the_models_label,
            mood_counts_are_per_day_of_the_shown_mood,
            changes_are_numbered_per_room_apart_from_seqs,
            an_unsend_empties_the_stored_message_and_ends_its_changes,
            concurrent_changes_get_every_number_once,
            reactions_are_numbered_changes_kept_with_the_message,
            a_reply_keeps_the_id_of_its_original,
            a_member_mutes_a_room_for_themselves);
    };
    (@each $fixture:expr, $block_on:expr, $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let fixture = $fixture;
                ($block_on)($crate::store_contract::$name($crate::store_contract::Fixture::store(&fixture)));
            }
        )*
    };
}

fn identity(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn draft(room: &str, sender: &str, client_id: &str, n: u64) -> Message {
    // Ids are unique and increase with n; the store assigns the seq.
    Message {
        id: format!("01J{n:023}"),
        room: room.into(),
        sender: UserRef { sub: format!("sub-{sender}"), name: sender.into() },
        text: format!("message {n}"),
        image: None,
        sentiment: None,
        author_mood: None,
        edited_at: None,
        deleted_at: None,
        change: 0,
        reactions: Vec::new(),
        reply_to: None,
        created_at: n as i64,
        client_id: client_id.into(),
        seq: 999_999,
    }
}

async fn user(store: &dyn MessageStore, name: &str) -> Identity {
    let who = identity(name);
    store.upsert_user(&who, 1).await.unwrap();
    store.add_member("lobby", &who.sub, 1).await.unwrap();
    who
}

async fn room(store: &dyn MessageStore, id: &str, creator: &Identity) -> Room {
    let room = Room { id: id.into(), name: id.into(), kind: RoomKind::Public };
    store.create_room(&room, &creator.sub, 1).await.unwrap();
    room
}

fn new(outcome: Appended) -> Message {
    match outcome {
        Appended::New(message) => message,
        Appended::Existing(message) => panic!("appended as existing: {message:?}"),
    }
}

fn seqs(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.seq).collect()
}

pub async fn appends_number_each_room_from_one(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    room(store, "other", &alice).await;
    let mut n = 0;
    for round in 1..=3u64 {
        for room_id in ["lobby", "other"] {
            n += 1;
            let message = new(store.append(&draft(room_id, "alice", &format!("c{n}"), n)).await.unwrap());
            assert_eq!(message.seq, round, "{room_id}: the store's seq, not the draft's");
            assert_eq!(message.text, format!("message {n}"));
        }
    }
    let batch = [draft("lobby", "alice", "b1", 10), draft("other", "alice", "b2", 11), draft("lobby", "alice", "b3", 12)];
    let outcomes = store.append_batch(&batch).await.unwrap();
    assert_eq!(outcomes.into_iter().map(|o| new(o).seq).collect::<Vec<_>>(), [4, 4, 5]);
    let latest = store.history("lobby", &HistorySlice::Latest, 10).await.unwrap();
    assert_eq!(seqs(&latest), [5, 4, 3, 2, 1]);
}

pub async fn a_retry_by_client_id_returns_the_original(store: &dyn MessageStore) {
    user(store, "alice").await;
    user(store, "bob").await;
    let first = new(store.append(&draft("lobby", "alice", "k", 1)).await.unwrap());
    let again = store.append(&draft("lobby", "alice", "k", 2)).await.unwrap();
    assert_eq!(again, Appended::Existing(first.clone()), "same id, text and seq as the first");
    let in_batch = store.append_batch(&[draft("lobby", "alice", "k", 3), draft("lobby", "bob", "k", 4)]).await.unwrap();
    assert_eq!(in_batch[0], Appended::Existing(first));
    assert_eq!(new(in_batch[1].clone()).seq, 2, "another sender's client_id is another message; no seq used by retries");
}

pub async fn concurrent_appends_get_every_seq_once(store: &dyn MessageStore) {
    const WRITERS: u64 = 8;
    const EACH: u64 = 25;
    for writer in 0..WRITERS {
        user(store, &format!("w{writer}")).await;
    }
    let writers = (0..WRITERS).map(|writer| async move {
        let mut mine = Vec::new();
        for i in 0..EACH {
            let n = writer * 1000 + i;
            mine.push(new(store.append(&draft("lobby", &format!("w{writer}"), &format!("c{i}"), n)).await.unwrap()).seq);
        }
        mine
    });
    let per_writer = join_all(writers).await;
    for mine in &per_writer {
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "a writer's own sends are in order: {mine:?}");
    }
    let mut all: Vec<u64> = per_writer.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all, (1..=WRITERS * EACH).collect::<Vec<_>>(), "every seq exactly once, no gap");
    let stored = store.history("lobby", &HistorySlice::After(0), 1000).await.unwrap();
    assert_eq!(seqs(&stored), (1..=WRITERS * EACH).collect::<Vec<_>>());
}

pub async fn history_slices_follow_seqs(store: &dyn MessageStore) {
    user(store, "alice").await;
    assert!(store.history("lobby", &HistorySlice::Latest, 10).await.unwrap().is_empty());
    for n in 1..=7 {
        store.append(&draft("lobby", "alice", &format!("c{n}"), n)).await.unwrap();
    }
    assert_eq!(seqs(&store.history("lobby", &HistorySlice::Latest, 3).await.unwrap()), [7, 6, 5]);
    assert_eq!(seqs(&store.history("lobby", &HistorySlice::Before(5), 3).await.unwrap()), [4, 3, 2]);
    assert_eq!(seqs(&store.history("lobby", &HistorySlice::Before(2), 3).await.unwrap()), [1]);
    assert_eq!(seqs(&store.history("lobby", &HistorySlice::After(0), 3).await.unwrap()), [1, 2, 3]);
    assert_eq!(seqs(&store.history("lobby", &HistorySlice::After(5), 10).await.unwrap()), [6, 7]);
    assert!(store.history("lobby", &HistorySlice::After(7), 10).await.unwrap().is_empty());
    assert!(store.history("nowhere", &HistorySlice::Latest, 10).await.unwrap().is_empty());
}

pub async fn members_start_with_everything_read(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    room(store, "club", &alice).await;
    for n in 1..=3 {
        store.append(&draft("club", "alice", &format!("c{n}"), n)).await.unwrap();
    }
    let bob = user(store, "bob").await;
    assert!(!store.is_member("club", &bob.sub).await.unwrap());
    store.add_member("club", &bob.sub, 2).await.unwrap();
    store.add_member("club", &bob.sub, 3).await.unwrap();
    assert!(store.is_member("club", &bob.sub).await.unwrap());
    let mut members: Vec<String> = store.members("club").await.unwrap().into_iter().map(|u| u.name).collect();
    members.sort();
    assert_eq!(members, ["alice", "bob"]);
    let listing = store.room_listings(&bob.sub, false).await.unwrap();
    let club = listing.iter().find(|l| l.head.room.id == "club").expect("bob's rooms include club");
    assert_eq!((club.head.seq, club.last_read_seq), (3, Some(3)));
}

/// Leaving removes one membership and its read marker; the room, its
/// messages and the other members stay, and joining again starts from the
/// room's newest message, as for anyone new.
pub async fn a_member_leaves_and_only_they_do(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    let bob = user(store, "bob").await;
    room(store, "club", &alice).await;
    store.add_member("club", &bob.sub, 2).await.unwrap();
    store.append(&draft("club", "bob", "c1", 1)).await.unwrap();

    assert!(store.remove_member("club", &bob.sub).await.unwrap(), "bob was a member");
    assert!(!store.remove_member("club", &bob.sub).await.unwrap(), "twice: nothing to remove");
    assert!(!store.remove_member("club", "sub-stranger").await.unwrap());
    assert!(!store.is_member("club", &bob.sub).await.unwrap());
    assert!(store.is_member("club", &alice.sub).await.unwrap(), "only bob left");
    let names: Vec<String> = store.members("club").await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["alice"]);
    assert!(!store.room_listings(&bob.sub, false).await.unwrap().iter().any(|l| l.head.room.id == "club"));
    let found = store.room_listings(&bob.sub, true).await.unwrap();
    let club = found.iter().find(|l| l.head.room.id == "club").expect("a public room bob can find again");
    assert_eq!(club.last_read_seq, None, "not a member");
    assert_eq!(seqs(&store.history("club", &HistorySlice::Latest, 10).await.unwrap()), [1], "the room keeps its messages");

    store.append(&draft("club", "alice", "c2", 2)).await.unwrap();
    store.add_member("club", &bob.sub, 3).await.unwrap();
    let listing = store.room_listings(&bob.sub, false).await.unwrap();
    let club = listing.iter().find(|l| l.head.room.id == "club").expect("bob is back");
    assert_eq!(club.last_read_seq, Some(2), "back with everything before read");
}

pub async fn read_markers_only_move_forward(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    let bob = user(store, "bob").await;
    for n in 1..=4 {
        store.append(&draft("lobby", "alice", &format!("c{n}"), n)).await.unwrap();
    }
    let marker = |sub: String| async move {
        let listings = store.room_listings(&sub, false).await.unwrap();
        listings.into_iter().find(|l| l.head.room.id == "lobby").unwrap().last_read_seq
    };
    assert_eq!(marker(alice.sub.clone()).await, Some(4), "sending moves the sender's marker");
    assert_eq!(marker(bob.sub.clone()).await, Some(0));
    assert!(store.mark_read("lobby", &bob.sub, 3).await.unwrap());
    assert!(!store.mark_read("lobby", &bob.sub, 2).await.unwrap(), "never backwards");
    assert!(!store.mark_read("lobby", &bob.sub, 3).await.unwrap(), "no change, no event");
    assert_eq!(marker(bob.sub.clone()).await, Some(3));
    assert!(!store.mark_read("lobby", "sub-stranger", 4).await.unwrap(), "only members have markers");
}

pub async fn room_listings_carry_heads_markers_and_peers(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    let bob = user(store, "bob").await;
    room(store, "club", &alice).await;
    let direct = Room { id: "dm_1".into(), name: String::new(), kind: RoomKind::Direct };
    let key = format!("{}\n{}", alice.sub, bob.sub);
    store.find_or_create_direct(&key, &direct, [&alice.sub, &bob.sub], 1).await.unwrap();
    let last = new(store.append(&draft("dm_1", "alice", "c1", 1)).await.unwrap());

    let bobs = store.room_listings(&bob.sub, false).await.unwrap();
    let mut ids: Vec<&str> = bobs.iter().map(|l| l.head.room.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["dm_1", "lobby"], "only bob's rooms");
    let dm = bobs.iter().find(|l| l.head.room.id == "dm_1").unwrap();
    assert_eq!((dm.head.seq, dm.head.last_message.as_ref(), dm.last_read_seq), (1, Some(&last), Some(0)));
    assert_eq!(dm.peer, Some(alice.user_ref()));
    assert_eq!(bobs.iter().find(|l| l.head.room.id == "lobby").unwrap().peer, None);

    let discovered = store.room_listings(&bob.sub, true).await.unwrap();
    let club = discovered.iter().find(|l| l.head.room.id == "club").expect("public rooms are discoverable");
    assert_eq!((club.last_read_seq, club.head.seq, club.head.last_message.as_ref()), (None, 0, None));
    let eve = user(store, "eve").await;
    let eves = store.room_listings(&eve.sub, true).await.unwrap();
    assert!(eves.iter().all(|l| l.head.room.id != "dm_1"), "someone else's direct room is never listed");
}

pub async fn one_direct_room_per_pair(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    let bob = user(store, "bob").await;
    let key = format!("{}\n{}", alice.sub, bob.sub);
    let first = Room { id: "dm_a".into(), name: String::new(), kind: RoomKind::Direct };
    let second = Room { id: "dm_b".into(), name: String::new(), kind: RoomKind::Direct };
    let made = store.find_or_create_direct(&key, &first, [&alice.sub, &bob.sub], 1).await.unwrap();
    let found = store.find_or_create_direct(&key, &second, [&alice.sub, &bob.sub], 2).await.unwrap();
    assert_eq!((made.id.as_str(), found.id.as_str()), ("dm_a", "dm_a"));
    assert!(store.room("dm_b").await.unwrap().is_none());
    assert!(store.is_member("dm_a", &bob.sub).await.unwrap());
}

pub async fn message_ids_map_to_seqs(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    room(store, "club", &alice).await;
    store.append(&draft("lobby", "alice", "c1", 1)).await.unwrap();
    let second = new(store.append(&draft("lobby", "alice", "c2", 2)).await.unwrap());
    assert_eq!(store.message_seq("lobby", &second.id).await.unwrap(), Some(2));
    assert_eq!(store.message_seq("club", &second.id).await.unwrap(), None, "another room's message");
    assert_eq!(store.message_seq("lobby", "01J00000000000000000000099").await.unwrap(), None);
}

pub async fn author_moods_are_kept_beside_the_models_label(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    room(store, "club", &alice).await;
    let mut labelled = draft("lobby", "alice", "c1", 1);
    labelled.sentiment = Some(Sentiment { label: "neutral".into(), score: 0.5, source: "local".into() });
    let first = new(store.append(&labelled).await.unwrap());
    let second = new(store.append(&draft("lobby", "alice", "c2", 2)).await.unwrap());
    let mood = AuthorMood { label: Mood::Positive, set_at: 9 };
    assert!(store.set_author_mood("lobby", &first.id, Some(mood)).await.unwrap());
    assert!(!store.set_author_mood("club", &first.id, Some(mood)).await.unwrap(), "another room's message");
    assert!(!store.set_author_mood("lobby", "01J00000000000000000000099", Some(mood)).await.unwrap());

    let stored = store.message("lobby", &first.id).await.unwrap().unwrap();
    assert_eq!(stored.author_mood, Some(mood));
    assert_eq!(stored.sentiment.map(|s| s.label).as_deref(), Some("neutral"), "the model's label stays");
    let history = store.history("lobby", &HistorySlice::Latest, 10).await.unwrap();
    assert_eq!(history.iter().map(|m| m.author_mood).collect::<Vec<_>>(), [None, Some(mood)]);
    assert!(store.message("club", &first.id).await.unwrap().is_none());

    store.set_author_mood("lobby", &second.id, Some(AuthorMood { label: Mood::Negative, set_at: 10 })).await.unwrap();
    let all = store.author_moods(None, 10).await.unwrap();
    assert_eq!(all.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), [first.id.as_str(), second.id.as_str()]);
    let after = store.author_moods(Some(&first.id), 10).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(store.author_moods(None, 1).await.unwrap().len(), 1, "the limit holds");

    assert!(store.set_author_mood("lobby", &first.id, None).await.unwrap());
    assert_eq!(store.message("lobby", &first.id).await.unwrap().unwrap().author_mood, None);
    assert_eq!(store.author_moods(None, 10).await.unwrap().len(), 1, "a cleared mood is not exported");
}

pub async fn mood_counts_are_per_day_of_the_shown_mood(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    room(store, "club", &alice).await;
    let model = |label: &str| Some(Sentiment { label: label.into(), score: 0.9, source: "local".into() });
    // (created_at, the model's label, the author's): day 10 at 23:00 and
    // 01:00, day 11 at 01:00, and one before the window.
    let rows = [
        (10 * DAY_MS + 23 * 3_600_000, model("positive"), None),
        (10 * DAY_MS + 3_600_000, model("negative"), Some(Mood::Positive)),
        (11 * DAY_MS + 3_600_000, model("neutral"), None),
        (11 * DAY_MS + 3_600_000, None, None),
        (9 * DAY_MS, model("negative"), None),
    ];
    for (n, (created_at, sentiment, author)) in rows.into_iter().enumerate() {
        let mut message = draft("lobby", "alice", &format!("c{n}"), n as u64 + 1);
        (message.created_at, message.sentiment) = (created_at, sentiment);
        let stored = new(store.append(&message).await.unwrap());
        if let Some(label) = author {
            store.set_author_mood("lobby", &stored.id, Some(AuthorMood { label, set_at: 1 })).await.unwrap();
        }
    }
    store.append(&Message { created_at: 10 * DAY_MS, sentiment: model("negative"), ..draft("club", "alice", "x", 9) }).await.unwrap();

    let sorted = |mut counts: Vec<MoodCount>| {
        counts.sort_by_key(|c| (c.day, c.mood.as_str()));
        counts.into_iter().map(|c| (c.day, c.mood, c.count)).collect::<Vec<_>>()
    };
    let utc = sorted(store.mood_counts("lobby", 10 * DAY_MS, 0).await.unwrap());
    assert_eq!(utc, [(10, Mood::Positive, 2), (11, Mood::Neutral, 1)], "the author's mood counts, not the model's");
    // Two hours east, 23:00 on day 10 is 01:00 on day 11.
    let east = sorted(store.mood_counts("lobby", 10 * DAY_MS - 2 * 3_600_000, 2 * 3_600_000).await.unwrap());
    assert_eq!(east, [(10, Mood::Positive, 1), (11, Mood::Neutral, 1), (11, Mood::Positive, 1)]);
    assert!(store.mood_counts("nowhere", 0, 0).await.unwrap().is_empty());
}

fn applied(outcome: Changed) -> Message {
    match outcome {
        Changed::Applied(message) => message,
        other => panic!("not applied: {other:?}"),
    }
}

fn edit(text: &str, at: i64) -> MessageChange {
    let sentiment = Some(Sentiment { label: "positive".into(), score: 0.8, source: "local".into() });
    MessageChange::Edit { text: text.into(), sentiment, at }
}

fn ids(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

pub async fn changes_are_numbered_per_room_apart_from_seqs(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    let bob = user(store, "bob").await;
    room(store, "club", &alice).await;
    let first = new(store.append(&draft("lobby", "alice", "c1", 1)).await.unwrap());
    let second = new(store.append(&draft("lobby", "alice", "c2", 2)).await.unwrap());
    let third = new(store.append(&draft("lobby", "alice", "c3", 3)).await.unwrap());
    let in_club = new(store.append(&draft("club", "alice", "c4", 4)).await.unwrap());
    assert_eq!(store.change_number("lobby").await.unwrap(), 0);
    assert!(store.changed_since("lobby", 0, 10).await.unwrap().is_empty());

    let mood = AuthorMood { label: Mood::Negative, set_at: 5 };
    assert_eq!(applied(store.change_message("lobby", &first.id, &MessageChange::AuthorMood(Some(mood))).await.unwrap()).change, 1);
    let edited = applied(store.change_message("lobby", &first.id, &edit("message 1, fixed", 6)).await.unwrap());
    assert_eq!((edited.change, edited.text.as_str(), edited.edited_at, edited.seq), (2, "message 1, fixed", Some(6), 1));
    assert_eq!(edited.author_mood, None, "an edit drops the correction of the old text");
    assert_eq!(edited.sentiment.as_ref().map(|s| s.label.as_str()), Some("positive"), "the new text's mood");
    let third_edited = applied(store.change_message("lobby", &third.id, &edit("message 3, fixed", 7)).await.unwrap());
    assert_eq!(third_edited.change, 3);
    assert_eq!(applied(store.change_message("club", &in_club.id, &edit("club, fixed", 8)).await.unwrap()).change, 1, "per room");

    // Nothing for a message that is not the room's; no number used.
    assert_eq!(store.change_message("club", &second.id, &edit("x", 9)).await.unwrap(), Changed::Missing);
    assert_eq!(store.change_message("lobby", "01J00000000000000000000099", &edit("x", 9)).await.unwrap(), Changed::Missing);
    assert_eq!(store.change_number("lobby").await.unwrap(), 3);

    // Each changed message once, as it now is, in the order of its latest change.
    let changed = store.changed_since("lobby", 0, 10).await.unwrap();
    assert_eq!(ids(&changed), [first.id.as_str(), third.id.as_str()]);
    assert_eq!(changed[0], store.message("lobby", &first.id).await.unwrap().unwrap());
    assert_eq!(ids(&store.changed_since("lobby", 2, 10).await.unwrap()), [third.id.as_str()]);
    assert_eq!(ids(&store.changed_since("lobby", 0, 1).await.unwrap()), [first.id.as_str()], "the limit holds");
    assert!(store.changed_since("lobby", 3, 10).await.unwrap().is_empty());

    // Never unread, never a new position: seqs, the head and the markers stay.
    let latest = store.history("lobby", &HistorySlice::Latest, 10).await.unwrap();
    assert_eq!(seqs(&latest), [3, 2, 1]);
    assert_eq!(latest[0].text, "message 3, fixed", "history reads the edited text");
    let bobs = store.room_listings(&bob.sub, false).await.unwrap();
    let lobby = bobs.iter().find(|l| l.head.room.id == "lobby").unwrap();
    assert_eq!((lobby.head.seq, lobby.last_read_seq), (3, Some(0)));
    assert_eq!(lobby.head.last_message.as_ref().map(|m| m.text.as_str()), Some("message 3, fixed"), "the room list shows the edit");
    assert_eq!(store.history("lobby", &HistorySlice::After(3), 10).await.unwrap(), [], "no new message");
}

pub async fn an_unsend_empties_the_stored_message_and_ends_its_changes(store: &dyn MessageStore) {
    user(store, "alice").await;
    let mut with_image = draft("lobby", "alice", "c1", 1);
    with_image.text = "look at this".into();
    with_image.sentiment = Some(Sentiment { label: "positive".into(), score: 0.9, source: "local".into() });
    with_image.author_mood = Some(AuthorMood { label: Mood::Neutral, set_at: 1 });
    with_image.image = Some(Image {
        key: "rooms/lobby/01J00000000000000000000001.png".into(),
        url: "/api/blobs/x".into(),
        w: Some(4),
        h: Some(3),
        thumb_url: None,
    });
    let sent = new(store.append(&with_image).await.unwrap());
    let unsent = applied(store.change_message("lobby", &sent.id, &MessageChange::Unsend { at: 20 }).await.unwrap());
    assert_eq!((unsent.text.as_str(), unsent.deleted_at, unsent.change), ("", Some(20), 1));
    assert_eq!((unsent.image.as_ref(), unsent.sentiment.as_ref(), unsent.author_mood), (None, None, None));
    assert_eq!((unsent.id.as_str(), unsent.seq, &unsent.sender), (sent.id.as_str(), sent.seq, &sent.sender));
    let stored = store.message("lobby", &sent.id).await.unwrap().unwrap();
    assert_eq!(stored, unsent, "gone from storage, not hidden");
    assert!(store.author_moods(None, 10).await.unwrap().is_empty(), "not exported either");

    // An unsent message takes no more changes, and no number is used.
    for change in [edit("back", 21), MessageChange::Unsend { at: 22 }, MessageChange::AuthorMood(None)] {
        assert_eq!(store.change_message("lobby", &sent.id, &change).await.unwrap(), Changed::AlreadyUnsent(unsent.clone()));
    }
    assert_eq!(store.change_number("lobby").await.unwrap(), 1);
    assert_eq!(store.changed_since("lobby", 0, 10).await.unwrap(), std::slice::from_ref(&unsent));
    let latest = store.history("lobby", &HistorySlice::Latest, 10).await.unwrap();
    assert_eq!(latest, [unsent]);
}

pub async fn concurrent_changes_get_every_number_once(store: &dyn MessageStore) {
    const MESSAGES: u64 = 6;
    const EACH: u64 = 5;
    user(store, "alice").await;
    let mut sent = Vec::new();
    for n in 1..=MESSAGES {
        sent.push(new(store.append(&draft("lobby", "alice", &format!("c{n}"), n)).await.unwrap()));
    }
    let editors = sent.iter().map(|message| async move {
        let mut numbers = Vec::new();
        for i in 0..EACH {
            let change = edit(&format!("{} v{i}", message.text), i as i64);
            numbers.push(applied(store.change_message("lobby", &message.id, &change).await.unwrap()).change);
        }
        numbers
    });
    let mut all: Vec<u64> = join_all(editors).await.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all, (1..=MESSAGES * EACH).collect::<Vec<_>>(), "every number exactly once, no gap");
    let changed = store.changed_since("lobby", 0, 100).await.unwrap();
    assert_eq!(changed.len(), MESSAGES as usize, "each message once");
    assert!(changed.windows(2).all(|w| w[0].change < w[1].change));
    assert!(changed.iter().all(|m| m.text.ends_with(&format!("v{}", EACH - 1))), "the latest edit of each");
}

fn react(emoji: &str, who: &Identity, on: bool) -> MessageChange {
    MessageChange::React { emoji: emoji.into(), user: who.user_ref(), on }
}

fn reactions(message: &Message) -> Vec<(&str, Vec<&str>)> {
    message.reactions.iter().map(|r| (r.emoji.as_str(), r.users.iter().map(|u| u.name.as_str()).collect())).collect()
}

pub async fn reactions_are_numbered_changes_kept_with_the_message(store: &dyn MessageStore) {
    use moodchat_protocol::limits::REACTION_EMOJI;
    let [thumbs, heart, ..] = REACTION_EMOJI;
    let alice = user(store, "alice").await;
    let bob = user(store, "bob").await;
    let first = new(store.append(&draft("lobby", "alice", "c1", 1)).await.unwrap());
    let second = new(store.append(&draft("lobby", "alice", "c2", 2)).await.unwrap());
    let mood = AuthorMood { label: Mood::Negative, set_at: 5 };
    store.set_author_mood("lobby", &first.id, Some(mood)).await.unwrap();

    let reacted = applied(store.change_message("lobby", &first.id, &react(heart, &bob, true)).await.unwrap());
    assert_eq!((reacted.change, reacted.seq), (2, first.seq));
    applied(store.change_message("lobby", &first.id, &react(thumbs, &alice, true)).await.unwrap());
    let both = applied(store.change_message("lobby", &first.id, &react(heart, &alice, true)).await.unwrap());
    assert_eq!(both.change, 4);
    assert_eq!(reactions(&both), [(thumbs, vec!["alice"]), (heart, vec!["bob", "alice"])], "in the set's order, then who came first");
    assert_eq!(both.author_mood, Some(mood), "a reaction leaves the rest of the message as it was");
    assert_eq!(store.author_moods(None, 10).await.unwrap().len(), 1, "the author's correction is still exported");

    // Stored with the message: every read carries them.
    assert_eq!(store.message("lobby", &first.id).await.unwrap().unwrap(), both);
    let latest = store.history("lobby", &HistorySlice::Latest, 10).await.unwrap();
    assert_eq!(latest[1], both);
    assert_eq!(store.changed_since("lobby", 0, 10).await.unwrap(), std::slice::from_ref(&both));

    // On the room's newest message, the room list's copy follows.
    applied(store.change_message("lobby", &second.id, &react(thumbs, &bob, true)).await.unwrap());
    let listings = store.room_listings(&alice.sub, false).await.unwrap();
    let lobby = listings.iter().find(|l| l.head.room.id == "lobby").unwrap();
    let head = lobby.head.last_message.as_ref().unwrap();
    assert_eq!((reactions(head), lobby.head.seq), (vec![(thumbs, vec!["bob"])], 2), "never a new position");

    // Off again; the last person off removes the emoji's entry.
    let off = applied(store.change_message("lobby", &first.id, &react(heart, &bob, false)).await.unwrap());
    assert_eq!(reactions(&off), [(thumbs, vec!["alice"]), (heart, vec!["alice"])]);
    let off = applied(store.change_message("lobby", &first.id, &react(thumbs, &alice, false)).await.unwrap());
    assert_eq!((reactions(&off), off.change), (vec![(heart, vec!["alice"])], 7));
    assert_eq!(store.message("lobby", &first.id).await.unwrap().unwrap(), off);

    // An edit keeps them; an unsend removes them with the rest.
    let edited = applied(store.change_message("lobby", &first.id, &edit("fixed", 8)).await.unwrap());
    assert_eq!(reactions(&edited), [(heart, vec!["alice"])]);
    let unsent = applied(store.change_message("lobby", &first.id, &MessageChange::Unsend { at: 9 }).await.unwrap());
    assert!(unsent.reactions.is_empty());
    assert_eq!(store.message("lobby", &first.id).await.unwrap().unwrap(), unsent, "gone from storage");
    assert_eq!(
        store.change_message("lobby", &first.id, &react(thumbs, &bob, true)).await.unwrap(),
        Changed::AlreadyUnsent(unsent)
    );
    assert_eq!(store.change_number("lobby").await.unwrap(), 9, "no number for a refused reaction");
}

/// A reply keeps the id of the message it answers, through every read and
/// change: the quote is made by the core from the original when read, so
/// an adapter needs to keep the id only (and may drop the rest).
pub async fn a_reply_keeps_the_id_of_its_original(store: &dyn MessageStore) {
    user(store, "alice").await;
    let bob = user(store, "bob").await;
    let original = new(store.append(&draft("lobby", "alice", "c1", 1)).await.unwrap());
    let quote = Quote { id: original.id.clone(), ..Quote::default() };
    let reply = new(store.append(&Message { reply_to: Some(Quote::of(&original)), ..draft("lobby", "bob", "c2", 2) }).await.unwrap());
    let kept = |message: &Message| message.reply_to.as_ref().map(|q| q.id.clone());
    assert_eq!(kept(&reply), Some(original.id.clone()));

    let read = store.message("lobby", &reply.id).await.unwrap().unwrap();
    assert_eq!(kept(&read), Some(quote.id.clone()));
    let latest = store.history("lobby", &HistorySlice::Latest, 10).await.unwrap();
    assert_eq!((kept(&latest[0]), kept(&latest[1])), (Some(quote.id.clone()), None));
    let reacted = applied(store.change_message("lobby", &reply.id, &react("\u{1F44D}", &bob, true)).await.unwrap());
    assert_eq!(kept(&reacted), Some(quote.id.clone()), "a change keeps it");
    assert_eq!(kept(&store.changed_since("lobby", 0, 10).await.unwrap()[0]), Some(quote.id.clone()));
    let listings = store.room_listings(&bob.sub, false).await.unwrap();
    let lobby = listings.iter().find(|l| l.head.room.id == "lobby").unwrap();
    assert_eq!(kept(lobby.head.last_message.as_ref().unwrap()), Some(quote.id.clone()));
    // A retry answers with the stored reply.
    let retried = store.append(&Message { reply_to: Some(Quote::of(&original)), ..draft("lobby", "bob", "c2", 3) }).await.unwrap();
    assert!(matches!(retried, Appended::Existing(ref m) if kept(m) == Some(quote.id.clone())), "{retried:?}");
}

/// Muting is per member: the room lists as muted for them only, unmuting
/// undoes it, a non-member cannot, and leaving forgets it.
pub async fn a_member_mutes_a_room_for_themselves(store: &dyn MessageStore) {
    let alice = user(store, "alice").await;
    let bob = user(store, "bob").await;
    let eve = user(store, "eve").await;
    let club = room(store, "club", &alice).await;
    store.add_member(&club.id, &bob.sub, 2).await.unwrap();
    let muted = |listings: Vec<crate::ports::RoomListing>, id: &str| listings.iter().find(|l| l.head.room.id == id).map(|l| l.muted);

    assert!(store.set_muted(&club.id, &bob.sub, true).await.unwrap());
    assert!(store.set_muted("lobby", &bob.sub, true).await.unwrap(), "the lobby too");
    assert_eq!(muted(store.room_listings(&bob.sub, false).await.unwrap(), &club.id), Some(true));
    assert_eq!(muted(store.room_listings(&bob.sub, false).await.unwrap(), "lobby"), Some(true));
    assert_eq!(muted(store.room_listings(&alice.sub, false).await.unwrap(), &club.id), Some(false), "only for Bob");
    assert!(store.set_muted(&club.id, &bob.sub, true).await.unwrap(), "twice is still muted");
    assert!(store.set_muted(&club.id, &bob.sub, false).await.unwrap());
    assert_eq!(muted(store.room_listings(&bob.sub, false).await.unwrap(), &club.id), Some(false));

    assert!(!store.set_muted(&club.id, &eve.sub, true).await.unwrap(), "not a member");
    assert_eq!(muted(store.room_listings(&eve.sub, true).await.unwrap(), &club.id), Some(false));

    store.set_muted(&club.id, &bob.sub, true).await.unwrap();
    store.remove_member(&club.id, &bob.sub).await.unwrap();
    store.add_member(&club.id, &bob.sub, 3).await.unwrap();
    assert_eq!(muted(store.room_listings(&bob.sub, false).await.unwrap(), &club.id), Some(false), "joined again: unmuted");
}
