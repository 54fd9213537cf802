//! The keys of docs/aws.md's table, in one place.

pub const META: &str = "META";
pub const PROFILE: &str = "PROFILE";
pub const PUBLIC_ROOMS: &str = "PUBLIC_ROOMS";
pub const GSI_BY_USER: &str = "GSI1";
pub const GSI_LOOKUPS: &str = "GSI2";

pub fn room(room_id: &str) -> String {
    format!("ROOM#{room_id}")
}

/// The room id back from a `ROOM#<room>` key.
pub fn room_id(key: &str) -> Option<&str> {
    key.strip_prefix("ROOM#")
}

pub fn member(sub: &str) -> String {
    format!("MEMBER#{sub}")
}

pub fn user(sub: &str) -> String {
    format!("USER#{sub}")
}

pub fn direct(direct_key: &str) -> String {
    format!("DIRECT#{direct_key}")
}

/// Seqs are zero-padded to 20 digits (`u64::MAX` has 20): string order is
/// number order.
pub fn message(seq: u64) -> String {
    format!("MSG#{seq:020}")
}

pub fn message_seq(sort_key: &str) -> Option<u64> {
    sort_key.strip_prefix("MSG#")?.parse().ok()
}

/// A room's change log entry: change numbers zero-padded like seqs.
pub fn change(number: u64) -> String {
    format!("CHG#{number:020}")
}

pub fn change_number(sort_key: &str) -> Option<u64> {
    sort_key.strip_prefix("CHG#")?.parse().ok()
}

pub fn message_id(id: &str) -> String {
    format!("MSGID#{id}")
}

pub fn idempotency(sub: &str, client_id: &str) -> String {
    format!("IDEM#{sub}#{client_id}")
}

/// The labelled-mood partitions: the ULID's first two characters (its
/// time prefix), so an export reads them in id order.
pub fn labels(message_id: &str) -> String {
    let prefix: String = message_id.chars().take(2).collect();
    format!("LABELS#{prefix}")
}

pub fn label(message_id: &str) -> String {
    format!("MSG#{message_id}")
}

pub fn connection(connection_id: &str) -> String {
    format!("CONN#{connection_id}")
}

pub fn connection_id(key: &str) -> Option<&str> {
    key.strip_prefix("CONN#")
}

pub fn search(field: &str) -> String {
    format!("SEARCH#{field}")
}

/// User search folds as the embedded store does (`str::to_lowercase`).
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// The search partition of a folded value: its first character.
pub fn user_search(folded: &str) -> Option<String> {
    folded.chars().next().map(|first| format!("USERSEARCH#{first}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keys_sort_as_numbers() {
        assert!(message(9) < message(10));
        assert!(message(99_999) < message(u64::MAX));
        assert_eq!(message_seq(&message(u64::MAX)), Some(u64::MAX));
        assert_eq!(message_seq("MEMBER#x"), None);
    }

    #[test]
    fn labels_spread_by_the_ulids_time_prefix() {
        assert_eq!(labels("01JABC"), "LABELS#01");
        assert_eq!(user_search(&fold("Émile")), Some("USERSEARCH#é".into()));
        assert_eq!(user_search(""), None);
    }
}
