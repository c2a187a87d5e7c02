//! # Exercise 12: photo uploads that outlive the album upload
//!
//! Chapter: "Tasks that outlive their parent" (`src/tasks.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check tasks`.
//!
//! `upload_album` uploads the photos of an album to a photo store, side by
//! side, one task per photo (the way .NET code starts a `Task` per item and
//! awaits `Task.WhenAll`). Each photo goes up chunk by chunk, a second per
//! chunk. The store can reject a photo (a damaged file, a full quota), and
//! then the album upload has failed: the user will fix the album and upload
//! it again, so every chunk stored after the failure is wasted bandwidth and
//! storage.
//!
//! The code below uploads a good album correctly and in parallel. But when a
//! photo is rejected, the other uploads carry on, and the failure is only
//! reported once the photos before it in the list have finished. And when the
//! caller drops the album upload (a timeout, the user closed the page), every
//! photo upload carries on. Make a failure stop the rest at once, and make
//! dropping `upload_album` leave no upload running, while keeping the photos
//! going up side by side.

use std::sync::Arc;
use std::time::Duration;

/// How long sending one chunk of a photo takes.
pub const CHUNK_TIME: Duration = Duration::from_secs(1);

/// The store the photos go to.
pub trait PhotoStore: Send + Sync + 'static {
    /// Stores one chunk of a photo, or rejects the photo.
    fn store_chunk(&self, photo: &str, chunk: u32) -> Result<(), Rejected>;
}

/// The store refused a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub photo: String,
}

/// A photo to upload: its file name and how many chunks it has.
#[derive(Debug, Clone)]
pub struct Photo {
    pub name: String,
    pub chunks: u32,
}

/// Uploads every photo of the album, side by side. Returns how many chunks
/// were stored, or the first rejection.
pub async fn upload_album(store: Arc<dyn PhotoStore>, photos: Vec<Photo>) -> Result<u32, Rejected> {
    // One task per photo, so that they go up side by side.
    let mut uploads = Vec::new();
    for photo in photos {
        uploads.push(tokio::spawn(upload_photo(store.clone(), photo)));
    }

    let mut chunks = 0;
    for upload in uploads {
        chunks += upload.await.expect("an upload task panicked")?;
    }
    Ok(chunks)
}

/// Uploads one photo, chunk by chunk.
async fn upload_photo(store: Arc<dyn PhotoStore>, photo: Photo) -> Result<u32, Rejected> {
    for chunk in 1..=photo.chunks {
        tokio::time::sleep(CHUNK_TIME).await; // send the chunk over the network
        store.store_chunk(&photo.name, chunk)?;
    }
    Ok(photo.chunks)
}

#[cfg(test)]
mod tests;
