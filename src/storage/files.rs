//! Where media files live: a small key → bytes store behind a trait, so an object store can
//! replace the filesystem later. Keys are relative paths made of `[a-z0-9._/-]` segments
//! (never `..`, never absolute); the store refuses anything else.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// Put, get and delete files by key.
pub trait MediaStore: Send + Sync {
    /// Writes `bytes` under `key`, replacing what was there; readers never see half a file.
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StoreFuture<'a, ()>;
    /// The bytes under `key`, or `None`.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;
    /// Removes `key`; a missing key is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
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
    io::Error::new(io::ErrorKind::InvalidInput, "invalid media key")
}

/// Files under a directory (`{data_dir}/media` by default).
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

impl MediaStore for FsStore {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StoreFuture<'a, ()> {
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

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            match tokio::fs::read(&path).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            // Remove the key's directory when it is now empty (one per upload).
            if let Some(dir) = path.parent().filter(|d| *d != self.root) {
                let _ = tokio::fs::remove_dir(dir).await;
            }
            Ok(())
        })
    }
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
        let store = FsStore::new(dir.path());
        store.put("k1/a.png", b"x".to_vec()).await.unwrap();
        assert_eq!(store.get("k1/a.png").await.unwrap(), Some(b"x".to_vec()));
        store.delete("k1/a.png").await.unwrap();
        assert_eq!(store.get("k1/a.png").await.unwrap(), None);
        assert!(!dir.path().join("k1").exists());
        assert!(store.put("../x", vec![]).await.is_err());
    }
}
