// WRONG FIX: a TaskTracker and a token that the first rejection cancels. A rejection now stops the rest at once, but a TaskTracker only waits: nothing cancels the token when the caller drops upload_album, and the uploads go on.
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

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
    let tracker = TaskTracker::new();
    let stop = CancellationToken::new();
    let (results_tx, mut results) = mpsc::unbounded_channel();
    for photo in photos {
        let (store, stop, results_tx) = (store.clone(), stop.clone(), results_tx.clone());
        tracker.spawn(async move {
            if let Some(result) = stop.run_until_cancelled(upload_photo(store, photo)).await {
                let _ = results_tx.send(result);
            }
        });
    }
    drop(results_tx);
    tracker.close();

    let mut chunks = 0;
    while let Some(result) = results.recv().await {
        match result {
            Ok(stored) => chunks += stored,
            Err(rejected) => {
                stop.cancel(); // stop the other uploads
                tracker.wait().await;
                return Err(rejected);
            }
        }
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
