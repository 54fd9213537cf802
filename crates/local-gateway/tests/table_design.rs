//! The single-table design (docs/aws.md, "The table") proved against
//! DynamoDB Local, on the table created from infra/template.yaml's own
//! definition: the send transaction gives gap-free per-room seqs with
//! concurrent senders, refuses a duplicate `client_id` and answers it with
//! the original, and moves the sender's read marker, which the room list
//! reads through GSI1.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use moodchat_local_gateway::template::{LocalNames, Template};
use moodchat_local_gateway::{provision, services};
use rand::Rng;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Seqs in sort keys are zero-padded to 20 digits: string order is number order.
fn message_sk(seq: u64) -> String {
    format!("MSG#{seq:020}")
}

#[derive(Debug, PartialEq)]
enum Sent {
    New(u64),
    Existing(u64),
}

/// The send: read the room's `last_seq`, then one TransactWriteItems that
/// moves it to n+1 only if it is still n, puts message n+1 and the
/// idempotency item (both only if new) and moves the sender's read marker
/// (only for a member). Another sender winning n+1 cancels it: read, retry.
async fn send(client: &Client, table: &str, room: &str, sub: &str, client_id: &str, text: &str) -> Sent {
    let room_key = format!("ROOM#{room}");
    loop {
        let meta = client
            .get_item()
            .table_name(table)
            .key("PK", s(&room_key))
            .key("SK", s("META"))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let last: u64 = meta.item().and_then(|item| item.get("last_seq")).and_then(|v| v.as_n().ok()).unwrap().parse().unwrap();
        let seq = last + 1;
        let message = HashMap::from([
            ("id".to_owned(), s(format!("ulid-{sub}-{client_id}"))),
            ("sender_sub".to_owned(), s(sub)),
            ("text".to_owned(), s(text)),
            ("seq".to_owned(), n(seq)),
        ]);
        let room_update = Update::builder()
            .table_name(table)
            .key("PK", s(&room_key))
            .key("SK", s("META"))
            .update_expression("SET last_seq = :next, last_message = :message")
            .condition_expression("last_seq = :last")
            .expression_attribute_values(":next", n(seq))
            .expression_attribute_values(":last", n(last))
            .expression_attribute_values(":message", AttributeValue::M(message.clone()))
            .build()
            .unwrap();
        let mut message_item = message;
        message_item.insert("PK".into(), s(&room_key));
        message_item.insert("SK".into(), s(message_sk(seq)));
        message_item.insert("GSI2PK".into(), s(format!("MSGID#ulid-{sub}-{client_id}")));
        message_item.insert("GSI2SK".into(), s("MSG"));
        let message_put = Put::builder()
            .table_name(table)
            .set_item(Some(message_item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .unwrap();
        let idempotency_put = Put::builder()
            .table_name(table)
            .item("PK", s(&room_key))
            .item("SK", s(format!("IDEM#{sub}#{client_id}")))
            .item("seq", n(seq))
            .condition_expression("attribute_not_exists(PK)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .unwrap();
        let marker_update = Update::builder()
            .table_name(table)
            .key("PK", s(&room_key))
            .key("SK", s(format!("MEMBER#{sub}")))
            .update_expression("SET last_read_seq = :next")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":next", n(seq))
            .build()
            .unwrap();
        let outcome = client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(room_update).build())
            .transact_items(TransactWriteItem::builder().put(message_put).build())
            .transact_items(TransactWriteItem::builder().put(idempotency_put).build())
            .transact_items(TransactWriteItem::builder().update(marker_update).build())
            .send()
            .await;
        let error = match outcome {
            Ok(_) => return Sent::New(seq),
            Err(error) => error.into_service_error(),
        };
        let TransactWriteItemsError::TransactionCanceledException(cancelled) = error else {
            panic!("unexpected error: {error:?}");
        };
        let reasons = cancelled.cancellation_reasons();
        let failed = |index: usize| reasons.get(index).and_then(|r| r.code()) == Some("ConditionalCheckFailed");
        if failed(2) {
            let original = reasons[2].item().and_then(|item| item.get("seq")).and_then(|v| v.as_n().ok()).map(|v| v.parse().unwrap());
            return Sent::Existing(original.expect("the idempotency item's seq comes back with the cancellation"));
        }
        assert!(!failed(3), "{sub} is a member of {room}");
        // The room moved on (or a TransactionConflict): read again, with jitter.
        let pause = rand::thread_rng().gen_range(1..20);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sends_get_gap_free_seqs_and_duplicates_get_the_original() {
    let dynamodb = services::start_dynamodb_local().await.expect("DynamoDB Local (scripts/setup.sh --aws)");
    let template = Template::load(&PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../../infra/template.yaml")).unwrap();
    let parameters = HashMap::from([("AmplifyOrigin".to_owned(), "http://127.0.0.1:1".to_owned())]);
    let stack = template.resolve(&LocalNames::default(), &parameters, "http://127.0.0.1:1").unwrap();
    let client = provision::dynamodb_client(&dynamodb.endpoint, "us-east-1");
    let table = &stack.tables[0];
    provision::create_table(&client, table).await.unwrap();
    let table = table.name.clone();

    let senders: Vec<String> = (0..4).map(|i| format!("user-{i}")).collect();
    client.put_item().table_name(&table).item("PK", s("ROOM#lobby")).item("SK", s("META")).item("last_seq", n(0)).send().await.unwrap();
    for sub in &senders {
        client
            .put_item()
            .table_name(&table)
            .item("PK", s("ROOM#lobby"))
            .item("SK", s(format!("MEMBER#{sub}")))
            .item("GSI1PK", s(format!("USER#{sub}")))
            .item("GSI1SK", s("ROOM#lobby"))
            .item("last_read_seq", n(0))
            .send()
            .await
            .unwrap();
    }

    const PER_SENDER: usize = 25;
    let tasks: Vec<_> = senders
        .iter()
        .map(|sub| {
            let (client, table, sub) = (client.clone(), table.clone(), sub.clone());
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..PER_SENDER {
                    match send(&client, &table, "lobby", &sub, &format!("c{i}"), "hello").await {
                        Sent::New(seq) => seqs.push(seq),
                        Sent::Existing(seq) => panic!("a fresh client_id came back as existing ({seq})"),
                    }
                }
                seqs
            })
        })
        .collect();
    let mut all = BTreeSet::new();
    let mut last_by_sender = HashMap::new();
    for (task, sub) in tasks.into_iter().zip(&senders) {
        let seqs = task.await.unwrap();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "one sender's seqs increase");
        last_by_sender.insert(sub.clone(), *seqs.last().unwrap());
        all.extend(seqs);
    }
    let total = (senders.len() * PER_SENDER) as u64;
    assert_eq!(all, (1..=total).collect::<BTreeSet<u64>>(), "every seq used once, no gaps");

    // History is one Query on the room's messages, in seq order.
    let page = client
        .query()
        .table_name(&table)
        .key_condition_expression("PK = :pk AND begins_with(SK, :msg)")
        .expression_attribute_values(":pk", s("ROOM#lobby"))
        .expression_attribute_values(":msg", s("MSG#"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let stored: Vec<u64> = page.items().iter().map(|item| item["seq"].as_n().unwrap().parse().unwrap()).collect();
    assert_eq!(stored, (1..=total).collect::<Vec<_>>());

    // A retry of a send that succeeded: refused by the condition, answered with the original.
    let original = send(&client, &table, "lobby", "user-0", "c3", "hello again").await;
    let Sent::Existing(seq) = original else { panic!("the duplicate was stored: {original:?}") };
    let item = client
        .get_item()
        .table_name(&table)
        .key("PK", s("ROOM#lobby"))
        .key("SK", s(message_sk(seq)))
        .send()
        .await
        .unwrap();
    assert_eq!(item.item().unwrap()["id"].as_s().unwrap(), "ulid-user-0-c3");
    assert_eq!(item.item().unwrap()["text"].as_s().unwrap(), "hello");

    // The room list reads memberships by user (GSI1): the sender's marker is its last send.
    let memberships = client
        .query()
        .table_name(&table)
        .index_name("GSI1")
        .key_condition_expression("GSI1PK = :user AND begins_with(GSI1SK, :room)")
        .expression_attribute_values(":user", s("USER#user-2"))
        .expression_attribute_values(":room", s("ROOM#"))
        .send()
        .await
        .unwrap();
    let marker: u64 = memberships.items()[0]["last_read_seq"].as_n().unwrap().parse().unwrap();
    assert_eq!(marker, last_by_sender["user-2"]);

    // Not a member: the marker's condition cancels the whole send.
    let outsider = tokio::spawn({
        let (client, table) = (client.clone(), table.clone());
        async move { send(&client, &table, "lobby", "stranger", "c0", "hi").await }
    });
    assert!(outsider.await.is_err(), "a send by a non-member is refused");
    let meta = client.get_item().table_name(&table).key("PK", s("ROOM#lobby")).key("SK", s("META")).consistent_read(true).send().await.unwrap();
    assert_eq!(meta.item().unwrap()["last_seq"].as_n().unwrap(), &total.to_string(), "nothing was written");
}
