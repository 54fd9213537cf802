//! The command line: defaults, flags and refusals.

use super::*;

/// The settings `moodchat serve <extra>` runs with.
fn serve_settings(extra: &[&str]) -> Settings {
    let mut argv = vec!["moodchat", "serve"];
    argv.extend_from_slice(extra);
    let Command::Serve(args) = Cli::try_parse_from(argv).unwrap().command else { panic!("expected serve") };
    args.settings()
}

#[test]
fn serve_defaults_match_the_readme() {
    let cli = Cli::try_parse_from(["moodchat", "serve"]).unwrap();
    let Command::Serve(args) = cli.command else { panic!("expected serve") };
    let settings = args.settings();
    assert_eq!(settings.addr, "127.0.0.1:8080".parse().unwrap());
    assert_eq!(settings.data_dir, PathBuf::from("./data"));
    assert_eq!(settings.transport, Transport::Auto);
}

#[test]
fn flags_override_and_public_url_loses_its_trailing_slash() {
    let cli = Cli::try_parse_from([
        "moodchat", "serve", "--addr", "0.0.0.0:9000", "--data-dir", "/tmp/x",
        "--public-url", "https://chat.example.com/", "--transport", "polling",
    ])
    .unwrap();
    let Command::Serve(args) = cli.command else { panic!("expected serve") };
    let settings = args.settings();
    assert_eq!(settings.addr.port(), 9000);
    assert_eq!(settings.public_url.as_deref(), Some("https://chat.example.com"));
    assert_eq!(settings.transport, Transport::Polling);
}

#[test]
fn the_dev_outbox_is_off_unless_asked_for_whatever_the_address() {
    let outbox = |extra: &[&str]| serve_settings(extra).dev_outbox;
    assert!(!outbox(&[]), "loopback is where the documented deployment listens, behind a proxy");
    assert!(!outbox(&["--addr", "0.0.0.0:8080"]));
    assert!(outbox(&["--dev-outbox"]));
    assert!(outbox(&["--dev-outbox", "true"]));
    assert!(!outbox(&["--dev-outbox", "false"]));
}

#[test]
fn limits_default_to_the_documented_values_and_take_rates() {
    let defaults = serve_settings(&[]);
    assert_eq!((defaults.connections, defaults.quotas), (ConnectionSettings::default(), QuotaSettings::default()));
    assert_eq!((defaults.idp_limits, defaults.images.quotas), (IdpLimits::default(), UploadQuotaSettings::default()));
    assert_eq!(defaults.client_ip_source, ClientIpSource::ConnectInfo);
    let set = serve_settings(&[
        "--sign-up-rate", "3/15min", "--upload-bytes-rate", "1GiB/day", "--header-read-timeout", "5",
        "--client-ip-source", "RightmostXForwardedFor", "--max-connections", "100",
    ]);
    assert_eq!(set.idp_limits.sign_up_per_client, Rate::per(3, Duration::from_secs(900)));
    assert_eq!(set.images.quotas.upload_bytes, Rate::per(1 << 30, Duration::from_secs(86_400)));
    assert_eq!(set.connections.header_read_timeout, Duration::from_secs(5));
    assert_eq!(set.connections.max_connections, 100);
    assert_eq!(set.client_ip_source, ClientIpSource::RightmostXForwardedFor);
    for bad in [["--sign-up-rate", "lots"], ["--client-ip-source", "Anything"], ["--header-read-timeout", "0"]] {
        assert!(Cli::try_parse_from(["moodchat", "serve", bad[0], bad[1]]).is_err(), "{bad:?}");
    }
}

#[test]
fn image_flags_default_to_ten_megabytes_and_no_webhook() {
    let parse = |extra: &[&str]| serve_settings(extra).images;
    let defaults = parse(&[]);
    assert_eq!((defaults.max_upload_bytes, defaults.webhook), (10 * 1024 * 1024, None));
    let set = parse(&["--image-webhook", "http://127.0.0.1:9/hook", "--max-upload-bytes", "2048"]);
    assert_eq!((set.max_upload_bytes, set.webhook.as_deref()), (2048, Some("http://127.0.0.1:9/hook")));
}

#[test]
fn mood_provider_flags() {
    let cli = Cli::try_parse_from(["moodchat", "serve"]).unwrap();
    let Command::Serve(args) = cli.command else { panic!("expected serve") };
    assert_eq!(args.settings().mood.provider, MoodProvider::Local);
    let cli = Cli::try_parse_from([
        "moodchat", "serve", "--mood-provider", "openai", "--mood-timeout-ms", "250",
        "--openai-base-url", "http://127.0.0.1:11434/v1", "--openai-api-key-env", "MY_KEY",
    ])
    .unwrap();
    let Command::Serve(args) = cli.command else { panic!("expected serve") };
    let mood = args.settings().mood;
    assert_eq!(mood.provider, MoodProvider::OpenAi);
    assert_eq!(mood.timeout, std::time::Duration::from_millis(250));
    assert_eq!(mood.openai_api_key_env, "MY_KEY");
    assert!(Cli::try_parse_from(["moodchat", "serve", "--mood-provider", "magic"]).is_err());
    assert!(Cli::try_parse_from(["moodchat", "serve", "--mood-timeout-ms", "0"]).is_err());
}

#[test]
fn websocket_flags_default_to_on_with_ten_idle_minutes() {
    let parse = |extra: &[&str]| serve_settings(extra).websocket;
    let defaults = parse(&[]);
    assert_eq!((defaults.enabled, defaults.idle_timeout), (true, std::time::Duration::from_secs(600)));
    assert_eq!((defaults.max_per_user, defaults.outbox_capacity), (10, 4096));
    let set = parse(&[
        "--disable-websocket", "--ws-idle-timeout", "2", "--max-websockets-per-user", "3", "--ws-outbox-capacity", "64",
    ]);
    assert_eq!((set.enabled, set.idle_timeout), (false, std::time::Duration::from_secs(2)));
    assert_eq!((set.max_per_user, set.outbox_capacity), (3, 64));
    for bad in ["--ws-idle-timeout", "--max-websockets-per-user", "--ws-outbox-capacity"] {
        assert!(Cli::try_parse_from(["moodchat", "serve", bad, "0"]).is_err(), "{bad}");
    }
}

#[test]
fn a_zero_token_lifetime_is_refused() {
    assert!(Cli::try_parse_from(["moodchat", "serve", "--token-ttl", "0"]).is_err());
}

#[test]
fn a_bad_address_is_a_clear_error_not_a_panic() {
    let err = Cli::try_parse_from(["moodchat", "serve", "--addr", "localhost"]).unwrap_err();
    assert!(err.to_string().contains("--addr"), "{err}");
}
