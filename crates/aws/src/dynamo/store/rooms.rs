//! Rooms, direct pairs and memberships (with their read markers), and the
//! room list: one GSI1 query of the user's memberships plus one batched read
//! of their rooms' heads.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem};
use moodchat_core::error::{internal, not_found};
use moodchat_core::ports::{RoomHead, RoomListing};
use moodchat_protocol::{ApiError, Room, RoomKind, UserRef};

use super::{cancellation_codes, is_condition_failure};
use crate::dynamo::attrs::{n, number, s, text};
use crate::dynamo::{failed, keys, message_item, Item, Table};

fn kind_name(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Public => "public",
        RoomKind::Direct => "direct",
    }
}

fn kind_of(item: &Item) -> RoomKind {
    if text(item, "kind") == Some("direct") {
        RoomKind::Direct
    } else {
        RoomKind::Public
    }
}

fn room_item(room: &Room, now_ms: i64) -> Item {
    let mut item = Item::from([
        ("PK".into(), s(keys::room(&room.id))),
        ("SK".into(), s(keys::META)),
        ("name".into(), s(&room.name)),
        ("kind".into(), s(kind_name(room.kind))),
        ("created_at".into(), n(now_ms)),
        ("last_seq".into(), n(0)),
    ]);
    if room.kind == RoomKind::Public {
        item.insert("GSI2PK".into(), s(keys::PUBLIC_ROOMS));
        item.insert("GSI2SK".into(), s(keys::room(&room.id)));
    }
    item
}

fn room_from(item: &Item) -> Option<Room> {
    let id = keys::room_id(text(item, "PK")?)?;
    Some(Room { id: id.to_owned(), name: text(item, "name").unwrap_or_default().to_owned(), kind: kind_of(item) })
}

fn head_from(item: &Item) -> Result<Option<RoomHead>, ApiError> {
    let Some(room) = room_from(item) else { return Ok(None) };
    let last_message = match item.get("last_message").and_then(|v| v.as_m().ok()) {
        Some(fields) => Some(message_item::from_item(fields)?),
        None => None,
    };
    Ok(Some(RoomHead { room, seq: number(item, "last_seq").unwrap_or(0), last_message }))
}

/// Writes the room's META unless it exists; true when it was new.
pub async fn put_room_if_new(table: &Table, room: &Room, now_ms: i64) -> Result<bool, ApiError> {
    let outcome = table
        .client
        .put_item()
        .table_name(&table.name)
        .set_item(Some(room_item(room, now_ms)))
        .condition_expression("attribute_not_exists(PK)")
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(true),
        Err(error) if is_condition_failure(&error) => Ok(false),
        Err(error) => Err(failed("PutItem room")(error)),
    }
}

/// A membership item; its read marker starts at `last_read_seq`.
fn membership_item(room: &Room, sub: &str, name: &str, last_read_seq: u64, peer: Option<&UserRef>, now_ms: i64) -> Item {
    let mut item = Item::from([
        ("PK".into(), s(keys::room(&room.id))),
        ("SK".into(), s(keys::member(sub))),
        ("GSI1PK".into(), s(keys::user(sub))),
        ("GSI1SK".into(), s(keys::room(&room.id))),
        ("sub".into(), s(sub)),
        ("name".into(), s(name)),
        ("kind".into(), s(kind_name(room.kind))),
        ("joined_at".into(), n(now_ms)),
        ("last_read_seq".into(), n(last_read_seq)),
    ]);
    if let Some(peer) = peer {
        item.insert("peer_sub".into(), s(&peer.sub));
        item.insert("peer_name".into(), s(&peer.name));
    }
    item
}

/// The user's display name from their profile (the sub when unknown).
async fn user_ref(table: &Table, sub: &str) -> Result<UserRef, ApiError> {
    let profile = table.get(&keys::user(sub), keys::PROFILE).await?;
    let name = profile.as_ref().and_then(|p| text(p, "name")).unwrap_or(sub).to_owned();
    Ok(UserRef { sub: sub.to_owned(), name })
}

fn put(item: Item, table: &Table) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(&table.name)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(failed("Put"))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A new public room and its creator's membership, in one transaction.
pub async fn create(table: &Table, room: &Room, creator: &str, now_ms: i64) -> Result<(), ApiError> {
    let creator = user_ref(table, creator).await?;
    table
        .client
        .transact_write_items()
        .transact_items(put(room_item(room, now_ms), table)?)
        .transact_items(put(membership_item(room, &creator.sub, &creator.name, 0, None, now_ms), table)?)
        .send()
        .await
        .map_err(failed("create room"))?;
    Ok(())
}

pub async fn room(table: &Table, room_id: &str) -> Result<Option<Room>, ApiError> {
    Ok(table.get(&keys::room(room_id), keys::META).await?.as_ref().and_then(room_from))
}

/// The pair's direct room: the pair item, the room and both memberships are
/// written together only if the pair has none; otherwise the existing one.
pub async fn find_or_create_direct(
    table: &Table,
    direct_key: &str,
    candidate: &Room,
    members: [&str; 2],
    now_ms: i64,
) -> Result<Room, ApiError> {
    let pair_key = keys::direct(direct_key);
    if let Some(existing) = existing_direct(table, &pair_key).await? {
        return Ok(existing);
    }
    let [a, b] = [user_ref(table, members[0]).await?, user_ref(table, members[1]).await?];
    let pair = Item::from([
        ("PK".into(), s(&pair_key)),
        ("SK".into(), s(keys::META)),
        ("room".into(), s(&candidate.id)),
    ]);
    let mut room = room_item(candidate, now_ms);
    room.insert("direct_key".into(), s(direct_key));
    let outcome = table
        .client
        .transact_write_items()
        .transact_items(put(pair, table)?)
        .transact_items(put(room, table)?)
        .transact_items(put(membership_item(candidate, &a.sub, &a.name, 0, Some(&b), now_ms), table)?)
        .transact_items(put(membership_item(candidate, &b.sub, &b.name, 0, Some(&a), now_ms), table)?)
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(candidate.clone()),
        // Another request made the pair's room first: answer that one.
        Err(error) if cancellation_codes(&error).is_some_and(|codes| codes.first().is_some_and(|c| c.as_deref() == Some("ConditionalCheckFailed"))) => {
            existing_direct(table, &pair_key).await?.ok_or_else(|| internal("the direct room vanished"))
        }
        Err(error) => Err(failed("create direct room")(error)),
    }
}

async fn existing_direct(table: &Table, pair_key: &str) -> Result<Option<Room>, ApiError> {
    let Some(pair) = table.get(pair_key, keys::META).await? else { return Ok(None) };
    let room_id = text(&pair, "room").ok_or_else(|| internal("a direct pair without its room"))?;
    room(table, room_id).await
}

/// A new member has read everything already in the room; a no-op for a member.
pub async fn add_member(table: &Table, room_id: &str, sub: &str, now_ms: i64) -> Result<(), ApiError> {
    let meta = table.get(&keys::room(room_id), keys::META).await?.ok_or_else(|| not_found(format!("no room {room_id:?}")))?;
    let room = room_from(&meta).ok_or_else(|| internal("a room without its key"))?;
    let user = user_ref(table, sub).await?;
    let seq = number(&meta, "last_seq").unwrap_or(0);
    let outcome = table
        .client
        .put_item()
        .table_name(&table.name)
        .set_item(Some(membership_item(&room, sub, &user.name, seq, None, now_ms)))
        .condition_expression("attribute_not_exists(PK)")
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(()),
        Err(error) if is_condition_failure(&error) => Ok(()),
        Err(error) => Err(failed("add member")(error)),
    }
}

/// Deletes the membership item (its GSI1 entry, the user's room list row,
/// goes with it); false when there was none.
pub async fn remove_member(table: &Table, room_id: &str, sub: &str) -> Result<bool, ApiError> {
    let removed = table
        .client
        .delete_item()
        .table_name(&table.name)
        .key("PK", s(keys::room(room_id)))
        .key("SK", s(keys::member(sub)))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .map_err(failed("remove member"))?;
    Ok(removed.attributes.is_some_and(|old| !old.is_empty()))
}

pub async fn is_member(table: &Table, room_id: &str, sub: &str) -> Result<bool, ApiError> {
    Ok(table.get(&keys::room(room_id), &keys::member(sub)).await?.is_some())
}

pub async fn members(table: &Table, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
    let items = query_all(table, None, "PK", &keys::room(room_id), "SK", "MEMBER#").await?;
    Ok(items
        .iter()
        .filter_map(|item| Some(UserRef { sub: text(item, "sub")?.to_owned(), name: text(item, "name")?.to_owned() }))
        .collect())
}

/// Every item of a partition (of the table or an index) whose sort key
/// starts with `prefix`, all pages.
pub(crate) async fn query_all(
    table: &Table,
    index: Option<&str>,
    pk_name: &str,
    pk: &str,
    sk_name: &str,
    prefix: &str,
) -> Result<Vec<Item>, ApiError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = table
            .client
            .query()
            .table_name(&table.name)
            .set_index_name(index.map(str::to_owned))
            .consistent_read(index.is_none())
            .key_condition_expression(format!("{pk_name} = :pk AND begins_with({sk_name}, :prefix)"))
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(failed("Query"))?;
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// The user's rooms (GSI1) with their heads (one batched read), and with
/// `discover` the public rooms (GSI2) they are not in.
pub async fn listings(table: &Table, sub: &str, discover: bool) -> Result<Vec<RoomListing>, ApiError> {
    let memberships = query_all(table, Some(keys::GSI_BY_USER), "GSI1PK", &keys::user(sub), "GSI1SK", "ROOM#").await?;
    let mut wanted: Vec<(String, String)> =
        memberships.iter().filter_map(|m| text(m, "PK")).map(|pk| (pk.to_owned(), keys::META.to_owned())).collect();
    let mine: HashSet<String> = wanted.iter().map(|(pk, _)| pk.clone()).collect();
    if discover {
        let public = query_all(table, Some(keys::GSI_LOOKUPS), "GSI2PK", keys::PUBLIC_ROOMS, "GSI2SK", "ROOM#").await?;
        let others = public.iter().filter_map(|r| text(r, "PK")).filter(|pk| !mine.contains(*pk));
        wanted.extend(others.map(|pk| (pk.to_owned(), keys::META.to_owned())));
    }
    let mut listings = Vec::new();
    for meta in table.batch_get(wanted).await? {
        let Some(head) = head_from(&meta)? else { continue };
        let pk = keys::room(&head.room.id);
        let membership = memberships.iter().find(|m| text(m, "PK") == Some(pk.as_str()));
        let last_read_seq = membership.and_then(|m| number(m, "last_read_seq"));
        let peer = membership.and_then(|m| {
            Some(UserRef { sub: text(m, "peer_sub")?.to_owned(), name: text(m, "peer_name")?.to_owned() })
        });
        let muted = membership.and_then(|m| m.get("muted")).and_then(|muted| muted.as_bool().ok()).copied().unwrap_or(false);
        listings.push(RoomListing { head, last_read_seq: membership.map(|_| last_read_seq.unwrap_or(0)), peer, muted });
    }
    Ok(listings)
}

/// Sets the member's `muted`; false when `sub` is not a member.
pub async fn set_muted(table: &Table, room_id: &str, sub: &str, muted: bool) -> Result<bool, ApiError> {
    let outcome = table
        .client
        .update_item()
        .table_name(&table.name)
        .key("PK", s(keys::room(room_id)))
        .key("SK", s(keys::member(sub)))
        .update_expression("SET muted = :muted")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":muted", aws_sdk_dynamodb::types::AttributeValue::Bool(muted))
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(true),
        Err(error) if is_condition_failure(&error) => Ok(false),
        Err(error) => Err(failed("mute")(error)),
    }
}

/// Moves the marker forward only; false when it was already there or
/// `sub` is not a member.
pub async fn mark_read(table: &Table, room_id: &str, sub: &str, seq: u64) -> Result<bool, ApiError> {
    let outcome = table
        .client
        .update_item()
        .table_name(&table.name)
        .key("PK", s(keys::room(room_id)))
        .key("SK", s(keys::member(sub)))
        .update_expression("SET last_read_seq = :seq")
        .condition_expression("attribute_exists(PK) AND last_read_seq < :seq")
        .expression_attribute_values(":seq", n(seq))
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(true),
        Err(error) if is_condition_failure(&error) => Ok(false),
        Err(error) => Err(failed("mark read")(error)),
    }
}
