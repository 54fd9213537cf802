//! The connection contract (`moodchat_core::connection_contract`) on the
//! in-memory hub, the reference the other adapters must match.

moodchat_core::connection_contract_tests!(moodchat_core::memory::InMemoryHub::default(), futures_executor::block_on);
