//! The transport-neutral edge (`moodchat_core::edge`) driven as a Lambda
//! would drive it: text frames in, replies collected, nothing kept between
//! frames but the registry and the store.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_executor::block_on;
use moodchat_core::edge::{handle_text, Caller, Replies};
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::rate_limit::{LocalRateLimiter, Rate, RateLimits};
use moodchat_core::{ChatService, ConnectionId, Identity};
use moodchat_protocol::{ErrorCode, ServerEvent};

/// What a `post_to_connection` would have sent, and the backfill marks.
#[derive(Default)]
struct Recorded {
    events: Vec<ServerEvent>,
    marks: Vec<(String, Option<u64>)>,
}

#[async_trait]
impl Replies for Recorded {
    type Closed = ();

    async fn reply(&mut self, event: &ServerEvent) -> Result<(), ()> {
        self.events.push(event.clone());
        Ok(())
    }

    fn sent_up_to(&mut self, room: &str, seq: Option<u64>) {
        self.marks.push((room.to_string(), seq));
    }
}

fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn service() -> ChatService {
    service_limited(RateLimits::default())
}

fn service_limited(limits: RateLimits) -> ChatService {
    let hub = Arc::new(InMemoryHub::default());
    ChatService::builder(Arc::new(InMemoryStore::default()), hub.clone(), hub, Arc::new(ThreadSpawner))
        .rate_limiter(Arc::new(LocalRateLimiter::new(limits)))
        .build()
}

fn error_code(event: &ServerEvent) -> Option<ErrorCode> {
    match event {
        ServerEvent::Error { code, .. } => Some(*code),
        _ => None,
    }
}

#[test]
fn invalid_frames_are_charged_before_they_are_parsed() {
    block_on(async {
        // Two frames per connection, then none for an hour.
        let frames = Rate::per(2, Duration::from_secs(3600));
        let chat = service_limited(RateLimits { frames, ..RateLimits::default() });
        let ada = user("ada");
        let connection = ConnectionId("c-ada".into());
        chat.register(&ada).await.unwrap();
        chat.connect(&ada, &connection).await.unwrap();
        let mut replies = Recorded::default();
        let caller = Caller { who: &ada, connection: &connection };
        for frame in ["{not json", r#"{"action":"dance"}"#, r#"{"action":"ping"}"#] {
            handle_text(&chat, caller, frame, &mut replies).await.unwrap();
        }
        let codes: Vec<Option<ErrorCode>> = replies.events.iter().map(error_code).collect();
        assert_eq!(
            codes,
            [Some(ErrorCode::BadRequest), Some(ErrorCode::UnknownAction), Some(ErrorCode::RateLimited)],
            "two bad frames spent the budget: the ping is refused"
        );
    });
}

#[test]
fn a_join_with_since_replays_what_came_after_and_marks_it_sent() {
    block_on(async {
        let chat = service();
        let (ada, bo) = (user("ada"), user("bo"));
        let (ada_connection, bo_connection) = (ConnectionId("c-ada".into()), ConnectionId("c-bo".into()));
        for (who, connection) in [(&ada, &ada_connection), (&bo, &bo_connection)] {
            chat.register(who).await.unwrap();
            chat.connect(who, connection).await.unwrap();
        }
        let mut to_ada = Recorded::default();
        let ada_caller = Caller { who: &ada, connection: &ada_connection };
        for n in 1..=3 {
            let frame = format!(r#"{{"action":"sendMessage","room":"lobby","client_id":"k{n}","text":"m{n}"}}"#);
            handle_text(&chat, ada_caller, &frame, &mut to_ada).await.unwrap();
        }
        let acked: Vec<u64> = to_ada
            .events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Ack { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect();
        assert_eq!(acked.len(), 3, "{:?}", to_ada.events);

        // Bo (re)joins after the first message: he gets the two later ones.
        let mut to_bo = Recorded::default();
        let bo_caller = Caller { who: &bo, connection: &bo_connection };
        let join = format!(r#"{{"action":"join","room":"lobby","since":{}}}"#, acked[0]);
        handle_text(&chat, bo_caller, &join, &mut to_bo).await.unwrap();
        let texts: Vec<&str> = to_bo
            .events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Message { message } => Some(message.text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["m2", "m3"]);
        assert!(matches!(to_bo.events.first(), Some(ServerEvent::Presence { .. })), "{:?}", to_bo.events);
        assert!(matches!(to_bo.events.last(), Some(ServerEvent::Joined { .. })), "{:?}", to_bo.events);
        assert_eq!(to_bo.marks, [("lobby".into(), Some(acked[0])), ("lobby".into(), Some(acked[2]))]);
    });
}
