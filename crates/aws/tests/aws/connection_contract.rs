//! The connection contract (`moodchat_core::connection_contract`) on the
//! DynamoDB registry and the management API pusher, against DynamoDB Local
//! with the template's table. The contract's clock starts at the epoch (its
//! connections are made at 1 s): the registry reads expiry on that clock.

use super::support;

use std::sync::Arc;

use moodchat_aws::sdk::Environment;
use moodchat_aws::{DynamoConnections, ManagementApiPusher};
use moodchat_core::ports::{Clock, ConnectionRegistry, Pusher};

struct AtTheEpoch;

impl Clock for AtTheEpoch {
    fn now_ms(&self) -> i64 {
        0
    }
}

struct Fixture {
    registry: DynamoConnections,
    pusher: ManagementApiPusher,
}

impl moodchat_core::connection_contract::Fixture for Fixture {
    fn registry(&self) -> &dyn ConnectionRegistry {
        &self.registry
    }
    fn pusher(&self) -> &dyn Pusher {
        &self.pusher
    }
}

fn fixture() -> Fixture {
    let registry = DynamoConnections::new(support::fresh_table(), Arc::new(AtTheEpoch));
    // The contract publishes only to rooms and users without connections:
    // nothing is posted. tests/gateway.rs posts through the local gateway.
    let management = Environment::local(support::REGION).management_api("http://127.0.0.1:9");
    Fixture { pusher: ManagementApiPusher::new(management, registry.clone()), registry }
}

moodchat_core::connection_contract_tests!(fixture(), support::block_on);

/// A clock the test moves.
struct Manual(std::sync::atomic::AtomicI64);

impl Clock for Manual {
    fn now_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// API Gateway closes a connection after 2 h, and DynamoDB deletes expired
/// items only lazily (DynamoDB Local never): reads filter them out.
#[test]
fn a_connection_past_its_two_hours_is_gone_though_its_items_remain() {
    use moodchat_core::ports::{ConnectionId, Identity};
    let clock = Arc::new(Manual(0.into()));
    let registry = DynamoConnections::new(support::fresh_table(), clock.clone());
    let ada = Identity { sub: "sub-ada".into(), username: "ada".into(), name: "Ada".into(), email: None };
    let connection = ConnectionId("c-ada".into());
    support::block_on(async {
        registry.connect(&connection, &ada, 1_000).await.unwrap();
        registry.subscribe(&connection, "lobby").await.unwrap();
        clock.0.store(1_000 + 2 * 60 * 60 * 1000 - 1_000, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(registry.identity(&connection).await.unwrap(), Some(ada.clone()), "within its 2 hours");
        assert_eq!(registry.subscribers("lobby").await.unwrap().len(), 1);
        clock.0.store(1_000 + 2 * 60 * 60 * 1000, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(registry.identity(&connection).await.unwrap(), None, "expired");
        assert!(registry.subscribers("lobby").await.unwrap().is_empty(), "the fan-out skips it");
        assert!(registry.online("lobby", 0).await.unwrap().is_empty(), "and presence");
    });
}
