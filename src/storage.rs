//! Object storage for documents, through `object_store`: the local filesystem (a directory from
//! the settings) by default, or a force's own S3-compatible bucket when one is configured. Uploads stream through here: hashed and counted on the way in, never held
//! whole in memory, and aborted (leaving nothing behind) when too large or interrupted.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult, ErrorCode};

/// How many leading bytes are kept to recognise the content type.
const SNIFF_BYTES: usize = 8192;

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    pub max_bytes: u64,
    /// The documents directory, for a local store: where interrupted uploads leave their
    /// staging files, which the store itself never lists.
    local_dir: Option<std::path::PathBuf>,
}

/// An object in the store.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub key: String,
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

/// An object just stored whose record is not written yet. Dropped without [`Pending::keep`]
/// (an error, a client gone mid-request, a refused record), it deletes the object, so no way
/// out of an upload leaves bytes that no record names.
pub struct Pending {
    storage: Storage,
    stored: Stored,
    kept: bool,
}

impl Pending {
    pub fn stored(&self) -> &Stored {
        &self.stored
    }

    /// The record is written: the object stays.
    pub fn keep(mut self) {
        self.kept = true;
    }

    /// The upload was refused: the object is deleted before this returns (dropping it would
    /// delete it too, in the background, after the refusal was answered).
    pub async fn discard(mut self) {
        self.kept = true;
        self.storage.delete(&self.stored.key).await;
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.kept {
            let storage = self.storage.clone();
            let key = self.stored.key.clone();
            spawn_cleanup(async move { storage.delete(&key).await });
        }
    }
}

/// Runs `work` on the runtime this is called from; without one (never in the server), it is
/// not run and the object is left to `probity documents verify --remove-orphans`.
fn spawn_cleanup(work: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(work);
    }
}

/// A multipart upload in progress: aborted if dropped before it finishes (a client that went
/// away drops the request, and the upload with it), so no staging parts are left behind.
struct Upload(Option<WriteMultipart>);

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(writer) = self.0.take() {
            spawn_cleanup(async move {
                let _ = writer.abort().await;
            });
        }
    }
}

/// What an upload stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub key: String,
    pub size: u64,
    pub sha256: String,
    pub content_type: String,
}

impl Storage {
    /// The store the settings name: an S3-compatible bucket, or the documents directory.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, String> {
        match &settings.s3 {
            Some(s3) => Self::s3(s3, settings.document_max_bytes),
            None => Self::local(&settings.documents_dir, settings.document_max_bytes),
        }
    }

    /// A force's own S3-compatible bucket.
    pub fn s3(s3: &crate::config::S3Settings, max_bytes: u64) -> Result<Self, String> {
        use object_store::aws::AmazonS3Builder;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&s3.bucket);
        if let Some(endpoint) = &s3.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let Some(region) = &s3.region {
            builder = builder.with_region(region);
        }
        let store = builder
            .build()
            .map_err(|e| format!("S3 bucket {}: {e}", s3.bucket))?;
        Ok(Self {
            store: Arc::new(store),
            max_bytes,
            local_dir: None,
        })
    }

    /// Documents under `dir` on the local filesystem (created if missing).
    pub fn local(dir: &str, max_bytes: u64) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("documents directory {dir}: {e}"))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("documents directory {dir}: {e}"))?;
        Ok(Self {
            store: Arc::new(store),
            max_bytes,
            local_dir: Some(std::path::PathBuf::from(dir)),
        })
    }

    /// Streams `body` to a new object under `key`, which the caller holds as [`Pending`] until
    /// its record is written. Too large: 413 and nothing kept; a read error (the client went
    /// away) or the request dropped: nothing kept.
    pub async fn put_stream<S, E>(&self, key: &str, mut body: S) -> ApiResult<Pending>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let location = ObjectPath::from(key);
        let upload = self
            .store
            .put_multipart(&location)
            .await
            .map_err(|e| ApiError::internal("storage", e))?;
        let mut upload = Upload(Some(WriteMultipart::new(upload)));
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head: Vec<u8> = Vec::new();
        let streamed = self
            .stream_into(&mut upload, &mut body, &mut hasher, &mut size, &mut head)
            .await;
        if let Err(e) = streamed {
            // Refused: the staging parts go before the refusal is answered (dropping the
            // upload would abort it too, in the background).
            if let Some(writer) = upload.0.take() {
                let _ = writer.abort().await;
            }
            return Err(e);
        }
        let Some(writer) = upload.0.take() else {
            return Err(ApiError::internal("storage", "the upload is gone"));
        };
        // From here the object exists: it is the caller's to keep or to drop.
        let pending = Pending {
            storage: self.clone(),
            stored: Stored {
                key: key.to_owned(),
                size,
                sha256: hex::encode(hasher.finalize()),
                content_type: sniff(&head),
            },
            kept: false,
        };
        writer
            .finish()
            .await
            .map_err(|e| ApiError::internal("storage", e))?;
        Ok(pending)
    }

    /// Streams `body` into `upload`, hashing and counting it and keeping its first bytes.
    async fn stream_into<S, E>(
        &self,
        upload: &mut Upload,
        body: &mut S,
        hasher: &mut Sha256,
        size: &mut u64,
        head: &mut Vec<u8>,
    ) -> ApiResult<()>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidMultipart,
                    format!("The upload was interrupted: {e}"),
                )
            })?;
            *size += chunk.len() as u64;
            if *size > self.max_bytes {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("A document may be at most {} bytes.", self.max_bytes),
                ));
            }
            hasher.update(&chunk);
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            let Some(writer) = upload.0.as_mut() else {
                return Err(ApiError::internal("storage", "the upload is gone"));
            };
            writer
                .wait_for_capacity(2)
                .await
                .map_err(|e| ApiError::internal("storage", e))?;
            writer.put(chunk);
        }
        Ok(())
    }

    /// Every object under `prefix`.
    pub async fn list_under(&self, prefix: &str) -> Result<Vec<ObjectInfo>, String> {
        let prefix = ObjectPath::from(prefix);
        let mut listing = self.store.list(Some(&prefix));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| e.to_string())?;
            out.push(ObjectInfo {
                key: meta.location.to_string(),
                last_modified: meta.last_modified,
            });
        }
        Ok(out)
    }

    /// The staging files of uploads that never finished (a process killed mid-upload), in a
    /// local store: files named `<key>#<number>`, which the store does not list. (An S3 bucket
    /// keeps unfinished multipart uploads out of sight: a lifecycle rule aborting them after
    /// a day clears them; see the README.)
    pub fn staging_leftovers(&self) -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, std::time::SystemTime)>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.rsplit_once('#'))
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                {
                    let modified = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
                    out.push((path, modified));
                }
            }
        }
        let mut out = Vec::new();
        if let Some(dir) = &self.local_dir {
            walk(dir, &mut out);
        }
        out.sort();
        out
    }

    /// The bytes of `key`, all or `range` (start..end, end exclusive), as a stream.
    pub async fn get(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> ApiResult<impl Stream<Item = Result<Bytes, object_store::Error>> + use<>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        let result = self
            .store
            .get_opts(&ObjectPath::from(key), options)
            .await
            .map_err(|e| ApiError::internal("storage", e))?;
        Ok(result.into_stream())
    }

    pub async fn delete(&self, key: &str) {
        if let Err(e) = self.store.delete(&ObjectPath::from(key)).await {
            tracing::warn!(error = %e, "could not delete a stored object");
        }
    }

    /// Stores `bytes` whole under `key` (small objects of the service's own: checkpoints).
    pub async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.store
            .put(&ObjectPath::from(key), bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The greatest key under `prefix`, if there is one.
    pub async fn last_key_under(&self, prefix: &str) -> Result<Option<String>, String> {
        let prefix = ObjectPath::from(prefix);
        let mut listing = self.store.list(Some(&prefix));
        let mut last: Option<String> = None;
        while let Some(meta) = listing.next().await {
            let key = meta.map_err(|e| e.to_string())?.location.to_string();
            if last.as_ref().is_none_or(|l| key > *l) {
                last = Some(key);
            }
        }
        Ok(last)
    }

    /// The whole of a small object.
    pub async fn read_bytes(&self, key: &str) -> Result<Vec<u8>, String> {
        let result = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(|e| e.to_string())?;
        result
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| e.to_string())
    }

    /// The SHA-256 of what is stored under `key` now, read as a stream.
    pub async fn rehash(&self, key: &str) -> Result<String, String> {
        let result = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(|e| e.to_string())?;
        let mut stream = result.into_stream();
        let mut hasher = Sha256::new();
        while let Some(chunk) = stream.next().await {
            hasher.update(&chunk.map_err(|e| e.to_string())?);
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

/// The content type from the bytes themselves, never from what the client claims.
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if !head.is_empty() && (std::str::from_utf8(head).is_ok() || valid_utf8_prefix(head)) {
        return "text/plain; charset=utf-8".to_owned();
    }
    "application/octet-stream".to_owned()
}

/// UTF-8 cut short in the middle of a character at the end of the sniffed bytes.
fn valid_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            sniff("Statement of Jane, 3 March".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(sniff(&[0, 159, 146, 150, 1, 2]), "application/octet-stream");
    }
}
