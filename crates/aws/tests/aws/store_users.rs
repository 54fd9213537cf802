//! What the DynamoDB store does beyond the core's contract suite: users
//! found by sub or username and searched by a folded prefix through GSI2
//! (opening a direct conversation, the user picker), and a send by someone
//! who is not a member refused by the transaction's own condition.

use super::support;

use moodchat_aws::DynamoStore;
use moodchat_core::ports::{HistorySlice, Identity, MessageStore};
use moodchat_protocol::{ErrorCode, Message, Room, RoomKind, UserRef};

fn person(sub: &str, username: &str, name: &str) -> Identity {
    Identity { sub: sub.into(), username: username.into(), name: name.into(), email: None }
}

fn names(users: &[UserRef]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

fn store() -> DynamoStore {
    let store = DynamoStore::new(support::fresh_table());
    support::block_on(store.ensure_lobby(1)).unwrap();
    store
}

#[test]
fn users_are_found_by_sub_or_username_and_searched_by_folded_prefix() {
    let store = store();
    support::block_on(async {
        for who in [person("s-1", "Minji", "김민지"), person("s-2", "mingyu", "Min-gyu Park"), person("s-3", "ÉMILE", "Émile Zola")] {
            store.upsert_user(&who, 5).await.unwrap();
        }
        let minji = UserRef { sub: "s-1".into(), name: "김민지".into() };
        assert_eq!(store.find_user("s-1").await.unwrap(), Some(minji.clone()));
        assert_eq!(store.find_user("MINJI").await.unwrap(), Some(minji), "usernames match case-insensitively");
        assert_eq!(store.find_user("minj").await.unwrap(), None, "a prefix is not a username");

        let found = store.search_users("MIN", "nobody", 10).await.unwrap();
        let mut found = names(&found);
        found.sort();
        assert_eq!(found, ["Min-gyu Park", "김민지"], "username or name, folded, each user once");
        assert_eq!(names(&store.search_users("김", "nobody", 10).await.unwrap()), ["김민지"], "names search too");
        assert_eq!(names(&store.search_users("émi", "nobody", 10).await.unwrap()), ["Émile Zola"], "folded beyond ASCII");
        assert_eq!(store.search_users("min", "s-1", 10).await.unwrap().len(), 1, "the caller is left out");
        assert_eq!(store.search_users("min", "nobody", 1).await.unwrap().len(), 1, "the limit holds");
        assert!(store.search_users("", "nobody", 10).await.unwrap().is_empty());

        // A new display name replaces the old one in search.
        store.upsert_user(&person("s-2", "mingyu", "Gyu"), 6).await.unwrap();
        assert_eq!(names(&store.search_users("gyu", "nobody", 10).await.unwrap()), ["Gyu"]);
        assert!(store.search_users("min-", "nobody", 10).await.unwrap().is_empty());
    });
}

#[test]
fn a_send_by_someone_not_in_the_room_is_refused_and_writes_nothing() {
    let store = store();
    support::block_on(async {
        let owner = person("s-owner", "owner", "Owner");
        store.upsert_user(&owner, 1).await.unwrap();
        let club = Room { id: "club".into(), name: "Club".into(), kind: RoomKind::Public };
        store.create_room(&club, &owner.sub, 1).await.unwrap();
        let draft = Message {
            id: "01JAAAAAAAAAAAAAAAAAAAAAAA".into(),
            room: "club".into(),
            seq: 0,
            sender: UserRef { sub: "s-stranger".into(), name: "Stranger".into() },
            text: "let me in".into(),
            image: None,
            sentiment: None,
            author_mood: None,
            edited_at: None,
            deleted_at: None,
            change: 0,
            reactions: Vec::new(),
            reply_to: None,
            created_at: 2,
            client_id: "c1".into(),
        };
        let refused = store.append(&draft).await.expect_err("not a member");
        assert_eq!(refused.code, ErrorCode::Forbidden);
        assert!(store.history("club", &HistorySlice::Latest, 10).await.unwrap().is_empty());
        let unknown = store.append(&Message { room: "nowhere".into(), ..draft }).await.expect_err("no such room");
        assert_eq!(unknown.code, ErrorCode::NotFound);
    });
}
