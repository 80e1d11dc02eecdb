//! Shared application state: configuration, database, mailer, templates, clock, API limit counts.

use std::sync::Arc;

use herd_governance::bylaws::FoundingDocuments;

use crate::config::Config;
use crate::mail::Mailer;
use crate::storage::Db;
use crate::time::Clock;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub mailer: Mailer,
    pub templates: crate::web::templates::Pages,
    /// The plain-text mail templates (`crate::mail::render`).
    pub mail_templates: tera::Tera,
    pub clock: Clock,
    /// This node's share of the general API limit's counts (`services::rate_limits`).
    pub api_counts: crate::services::rate_limits::ApiCounts,
    /// Wakes the job worker after a commit that queued work.
    pub jobs: Arc<crate::jobs::Waker>,
    /// What this node's job workers did (claims, fenced finishes, deliveries by outcome).
    pub job_stats: crate::jobs::Stats,
    /// Requests by route and status, and their latency (`/metrics`).
    pub http_metrics: crate::metrics::HttpMetrics,
    /// The founding documents this binary (or HERD_BYLAWS_DIR) carries; what is in force is in
    /// the database.
    pub founding: FoundingDocuments,
    /// Live events for the streaming API, fed by committed writes.
    pub stream: crate::services::streaming::Hub,
    /// Public files (uploads, avatars and headers, cached remote previews): the file store's
    /// `media/` keys, readable at `HERD_MEDIA_PUBLIC_URL` when it is set.
    pub media: crate::storage::files::FileStore,
    /// Every file, private ones included (receipts, ledger attachments): never given a public
    /// address, read only through Herd's access checks.
    pub files: crate::storage::files::FileStore,
    /// Federation: the guarded HTTP client, parsed keys, key refetch limits.
    pub federation: crate::federation::Federation,
    /// The apps statuses name, kept per process (apps are never edited).
    pub app_names: crate::services::app_names::AppNames,
    /// Tokens, logins and filters kept for the read path (services/read_cache.rs).
    pub read_cache: crate::services::read_cache::ReadCache,
    /// The instance settings admins change at run time, over the config's (this node's copy).
    pub settings: crate::services::instance_settings::Live,
    /// This node's name (`HERD_NODE_NAME`, default the host name), in logs and metrics.
    pub node: String,
    /// This node's id (services/cluster.rs `claim_node`): it holds the id slot and periodic
    /// claims and tags job wake-ups and live events on the cluster channels.
    pub holder: &'static str,
}

pub type AppState = Arc<App>;

impl App {
    pub async fn new(config: Config, clock: Clock) -> anyhow::Result<AppState> {
        let db = Db::connect(&config.database_url(), config.database.max_connections).await?;
        // Nodes starting at once on one database take turns (migrations, the founding
        // import, @coop): the second finds the first's work done.
        let boot = crate::storage::cluster::boot_lock(&db).await?;
        let result = Self::boot(config, clock, db).await;
        boot.release().await;
        result
    }

    async fn boot(config: Config, clock: Clock, db: Db) -> anyhow::Result<AppState> {
        db.migrate().await?;
        let node = config.cluster.node_name();
        let holder = crate::services::cluster::claim_node(&db, &node).await?;
        let founding = crate::services::policies::load_founding(&config)?;
        crate::services::policies::import_founding(&db, &founding, clock.now_micros()).await?;
        crate::services::proposal_posts::ensure_coop_account(&db, &config, clock.now_micros())
            .await?;
        let mailer = Mailer::from_config(&config)?;
        let templates = crate::web::templates::load()?;
        let mail_templates = crate::mail::load_templates()?;
        let files = crate::storage::files::FileStore::from_config(&config.data_dir, &config.media)?;
        let media = files.scoped("media/", &config.media.public_url);
        let federation = crate::federation::Federation::new(&config)?;
        let settings = crate::services::instance_settings::Live::load(&db, &config).await?;
        let read_cache = crate::services::read_cache::ReadCache::new(&config.cache);
        let state = Arc::new(App {
            config,
            db,
            mailer,
            templates,
            mail_templates,
            clock,
            api_counts: Default::default(),
            jobs: Arc::default(),
            job_stats: Default::default(),
            http_metrics: Default::default(),
            founding,
            stream: crate::services::streaming::Hub::new(holder),
            media,
            files,
            federation,
            app_names: Default::default(),
            read_cache,
            settings,
            node,
            holder,
        });
        // The bylaws in force decide who may follow the co-op's account (its proposal posts).
        crate::services::proposal_posts::apply_bylaws(&state)
            .await
            .map_err(|e| anyhow::anyhow!("applying the bylaws to @coop: {e:?}"))?;
        crate::services::streaming::start(&state);
        Ok(state)
    }

    pub fn base_url(&self) -> String {
        self.config.base_url()
    }
}
