//! # Solution of exercise 12: photo uploads that outlive the album upload
//!
//! Chapter: "Tasks that outlive their parent" (`src/tasks.md`).
//!
//! `tokio::spawn` starts a task that nobody owns: its `JoinHandle` can wait
//! for it, but dropping the handle leaves the task running. A `JoinSet` owns
//! its tasks: dropping the set aborts every task still in it. So the set lives
//! in `upload_album`'s future, and whichever way that future ends (the `?` on
//! a rejection, the last upload done, or the caller dropping it), the set goes
//! with it and takes the uploads along.
//!
//! `join_next` also hands back the uploads in the order they *finish*, not
//! the order they were started, so a rejection is seen the moment it happens.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

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

// ANCHOR: upload_album
/// Uploads every photo of the album, side by side. Returns how many chunks
/// were stored, or the first rejection.
pub async fn upload_album(store: Arc<dyn PhotoStore>, photos: Vec<Photo>) -> Result<u32, Rejected> {
    // The set owns the tasks: dropping it, on any way out of this function,
    // aborts the uploads still running.
    let mut uploads = JoinSet::new();
    for photo in photos {
        uploads.spawn(upload_photo(store.clone(), photo));
    }

    let mut chunks = 0;
    // In the order the uploads finish: a rejection is seen at once.
    while let Some(upload) = uploads.join_next().await {
        chunks += upload.expect("an upload task panicked")?;
    }
    Ok(chunks)
}
// ANCHOR_END: upload_album

/// Uploads one photo, chunk by chunk.
async fn upload_photo(store: Arc<dyn PhotoStore>, photo: Photo) -> Result<u32, Rejected> {
    for chunk in 1..=photo.chunks {
        tokio::time::sleep(CHUNK_TIME).await; // send the chunk over the network
        store.store_chunk(&photo.name, chunk)?;
    }
    Ok(photo.chunks)
}

#[cfg(test)]
#[path = "../../../exercises/12_tasks/src/tests.rs"]
mod tests;
