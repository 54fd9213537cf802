//! Reactions on the serverless home: the `http-api` function's route and
//! the `ws-default` function's `react` frame, behind the local gateway on
//! DynamoDB Local, from the same core as the embedded server: live to the
//! room's sockets as `message_changed`, in history, idempotent, and the
//! documented refusals.

use super::gateway::{connect, id_token, join, next_of, send, stack};
use super::support;

use moodchat_local_gateway::server::Gateway;
use moodchat_protocol::limits::REACTION_EMOJI;
use serde_json::{json, Value};

async fn api(gateway: &Gateway, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/api{path}", gateway.url))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text })))
}

#[test]
fn a_reaction_over_rest_and_over_the_websocket_reaches_the_room_and_history() {
    let dynamodb = support::dynamodb_endpoint();
    support::block_on(async {
        let stack = stack(dynamodb).await;
        let gateway = &stack.gateway;
        let (thumbs, heart) = (REACTION_EMOJI[0], REACTION_EMOJI[1]);
        let ana = id_token(gateway, "ana@example.com", "Ana").await;
        let bo = id_token(gateway, "bo@example.com", "Bo").await;
        let mut bo_socket = connect(gateway, &bo).await.expect("bo connects");
        join(&mut bo_socket, None).await;
        next_of(&mut bo_socket, "joined").await;
        let (status, sent) =
            api(gateway, "POST", "/rooms/lobby/messages", &ana, Some(json!({"client_id": "r1", "text": "we won"}))).await;
        assert_eq!(status, 201, "{sent}");
        next_of(&mut bo_socket, "message").await;
        let path = format!("/rooms/lobby/messages/{}/reactions", sent["id"].as_str().unwrap());

        // Ana over REST (the web app's way): Bo hears it live.
        let on = Some(json!({"emoji": thumbs, "on": true}));
        let (status, reacted) = api(gateway, "PUT", &path, &ana, on.clone()).await;
        assert_eq!(status, 200, "{reacted}");
        assert_eq!(reacted["reactions"][0]["users"][0]["name"], "Ana", "{reacted}");
        let pushed = next_of(&mut bo_socket, "message_changed").await;
        assert_eq!(pushed["message"]["reactions"], reacted["reactions"]);
        let (status, again) = api(gateway, "PUT", &path, &ana, on).await;
        assert_eq!((status, &again), (200, &reacted), "the same request again changes nothing");

        // Bo by frame; his own socket hears it too.
        send(&mut bo_socket, json!({"action": "react", "room": "lobby", "message_id": sent["id"], "emoji": heart, "on": true})).await;
        let pushed = next_of(&mut bo_socket, "message_changed").await;
        let emoji: Vec<&str> = pushed["message"]["reactions"].as_array().unwrap().iter().filter_map(|r| r["emoji"].as_str()).collect();
        assert_eq!(emoji, [thumbs, heart]);
        assert_eq!(pushed["message"]["change"].as_u64(), Some(2), "one change number per reaction, none for the repeat");

        let (_, page) = api(gateway, "GET", "/rooms/lobby/messages?changes=1", &bo, None).await;
        assert_eq!(page["messages"][0]["reactions"], pushed["message"]["reactions"], "{page}");
        assert_eq!(page["changed"][0]["reactions"], pushed["message"]["reactions"], "a poller gets it with the changes");

        // Refusals: the protocol's errors, nothing changed.
        let (status, error) = api(gateway, "PUT", &path, &bo, Some(json!({"emoji": "👎", "on": true}))).await;
        assert_eq!((status, error["code"].as_str()), (400, Some("bad_request")), "{error}");
        let unknown = "/rooms/lobby/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/reactions";
        let (status, error) = api(gateway, "PUT", unknown, &bo, Some(json!({"emoji": thumbs, "on": true}))).await;
        assert_eq!((status, error["code"].as_str()), (404, Some("not_found")), "{error}");
        send(&mut bo_socket, json!({"action": "react", "room": "lobby", "message_id": sent["id"], "emoji": "x", "on": true})).await;
        let error = next_of(&mut bo_socket, "error").await;
        assert_eq!(error["code"], "bad_request", "{error}");
        let (_, page) = api(gateway, "GET", "/rooms/lobby/messages", &bo, None).await;
        assert_eq!(page["changes"].as_u64(), Some(2), "{page}");
    });
}
