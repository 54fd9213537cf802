//! The store contract (`moodchat_core::store_contract`) on the in-memory
//! store, the reference the other adapters must match.

moodchat_core::store_contract_tests!(moodchat_core::memory::InMemoryStore::default(), futures_executor::block_on);
