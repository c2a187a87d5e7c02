// WRONG FIX: no tasks at all: await each photo in turn. Dropping the album now stops everything, and a rejection ends it, but the photos no longer go up side by side: the album takes three times as long.
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
    // No spawned tasks: everything is part of this future, so dropping it
    // stops everything.
    let mut chunks = 0;
    for photo in photos {
        chunks += upload_photo(store.clone(), photo).await?;
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
