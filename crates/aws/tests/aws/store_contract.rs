//! The store contract (`moodchat_core::store_contract`) on the DynamoDB
//! store, against DynamoDB Local with the template's table.

use super::support;

use moodchat_aws::DynamoStore;
use moodchat_core::ports::MessageStore;

struct Fixture(DynamoStore);

impl moodchat_core::store_contract::Fixture for Fixture {
    fn store(&self) -> &dyn MessageStore {
        &self.0
    }
}

fn fixture() -> Fixture {
    let store = DynamoStore::new(support::fresh_table());
    support::block_on(store.ensure_lobby(1)).unwrap();
    Fixture(store)
}

moodchat_core::store_contract_tests!(fixture(), support::block_on);
