//! scripts/write-config.sh, which writes a deployed site's /config.json from
//! environment variables on Amplify: its output must parse as the SPA's
//! RuntimeConfig, and bad settings must fail the build with a clear message.

use std::path::PathBuf;
use std::process::Command;

use moodchat_protocol::{RuntimeConfig, Transport};

fn script() -> PathBuf {
    // Cargo sets CARGO_MANIFEST_DIR when it runs the test too: prefer it, so a
    // test binary reused from another clone (a shared target directory)
    // runs this clone's script.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.join("../../scripts/write-config.sh")
}

const AWS: [(&str, &str); 5] = [
    ("MOODCHAT_API_URL", "https://abc123.execute-api.eu-west-1.amazonaws.com"),
    ("MOODCHAT_WS_URL", "wss://xyz789.execute-api.eu-west-1.amazonaws.com/prod"),
    ("MOODCHAT_COGNITO_REGION", "eu-west-1"),
    ("MOODCHAT_USER_POOL_ID", "eu-west-1_AbCdEf123"),
    ("MOODCHAT_CLIENT_ID", "4tq2l6m2example"),
];

fn run(vars: &[(&str, &str)]) -> (bool, String, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist/config.json");
    let mut command = Command::new("bash");
    command.arg(script()).arg(&out).env_clear().env("PATH", std::env::var("PATH").unwrap());
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let written = std::fs::read_to_string(&out).ok();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned(), written)
}

#[test]
fn writes_a_config_for_amazon_cognito_without_an_endpoint() {
    let (ok, stderr, written) = run(&AWS);
    assert!(ok, "{stderr}");
    let config: RuntimeConfig = serde_json::from_str(&written.unwrap()).unwrap();
    assert_eq!(config.api_url, AWS[0].1);
    assert_eq!(config.ws_url, AWS[1].1);
    assert_eq!(config.transport, Transport::Auto);
    assert_eq!(config.cognito.user_pool_id, "eu-west-1_AbCdEf123");
    assert_eq!(config.cognito.endpoint, None);
    assert_eq!(config.cognito.endpoint_url(), "https://cognito-idp.eu-west-1.amazonaws.com/");
}

#[test]
fn an_endpoint_override_and_transport_are_passed_through() {
    let mut vars = AWS.to_vec();
    vars.push(("MOODCHAT_COGNITO_ENDPOINT", "https://chat.example.com/idp/"));
    vars.push(("MOODCHAT_TRANSPORT", "polling"));
    let (ok, stderr, written) = run(&vars);
    assert!(ok, "{stderr}");
    let config: RuntimeConfig = serde_json::from_str(&written.unwrap()).unwrap();
    assert_eq!(config.transport, Transport::Polling);
    assert_eq!(config.cognito.endpoint.as_deref(), Some("https://chat.example.com/idp/"));
}

#[test]
fn without_variables_nothing_is_written_so_a_hand_placed_file_wins() {
    let (ok, stderr, written) = run(&[]);
    assert!(ok, "{stderr}");
    assert!(written.is_none());
    assert!(stderr.contains("not writing"), "{stderr}");
}

#[test]
fn a_partial_or_bad_configuration_fails_the_build_clearly() {
    let (ok, stderr, written) = run(&AWS[..3]);
    assert!(!ok && written.is_none());
    assert!(stderr.contains("MOODCHAT_USER_POOL_ID is required"), "{stderr}");

    let mut vars = AWS.to_vec();
    vars.push(("MOODCHAT_TRANSPORT", "carrier-pigeon"));
    let (ok, stderr, _) = run(&vars);
    assert!(!ok && stderr.contains("MOODCHAT_TRANSPORT"), "{stderr}");

    let mut vars = AWS.to_vec();
    vars[4] = ("MOODCHAT_CLIENT_ID", "abc\", \"evil\": \"1");
    let (ok, stderr, written) = run(&vars);
    assert!(!ok && written.is_none(), "a quote must not break out of the JSON string");
    assert!(stderr.contains("quote"), "{stderr}");
}
