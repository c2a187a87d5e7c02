//! The tests of exercise 12, shared by the starter, the solution and every
//! wrong fix. Paused clock: every photo stores a chunk each second, so the
//! stories below are exact. After the album upload ends (or is dropped), the
//! test waits a whole virtual minute, then counts the chunks stored since.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};

use super::*;

const CHAPTER: &str = "\"Tasks that outlive their parent\", section \"A set of tasks that ends with its owner\" (src/tasks.md)";

/// A store that records every chunk on the timeline, and rejects one photo
/// at one chunk if told to.
struct RecordingStore {
    timeline: Timeline,
    reject: Option<(&'static str, u32)>,
}

impl PhotoStore for RecordingStore {
    fn store_chunk(&self, photo: &str, chunk: u32) -> Result<(), Rejected> {
        if self.reject == Some((photo, chunk)) {
            self.timeline
                .record(format!("rejected {photo} at chunk {chunk}"));
            return Err(Rejected {
                photo: photo.to_owned(),
            });
        }
        self.timeline.record(format!("stored {photo} #{chunk}"));
        Ok(())
    }
}

fn store(timeline: &Timeline, reject: Option<(&'static str, u32)>) -> Arc<dyn PhotoStore> {
    Arc::new(RecordingStore {
        timeline: timeline.clone(),
        reject,
    })
}

/// Three photos of ten one-second chunks each.
fn album() -> Vec<Photo> {
    ["beach.jpg", "cake.jpg", "dog.jpg"]
        .into_iter()
        .map(|name| Photo {
            name: name.to_owned(),
            chunks: 10,
        })
        .collect()
}

/// The chunks stored strictly after `instant`, and when the last one was.
fn stored_after(timeline: &Timeline, instant: Duration) -> (usize, Duration) {
    let late = timeline.after(instant, "stored");
    (
        late.len(),
        late.last().map(|event| event.at).unwrap_or_default(),
    )
}

#[test]
fn a_rejected_photo_stops_the_rest_of_the_album() {
    paused(|| async {
        let timeline = Timeline::start();
        let result = upload_album(store(&timeline, Some(("cake.jpg", 3))), album()).await;
        let returned = timeline.now();
        timeline.record(format!("upload_album returned {result:?}"));
        Lesson::new(
            CHAPTER,
            format!("the store rejected cake.jpg, but upload_album returned {result:?}"),
        )
        .timeline(&timeline)
        .check(
            result
                == Err(Rejected {
                    photo: "cake.jpg".to_owned(),
                }),
        );

        // Give any upload that is still running a whole minute to show itself.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let rejected_at = timeline.last("rejected").unwrap_or_default();
        let (late, last) = stored_after(&timeline, rejected_at);
        Lesson::new(
            CHAPTER,
            format!(
                "the store rejected cake.jpg at {}, so the album upload had failed, but {late} \
                 more chunks of the other photos were stored after that, the last at {}.",
                at(rejected_at),
                at(last)
            ),
        )
        .ask(
            "Do the other uploads ever hear of the failure? Returning with `?` drops the \
             JoinHandles, and dropping a JoinHandle does not stop its task. And is the failure \
             seen when it happens, or only when its turn in the list comes?",
        )
        .timeline(&timeline)
        .check(late == 0);

        Lesson::new(
            CHAPTER,
            format!(
                "the store rejected cake.jpg at {}, but upload_album reported it only at {}.",
                at(rejected_at),
                at(returned)
            ),
        )
        .ask(
            "Are the uploads awaited in list order? Ask for whichever upload finishes first \
             instead.",
        )
        .timeline(&timeline)
        .check(returned == rejected_at);
    });
}

#[test]
fn dropping_the_album_upload_leaves_no_upload_running() {
    paused(|| async {
        let timeline = Timeline::start();
        let outcome = tokio::time::timeout(
            Duration::from_millis(4500),
            upload_album(store(&timeline, None), album()),
        )
        .await;
        let dropped = timeline.now();
        timeline.record("caller gives up and drops upload_album");
        assert!(
            outcome.is_err(),
            "the album takes 10 s, so a 4.5 s timeout must fire"
        );

        // Give any upload that is still running a whole minute to show itself.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let (late, last) = stored_after(&timeline, dropped);
        Lesson::new(
            CHAPTER,
            format!(
                "the caller dropped upload_album at {}, but {late} chunks were stored after \
                 that, the last at {}: nobody will ever see that album.",
                at(dropped),
                at(last)
            ),
        )
        .ask(
            "Who owns the upload tasks once `upload_album` is dropped? Dropping a JoinHandle \
             does not stop its task: which handles, or sets of tasks, abort when dropped?",
        )
        .timeline(&timeline)
        .check(late == 0);
    });
}

#[test]
fn the_photos_go_up_side_by_side() {
    paused(|| async {
        let timeline = Timeline::start();
        let result = upload_album(store(&timeline, None), album()).await;
        let returned = timeline.now();
        timeline.record(format!("upload_album returned {result:?}"));
        Lesson::new(
            CHAPTER,
            format!("3 photos of 10 chunks each should give Ok(30), but upload_album returned {result:?}"),
        )
        .timeline(&timeline)
        .check(result == Ok(30));
        Lesson::new(
            CHAPTER,
            format!(
                "3 photos of 10 one-second chunks, uploaded side by side, take 10 s, but the \
                 album took until {}.",
                at(returned)
            ),
        )
        .ask(
            "Do the uploads still run at the same time? Awaiting one photo after the other \
             is easy to cancel, but three times slower.",
        )
        .timeline(&timeline)
        .check(returned == Duration::from_secs(10));
    });
}
