//! Configuration: defaults that run a working embedded instance, then a TOML file
//! (`--config` / `HERD_CONFIG`), then `HERD_*` environment variables, which win.
//! Everything is validated at load and errors name the failing key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    /// Anyone may sign up; the account works once the email is confirmed.
    #[default]
    Open,
    /// Sign-ups wait for an admin's approval (a reason is required).
    Approval,
    /// No sign-ups; accounts are made with `herd admin create-account`.
    Closed,
}

impl RegistrationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Approval => "approval",
            Self::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Socket address the HTTP server binds.
    pub listen: String,
    /// Public authority (host[:port]) used in handles, ids and URLs.
    pub domain: String,
    /// Public scheme, `http` or `https`.
    pub scheme: String,
    /// Holds the SQLite database, media and mail files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://{data_dir}/herd.db`.
    pub database_url: String,
    /// Directory of founding documents; empty means the copy embedded in the binary.
    pub bylaws_dir: String,
    /// Reverse proxies (CIDR ranges) whose `X-Forwarded-For` names the real client, for rate
    /// limits and logs. Connections from anywhere else are taken at their peer address.
    pub trusted_proxies: Vec<String>,
    pub instance: InstanceConfig,
    pub registrations: RegistrationsConfig,
    pub auth: AuthConfig,
    pub mail: MailConfig,
    pub federation: FederationConfig,
    pub limits: LimitsConfig,
    pub media: MediaConfig,
    pub rate_limits: RateLimitConfig,
    pub stripe: StripeConfig,
    pub log: LogConfig,
    pub database: DatabaseConfig,
    pub cache: CacheConfig,
    pub cluster: ClusterConfig,
    pub link_previews: LinkPreviewsConfig,
    pub timelines_access: TimelinesAccessConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceConfig {
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationsConfig {
    pub mode: RegistrationMode,
    /// Shown on the sign-up form and in the instance entity when sign-ups are closed.
    pub message: String,
    /// Whether a new account must confirm its email before it can use the API.
    pub require_email_confirmation: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// OAuth password grant (removed from Mastodon 4.4; kept for scripts, dev and tests).
    pub password_grant: bool,
    /// Lifetime of a web session cookie.
    pub session_days: u32,
    /// Lifetime of an authorization code.
    pub code_minutes: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://host:port`, `smtps://user:pass@host` …; empty writes .eml files to data_dir/mail.
    pub smtp_url: String,
    /// From address; empty means `notifications@{domain host}`.
    pub from: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FederationConfig {
    /// CIDR ranges remote fetches may reach despite the SSRF guard (tests: 127.0.0.0/8).
    pub allow_private: Vec<String>,
    /// Authorized fetch: require signed GETs for ActivityPub documents.
    pub secure_mode: bool,
    /// How many unknown ancestors of an incoming reply are fetched from their origins.
    pub thread_fetch_depth: u32,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            allow_private: Vec::new(),
            secure_mode: false,
            thread_fetch_depth: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_characters: u32,
    pub max_media_attachments: u32,
    pub max_poll_options: u32,
    pub max_poll_option_characters: u32,
    pub max_display_name_length: u32,
    pub max_note_length: u32,
    pub max_profile_fields: u32,
    pub image_size_limit: u64,
    pub image_matrix_limit: u64,
    /// Bytes per uploaded video (Mastodon's 99 MB).
    pub video_size_limit: u64,
    /// Bytes per uploaded audio file (Mastodon holds audio to its video limit).
    pub audio_size_limit: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// Bytes the cached previews of remote attachments may take in the file store; the
    /// least recently cached are evicted first (0: no cache, previews load from their origin).
    pub remote_cache_bytes: u64,
    /// Where every file lives: the data directory, or an S3-protocol bucket.
    pub store: StoreKind,
    /// A base URL at which the public reads media (not receipts, attachments or exports)
    /// straight from the store or a CDN; the object key (`media/…`) is appended. Empty: Herd
    /// serves them at /system/media.
    pub public_url: String,
    /// Use Debian's `ffmpeg`/`ffprobe` from PATH (when found) to read, check and preview
    /// video and audio uploads and turn animated GIFs into MP4; false: never, even if found.
    pub ffmpeg: bool,
    pub s3: S3Config,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            remote_cache_bytes: 1024 * 1024 * 1024,
            store: StoreKind::Local,
            public_url: String::new(),
            ffmpeg: true,
            s3: S3Config::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// `{data_dir}/media`, `{data_dir}/receipts`, `{data_dir}/ledger-attachments`.
    Local,
    /// The bucket in `[media.s3]`, under the same keys.
    S3,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    /// The S3 endpoint (`https://s3.example.org`); empty: AWS for the region.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `endpoint/bucket/key` requests (MinIO and most self-hosted stores) instead of
    /// `bucket.endpoint/key`.
    pub path_style: bool,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            endpoint: String::new(),
            bucket: String::new(),
            region: "us-east-1".into(),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            path_style: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Mastodon exempts loopback clients; tests turn this off to see the limits.
    pub exempt_loopback: bool,
    /// API calls per window, per token (authenticated) or per IP (anonymous).
    pub api_requests: u32,
    pub api_window_seconds: u64,
    /// `POST /api/v1/accounts` per IP.
    pub sign_ups: u32,
    pub sign_up_window_seconds: u64,
    /// Failed logins per IP and per account.
    pub login_attempts: u32,
    pub login_window_seconds: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripeConfig {
    pub secret_key: String,
    pub webhook_secret: String,
    /// Stripe's API (a fake on loopback in tests).
    pub api_base: String,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            secret_key: String::new(),
            webhook_secret: String::new(),
            api_base: "https://api.stripe.com".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `herd=debug,sqlx=warn`; `RUST_LOG` wins.
    pub level: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub max_connections: u32,
}

/// The read path's in-process caches (`services::read_cache`, docs/performance.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// What the caches may hold together, in MiB (0: no caching).
    pub memory_mib: u64,
    /// The longest an entry is trusted, in seconds: the bound on staleness when an
    /// invalidation never arrives (a write from another process, a lost cluster message).
    pub ttl_seconds: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            memory_mib: 32,
            ttl_seconds: 30,
        }
    }
}

/// Link preview cards (`services::cards`, docs/operating.md#link-previews).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkPreviewsConfig {
    /// Fetch the first link of each post for its card.
    pub enabled: bool,
    /// How long one card's fetches (page, oEmbed, image) may take together.
    pub timeout_seconds: u64,
    /// Days a card's preview image is kept after it was fetched (0: for ever); the card
    /// stays, without its image, as Mastodon's `preview_cards remove` leaves it.
    pub image_retention_days: u64,
}

impl Default for LinkPreviewsConfig {
    fn default() -> Self {
        LinkPreviewsConfig {
            enabled: true,
            timeout_seconds: 10,
            image_retention_days: 30,
        }
    }
}

/// Who may read a feed (Mastodon 4.5's `timelines_access` levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FeedAccess {
    /// Anyone, signed in or not.
    #[default]
    Public,
    /// Signed-in users only.
    Authenticated,
    /// Nobody but moderators and admins.
    Disabled,
}

impl FeedAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Authenticated => "authenticated",
            Self::Disabled => "disabled",
        }
    }
}

/// A feed's access for local posts and for remote ones.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedAccessPair {
    pub local: FeedAccess,
    pub remote: FeedAccess,
}

/// Who may read the public timelines and streams (`live_feeds`), hashtag timelines and
/// streams (`hashtag_feeds`) and trending links (`trending_link_feeds`), as Mastodon 4.5's
/// `configuration.timelines_access`.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimelinesAccessConfig {
    pub live_feeds: FeedAccessPair,
    pub hashtag_feeds: FeedAccessPair,
    pub trending_link_feeds: FeedAccessPair,
}

/// Running several nodes on one PostgreSQL (docs/operating.md, "Several nodes").
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Names this node in logs and metrics; empty means the host name (`HERD_NODE_NAME`).
    pub node_name: String,
    /// Address of a second listener serving Prometheus text at `/metrics` only; empty means
    /// none (`HERD_METRICS_LISTEN`, e.g. `127.0.0.1:9100`).
    pub metrics_listen: String,
}

impl ClusterConfig {
    /// The node's name: the setting, else the host name, else "herd".
    pub fn node_name(&self) -> String {
        if !self.node_name.is_empty() {
            return self.node_name.clone();
        }
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "herd".into())
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            domain: "localhost:8080".into(),
            scheme: "http".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            bylaws_dir: String::new(),
            // A reverse proxy on the same machine is the usual deployment (deploy/).
            trusted_proxies: vec!["127.0.0.0/8".into(), "::1/128".into()],
            instance: InstanceConfig::default(),
            registrations: RegistrationsConfig::default(),
            auth: AuthConfig::default(),
            mail: MailConfig::default(),
            federation: FederationConfig::default(),
            limits: LimitsConfig::default(),
            media: MediaConfig::default(),
            rate_limits: RateLimitConfig::default(),
            stripe: StripeConfig::default(),
            log: LogConfig::default(),
            database: DatabaseConfig::default(),
            cache: CacheConfig::default(),
            cluster: ClusterConfig::default(),
            link_previews: LinkPreviewsConfig::default(),
            timelines_access: TimelinesAccessConfig::default(),
        }
    }
}

impl Default for InstanceConfig {
    fn default() -> Self {
        Self {
            title: "Herd".into(),
            description: "A fediverse server owned and governed by its members.".into(),
            contact_email: String::new(),
            languages: vec!["en".into()],
        }
    }
}

impl Default for RegistrationsConfig {
    fn default() -> Self {
        Self {
            mode: RegistrationMode::Open,
            message: String::new(),
            require_email_confirmation: true,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            password_grant: true,
            session_days: 30,
            code_minutes: 10,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_characters: 500,
            max_media_attachments: 4,
            max_poll_options: 4,
            max_poll_option_characters: 50,
            max_display_name_length: 30,
            max_note_length: 500,
            max_profile_fields: 4,
            image_size_limit: 16 * 1024 * 1024,
            image_matrix_limit: 33_177_600,
            video_size_limit: 99 * 1024 * 1024,
            audio_size_limit: 99 * 1024 * 1024,
        }
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            exempt_loopback: true,
            api_requests: 300,
            api_window_seconds: 300,
            sign_ups: 5,
            sign_up_window_seconds: 1800,
            login_attempts: 25,
            login_window_seconds: 300,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { max_connections: 8 }
    }
}

/// Reads configuration from the optional file, then the environment (through `env`,
/// so tests can pass their own), then validates it.
pub fn load(
    file: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let file = file
        .map(Path::to_path_buf)
        .or_else(|| env("HERD_CONFIG").map(PathBuf::from));
    let mut config = match &file {
        Some(path) => from_file(path)?,
        None => Config::default(),
    };
    config.apply_env(env)?;
    config.validate()?;
    Ok(config)
}

pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_toml(&text).map_err(|message| ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

pub fn parse_toml(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

fn parse_bool(key: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(invalid(
            key,
            format!("expected true or false, got {other:?}"),
        )),
    }
}

impl Config {
    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = env("HERD_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = env("HERD_DOMAIN") {
            self.domain = v;
        }
        if let Some(v) = env("HERD_SCHEME") {
            self.scheme = v;
        }
        if let Some(v) = env("HERD_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = env("HERD_BYLAWS_DIR") {
            self.bylaws_dir = v;
        }
        if let Some(v) = env("HERD_PASSWORD_GRANT") {
            self.auth.password_grant = parse_bool("HERD_PASSWORD_GRANT", &v)?;
        }
        if let Some(v) = env("HERD_REGISTRATIONS") {
            self.registrations.mode = match v.as_str() {
                "open" => RegistrationMode::Open,
                "approval" => RegistrationMode::Approval,
                "closed" => RegistrationMode::Closed,
                other => {
                    return Err(invalid(
                        "HERD_REGISTRATIONS",
                        format!("expected open, approval or closed, got {other:?}"),
                    ))
                }
            };
        }
        if let Some(v) = env("HERD_FEDERATION_ALLOW_PRIVATE") {
            self.federation.allow_private = comma_list(&v);
        }
        if let Some(v) = env("HERD_TRUSTED_PROXIES") {
            self.trusted_proxies = comma_list(&v);
        }
        if let Some(v) = env("HERD_FEDERATION_SECURE_MODE") {
            self.federation.secure_mode = parse_bool("HERD_FEDERATION_SECURE_MODE", &v)?;
        }
        if let Some(v) = env("HERD_MEDIA_REMOTE_CACHE_BYTES") {
            self.media.remote_cache_bytes = v.trim().parse().map_err(|_| {
                invalid(
                    "HERD_MEDIA_REMOTE_CACHE_BYTES",
                    format!("expected a number of bytes, got {v:?}"),
                )
            })?;
        }
        if let Some(v) = env("HERD_MEDIA_STORE") {
            self.media.store = match v.trim() {
                "local" | "fs" => StoreKind::Local,
                "s3" => StoreKind::S3,
                other => {
                    return Err(invalid(
                        "HERD_MEDIA_STORE",
                        format!("expected local or s3, got {other:?}"),
                    ))
                }
            };
        }
        if let Some(v) = env("HERD_MEDIA_FFMPEG") {
            self.media.ffmpeg = parse_bool("HERD_MEDIA_FFMPEG", &v)?;
        }
        if let Some(v) = env("HERD_MEDIA_PUBLIC_URL") {
            self.media.public_url = v;
        }
        if let Some(v) = env("HERD_S3_ENDPOINT") {
            self.media.s3.endpoint = v;
        }
        if let Some(v) = env("HERD_S3_BUCKET") {
            self.media.s3.bucket = v;
        }
        if let Some(v) = env("HERD_S3_REGION") {
            self.media.s3.region = v;
        }
        if let Some(v) = env("HERD_S3_ACCESS_KEY_ID") {
            self.media.s3.access_key_id = v;
        }
        if let Some(v) = env("HERD_S3_SECRET_ACCESS_KEY") {
            self.media.s3.secret_access_key = v;
        }
        if let Some(v) = env("HERD_S3_PATH_STYLE") {
            self.media.s3.path_style = parse_bool("HERD_S3_PATH_STYLE", &v)?;
        }
        if let Some(v) = env("HERD_SMTP_URL") {
            self.mail.smtp_url = v;
        }
        if let Some(v) = env("HERD_STRIPE_SECRET_KEY") {
            self.stripe.secret_key = v;
        }
        if let Some(v) = env("HERD_STRIPE_WEBHOOK_SECRET") {
            self.stripe.webhook_secret = v;
        }
        if let Some(v) = env("HERD_STRIPE_API_BASE") {
            self.stripe.api_base = v;
        }
        if let Some(v) = env("HERD_NODE_NAME") {
            self.cluster.node_name = v;
        }
        if let Some(v) = env("HERD_METRICS_LISTEN") {
            self.cluster.metrics_listen = v;
        }
        if let Some(v) = env("HERD_LOG_FORMAT") {
            self.log.format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(invalid(
                        "HERD_LOG_FORMAT",
                        format!("expected text or json, got {other:?}"),
                    ))
                }
            };
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !self.cluster.metrics_listen.is_empty() {
            self.cluster
                .metrics_listen
                .parse::<SocketAddr>()
                .map_err(|e| {
                    invalid(
                        "HERD_METRICS_LISTEN",
                        format!(
                            "{:?} is not a socket address: {e}",
                            self.cluster.metrics_listen
                        ),
                    )
                })?;
        }
        self.listen.parse::<SocketAddr>().map_err(|e| {
            invalid(
                "listen",
                format!("{:?} is not a socket address: {e}", self.listen),
            )
        })?;
        if self.scheme != "http" && self.scheme != "https" {
            return Err(invalid(
                "scheme",
                format!("expected http or https, got {:?}", self.scheme),
            ));
        }
        validate_authority(&self.domain).map_err(|m| invalid("domain", m))?;
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        let url = self.database_url.as_str();
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database_url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        if !self.mail.smtp_url.is_empty() {
            url::Url::parse(&self.mail.smtp_url)
                .ok()
                .filter(|u| matches!(u.scheme(), "smtp" | "smtps"))
                .ok_or_else(|| invalid("mail.smtp_url", "must be an smtp:// or smtps:// URL"))?;
        }
        if !self.mail.from.is_empty() && self.mail.from.parse::<lettre::message::Mailbox>().is_err()
        {
            return Err(invalid("mail.from", "is not an email address"));
        }
        if self.federation.thread_fetch_depth > 20 {
            return Err(invalid(
                "federation.thread_fetch_depth",
                "must be at most 20",
            ));
        }
        for cidr in &self.federation.allow_private {
            parse_cidr(cidr).map_err(|m| invalid("federation.allow_private", m))?;
        }
        for cidr in &self.trusted_proxies {
            parse_cidr(cidr).map_err(|m| invalid("trusted_proxies", m))?;
        }
        if self.auth.session_days == 0 {
            return Err(invalid("auth.session_days", "must be at least 1"));
        }
        if self.auth.code_minutes == 0 {
            return Err(invalid("auth.code_minutes", "must be at least 1"));
        }
        if self.limits.max_characters < 1 {
            return Err(invalid("limits.max_characters", "must be at least 1"));
        }
        if self.rate_limits.api_requests == 0 || self.rate_limits.api_window_seconds == 0 {
            return Err(invalid(
                "rate_limits.api_requests",
                "limits and windows must be at least 1",
            ));
        }
        if self.rate_limits.sign_ups == 0 || self.rate_limits.sign_up_window_seconds == 0 {
            return Err(invalid(
                "rate_limits.sign_ups",
                "limits and windows must be at least 1",
            ));
        }
        if self.rate_limits.login_attempts == 0 || self.rate_limits.login_window_seconds == 0 {
            return Err(invalid(
                "rate_limits.login_attempts",
                "limits and windows must be at least 1",
            ));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        if self.media.store == StoreKind::S3 && self.media.s3.bucket.is_empty() {
            return Err(invalid(
                "media.s3.bucket",
                "must name a bucket when media.store is s3 (HERD_S3_BUCKET)",
            ));
        }
        for (key, u) in [
            ("media.s3.endpoint", &self.media.s3.endpoint),
            ("media.public_url", &self.media.public_url),
        ] {
            if !u.is_empty()
                && !url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            {
                return Err(invalid(key, "must be an http:// or https:// URL"));
            }
        }
        if !self.stripe.api_base.is_empty() && url::Url::parse(&self.stripe.api_base).is_err() {
            return Err(invalid("stripe.api_base", "is not a URL"));
        }
        Ok(())
    }

    /// The database URL actually used.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}/herd.db", self.data_dir.display())
        } else {
            self.database_url.clone()
        }
    }

    /// `{scheme}://{domain}` without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.domain)
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }
}

/// A public authority: a host name or IP literal with an optional port, nothing else.
fn validate_authority(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("must not be empty".into());
    }
    let url = url::Url::parse(&format!("http://{domain}/"))
        .map_err(|e| format!("{domain:?} is not a host[:port]: {e}"))?;
    let rebuilt = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    if !rebuilt.eq_ignore_ascii_case(domain)
        && !rebuilt.eq_ignore_ascii_case(domain.trim_end_matches(":80"))
    {
        return Err(format!("{domain:?} is not a bare host[:port]"));
    }
    Ok(())
}

/// Parses `a.b.c.d/n` or `ipv6/n` into an address and prefix length.
pub fn parse_cidr(cidr: &str) -> Result<ipnet::IpNet, String> {
    cidr.parse::<ipnet::IpNet>()
        .map_err(|_| format!("{cidr:?} is not an address/prefix range"))
}

fn comma_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_run_an_embedded_instance() {
        let c = load(None, env_of(&[])).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.domain, "localhost:8080");
        assert_eq!(c.database_url(), "sqlite://./data/herd.db");
        assert!(c.auth.password_grant);
    }

    #[test]
    fn environment_wins_over_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("herd.toml");
        std::fs::write(
            &path,
            "domain = \"file.example\"\nlisten = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let c = load(Some(&path), env_of(&[("HERD_DOMAIN", "env.example:8443")])).unwrap();
        assert_eq!(c.domain, "env.example:8443");
        assert_eq!(c.listen, "0.0.0.0:9000");
    }

    #[test]
    fn errors_name_the_failing_key() {
        let err = load(None, env_of(&[("HERD_SCHEME", "gopher")])).unwrap_err();
        assert!(err.to_string().starts_with("scheme:"), "{err}");
        let err = load(None, env_of(&[("HERD_LISTEN", "nowhere")])).unwrap_err();
        assert!(err.to_string().starts_with("listen:"), "{err}");
        let err = load(None, env_of(&[("HERD_DOMAIN", "https://x.example/")])).unwrap_err();
        assert!(err.to_string().starts_with("domain:"), "{err}");
        let err = load(
            None,
            env_of(&[("HERD_FEDERATION_ALLOW_PRIVATE", "127.0.0.1/40")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("federation.allow_private:"),
            "{err}"
        );
        let err = load(None, env_of(&[("HERD_MEDIA_REMOTE_CACHE_BYTES", "1 GB")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("HERD_MEDIA_REMOTE_CACHE_BYTES:"),
            "{err}"
        );
        let c = load(None, env_of(&[("HERD_MEDIA_REMOTE_CACHE_BYTES", "4096")])).unwrap();
        assert_eq!(c.media.remote_cache_bytes, 4096);
        let err = load(None, env_of(&[("HERD_PASSWORD_GRANT", "maybe")])).unwrap_err();
        assert!(err.to_string().starts_with("HERD_PASSWORD_GRANT:"), "{err}");
        let err = parse_toml("[auth]\npasword_grant = true\n").unwrap_err();
        assert!(err.contains("pasword_grant"), "{err}");
    }

    #[test]
    fn example_file_lists_every_key_with_its_default() {
        let text = include_str!("../deploy/herd.example.toml");
        parse_toml(text).expect("deploy/herd.example.toml parses as a Config");
        // Same keys and same values as the built-in defaults: nothing missing, nothing stale.
        let example: toml::Value = toml::from_str(text).unwrap();
        let defaults = toml::Value::try_from(Config::default()).unwrap();
        assert_eq!(example, defaults);
    }
}
