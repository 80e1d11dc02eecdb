//! One store for every file: media originals and thumbnails, avatars and headers, cached
//! previews of remote media, expense receipts and ledger attachments. Two backends: the data
//! directory (the default; `{data_dir}/media/…`, `{data_dir}/receipts/…` as always) and an
//! S3-protocol bucket (`HERD_MEDIA_STORE=s3`) holding the same keys, so several nodes share
//! every file and a sweep on one node deletes for all.
//!
//! Keys are relative paths made of `[a-z0-9._/-]` segments (never `..`, never absolute); the
//! store refuses anything else. A [`FileStore`] may be scoped to a prefix (`media/`): its keys
//! are then relative to that prefix, which is how media rows have always named their files.

use std::future::Future;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};

use crate::config::{MediaConfig, StoreKind};

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// A file's bytes as they arrive from the store.
pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// What the store knows of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Its length in bytes.
    pub len: u64,
    /// When it was last written, where the backend says.
    pub modified: Option<SystemTime>,
}

/// A whole file opened for reading: its bytes as they arrive, and its length and date.
pub struct Opened {
    pub stream: ByteStream,
    pub meta: FileMeta,
}

/// Put, get and delete files by full key.
pub trait FileBackend: Send + Sync {
    /// Writes `bytes` under `key`, replacing what was there; readers never see half a file.
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, ()>;
    /// The bytes under `key` as a stream with the file's length and date, or `None`.
    fn open<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Opened>>;
    /// Only the bytes `range` of `key` (within its length), read as a range from the store, so
    /// a player seeking in a long video never has the whole file loaded; `None` when missing.
    fn open_range<'a>(
        &'a self,
        key: &'a str,
        range: Range<u64>,
    ) -> StoreFuture<'a, Option<ByteStream>>;
    /// The length and date of `key`, or `None`.
    fn stat<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FileMeta>>;
    /// Whether `key` holds a file.
    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool>;
    /// Removes `key`; a missing key is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// A short name for logs and errors ("local", "s3").
    fn name(&self) -> &'static str;
}

/// Whether `key` is a safe relative key.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
        })
}

fn bad_key() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "invalid file key")
}

/// The store every file goes through (cheap to clone).
#[derive(Clone)]
pub struct FileStore {
    backend: Arc<dyn FileBackend>,
    /// Prepended to every key (`""` or a prefix ending in `/`).
    prefix: &'static str,
    /// Where the public can read files directly (`HERD_MEDIA_PUBLIC_URL`), without a slash at
    /// the end; the full object key is appended.
    public_url: Option<String>,
}

impl FileStore {
    /// A store with no public address: every file is served through Herd.
    pub fn new(backend: Arc<dyn FileBackend>) -> FileStore {
        FileStore {
            backend,
            prefix: "",
            public_url: None,
        }
    }

    /// The store the configuration names: the data directory, or the S3 bucket. Private (no
    /// public address): receipts and ledger attachments are read through it.
    pub fn from_config(data_dir: &Path, media: &MediaConfig) -> anyhow::Result<FileStore> {
        let backend: Arc<dyn FileBackend> = match media.store {
            StoreKind::S3 => Arc::new(S3Store::new(media)?),
            StoreKind::Local => Arc::new(FsStore::new(data_dir)),
        };
        Ok(FileStore::new(backend))
    }

    /// The same files with keys relative to `prefix` (which ends in `/`), readable by the
    /// public at `public_url` (empty: through Herd only).
    pub fn scoped(&self, prefix: &'static str, public_url: &str) -> FileStore {
        let public_url = public_url.trim_end_matches('/');
        FileStore {
            backend: self.backend.clone(),
            prefix,
            public_url: (!public_url.is_empty()).then(|| public_url.to_string()),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    fn full(&self, key: &str) -> io::Result<String> {
        if valid_key(key) {
            Ok(format!("{}{key}", self.prefix))
        } else {
            Err(bad_key())
        }
    }

    pub async fn put(&self, key: &str, bytes: impl Into<Bytes>) -> io::Result<()> {
        let key = self.full(key)?;
        self.backend.put(&key, bytes.into()).await
    }

    /// The file as a stream, for serving without holding it whole.
    pub async fn open(&self, key: &str) -> io::Result<Option<ByteStream>> {
        Ok(self.open_with_meta(key).await?.map(|o| o.stream))
    }

    /// The file as a stream with its length and date (for `Content-Length`, `Last-Modified`).
    pub async fn open_with_meta(&self, key: &str) -> io::Result<Option<Opened>> {
        let key = self.full(key)?;
        self.backend.open(&key).await
    }

    /// Only the bytes `range` of the file (an HTTP range request).
    pub async fn open_range(&self, key: &str, range: Range<u64>) -> io::Result<Option<ByteStream>> {
        let key = self.full(key)?;
        self.backend.open_range(&key, range).await
    }

    /// The file's length and date without reading it.
    pub async fn stat(&self, key: &str) -> io::Result<Option<FileMeta>> {
        let key = self.full(key)?;
        self.backend.stat(&key).await
    }

    pub async fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let Some(mut stream) = self.open(key).await? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(Some(out))
    }

    pub async fn exists(&self, key: &str) -> io::Result<bool> {
        let key = self.full(key)?;
        self.backend.exists(&key).await
    }

    pub async fn delete(&self, key: &str) -> io::Result<()> {
        let key = self.full(key)?;
        self.backend.delete(&key).await
    }

    /// The public address of `key` when files are served from `HERD_MEDIA_PUBLIC_URL`.
    pub fn public_url(&self, key: &str) -> Option<String> {
        self.public_url
            .as_ref()
            .map(|base| format!("{base}/{}{key}", self.prefix))
    }
}

/// Files under a directory (the data directory by default).
#[derive(Debug, Clone)]
pub struct FsStore {
    root: PathBuf,
}

impl FsStore {
    pub fn new(root: impl Into<PathBuf>) -> FsStore {
        FsStore { root: root.into() }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if valid_key(key) {
            Ok(self.root.join(key))
        } else {
            Err(bad_key())
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl FileBackend for FsStore {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            // Write beside, then rename: a reader sees the old file or the whole new one.
            let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
            if let Err(e) = tokio::fs::write(&tmp, &bytes).await {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
            if let Err(e) = tokio::fs::rename(&tmp, &path).await {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
            Ok(())
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Opened>> {
        Box::pin(async move {
            let Some(file) = open_local(&self.path(key)?).await? else {
                return Ok(None);
            };
            let meta = local_meta(&file.metadata().await?);
            Ok(Some(Opened {
                stream: read_chunks(file, meta.len),
                meta,
            }))
        })
    }

    fn open_range<'a>(
        &'a self,
        key: &'a str,
        range: Range<u64>,
    ) -> StoreFuture<'a, Option<ByteStream>> {
        Box::pin(async move {
            use tokio::io::AsyncSeekExt;
            let Some(mut file) = open_local(&self.path(key)?).await? else {
                return Ok(None);
            };
            file.seek(io::SeekFrom::Start(range.start)).await?;
            Ok(Some(read_chunks(
                file,
                range.end.saturating_sub(range.start),
            )))
        })
    }

    fn stat<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FileMeta>> {
        Box::pin(async move {
            match tokio::fs::metadata(self.path(key)?).await {
                Ok(m) if m.is_file() => Ok(Some(local_meta(&m))),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move { tokio::fs::try_exists(self.path(key)?).await })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            // Remove the key's directory when it is now empty (one per upload), never a top
            // directory such as media/.
            if let Some(dir) = path
                .parent()
                .filter(|d| *d != self.root && d.parent() != Some(self.root.as_path()))
            {
                let _ = tokio::fs::remove_dir(dir).await;
            }
            Ok(())
        })
    }

    fn name(&self) -> &'static str {
        "local"
    }
}

/// Files in an S3-protocol bucket, under the same keys as the data directory.
#[derive(Debug)]
pub struct S3Store {
    store: AmazonS3,
}

impl S3Store {
    pub fn new(media: &MediaConfig) -> anyhow::Result<S3Store> {
        let s3 = &media.s3;
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&s3.bucket)
            .with_region(if s3.region.is_empty() {
                "us-east-1"
            } else {
                &s3.region
            })
            .with_virtual_hosted_style_request(!s3.path_style)
            // A store that does not answer must fail an upload within seconds (503), not hang
            // it for the default three minutes of retries.
            .with_retry(object_store::RetryConfig {
                backoff: object_store::BackoffConfig {
                    init_backoff: Duration::from_millis(50),
                    max_backoff: Duration::from_millis(500),
                    base: 2.0,
                },
                max_retries: 2,
                retry_timeout: Duration::from_secs(10),
            })
            .with_client_options(
                object_store::ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(3))
                    .with_timeout(Duration::from_secs(60))
                    .with_allow_http(s3.endpoint.starts_with("http://")),
            );
        if !s3.endpoint.is_empty() {
            builder = builder.with_endpoint(&s3.endpoint);
        }
        if !s3.access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&s3.access_key_id)
                .with_secret_access_key(&s3.secret_access_key);
        }
        Ok(S3Store {
            store: builder.build()?,
        })
    }
}

fn s3_error(e: object_store::Error) -> io::Error {
    io::Error::other(e)
}

fn s3_meta(m: &object_store::ObjectMeta) -> FileMeta {
    FileMeta {
        len: m.size,
        modified: Some(SystemTime::from(m.last_modified)),
    }
}

async fn open_local(path: &Path) -> io::Result<Option<tokio::fs::File>> {
    match tokio::fs::File::open(path).await {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn local_meta(m: &std::fs::Metadata) -> FileMeta {
    FileMeta {
        len: m.len(),
        modified: m.modified().ok(),
    }
}

/// Up to `len` bytes from where `file` stands, in chunks as they are read: a video is never
/// held whole in memory.
fn read_chunks(file: tokio::fs::File, len: u64) -> ByteStream {
    use tokio::io::AsyncReadExt;
    const CHUNK: u64 = 64 * 1024;
    futures_util::stream::try_unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; CHUNK.min(left) as usize];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            // The file is shorter than it was when opened: end here rather than spin.
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), (file, left - n as u64))))
    })
    .boxed()
}

impl FileBackend for S3Store {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            // An S3 put is atomic: the object appears whole or not at all.
            self.store
                .put(&ObjectPath::from(key), bytes.into())
                .await
                .map(|_| ())
                .map_err(s3_error)
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Opened>> {
        Box::pin(async move {
            match self.store.get(&ObjectPath::from(key)).await {
                Ok(r) => {
                    let meta = s3_meta(&r.meta);
                    Ok(Some(Opened {
                        stream: r.into_stream().map_err(s3_error).boxed(),
                        meta,
                    }))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(s3_error(e)),
            }
        })
    }

    fn open_range<'a>(
        &'a self,
        key: &'a str,
        range: Range<u64>,
    ) -> StoreFuture<'a, Option<ByteStream>> {
        Box::pin(async move {
            // A ranged GET: the bucket sends only these bytes.
            let options = GetOptions {
                range: Some(GetRange::Bounded(range)),
                ..GetOptions::default()
            };
            match self.store.get_opts(&ObjectPath::from(key), options).await {
                Ok(r) => Ok(Some(r.into_stream().map_err(s3_error).boxed())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(s3_error(e)),
            }
        })
    }

    fn stat<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FileMeta>> {
        Box::pin(async move {
            match self.store.head(&ObjectPath::from(key)).await {
                Ok(m) => Ok(Some(s3_meta(&m))),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(s3_error(e)),
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            match self.store.head(&ObjectPath::from(key)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(s3_error(e)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            match self.store.delete(&ObjectPath::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(s3_error(e)),
            }
        })
    }

    fn name(&self) -> &'static str {
        "s3"
    }
}

/// The top directories the local backend keeps under the data directory (and the key prefixes
/// the bucket holds): everything the file store owns, nothing else there (the database, mail).
pub const TOP_DIRS: [&str; 3] = ["media", "receipts", "ledger-attachments"];

/// The keys of every file the local backend holds under `root`, sorted (temporary files of an
/// interrupted write are left out).
pub fn local_keys(root: &Path) -> io::Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
            } else if let Some(key) = path
                .strip_prefix(root)
                .ok()
                .and_then(|p| p.to_str())
                .map(|k| k.replace(std::path::MAIN_SEPARATOR, "/"))
                .filter(|k| valid_key(k) && !k.contains(".tmp-"))
            {
                out.push(key);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for top in TOP_DIRS {
        walk(root, &root.join(top), &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// What a copy into another store did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub copied: u64,
    pub skipped: u64,
    pub bytes: u64,
}

/// Copies every local file under `root` into `to`, skipping keys `to` already holds, so an
/// interrupted run resumes where it stopped (`herd media migrate-to-s3`).
pub async fn copy_local_into(root: &Path, to: &FileStore) -> io::Result<CopyReport> {
    let mut report = CopyReport::default();
    let local = FsStore::new(root);
    for key in local_keys(root)? {
        if to.exists(&key).await? {
            report.skipped += 1;
            continue;
        }
        let Some(Opened { mut stream, .. }) = local.open(&key).await? else {
            continue; // deleted meanwhile
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        report.bytes += bytes.len() as u64;
        to.put(&key, bytes).await?;
        report.copied += 1;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_store() {
        assert!(valid_key("ab12/original.png"));
        assert!(!valid_key("../etc/passwd"));
        assert!(!valid_key("/etc/passwd"));
        assert!(!valid_key("a//b"));
        assert!(!valid_key("a/./b"));
        assert!(!valid_key("A/b"));
        assert!(!valid_key(""));
    }

    #[tokio::test]
    async fn put_get_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(Arc::new(FsStore::new(dir.path()))).scoped("media/", "");
        store.put("k1/a.png", b"x".to_vec()).await.unwrap();
        assert!(dir.path().join("media/k1/a.png").exists());
        assert_eq!(store.get("k1/a.png").await.unwrap(), Some(b"x".to_vec()));
        assert!(store.exists("k1/a.png").await.unwrap());
        store.delete("k1/a.png").await.unwrap();
        assert_eq!(store.get("k1/a.png").await.unwrap(), None);
        assert!(!dir.path().join("media/k1").exists());
        assert!(dir.path().join("media").exists());
        assert!(store.put("../x", Vec::new()).await.is_err());
    }

    #[test]
    fn public_urls_append_the_object_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(Arc::new(FsStore::new(dir.path())));
        assert_eq!(store.public_url("receipts/1/2"), None);
        assert_eq!(
            store
                .scoped("media/", "https://files.example/bucket/")
                .public_url("ab/original.png")
                .as_deref(),
            Some("https://files.example/bucket/media/ab/original.png")
        );
    }
}
