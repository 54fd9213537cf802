//! The signing key and the database survive a restart.

use std::sync::Arc;

use moodchat_idp::{Idp, IdpConfig, ManualClock};

use crate::support::*;

#[tokio::test]
async fn the_key_is_generated_once_kept_private_and_reused_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = Idp::open(config(dir.path())).unwrap();
    let key_path = dir.path().join(moodchat_idp::KEY_FILE_NAME);
    let pem = std::fs::read_to_string(&key_path).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let jwks = first.jwks_json();
    drop(first);
    let second = Idp::open(config(dir.path())).unwrap();
    assert_eq!(second.jwks_json(), jwks);
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), pem);
}

#[tokio::test]
async fn users_and_sessions_survive_a_restart() {
    let before = TestIdp::new();
    before
        .confirmed_user("alice", "alice@example.com", PASSWORD)
        .await;
    let tokens = before.sign_in("alice", PASSWORD).await.unwrap();
    let dir = before.dir;
    drop(before.app);
    drop(before.idp);

    let clock = Arc::new(ManualClock::starting_now());
    let idp = Idp::open_with_clock(config(dir.path()), clock.clone()).unwrap();
    let app = axum::Router::new().nest_service("/idp", idp.router::<()>());
    let after = TestIdp {
        app,
        idp,
        clock,
        dir,
    };
    assert_eq!(
        after
            .get_user(tokens["AccessToken"].as_str().unwrap())
            .await
            .0,
        200
    );
    assert_eq!(
        after
            .refresh(tokens["RefreshToken"].as_str().unwrap())
            .await
            .0,
        200
    );
    assert!(after.sign_in("alice", PASSWORD).await.is_ok());
}

#[test]
fn a_pool_id_without_a_name_part_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = IdpConfig::new(dir.path());
    config.user_pool_id = "nounderscore".into();
    let error = Idp::open(config).unwrap_err();
    assert!(error.to_string().contains("user_pool_id"), "{error}");
}
