//! # Solution of exercise 20: an upload that leaves its mess behind
//!
//! Chapter: "Capstone: a cancellable upload" (`src/upload.md`).
//!
//! Two fixes:
//!
//! - The partial file is owned by a guard, `PartialFile`, whose `Drop`
//!   removes it unless the upload was kept. `Drop` is the one piece of code
//!   that runs on every way out of `save_upload`: a returned error, an early
//!   `?`, a panic, and the future being dropped while it waits for the next
//!   chunk. The `match` with its clean-up branches is gone.
//! - The server names the file: the stored file is `<upload id>` (and
//!   `<upload id>.part` while it arrives). The client's name is kept only as
//!   data, in the answer, so no name can reach outside the folder or
//!   overwrite another upload, and there is no sanitising to get wrong.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use tokio::fs::File;
use tokio::io::AsyncWriteExt;

/// The largest upload the service takes unless configured otherwise: 100 MiB.
pub const DEFAULT_LIMIT: u64 = 100 << 20;

/// Any error a body stream may yield.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where uploads go, and how large they may be.
#[derive(Clone, Debug)]
pub struct UploadConfig {
    pub dir: PathBuf,
    pub limit: u64,
}

impl UploadConfig {
    /// Uploads into `dir`, up to `DEFAULT_LIMIT` bytes each.
    pub fn new(dir: impl Into<PathBuf>) -> UploadConfig {
        UploadConfig {
            dir: dir.into(),
            limit: DEFAULT_LIMIT,
        }
    }

    pub fn with_limit(self, limit: u64) -> UploadConfig {
        UploadConfig { limit, ..self }
    }
}

/// A stored upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    /// The id the server gave the upload.
    pub id: String,
    /// The file name the client sent, as it sent it.
    pub name: String,
    pub size: u64,
    /// Where the file is.
    pub path: PathBuf,
}

#[derive(Debug)]
pub enum UploadError {
    /// The body was empty.
    Empty,
    /// The body was larger than the limit.
    TooLarge { limit: u64 },
    /// The body broke off: typically, the client went away.
    Body(BoxError),
    /// The file could not be written.
    Io(std::io::Error),
}

/// The upload service: `POST /upload?name=<file name>`.
pub fn app(config: UploadConfig) -> Router {
    Router::new()
        .route("/upload", post(upload))
        .with_state(Arc::new(config))
}

// ANCHOR: route
async fn upload(
    State(config): State<Arc<UploadConfig>>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Response {
    let Some(name) = query.get("name") else {
        return (
            StatusCode::BAD_REQUEST,
            "no file name: POST /upload?name=...\n",
        )
            .into_response();
    };
    match save_upload(&config.dir, name, body.into_data_stream(), config.limit).await {
        Ok(saved) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "id": saved.id, "name": saved.name, "size": saved.size })),
        )
            .into_response(),
        Err(UploadError::Empty) => (StatusCode::BAD_REQUEST, "no file uploaded\n").into_response(),
        Err(UploadError::TooLarge { limit }) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an upload may be {limit} bytes at most\n"),
        )
            .into_response(),
        // The client went away mid-body: nobody is left to read this answer,
        // but the access log will show 499, as ASP.NET Core's would.
        Err(UploadError::Body(_)) => StatusCode::from_u16(499)
            .expect("499 is a valid status code")
            .into_response(),
        Err(UploadError::Io(_)) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
// ANCHOR_END: route

// ANCHOR: save_upload
/// Streams `body` into `dir`, refusing more than `limit` bytes.
pub async fn save_upload<S, E>(
    dir: &Path,
    name: &str,
    body: S,
    limit: u64,
) -> Result<Saved, UploadError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    // The server's name for the file; the client's name is only data.
    let id = new_upload_id();
    let path = dir.join(&id);
    let part = PartialFile::new(dir.join(format!("{id}.part")));

    // Created and renamed with blocking calls, like the removal in `Drop`:
    // `tokio::fs` runs them on the blocking pool, where dropping the future
    // does not stop them, so a drop during `File::create` would leave a
    // `.part` made after the guard had cleaned up.
    let file = std::fs::File::create(&part.path).map_err(UploadError::Io)?;
    let mut file = File::from_std(file);
    // Every `?` and every `.await` below is a way out; `part` cleans up on all.
    let size = copy_body(&mut file, body, limit).await?;
    if size == 0 {
        return Err(UploadError::Empty);
    }
    drop(file);
    std::fs::rename(&part.path, &path).map_err(UploadError::Io)?;
    part.keep();
    Ok(Saved {
        id,
        name: name.to_owned(),
        size,
        path,
    })
}
// ANCHOR_END: save_upload

// ANCHOR: partial_file
/// A file that is still arriving. Dropping it removes it, unless `keep` was
/// called: on an error, on a panic, and when the future that owns it is
/// dropped mid-upload.
struct PartialFile {
    path: PathBuf,
    keep: bool,
}

impl PartialFile {
    fn new(path: PathBuf) -> PartialFile {
        PartialFile { path, keep: false }
    }

    /// The upload is complete (and renamed): nothing to remove.
    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.keep {
            // Drop cannot be async. One unlink is a short blocking call, and
            // the clean-up must be done when the drop returns.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
// ANCHOR_END: partial_file

/// Writes the chunks to `file` as they arrive (their sizes are whatever the
/// connection delivers) and returns how many bytes there were.
async fn copy_body<S, E>(file: &mut File, body: S, limit: u64) -> Result<u64, UploadError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    let mut body = pin!(body);
    let mut size = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| UploadError::Body(error.into()))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(UploadError::TooLarge { limit });
        }
        file.write_all(&chunk).await.map_err(UploadError::Io)?;
    }
    file.flush().await.map_err(UploadError::Io)?;
    Ok(size)
}

/// A fresh id for each upload (a UUID in production; std has none).
fn new_upload_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().build_hasher().finish();
    format!("{random:016x}-{serial}")
}

#[cfg(test)]
#[path = "../../../exercises/20_upload/src/tests.rs"]
mod tests;
