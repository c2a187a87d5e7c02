//! The tests of exercise 20, shared by the starter, the solution and every
//! wrong fix. Each test gets a folder of its own (removed at the end):
//!
//! ```text
//! <temp>/srv/uploads/   the upload folder
//! <temp>/etc/           where `../../etc/passwd` would land
//! ```
//!
//! The first tests call `save_upload` with a body stream they control; the
//! others send real requests to the route on 127.0.0.1, with a limit of
//! 64 KiB so that no test needs to push 100 MiB through a debug build.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream;
use test_support::http::TestServer;
use test_support::{Lesson, TempDir, drop_at_every_point, paused};
use tokio::sync::oneshot;

use super::*;

const CLEAN_UP: &str =
    "\"Capstone: a cancellable upload\", section \"Clean up on every path\" (src/upload.md)";
const PART_FILE: &str =
    "\"Capstone: a cancellable upload\", section \"Write, then rename\" (src/upload.md)";
const NAMES: &str =
    "\"Capstone: a cancellable upload\", section \"Never trust the file name\" (src/upload.md)";
const LIMITS: &str =
    "\"Capstone: a cancellable upload\", section \"Limits and answers\" (src/upload.md)";

/// The limit the route tests use.
const TEST_LIMIT: u64 = 64 * 1024;

/// A test's folders.
struct Folders {
    root: TempDir,
    uploads: PathBuf,
}

impl Folders {
    fn new(label: &str) -> Folders {
        let root = TempDir::new(label);
        let uploads = root.path().join("srv").join("uploads");
        std::fs::create_dir_all(&uploads).expect("create the upload folder");
        std::fs::create_dir_all(root.path().join("etc")).expect("create the etc folder");
        Folders { root, uploads }
    }

    /// Every file anywhere under the test's folder, relative to it.
    fn all_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        collect_files(self.root.path(), self.root.path(), &mut files);
        files.sort();
        files
    }

    /// The files outside the upload folder.
    fn files_outside_uploads(&self) -> Vec<String> {
        self.all_files()
            .into_iter()
            .filter(|file| !file.starts_with("srv/uploads/"))
            .collect()
    }

    /// The files in the upload folder, with their contents.
    fn uploads(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&self.uploads)
            .expect("read the upload folder")
            .map(|entry| {
                let entry = entry.expect("read an entry");
                let content = std::fs::read(entry.path()).unwrap_or_default();
                (entry.file_name().to_string_lossy().into_owned(), content)
            })
            .collect();
        files.sort();
        files
    }

    fn upload_names(&self) -> Vec<String> {
        self.uploads().into_iter().map(|(name, _)| name).collect()
    }
}

fn collect_files(root: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read a folder") {
        let path = entry.expect("read an entry").path();
        if path.is_dir() {
            collect_files(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            files.push(relative.to_string_lossy().into_owned());
        }
    }
}

/// A chunk of `size` bytes, all `byte`.
fn chunk(byte: u8, size: usize) -> Bytes {
    Bytes::from(vec![byte; size])
}

/// A body that delivers three chunks, then nothing more, as a client that is
/// still connected but has stopped sending. `taken` fires when the uploader
/// asks for the fourth chunk: by then it has handled three.
fn three_chunks_then_silence(
    taken: oneshot::Sender<()>,
) -> impl Stream<Item = Result<Bytes, io::Error>> {
    let chunks = [chunk(b'a', 1000), chunk(b'b', 1000), chunk(b'c', 1000)];
    stream::iter(chunks.map(Ok)).chain(stream::once(async move {
        let _ = taken.send(());
        std::future::pending::<Result<Bytes, io::Error>>().await
    }))
}

/// Runs `save_upload` until it has handled three chunks and waits for more.
async fn upload_three_chunks_and_wait<'a>(
    folders: &'a Folders,
) -> std::pin::Pin<Box<impl Future<Output = Result<Saved, UploadError>> + 'a>> {
    let (taken, three_handled) = oneshot::channel();
    let mut upload = Box::pin(save_upload(
        &folders.uploads,
        "holiday.jpg",
        three_chunks_then_silence(taken),
        TEST_LIMIT,
    ));
    tokio::select! {
        result = &mut upload => panic!(
            "save_upload returned {result:?} although the body had not ended: it should still be \
             waiting for the fourth chunk"
        ),
        _ = three_handled => {}
    }
    upload
}

#[test]
fn a_dropped_upload_leaves_no_partial_file() {
    paused(|| async {
        let folders = Folders::new("upload-dropped");
        let upload = upload_three_chunks_and_wait(&folders).await;
        let during = folders.all_files();
        Lesson::new(
            PART_FILE,
            format!(
                "after three chunks the upload folder should hold the partial upload (one file), \
                 but the test folder holds {during:?}"
            ),
        )
        .check(during.len() == 1);

        // The handler's future is dropped while it waits for the next chunk:
        // a timeout, a shutdown, a select! that chose another branch. The
        // clean-up must be done when the drop returns: a runtime that is
        // shutting down runs nothing after it.
        drop(upload);
        let left = folders.all_files();
        Lesson::new(
            CLEAN_UP,
            format!(
                "the upload was dropped after three chunks, while it waited for the fourth, but \
                 {left:?} is still there, and will be for ever."
            ),
        )
        .ask(
            "When a future is dropped at an .await, which of its lines still run? None: only \
             the Drop of the values it holds. Is the partial file's clean-up one of those, and \
             is it done by the time the drop returns, or only scheduled?",
        )
        .check(left.is_empty());
    });
}

/// A body that sends `chunks` chunks of 1000 bytes, one every 10 ms.
fn chunks_every_10_ms(chunks: u8) -> impl Stream<Item = Result<Bytes, io::Error>> {
    stream::iter(0..chunks).then(|n| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(chunk(b'a' + n, 1000))
    })
}

#[test]
fn an_upload_dropped_at_any_point_leaves_nothing() {
    paused(|| async {
        let folders = Folders::new("upload-every-point");
        let points = drop_at_every_point(
            || {
                (
                    (),
                    save_upload(
                        &folders.uploads,
                        "holiday.jpg",
                        chunks_every_10_ms(6),
                        TEST_LIMIT,
                    ),
                )
            },
            async |(), point| {
                // Checked the moment the drop returns, before anything else runs.
                let left = folders.all_files();
                Lesson::new(
                    CLEAN_UP,
                    format!(
                        "an upload of six chunks was dropped {point}, and when the drop returned \
                         the test folder held {left:?}."
                    ),
                )
                .ask(
                    "Is there an .await in save_upload where the partial file is not yet, or no \
                     longer, owned by something whose Drop removes it at once?",
                )
                .check(left.is_empty());
            },
        )
        .await;
        let stored = folders.uploads();
        Lesson::new(
            PART_FILE,
            format!(
                "after {points} dropped uploads, one upload of six chunks ran to its end; the \
                 upload folder should hold that one file of 6000 bytes, but it holds {:?}",
                stored
                    .iter()
                    .map(|(name, content)| format!("{name} ({} bytes)", content.len()))
                    .collect::<Vec<_>>()
            ),
        )
        .check(stored.len() == 1 && stored[0].1.len() == 6000 && !stored[0].0.ends_with(".part"));
    });
}

#[test]
fn a_broken_body_leaves_no_partial_file() {
    paused(|| async {
        let folders = Folders::new("upload-broken");
        let body = stream::iter([
            Ok(chunk(b'a', 1000)),
            Ok(chunk(b'b', 1000)),
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "the client went away",
            )),
        ]);
        let result = save_upload(&folders.uploads, "holiday.jpg", body, TEST_LIMIT).await;
        Lesson::new(
            CLEAN_UP,
            format!("the body broke off after two chunks, but save_upload returned {result:?}"),
        )
        .check(matches!(result, Err(UploadError::Body(_))));
        // Checked at once: save_upload has returned, its clean-up is done.
        let left = folders.all_files();
        Lesson::new(
            CLEAN_UP,
            format!("the body broke off after two chunks, but {left:?} is still there"),
        )
        .ask("Does the clean-up run when reading the body fails?")
        .check(left.is_empty());
    });
}

#[test]
fn save_upload_stops_reading_at_its_limit() {
    paused(|| async {
        let folders = Folders::new("upload-over-limit");
        // A thousand chunks of 1000 bytes: a megabyte, for a 64 KiB limit.
        let pulled = Arc::new(AtomicU64::new(0));
        let counter = pulled.clone();
        let body = stream::iter(0..1000).map(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<_, io::Error>(chunk(b'x', 1000))
        });
        let result = save_upload(&folders.uploads, "huge.iso", body, TEST_LIMIT).await;
        let pulled = pulled.load(Ordering::SeqCst);
        let left = folders.all_files();
        Lesson::new(
            LIMITS,
            format!(
                "save_upload got a megabyte in 1000-byte chunks with a limit of 64 KiB: it should \
                 return Err(TooLarge) once the 66th chunk passes the limit, and leave nothing. It \
                 read {pulled} chunks, returned {result:?}, and left {left:?}."
            ),
        )
        .ask(
            "Who counts the bytes of a raw stream? A limit that axum applies to `Bytes` or \
             `Json` never sees `into_data_stream`, and a limit checked at the end has already \
             written everything.",
        )
        .check(
            matches!(result, Err(UploadError::TooLarge { limit: TEST_LIMIT }))
                && pulled <= TEST_LIMIT / 1000 + 1
                && left.is_empty(),
        );
    });
}

#[test]
fn an_upload_of_exactly_the_limit_is_kept() {
    paused(|| async {
        let folders = Folders::new("upload-at-limit");
        // 64 chunks of 1 KiB: exactly the 64 KiB limit, not a byte more.
        let body = stream::iter(0..64).map(|_| Ok::<_, io::Error>(chunk(b'x', 1024)));
        let result = save_upload(&folders.uploads, "exact.bin", body, TEST_LIMIT).await;
        let size = result.as_ref().map(|saved| saved.size).ok();
        Lesson::new(
            LIMITS,
            format!(
                "an upload of exactly the 64 KiB limit should be kept, but save_upload returned \
                 {result:?}."
            ),
        )
        .ask("Is the limit the largest size allowed, or the first size refused?")
        .check(size == Some(TEST_LIMIT) && folders.upload_names().len() == 1);
    });
}

#[test]
fn a_half_received_upload_is_never_visible_under_a_final_name() {
    paused(|| async {
        let folders = Folders::new("upload-half");
        let upload = upload_three_chunks_and_wait(&folders).await;
        let during = folders.upload_names();
        Lesson::new(
            PART_FILE,
            format!(
                "half-way through the upload the folder holds {during:?}: anything that lists \
                 the folder (a download page, a virus scanner, a backup) takes half a file for \
                 a whole one."
            ),
        )
        .ask(
            "Where do the bytes go while they arrive, and when does the file get its final \
             name? A `.part` file that is renamed at the very end is never seen half-written.",
        )
        .check(!during.is_empty() && during.iter().all(|name| name.ends_with(".part")));
        drop(upload);
    });
}

/// Sends `POST /upload[?name=..]` with `body`; returns the status and text.
async fn post(server: &TestServer, name: Option<&str>, body: Vec<u8>) -> (u16, String) {
    let url = match name {
        Some(name) => reqwest::Url::parse_with_params(&server.url("/upload"), [("name", name)]),
        None => reqwest::Url::parse(&server.url("/upload")),
    }
    .expect("a valid URL");
    let response = reqwest::Client::new()
        .post(url)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, text)
}

async fn server(folders: &Folders) -> TestServer {
    TestServer::start(app(
        UploadConfig::new(&folders.uploads).with_limit(TEST_LIMIT)
    ))
    .await
}

#[test]
fn an_upload_is_stored_whole_and_reported() {
    paused(|| async {
        let folders = Folders::new("upload-whole");
        let server = server(&folders).await;
        let body: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let (status, text) = post(&server, Some("holiday.jpg"), body.clone()).await;
        Lesson::new(
            LIMITS,
            format!("a 40 000-byte upload got {status} {text:?} instead of a success"),
        )
        .check((200..300).contains(&status));

        let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        Lesson::new(
            LIMITS,
            format!(
                "the answer should carry the upload's id, the client's file name and the size \
                 ({{\"id\": ..., \"name\": \"holiday.jpg\", \"size\": 40000}}), but it was {text:?}"
            ),
        )
        .check(
            answer["id"].as_str().is_some_and(|id| !id.is_empty())
                && answer["name"] == "holiday.jpg"
                && answer["size"] == 40_000,
        );

        let stored = folders.uploads();
        let names: Vec<&String> = stored.iter().map(|(name, _)| name).collect();
        Lesson::new(
            PART_FILE,
            format!(
                "after one upload the upload folder should hold one file, but it holds {names:?}"
            ),
        )
        .check(stored.len() == 1 && !stored[0].0.ends_with(".part"));
        Lesson::new(
            PART_FILE,
            format!(
                "the stored file has {} bytes, not the 40 000 that were sent (or not the same ones)",
                stored[0].1.len()
            ),
        )
        .check(stored[0].1 == body);
        let outside = folders.files_outside_uploads();
        Lesson::new(
            NAMES,
            format!("files appeared outside the upload folder: {outside:?}"),
        )
        .check(outside.is_empty());
    });
}

#[test]
fn two_uploads_with_the_same_name_are_both_kept() {
    paused(|| async {
        let folders = Folders::new("upload-same-name");
        let server = server(&folders).await;
        let (first, _) = post(&server, Some("notes.txt"), b"Alice's notes\n".to_vec()).await;
        let (second, _) = post(&server, Some("notes.txt"), b"Bob's notes\n".to_vec()).await;
        let stored = folders.uploads();
        let contents: Vec<String> = stored
            .iter()
            .map(|(name, content)| format!("{name}: {:?}", String::from_utf8_lossy(content)))
            .collect();
        Lesson::new(
            NAMES,
            format!(
                "Alice and Bob both uploaded \"notes.txt\" (answers {first} and {second}); the \
                 upload folder should keep both files, but it holds {contents:?}"
            ),
        )
        .ask(
            "Whose name is the stored file's name? The client's name is the client's: what name \
             could the server give each upload instead, one that no client chooses?",
        )
        .check(stored.len() == 2);
    });
}

#[test]
fn a_hostile_file_name_cannot_escape_the_upload_folder() {
    paused(|| async {
        let folders = Folders::new("upload-hostile");
        let server = server(&folders).await;
        let absolute = folders.root.path().join("etc").join("passwd");
        let names = [
            "../../etc/passwd".to_owned(),
            "....//....//etc/passwd".to_owned(),
            absolute.to_string_lossy().into_owned(),
        ];
        let mut answers: Vec<(String, u16)> = Vec::new();
        for name in &names {
            let (status, _) =
                post(&server, Some(name), b"root::0:0::/root:/bin/sh\n".to_vec()).await;
            answers.push((name.clone(), status));
        }

        let outside = folders.files_outside_uploads();
        Lesson::new(
            NAMES,
            format!(
                "uploads named {names:?} wrote {outside:?} outside the upload folder \
                 (srv/uploads). On a real server, that is /etc/passwd. Answers: {answers:?}"
            ),
        )
        .ask(
            "What does `dir.join(name)` give when `name` starts with `../`, or is an absolute \
             path? And does removing `../` from a name make it safe?",
        )
        .check(outside.is_empty());

        Lesson::new(
            NAMES,
            format!(
                "a hostile name should be refused (400) or made harmless (stored under a name of \
                 the server's making), not make the server fail. Answers: {answers:?}"
            ),
        )
        .check(
            answers
                .iter()
                .all(|(_, status)| *status == 400 || (200..300).contains(status)),
        );
        let parts: Vec<String> = folders
            .upload_names()
            .into_iter()
            .filter(|name| name.ends_with(".part"))
            .collect();
        Lesson::new(
            CLEAN_UP,
            format!("partial files were left behind: {parts:?}"),
        )
        .check(parts.is_empty());
    });
}

#[test]
fn an_upload_over_the_limit_is_refused_with_413_and_leaves_nothing() {
    paused(|| async {
        let folders = Folders::new("upload-too-large");
        let server = server(&folders).await;
        let body = vec![b'x'; 3 * TEST_LIMIT as usize];
        let (status, text) = post(&server, Some("huge.iso"), body).await;
        Lesson::new(
            LIMITS,
            format!(
                "a 192 KiB upload, over the 64 KiB limit, got {status} {text:?} instead of 413"
            ),
        )
        .check(status == 413);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let left = folders.all_files();
        Lesson::new(
            CLEAN_UP,
            format!("the upload went over the limit and was refused, but {left:?} is still there"),
        )
        .check(left.is_empty());
    });
}

#[test]
fn an_empty_or_nameless_upload_is_refused_with_400() {
    paused(|| async {
        let folders = Folders::new("upload-empty");
        let server = server(&folders).await;
        let (empty, text) = post(&server, Some("empty.txt"), Vec::new()).await;
        Lesson::new(
            LIMITS,
            format!("an upload with an empty body got {empty} {text:?} instead of 400"),
        )
        .check(empty == 400);
        let (nameless, text) = post(&server, None, b"hello\n".to_vec()).await;
        Lesson::new(
            LIMITS,
            format!("an upload without ?name= got {nameless} {text:?} instead of 400"),
        )
        .check(nameless == 400);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let left = folders.all_files();
        Lesson::new(
            CLEAN_UP,
            format!("both uploads were refused, but {left:?} was left behind"),
        )
        .check(left.is_empty());
    });
}

#[test]
fn the_default_limit_is_100_mib() {
    let config = UploadConfig::new("/srv/uploads");
    Lesson::new(
        LIMITS,
        format!(
            "DEFAULT_LIMIT is {DEFAULT_LIMIT} bytes and a new config has {}; both should be \
             100 MiB (104 857 600 bytes)",
            config.limit
        ),
    )
    .check(DEFAULT_LIMIT == 100 * 1024 * 1024 && config.limit == DEFAULT_LIMIT);
}
