//! SQLite against the store contract, and the migration of databases made
//! before seqs.

use std::sync::Arc;

use moodchat_core::store_contract::Fixture;
use moodchat_core::{HistorySlice, MessageStore};
use rusqlite::{params, Connection};

use super::{schema, SqliteStore};

struct Fresh {
    _dir: tempfile::TempDir,
    store: SqliteStore,
}

impl Fixture for Fresh {
    fn store(&self) -> &dyn MessageStore {
        &self.store
    }
}

fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("chat.sqlite3")).unwrap();
    Fresh { _dir: dir, store }
}

fn block_on<F: std::future::Future<Output = ()>>(future: F) {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(future)
}

moodchat_core::store_contract_tests!(fresh(), block_on);

/// Two stores on one file, as two `moodchat serve` processes would have:
/// each append takes the next seq of the room, none is given twice.
#[test]
fn two_stores_on_one_file_never_give_a_seq_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.sqlite3");
    let stores = [Arc::new(SqliteStore::open(&path).unwrap()), Arc::new(SqliteStore::open(&path).unwrap())];
    block_on(async move {
        let writers = stores.iter().enumerate().flat_map(|(s, store)| {
            (0..2).map(move |w| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut seqs = Vec::new();
                    for i in 0..50 {
                        let message = moodchat_protocol::Message {
                            id: format!("01J{s}{w}{i:021}"),
                            room: "lobby".into(),
                            sender: moodchat_protocol::UserRef { sub: format!("sub-{s}{w}"), name: "w".into() },
                            text: "x".into(),
                            image: None,
                            sentiment: None,
                            author_mood: None,
                            edited_at: None,
                            deleted_at: None,
                            change: 0,
                            reactions: Vec::new(),
                            reply_to: None,
                            created_at: 0,
                            client_id: format!("c{i}"),
                            seq: 0,
                        };
                        match store.append(&message).await.unwrap() {
                            moodchat_core::Appended::New(message) => seqs.push(message.seq),
                            other => panic!("{other:?}"),
                        }
                    }
                    seqs
                })
            })
        });
        let mut all = Vec::new();
        for writer in writers.collect::<Vec<_>>() {
            all.extend(writer.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, (1..=200).collect::<Vec<_>>());
        let stored = stores[1].history("lobby", &HistorySlice::After(0), 1000).await.unwrap();
        assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=200).collect::<Vec<_>>());
    });
}

/// A database exactly as the code before seqs left it (the first migration,
/// rows written by its statements), then opened by today's store.
#[test]
fn a_database_from_before_seqs_migrates_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.sqlite3");
    {
        let old = Connection::open(&path).unwrap();
        old.execute_batch(schema::MIGRATIONS[0]).unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        for (sub, name) in [("sub-alice", "alice"), ("sub-bob", "bob"), ("sub-carol", "carol")] {
            old.execute(
                "INSERT INTO users (sub, username, name, username_lc, name_lc, created_at) VALUES (?1, ?2, ?2, ?2, ?2, 0)",
                params![sub, name],
            )
            .unwrap();
            old.execute("INSERT INTO members (room, sub, joined_at) VALUES ('lobby', ?1, 0)", params![sub]).unwrap();
        }
        old.execute("INSERT INTO rooms (id, name, kind, created_at) VALUES ('club', 'Club', 'public', 0)", []).unwrap();
        old.execute("INSERT INTO members (room, sub, joined_at) VALUES ('club', 'sub-bob', 0)", []).unwrap();
        // Ids out of insertion order on purpose: order is the ids' order.
        let lobby = [("01J0000000000000000000000C", "sub-bob"), ("01J0000000000000000000000A", "sub-alice"),
            ("01J0000000000000000000000B", "sub-bob"), ("01J0000000000000000000000E", "sub-alice"),
            ("01J0000000000000000000000D", "sub-alice")];
        let club = [("01J0000000000000000000000F", "sub-bob"), ("01J0000000000000000000000G", "sub-bob")];
        for (room, messages) in [("lobby", &lobby[..]), ("club", &club[..])] {
            for (id, sender) in messages {
                old.execute(
                    "INSERT INTO messages (id, room, sender_sub, sender_name, text, created_at, client_id) \
                     VALUES (?1, ?2, ?3, ?3, ?1, 0, ?1)",
                    params![id, room, sender],
                )
                .unwrap();
            }
        }
        // Bob read up to B, and wrote C after it; Carol read up to D (and
        // never wrote); Alice's marker is older than her own newest message.
        for (sub, read) in [("sub-bob", "01J0000000000000000000000B"), ("sub-carol", "01J0000000000000000000000D"),
            ("sub-alice", "01J0000000000000000000000A")] {
            old.execute("INSERT INTO reads (room, sub, message_id) VALUES ('lobby', ?1, ?2)", params![sub, read]).unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    block_on(async move {
        let lobby = store.history("lobby", &HistorySlice::After(0), 100).await.unwrap();
        let order: Vec<(u64, &str)> = lobby.iter().map(|m| (m.seq, &m.id[25..])).collect();
        assert_eq!(order, [(1, "A"), (2, "B"), (3, "C"), (4, "D"), (5, "E")], "nothing lost, id order kept");
        assert!(lobby.iter().all(|m| m.text == m.id), "the messages themselves untouched");
        let club = store.history("club", &HistorySlice::Latest, 100).await.unwrap();
        assert_eq!(club.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 1]);

        let marker = |sub: &'static str| {
            let store = &store;
            async move {
                let listings = store.room_listings(sub, false).await.unwrap();
                let lobby = listings.into_iter().find(|l| l.head.room.id == "lobby").unwrap();
                (lobby.head.seq, lobby.head.last_message.map(|m| m.seq), lobby.last_read_seq)
            }
        };
        assert_eq!(marker("sub-bob").await, (5, Some(5), Some(3)), "he read B (2) and wrote C (3)");
        assert_eq!(marker("sub-carol").await, (5, Some(5), Some(4)));
        assert_eq!(marker("sub-alice").await, (5, Some(5), Some(5)), "her own newest message (E) counts as read");

        // The next message continues the room's numbering.
        let next =
            moodchat_protocol::Message { seq: 0, id: "01J0000000000000000000000H".into(), client_id: "new".into(), ..lobby[0].clone() };
        match store.append(&next).await.unwrap() {
            moodchat_core::Appended::New(message) => assert_eq!(message.seq, 6),
            other => panic!("{other:?}"),
        }
    });
    let version: i64 = Connection::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version as usize, schema::MIGRATIONS.len());
}

/// The database the store before seqs wrote (tests/fixtures/README.md says
/// how): opened by today's store, everything is there, numbered in id order.
#[test]
fn a_database_written_by_the_store_before_seqs_migrates_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.sqlite3");
    let fixture = format!("{}/tests/fixtures/before-seqs.sqlite3", std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()));
    std::fs::copy(fixture, &path).unwrap();
    let version: i64 = Connection::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 1, "the fixture predates seqs");
    let store = SqliteStore::open(&path).unwrap();
    block_on(async move {
        let lobby = store.history("lobby", &HistorySlice::After(0), 100).await.unwrap();
        let order: Vec<(u64, &str, &str)> = lobby.iter().map(|m| (m.seq, &m.id[25..], m.text.as_str())).collect();
        assert_eq!(
            order,
            [(1, "A", "lobby a"), (2, "B", "lobby b"), (3, "C", "lobby c"), (4, "D", "lobby d"), (5, "E", "lobby e")],
            "nothing lost or repeated (the retry stayed one message), id order kept"
        );
        let club = store.history("club", &HistorySlice::After(0), 100).await.unwrap();
        assert_eq!(club.iter().map(|m| (m.seq, &m.id[25..])).collect::<Vec<_>>(), [(1, "F"), (2, "G")]);
        assert_eq!(store.message_seq("lobby", "01J0000000000000000000000D").await.unwrap(), Some(4));

        let lobby_of = |sub: &'static str| {
            let store = &store;
            async move {
                let listings = store.room_listings(sub, false).await.unwrap();
                let lobby = listings.into_iter().find(|l| l.head.room.id == "lobby").unwrap();
                (lobby.head.seq, lobby.head.last_message.map(|m| m.id), lobby.last_read_seq)
            }
        };
        let e = Some("01J0000000000000000000000E".to_owned());
        assert_eq!(lobby_of("sub-bob").await, (5, e.clone(), Some(3)), "read B (2), wrote C (3)");
        assert_eq!(lobby_of("sub-carol").await, (5, e.clone(), Some(4)), "read D");
        assert_eq!(lobby_of("sub-alice").await, (5, e, Some(5)), "read A, wrote E");
        let bobs = store.room_listings("sub-bob", false).await.unwrap();
        let club = bobs.iter().find(|l| l.head.room.id == "club").expect("bob's club membership kept");
        assert_eq!((club.head.seq, club.last_read_seq), (2, Some(2)));
    });
}

/// An unsent message's text is gone from the file itself (secure_delete,
/// then a checkpoint folds the WAL in), not only from what queries return.
#[test]
fn an_unsent_text_is_not_left_in_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.sqlite3");
    let store = SqliteStore::open(&path).unwrap();
    let secret = "my-bank-pin-is-4821-please-forget";
    block_on(async {
        let message = moodchat_protocol::Message {
            id: "01J00000000000000000000001".into(),
            room: "lobby".into(),
            sender: moodchat_protocol::UserRef { sub: "sub-a".into(), name: "a".into() },
            text: secret.into(),
            client_id: "c1".into(),
            ..Default::default()
        };
        store.append(&message).await.unwrap();
        for n in 2..6 {
            let id = format!("01J0000000000000000000000{n}");
            let other = moodchat_protocol::Message { id, text: format!("other {n}"), client_id: format!("c{n}"), ..message.clone() };
            store.append(&other).await.unwrap();
        }
        // The text in the database file proper, not only in the WAL.
        Connection::open(&path).unwrap().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        let unsend = moodchat_core::MessageChange::Unsend { at: 5 };
        let unsent = store.change_message("lobby", &message.id, &unsend).await.unwrap();
        assert!(matches!(unsent, moodchat_core::Changed::Applied(ref m) if m.text.is_empty()), "{unsent:?}");
    });
    drop(store);
    let connection = Connection::open(&path).unwrap();
    connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(connection);
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let file = file.unwrap().path();
        let bytes = std::fs::read(&file).unwrap();
        let found = bytes.windows(secret.len()).any(|window| window == secret.as_bytes());
        assert!(!found, "{} still holds the unsent text", file.display());
    }
}
