//! The room list's rules, the same for every store: unread counts from seqs
//! (capped), a direct room named after the other person, most recent
//! activity first.

use moodchat_protocol::limits::UNREAD_CAP;
use moodchat_protocol::RoomSummary;

use crate::ports::RoomListing;

/// Messages after the read marker, capped (`limits::UNREAD_CAP`).
pub fn unread(room_seq: u64, last_read_seq: u64) -> u32 {
    room_seq.saturating_sub(last_read_seq).min(u64::from(UNREAD_CAP)) as u32
}

pub fn summaries(listings: Vec<RoomListing>) -> Vec<RoomSummary> {
    let mut summaries: Vec<RoomSummary> = listings.into_iter().map(summary).collect();
    // Most recent activity first (message ids are time-ordered across
    // rooms, seqs are not); rooms without messages last, newest id first
    // among equals so the order is stable.
    summaries.sort_by(|a, b| {
        let last = |s: &RoomSummary| s.last_message.as_ref().map(|m| m.id.clone());
        last(b).cmp(&last(a)).then_with(|| b.room.id.cmp(&a.room.id))
    });
    summaries
}

fn summary(listing: RoomListing) -> RoomSummary {
    let RoomListing { head, last_read_seq, peer, muted } = listing;
    let mut room = head.room;
    if let Some(peer) = &peer {
        room.name = peer.name.clone();
    }
    RoomSummary {
        room,
        member: last_read_seq.is_some(),
        last_message: head.last_message,
        unread: last_read_seq.map_or(0, |read| unread(head.seq, read)),
        last_read_seq: last_read_seq.unwrap_or(0),
        peer,
        muted,
        // Counted by the service, which reads the unread messages.
        mentions: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_is_the_distance_to_the_marker_capped() {
        assert_eq!(unread(0, 0), 0);
        assert_eq!(unread(10, 7), 3);
        assert_eq!(unread(5, 9), 0, "a marker past the head counts nothing");
        assert_eq!(unread(5_000, 0), UNREAD_CAP);
    }
}
