//! Uploaded bytes, addressed by SHA-256 (`ab/abcdef…`), behind the `object_store` crate: a
//! local directory by default, or a bucket chosen by URL (`s3://bucket/prefix` in a build
//! with the `s3` feature), so several service instances on one PostgreSQL can share uploads.

use super::{Missing, StoreError};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use std::path::Path;
use std::sync::Arc;

/// A blob being read: its size and its chunks.
pub struct BlobStream {
    pub size: u64,
    pub chunks: futures_util::stream::BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
}

/// The blob store.
#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Key prefix inside the store (the path part of a bucket URL).
    prefix: Key,
    /// Where the blobs are, for operators' messages ("/data/blobs", "s3://bucket/p").
    location: String,
    /// The directory of a local store (where a crash can leave staging files behind).
    local_root: Option<std::path::PathBuf>,
}

impl BlobStore {
    /// Blobs in the local directory `root` (created if missing). Every write is fsynced with
    /// its directory before it returns, so a committed document never points at a blob a
    /// crash lost.
    pub fn local(root: &Path) -> Result<BlobStore, StoreError> {
        std::fs::create_dir_all(root).map_err(|source| StoreError::Io { path: root.to_path_buf(), source })?;
        let fs = LocalFileSystem::new_with_prefix(root).map_err(|e| StoreError::Blob { location: root.display().to_string(), source: e })?;
        Ok(BlobStore {
            store: Arc::new(fs.with_fsync(true)),
            prefix: Key::default(),
            location: root.display().to_string(),
            local_root: Some(root.to_path_buf()),
        })
    }

    /// Blobs where `url` says: `file:///dir` (or a plain path) for a local directory,
    /// `s3://bucket/prefix` for an S3-compatible bucket (credentials, region and endpoint from
    /// the usual `AWS_*` environment variables; needs a build with the `s3` feature).
    pub fn open(url: &str) -> Result<BlobStore, StoreError> {
        let bad = |reason: String| StoreError::BlobUrl { url: url.to_string(), reason };
        if !url.contains("://") {
            return BlobStore::local(Path::new(url));
        }
        let parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        match parsed.scheme() {
            "file" => {
                let dir = parsed.to_file_path().map_err(|_| bad("not a local path".into()))?;
                BlobStore::local(&dir)
            }
            "s3" if !cfg!(feature = "s3") => Err(bad("this build has no S3 support (build with --features s3)".into())),
            _ => {
                let env = std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).map(|(k, v)| (k.to_ascii_lowercase(), v));
                let (store, prefix) = object_store::parse_url_opts(&parsed, env).map_err(|e| bad(e.to_string()))?;
                Ok(BlobStore { store: Arc::from(store), prefix, location: url.to_string(), local_root: None })
            }
        }
    }

    fn key(&self, sha256: &str) -> Key {
        let dir = sha256.get(..2).unwrap_or("xx");
        self.prefix.clone().join(dir).join(sha256)
    }

    /// The hash a key names, if it is a key this store writes (`<prefix>/ab/ab…`).
    fn blob_name(&self, key: &Key) -> Option<String> {
        let parts: Vec<_> = key.parts().map(|p| p.as_ref().to_string()).collect();
        let prefix_len = self.prefix.parts().count();
        match &parts[..] {
            [head @ .., dir, name] if head.len() == prefix_len && is_sha256(name) && name.starts_with(dir.as_str()) && dir.len() == 2 => {
                Some(name.clone())
            }
            _ => None,
        }
    }

    fn failed(&self, source: object_store::Error) -> StoreError {
        StoreError::Blob { location: self.location.clone(), source }
    }

    /// Writes `bytes` under `sha256` unless already present. The store publishes a blob only
    /// whole (staged, then linked into place), and two uploads of the same bytes at once both
    /// succeed: the second finds the first's blob.
    pub async fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let key = self.key(sha256);
        if self.store.head(&key).await.is_ok() {
            // Reused by a new upload: make it young again, so the sweep's grace covers this
            // upload until it commits (local stores; a bucket relies on `ensure` after commit).
            if let Some(root) = &self.local_root {
                let path = root.join(&sha256[..2.min(sha256.len())]).join(sha256);
                if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                    let _ = f.set_modified(std::time::SystemTime::now());
                }
            }
            return Ok(());
        }
        let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.store.put_opts(&key, PutPayload::from(bytes.to_vec()), opts).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(self.failed(e)),
        }
    }

    /// The bytes stored under `sha256` as a stream of chunks, so a download holds one chunk in
    /// memory at a time rather than the whole file.
    pub async fn stream(&self, sha256: &str) -> Result<BlobStream, StoreError> {
        use futures_util::StreamExt;
        match self.store.get(&self.key(sha256)).await {
            Ok(r) => {
                let size = r.meta.size;
                let chunks = r.into_stream().map(|c| c.map_err(std::io::Error::other)).boxed();
                Ok(BlobStream { size, chunks })
            }
            Err(object_store::Error::NotFound { .. }) => Err(StoreError::NotFound(Missing::Blob)),
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Reads the bytes stored under `sha256`.
    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        match self.store.get(&self.key(sha256)).await {
            Ok(r) => Ok(r.bytes().await.map_err(|e| self.failed(e))?.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(StoreError::NotFound(Missing::Blob)),
            Err(e) => Err(self.failed(e)),
        }
    }
}

impl BlobStore {
    /// Removes blobs that no stored document references (`referenced` says which are) and
    /// that are older than `grace` — an upload whose transaction failed, or a process killed
    /// between the blob write and the commit, leaves one — and, in a local store, staging files
    /// a crash left mid-write. The grace keeps in-flight uploads (which write the blob before
    /// their transaction) safe. Returns how many were removed.
    pub async fn sweep(&self, grace: std::time::Duration, referenced: impl Fn(&str) -> bool) -> Result<usize, StoreError> {
        use futures_util::TryStreamExt;
        let cutoff = chrono::Utc::now() - chrono::Duration::from_std(grace).unwrap_or_default();
        let listed: Vec<object_store::ObjectMeta> =
            self.store.list(Some(&self.prefix)).try_collect().await.map_err(|e| self.failed(e))?;
        let mut removed = 0;
        for meta in listed {
            // Only what this store wrote: `ab/ab…` with a 64-hex name. Anything else under the
            // root or prefix (a database file, another application's objects) is not ours.
            let Some(sha) = self.blob_name(&meta.location) else { continue };
            if meta.last_modified > cutoff || referenced(&sha) {
                continue;
            }
            match self.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => removed += 1,
                Err(e) => return Err(self.failed(e)),
            }
        }
        if let Some(root) = &self.local_root {
            removed += sweep_staging(root, grace);
        }
        Ok(removed)
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Deletes staging files (`<sha256>#n`, as `object_store` names them) older than `grace` in
/// the two-letter directories below `root`; nothing else is touched.
fn sweep_staging(root: &Path, grace: std::time::Duration) -> usize {
    let mut removed = 0;
    let old = |p: &Path| p.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age >= grace);
    for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let dir_name = dir.file_name().to_string_lossy().into_owned();
        if dir_name.len() != 2 || !dir.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            let p = f.path();
            let staged = p.file_name().and_then(|n| n.to_str()).and_then(|n| n.split_once('#')).is_some_and(|(sha, n)| {
                is_sha256(sha) && sha.starts_with(&dir_name) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            });
            if staged && old(&p) && std::fs::remove_file(&p).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_once_reads_back_and_reports_missing_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(&format!("file://{}", dir.path().join("b").display())).unwrap();
        let sha = "ab".repeat(32);
        blobs.put(&sha, b"first").await.unwrap();
        // Content-addressed: the same key is never rewritten.
        blobs.put(&sha, b"first").await.unwrap();
        assert_eq!(blobs.get(&sha).await.unwrap(), b"first");
        assert!(dir.path().join("b").join("ab").join(&sha).is_file());
        assert!(matches!(blobs.get(&"cd".repeat(32)).await, Err(StoreError::NotFound(Missing::Blob))));
        // Two writers of the same bytes at once both succeed.
        let other = "ef".repeat(32);
        let (a, b) = tokio::join!(blobs.put(&other, b"same"), blobs.put(&other, b"same"));
        assert!(a.is_ok() && b.is_ok());
        assert!(matches!(BlobStore::open("s3://bucket/x"), Err(StoreError::BlobUrl { .. })) || cfg!(feature = "s3"));
        assert!(matches!(BlobStore::open("ftp://host/x"), Err(StoreError::BlobUrl { .. })));
    }

    #[tokio::test]
    async fn sweep_removes_unreferenced_blobs_and_staging_files_past_the_grace() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::local(dir.path()).unwrap();
        let (kept, orphan) = ("aa".repeat(32), "bb".repeat(32));
        blobs.put(&kept, b"kept").await.unwrap();
        blobs.put(&orphan, b"orphan").await.unwrap();
        std::fs::write(dir.path().join("aa").join(format!("{kept}#1")), b"half").unwrap();
        // Not ours: a database beside the blobs, a file in a blob directory with another name.
        std::fs::write(dir.path().join("fairtender.db"), b"db").unwrap();
        std::fs::write(dir.path().join("aa").join("notes.txt"), b"x").unwrap();
        // Within the grace nothing goes: an upload may be about to commit.
        assert_eq!(blobs.sweep(std::time::Duration::from_secs(3600), |s| s == kept).await.unwrap(), 0);
        assert_eq!(blobs.sweep(std::time::Duration::ZERO, |s| s == kept).await.unwrap(), 2);
        assert_eq!(blobs.get(&kept).await.unwrap(), b"kept");
        assert!(matches!(blobs.get(&orphan).await, Err(StoreError::NotFound(Missing::Blob))));
        assert!(!dir.path().join("aa").join(format!("{kept}#1")).exists());
        assert!(dir.path().join("fairtender.db").exists() && dir.path().join("aa").join("notes.txt").exists());
    }
}
