//! Command line of the `moodchat` binary. Every `serve` flag also reads an
//! environment variable (MOODCHAT_*), so the same binary is configured the
//! same way from a shell, systemd or a container.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use moodchat_protocol::Transport;

use moodchat_idp::IdpLimits;
use moodchat_limits::Rate;

use crate::app::Settings;
use crate::limits::{ClientIpSource, QuotaSettings, UploadQuotaSettings};
use crate::mood::{MoodProvider, MoodSettings};
use crate::serve::ConnectionSettings;

#[derive(Debug, Parser)]
#[command(name = "moodchat", version, about = "moodchat: real-time chat with a mood emoji on every message")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once at start; boxing the big variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Serve the SPA, the chat API and sign-in from one process.
    Serve(ServeArgs),
    /// Read messages one per line on stdin; print `label<TAB>score` for each.
    Mood,
    /// Write the moods authors chose for their messages as TSV (training data).
    ExportMoods(crate::export_moods::ExportMoodsArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, env = "MOODCHAT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Where the database, signing keys and images are kept.
    #[arg(long, env = "MOODCHAT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// The built SPA (the output of `trunk build`).
    #[arg(long, env = "MOODCHAT_DIST_DIR", default_value = "./dist")]
    pub dist_dir: PathBuf,

    /// The URL people use to reach this server, when it differs from the
    /// listening address (behind a proxy). Makes /config.json absolute.
    #[arg(long, env = "MOODCHAT_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// How the SPA should receive messages.
    #[arg(long, env = "MOODCHAT_TRANSPORT", value_enum, default_value_t = TransportArg::Auto)]
    pub transport: TransportArg,

    /// Do not serve the WebSocket endpoint (/api/ws answers 404): for proxies
    /// that do not pass WebSockets. The SPA polls instead (`auto` falls back
    /// on its own; `--transport polling` skips the attempts).
    #[arg(long, env = "MOODCHAT_DISABLE_WEBSOCKET")]
    pub disable_websocket: bool,

    /// Close a WebSocket after this many seconds without a frame from the
    /// client (API Gateway's 10 minutes by default); the SPA pings within it.
    #[arg(long, env = "MOODCHAT_WS_IDLE_TIMEOUT", default_value_t = moodchat_protocol::limits::DEFAULT_IDLE_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub ws_idle_timeout: u64,

    /// WebSockets one user may hold open at once (tabs and devices); more
    /// are refused with 429 `rate_limited`.
    #[arg(long, env = "MOODCHAT_MAX_WEBSOCKETS_PER_USER", value_parser = clap::value_parser!(u64).range(1..=10_000),
          default_value_t = crate::app::WebSocketSettings::default().max_per_user as u64)]
    pub max_websockets_per_user: u64,

    /// Events queued for a WebSocket before it is closed as a slow consumer.
    #[arg(long, env = "MOODCHAT_WS_OUTBOX_CAPACITY", value_parser = clap::value_parser!(u64).range(1..=1_000_000),
          default_value_t = crate::app::WebSocketSettings::default().outbox_capacity as u64)]
    pub ws_outbox_capacity: u64,

    /// Confirm new accounts at once, without a code (for demos).
    #[arg(long, env = "MOODCHAT_AUTO_CONFIRM")]
    pub auto_confirm: bool,

    /// Serve the confirmation and reset codes sent to users at
    /// GET /idp/outbox?email=... (development only: off unless asked for,
    /// and even then only direct requests from this machine are answered,
    /// never ones through a proxy). Codes are written to
    /// <data-dir>/idp/outbox.jsonl either way, and never logged.
    #[arg(long, env = "MOODCHAT_DEV_OUTBOX", action = clap::ArgAction::Set, num_args = 0..=1,
          default_value_t = false, default_missing_value = "true")]
    pub dev_outbox: bool,

    /// Where a request's client address comes from, for the per-client
    /// limits: ConnectInfo (the TCP peer), or the header your reverse proxy
    /// sets: RightmostXForwardedFor (nginx's $proxy_add_x_forwarded_for,
    /// Caddy), XRealIp, ... Only name a header your proxy always sets.
    #[arg(long, env = "MOODCHAT_CLIENT_IP_SOURCE", default_value = "ConnectInfo")]
    pub client_ip_source: ClientIpSource,

    /// Seconds a client has to send a request's headers (and an idle
    /// keep-alive connection stays open).
    #[arg(long, env = "MOODCHAT_HEADER_READ_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..=3600),
          default_value_t = ConnectionSettings::default().header_read_timeout.as_secs())]
    pub header_read_timeout: u64,

    /// Seconds a request body may pause between chunks.
    #[arg(long, env = "MOODCHAT_BODY_READ_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..=3600),
          default_value_t = ConnectionSettings::default().body_read_timeout.as_secs())]
    pub body_read_timeout: u64,

    /// Seconds a response may wait for the client to read any of it.
    #[arg(long, env = "MOODCHAT_WRITE_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..=3600),
          default_value_t = ConnectionSettings::default().write_timeout.as_secs())]
    pub write_timeout: u64,

    /// Open connections at most (WebSockets included); lowered to fit the
    /// file descriptor limit.
    #[arg(long, env = "MOODCHAT_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..=1_000_000),
          default_value_t = ConnectionSettings::default().max_connections as u64)]
    pub max_connections: u64,

    /// Sign-ups per client address (N/window: 20/hour, 5/15min, ...).
    #[arg(long, env = "MOODCHAT_SIGN_UP_RATE", default_value_t = IdpLimits::default().sign_up_per_client)]
    pub sign_up_rate: Rate,

    /// Sign-in starts and token refreshes (InitiateAuth) per client address.
    #[arg(long, env = "MOODCHAT_SIGN_IN_RATE", default_value_t = IdpLimits::default().initiate_auth_per_client)]
    pub sign_in_rate: Rate,

    /// Sign-in starts per user name, from anywhere.
    #[arg(long, env = "MOODCHAT_SIGN_IN_NAME_RATE", default_value_t = IdpLimits::default().initiate_auth_per_name)]
    pub sign_in_name_rate: Rate,

    /// Upload tickets per user.
    #[arg(long, env = "MOODCHAT_UPLOAD_TICKET_RATE", default_value_t = QuotaSettings::default().upload_tickets)]
    pub upload_ticket_rate: Rate,

    /// Uploads per user.
    #[arg(long, env = "MOODCHAT_UPLOAD_RATE", default_value_t = UploadQuotaSettings::default().uploads)]
    pub upload_rate: Rate,

    /// Bytes uploaded per user (256MiB/hour, 1GiB/day, ...).
    #[arg(long, env = "MOODCHAT_UPLOAD_BYTES_RATE", default_value_t = UploadQuotaSettings::default().upload_bytes)]
    pub upload_bytes_rate: Rate,

    /// Direct conversations opened per user.
    #[arg(long, env = "MOODCHAT_DIRECT_CONVERSATION_RATE", default_value_t = QuotaSettings::default().direct_conversations)]
    pub direct_conversation_rate: Rate,

    /// Seconds after which an image no message refers to is removed.
    #[arg(long, env = "MOODCHAT_UNATTACHED_IMAGE_TTL", value_parser = clap::value_parser!(u64).range(1..),
          default_value_t = crate::images::sweeper::DEFAULT_UNATTACHED_TTL.as_secs())]
    pub unattached_image_ttl: u64,

    /// Lifetime of id and access tokens in seconds (Cognito's default is an hour).
    #[arg(long, env = "MOODCHAT_TOKEN_TTL", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub token_ttl: u64,

    /// Announce every stored image with a JSON POST to this URL (it is
    /// always logged too).
    #[arg(long, env = "MOODCHAT_IMAGE_WEBHOOK")]
    pub image_webhook: Option<String>,

    /// The largest image upload, in bytes.
    #[arg(long, env = "MOODCHAT_MAX_UPLOAD_BYTES", default_value_t = moodchat_protocol::limits::MAX_UPLOAD_BYTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_upload_bytes: u64,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "MOODCHAT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Who labels message moods; remote providers fall back to the local model.
    #[arg(long, env = "MOODCHAT_MOOD_PROVIDER", value_enum, default_value_t = MoodProviderArg::Local)]
    pub mood_provider: MoodProviderArg,

    /// Time budget of one remote mood call, in milliseconds.
    #[arg(long, env = "MOODCHAT_MOOD_TIMEOUT_MS", default_value_t = 800, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub mood_timeout_ms: u64,

    /// AWS region of Comprehend (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
    #[arg(long, env = "MOODCHAT_COMPREHEND_REGION", default_value = "us-east-1")]
    pub comprehend_region: String,

    /// Comprehend endpoint URL instead of https://comprehend.<region>.amazonaws.com/.
    #[arg(long, env = "MOODCHAT_COMPREHEND_ENDPOINT")]
    pub comprehend_endpoint: Option<String>,

    /// Base URL of an OpenAI-compatible API (".../v1").
    #[arg(long, env = "MOODCHAT_OPENAI_BASE_URL", default_value = "https://api.openai.com/v1")]
    pub openai_base_url: String,

    #[arg(long, env = "MOODCHAT_OPENAI_MODEL", default_value = "gpt-4o-mini")]
    pub openai_model: String,

    /// Name of the environment variable that holds the API key.
    #[arg(long, env = "MOODCHAT_OPENAI_API_KEY_ENV", default_value = "OPENAI_API_KEY")]
    pub openai_api_key_env: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MoodProviderArg {
    Local,
    Comprehend,
    Openai,
}

impl From<MoodProviderArg> for MoodProvider {
    fn from(arg: MoodProviderArg) -> Self {
        match arg {
            MoodProviderArg::Local => MoodProvider::Local,
            MoodProviderArg::Comprehend => MoodProvider::Comprehend,
            MoodProviderArg::Openai => MoodProvider::OpenAi,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    Websocket,
    Polling,
    Auto,
}

impl From<TransportArg> for Transport {
    fn from(arg: TransportArg) -> Self {
        match arg {
            TransportArg::Websocket => Transport::Websocket,
            TransportArg::Polling => Transport::Polling,
            TransportArg::Auto => Transport::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl ServeArgs {
    pub fn settings(&self) -> Settings {
        Settings {
            addr: self.addr,
            data_dir: self.data_dir.clone(),
            dist_dir: self.dist_dir.clone(),
            public_url: self.public_url.as_ref().map(|url| url.trim_end_matches('/').to_owned()),
            transport: self.transport.into(),
            auto_confirm: self.auto_confirm,
            dev_outbox: self.dev_outbox,
            token_ttl: std::time::Duration::from_secs(self.token_ttl),
            images: crate::images::ImageSettings {
                max_upload_bytes: self.max_upload_bytes,
                webhook: self.image_webhook.clone(),
                quotas: UploadQuotaSettings { uploads: self.upload_rate, upload_bytes: self.upload_bytes_rate },
                unattached_ttl: Duration::from_secs(self.unattached_image_ttl),
                ..Default::default()
            },
            connections: ConnectionSettings {
                header_read_timeout: Duration::from_secs(self.header_read_timeout),
                body_read_timeout: Duration::from_secs(self.body_read_timeout),
                write_timeout: Duration::from_secs(self.write_timeout),
                max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            },
            client_ip_source: self.client_ip_source.clone(),
            idp_limits: IdpLimits {
                sign_up_per_client: self.sign_up_rate,
                initiate_auth_per_client: self.sign_in_rate,
                initiate_auth_per_name: self.sign_in_name_rate,
                ..IdpLimits::default()
            },
            quotas: QuotaSettings {
                upload_tickets: self.upload_ticket_rate,
                direct_conversations: self.direct_conversation_rate,
            },
            websocket: crate::app::WebSocketSettings {
                enabled: !self.disable_websocket,
                idle_timeout: std::time::Duration::from_secs(self.ws_idle_timeout),
                max_per_user: usize::try_from(self.max_websockets_per_user).unwrap_or(usize::MAX),
                outbox_capacity: usize::try_from(self.ws_outbox_capacity).unwrap_or(usize::MAX),
            },
            mood: MoodSettings {
                provider: self.mood_provider.into(),
                timeout: std::time::Duration::from_millis(self.mood_timeout_ms),
                comprehend_region: self.comprehend_region.clone(),
                comprehend_endpoint: self.comprehend_endpoint.clone(),
                openai_base_url: self.openai_base_url.clone(),
                openai_model: self.openai_model.clone(),
                openai_api_key_env: self.openai_api_key_env.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests;
