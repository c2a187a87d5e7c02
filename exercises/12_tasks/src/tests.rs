//! The tests of exercise 12, shared by the starter, the solution and every
//! wrong fix. Paused clock: every photo stores a chunk each second, so the
//! stories below are exact. After the album upload ends (or is dropped), the
//! test waits a whole virtual minute and counts the chunks stored since;
//! then it lets the rest of an hour pass, and nothing may still hold the
//! store. The drop is then tried at every point of the album upload (right
//! after one of its polls, so never on a timer's instant).

use std::sync::Arc;
use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, drop_at_every_point, nothing_left_running, paused,
};

use super::*;

const CHAPTER: &str = "\"Tasks that outlive their parent\", section \"A set of tasks that ends with its owner\" (src/tasks.md)";

/// A store that records every chunk on the timeline, and rejects one photo
/// at one chunk if told to.
struct RecordingStore {
    timeline: Timeline,
    reject: Option<(&'static str, u32)>,
    _probe: test_support::leftovers::Held,
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

fn store_probe() -> Probe {
    Probe::new("the photo store (every upload holds it)")
}

fn store(
    timeline: &Timeline,
    reject: Option<(&'static str, u32)>,
    probe: &Probe,
) -> Arc<dyn PhotoStore> {
    Arc::new(RecordingStore {
        timeline: timeline.clone(),
        reject,
        _probe: probe.hold(),
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
    // A photo in the middle of the list rejected early, the last one
    // rejected late, and the first one at its very first chunk.
    for (photo, chunk) in [("cake.jpg", 3), ("dog.jpg", 9), ("beach.jpg", 1)] {
        paused(move || a_rejection(photo, chunk));
    }
}

async fn a_rejection(photo: &'static str, chunk: u32) {
    let timeline = Timeline::start();
    let probe = store_probe();
    let result = upload_album(store(&timeline, Some((photo, chunk)), &probe), album()).await;
    let returned = timeline.now();
    timeline.record(format!("upload_album returned {result:?}"));
    Lesson::new(
        CHAPTER,
        format!("the store rejected {photo}, but upload_album returned {result:?}"),
    )
    .timeline(&timeline)
    .check(
        result
            == Err(Rejected {
                photo: photo.to_owned(),
            }),
    );

    // Give any upload that is still running a whole minute to show itself.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let rejected_at = timeline.last("rejected").unwrap_or_default();
    let (late, last) = stored_after(&timeline, rejected_at);
    Lesson::new(
        CHAPTER,
        format!(
            "the store rejected {photo} at {}, so the album upload had failed, but {late} \
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
            "the store rejected {photo} at {}, but upload_album reported it only at {}.",
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
    nothing_left_running(&timeline, CHAPTER, &["stored"], &[&probe]).await;
}

#[test]
fn dropping_the_album_upload_leaves_no_upload_running() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = store_probe();
        let outcome = tokio::time::timeout(
            Duration::from_millis(4500),
            upload_album(store(&timeline, None, &probe), album()),
        )
        .await;
        let dropped = timeline.now();
        timeline.record_cancel("caller gives up and drops upload_album");
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
        nothing_left_running(&timeline, CHAPTER, &["stored"], &[&probe]).await;

        // The same drop at every point of the album upload, from its first
        // poll (the tasks just spawned) on.
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let probe = store_probe();
                let upload = upload_album(store(&timeline, None, &probe), album());
                ((timeline, probe), upload)
            },
            async |(timeline, probe), point| {
                timeline.record_cancel(format!("caller drops upload_album {point}"));
                nothing_left_running(&timeline, CHAPTER, &["stored"], &[&probe]).await;
            },
        )
        .await;
    });
}

#[test]
fn the_photos_go_up_side_by_side() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = store_probe();
        let result = upload_album(store(&timeline, None, &probe), album()).await;
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
        nothing_left_running(&timeline, CHAPTER, &["stored"], &[&probe]).await;
    });
}
