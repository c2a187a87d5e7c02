//! # Exercise 20: an upload that leaves its mess behind
//!
//! Chapter: "Capstone: a cancellable upload" (`src/upload.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check upload`.
//!
//! `POST /upload?name=<file name>` streams the request body into the upload
//! folder and answers with the upload's id, the name the client gave and the
//! size. `save_upload` does the work, chunk by chunk as the body arrives: it
//! writes to a `.part` file and renames it when the last byte is in, so that
//! nothing ever sees half a file under its final name. An upload may not be
//! larger than the configured limit (`DEFAULT_LIMIT`, 100 MiB, unless the
//! config says otherwise); an empty one is refused.
//!
//! Two things are wrong with it:
//!
//! - An upload that ends half-way must leave nothing behind, however it ends:
//!   the body breaks off, it goes over the limit, or the handler's future is
//!   dropped while it waits for the next chunk (a timeout, a shutdown, a
//!   `select!`). Today one of those paths leaves its `.part` file for ever.
//! - The file name is the client's. Whatever name a client sends, its upload
//!   must land in the upload folder, and two clients that both send
//!   `report.pdf` must not overwrite each other.

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
use tokio::fs::{self, File};
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
    let id = new_upload_id();
    let path = dir.join(name);
    let part = dir.join(format!("{name}.part"));

    let mut file = File::create(&part).await.map_err(UploadError::Io)?;
    match copy_body(&mut file, body, limit).await {
        Ok(0) => {
            drop(file);
            let _ = fs::remove_file(&part).await;
            Err(UploadError::Empty)
        }
        Ok(size) => {
            drop(file);
            fs::rename(&part, &path).await.map_err(UploadError::Io)?;
            Ok(Saved {
                id,
                name: name.to_owned(),
                size,
                path,
            })
        }
        Err(error) => {
            // Never leave half a file behind.
            drop(file);
            let _ = fs::remove_file(&part).await;
            Err(error)
        }
    }
}

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
mod tests;
