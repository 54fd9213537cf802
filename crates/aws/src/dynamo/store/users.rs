//! Users: the profile item and the two search items (username and name,
//! folded) that GSI2 ("lookups") finds by prefix.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use moodchat_core::ports::Identity;
use moodchat_protocol::{ApiError, UserRef};

use crate::dynamo::attrs::{n, s, text};
use crate::dynamo::{failed, keys, Item, Table};

/// Records the profile (keeping `first_seen`) and its search items, in one
/// transaction so search never finds a name the profile does not have.
pub async fn upsert(table: &Table, user: &Identity, now_ms: i64) -> Result<(), ApiError> {
    let pk = keys::user(&user.sub);
    let mut profile = Update::builder()
        .table_name(&table.name)
        .key("PK", s(&pk))
        .key("SK", s(keys::PROFILE))
        .expression_attribute_values(":username", s(&user.username))
        .expression_attribute_values(":name", s(&user.name))
        .expression_attribute_values(":now", n(now_ms));
    profile = match &user.email {
        Some(email) => profile
            .update_expression("SET username = :username, #name = :name, email = :email, first_seen = if_not_exists(first_seen, :now)")
            .expression_attribute_values(":email", s(email)),
        None => profile.update_expression("SET username = :username, #name = :name, first_seen = if_not_exists(first_seen, :now) REMOVE email"),
    };
    let profile = profile.expression_attribute_names("#name", "name").build().map_err(failed("upsert user"))?;
    let mut request = table.client.transact_write_items().transact_items(TransactWriteItem::builder().update(profile).build());
    for (field, value) in [("username", &user.username), ("name", &user.name)] {
        let folded = keys::fold(value);
        let Some(partition) = keys::user_search(&folded) else { continue };
        let search = Put::builder()
            .table_name(&table.name)
            .item("PK", s(&pk))
            .item("SK", s(keys::search(field)))
            .item("GSI2PK", s(partition))
            .item("GSI2SK", s(format!("{folded}#{}", user.sub)))
            .item("sub", s(&user.sub))
            .item("name", s(&user.name))
            .build()
            .map_err(failed("upsert user"))?;
        request = request.transact_items(TransactWriteItem::builder().put(search).build());
    }
    request.send().await.map_err(failed("upsert user"))?;
    Ok(())
}

fn user_ref(item: &Item) -> Option<UserRef> {
    Some(UserRef { sub: text(item, "sub")?.to_owned(), name: text(item, "name")?.to_owned() })
}

/// The user with this sub, else the one with this username (folded).
pub async fn find(table: &Table, sub_or_username: &str) -> Result<Option<UserRef>, ApiError> {
    if let Some(profile) = table.get(&keys::user(sub_or_username), keys::PROFILE).await? {
        let name = text(&profile, "name").unwrap_or(sub_or_username).to_owned();
        return Ok(Some(UserRef { sub: sub_or_username.to_owned(), name }));
    }
    let folded = keys::fold(sub_or_username);
    let matches = search_items(table, &format!("{folded}#"), usize::MAX).await?;
    let is_that_username = |item: &&Item| {
        text(item, "SK") == Some("SEARCH#username")
            && text(item, "sub").is_some_and(|sub| text(item, "GSI2SK") == Some(format!("{folded}#{sub}").as_str()))
    };
    Ok(matches.iter().find(is_that_username).and_then(user_ref))
}

/// Users whose folded username or name starts with the folded `prefix`,
/// each once, `exclude_sub` left out. An empty prefix finds nobody.
pub async fn search(table: &Table, prefix: &str, exclude_sub: &str, limit: u32) -> Result<Vec<UserRef>, ApiError> {
    let folded = keys::fold(prefix);
    let mut found: Vec<UserRef> = Vec::new();
    for item in search_items(table, &folded, usize::MAX).await? {
        let Some(user) = user_ref(&item) else { continue };
        if user.sub != exclude_sub && found.iter().all(|f| f.sub != user.sub) {
            found.push(user);
            if found.len() >= limit as usize {
                break;
            }
        }
    }
    Ok(found)
}

/// Search items whose GSI2 sort key starts with `prefix` (folded), in key order.
async fn search_items(table: &Table, prefix: &str, most: usize) -> Result<Vec<Item>, ApiError> {
    let Some(partition) = keys::user_search(prefix) else { return Ok(Vec::new()) };
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = table
            .client
            .query()
            .table_name(&table.name)
            .index_name(keys::GSI_LOOKUPS)
            .key_condition_expression("GSI2PK = :pk AND begins_with(GSI2SK, :prefix)")
            .expression_attribute_values(":pk", s(&partition))
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(failed("search users"))?;
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() || items.len() >= most {
            return Ok(items);
        }
    }
}
