//! # Exercise 11: a lease heartbeat that outlives its job
//!
//! Chapter: "No Dispose needed" (`src/dispose.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check dispose`.
//!
//! A worker takes import jobs from a queue. While it holds a job it must
//! renew the job's lease once a second (a heartbeat); a job whose lease runs
//! out goes back to the queue for another worker. When the job ends, however
//! it ends, the heartbeat must stop: a failed job whose lease is still being
//! renewed is never retried, because the queue believes it is still running.
//!
//! `run_job` starts the heartbeat and stops it when the job succeeds. But a
//! job can end in three other ways: it returns an error with `?`, it panics
//! (the import has a bug with empty files; leave it in: a job runner must
//! cope with jobs that panic), or its caller drops the future (a timeout, a
//! shutdown). On those paths the heartbeat runs for ever. Make it stop on
//! every path, and keep it beating while the job runs.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the lease of a running job must be renewed.
pub const LEASE_RENEWAL: Duration = Duration::from_secs(1);
/// How long downloading the job's file takes.
pub const DOWNLOAD_TIME: Duration = Duration::from_millis(2500);
/// How long importing the downloaded rows takes.
pub const IMPORT_TIME: Duration = Duration::from_secs(2);

/// The queue the jobs come from.
pub trait Queue: Send + Sync + 'static {
    /// Tells the queue that the worker still holds the job.
    fn renew_lease(&self, job_id: u32);
}

/// An import job: a CSV export to load into the database.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: u32,
    pub file: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum JobError {
    NotFound(String),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Imported {
    pub rows: usize,
}

/// Runs one job, renewing its lease once a second while it runs.
pub async fn run_job(queue: Arc<dyn Queue>, job: Job) -> Result<Imported, JobError> {
    let heartbeat = CancellationToken::new();
    start_heartbeat(queue, job.id, heartbeat.clone());

    let csv = download(&job.file).await?;
    let imported = import(&csv).await;

    heartbeat.cancel(); // the job is done: stop renewing its lease
    Ok(imported)
}

/// Renews the job's lease once a second until `stop` is cancelled.
fn start_heartbeat(queue: Arc<dyn Queue>, job_id: u32, stop: CancellationToken) {
    tokio::spawn(async move {
        stop.run_until_cancelled(async {
            loop {
                tokio::time::sleep(LEASE_RENEWAL).await;
                queue.renew_lease(job_id);
            }
        })
        .await;
    });
}

/// Downloads the export from the file store.
async fn download(file: &str) -> Result<String, JobError> {
    tokio::time::sleep(DOWNLOAD_TIME).await;
    match file {
        "missing.csv" => Err(JobError::NotFound(file.to_owned())),
        "empty.csv" => Ok(String::new()),
        _ => Ok("id,name\n1,Ada\n2,Grace\n3,Barbara\n".to_owned()),
    }
}

/// Imports the rows of a CSV export.
async fn import(csv: &str) -> Imported {
    let mut lines = csv.lines();
    // A bug, but a realistic one: an empty export has no header line.
    let _header = lines
        .next()
        .expect("every export starts with a header line");
    let rows = lines.count();
    tokio::time::sleep(IMPORT_TIME).await;
    Imported { rows }
}

#[cfg(test)]
mod tests;
