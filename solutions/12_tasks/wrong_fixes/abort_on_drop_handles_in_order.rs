// WRONG FIX: wrap each JoinHandle in an AbortOnDropHandle, but still await them in list order. Dropping the album now aborts the uploads, but a rejection is only seen when its turn comes, after the photos before it have finished.
use std::sync::Arc;
use std::time::Duration;

use tokio_util::task::AbortOnDropHandle;

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
    // One task per photo, each aborted when its handle is dropped.
    let mut uploads = Vec::new();
    for photo in photos {
        uploads.push(AbortOnDropHandle::new(tokio::spawn(upload_photo(
            store.clone(),
            photo,
        ))));
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
