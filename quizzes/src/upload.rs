//! "Capstone: a cancellable upload": the clean-up guard on the path where the
//! client leaves. The "disk" is a list of file names in memory.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{sleep, timeout};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("upload-client-leaves", files_after_client_left)]
}

/// The file names on a pretend disk.
#[derive(Clone, Default)]
pub struct Disk(Arc<Mutex<Vec<&'static str>>>);

impl Disk {
    fn create(&self, name: &'static str) {
        self.0.lock().unwrap().push(name);
    }
    fn remove(&self, name: &'static str) {
        self.0.lock().unwrap().retain(|n| *n != name);
    }
    fn rename(&self, from: &'static str, to: &'static str) {
        self.remove(from);
        self.create(to);
    }
    fn names(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().clone()
    }
}

// ANCHOR: files_after_client_left
struct RemoveOnDrop {
    disk: Disk,
    name: &'static str,
    armed: bool,
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.disk.remove(self.name);
        }
    }
}

async fn upload(disk: Disk, chunks: u32) {
    disk.create("photo.part");
    let mut cleanup = RemoveOnDrop {
        disk: disk.clone(),
        name: "photo.part",
        armed: true,
    };
    for _ in 0..chunks {
        sleep(Duration::from_secs(1)).await; // one chunk of the body
    }
    disk.rename("photo.part", "photo.jpg");
    cleanup.armed = false;
}

pub async fn files_after_client_left() -> String {
    let disk = Disk::default();
    // The client leaves at t=2.5s, in the middle of the third chunk.
    let _ = timeout(Duration::from_millis(2500), upload(disk.clone(), 5)).await;
    format!("{:?}", disk.names())
}
// ANCHOR_END: files_after_client_left
