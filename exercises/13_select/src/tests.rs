//! The tests of exercise 13, shared by the starter, the solution and every
//! wrong fix. The sensor is a `tokio_test::io` script played under the paused
//! clock: its packets arrive at half and quarter seconds, the keep-alives are
//! due on whole seconds, so a packet and a keep-alive are never due at the
//! same instant (`select!` would pick one of the two at random).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};
use tokio::io::{AsyncRead, ReadBuf};
use tokio_test::io::Builder;

use super::*;

const CHAPTER: &str = "\"select! and cancel safety\", section \"Cancel safety\" (src/select.md)";
const CHAPTER_TIMERS: &str =
    "\"select! and cancel safety\", section \"A timer made inside the loop\" (src/select.md)";

/// Wraps the scripted connection and records on the timeline every packet
/// it delivers.
struct Recorded<R> {
    inner: R,
    timeline: Timeline,
}

impl<R: AsyncRead + Unpin> AsyncRead for Recorded<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let packet = String::from_utf8_lossy(&buf.filled()[before..]).into_owned();
            if packet.is_empty() {
                self.timeline.record("sensor hangs up");
            } else {
                self.timeline.record(format!("packet {packet:?} arrives"));
            }
        }
        poll
    }
}

fn keepalive_times(timeline: &Timeline) -> Vec<String> {
    timeline
        .events()
        .into_iter()
        .filter(|event| event.what.starts_with("keep-alive"))
        .map(|event| at(event.at))
        .collect()
}

#[test]
fn a_line_split_across_two_packets_arrives_whole() {
    paused(|| async {
        let timeline = Timeline::start();
        let sensor = Builder::new()
            .wait(Duration::from_millis(250))
            .read(b"hall 19.0\n")
            .wait(Duration::from_millis(250))
            .read(b"kitchen 2") // t=0.5s: the first half of a line...
            .wait(Duration::from_secs(2))
            // t=2.5s: ...the rest of it, a whole line, and the start of another...
            .read(b"1.5\nporch 8.5\ngarage 1")
            .wait(Duration::from_millis(1250))
            .read(b"2.0\n") // t=3.75s: ...and its end
            .build();
        let connection = Recorded {
            inner: sensor,
            timeline: timeline.clone(),
        };
        let readings = receive_readings(connection, || timeline.record("keep-alive sent"))
            .await
            .expect("the scripted connection never fails");
        timeline.record(format!("receive_readings returned {readings:?}"));

        let expected = ["hall 19.0", "kitchen 21.5", "porch 8.5", "garage 12.0"];
        Lesson::new(
            CHAPTER,
            format!(
                "the line \"kitchen 21.5\" came in two packets, at t=0.5s and t=2.5s, with \
                 keep-alives due at t=1s and t=2s in between; the packet at t=2.5s also held \
                 \"porch 8.5\" and the start of \"garage 12.0\", which ended at t=3.75s. \
                 The readings were {readings:?} instead of {expected:?}."
            ),
        )
        .ask(
            "When the keep-alive branch wins, `select!` drops the read in progress. What \
             happens to the bytes that `read_line` had already taken from the connection? \
             Is `read_line` cancel safe, and what is? And does each reading end where a line \
             ends, wherever the packets end?",
        )
        .timeline(&timeline)
        .check(readings == expected);

        let sent = keepalive_times(&timeline);
        Lesson::new(
            CHAPTER_TIMERS,
            format!(
                "keep-alives were due at t=0s, 1s, 2s and 3s while the sensor talked (it hung \
                 up at t=3.75s), but they went out at [{}].",
                sent.join(", ")
            ),
        )
        .ask("Is the keep-alive timer made once, before the loop, and only ticked inside it?")
        .timeline(&timeline)
        .check(sent == ["t=0s", "t=1s", "t=2s", "t=3s"]);
    });
}

#[test]
fn keepalives_go_out_every_second_while_readings_flow() {
    paused(|| async {
        let timeline = Timeline::start();
        // 17 whole lines, one every 0.3 s, at t=0.15s, 0.45s, ..., 4.95s.
        let mut script = Builder::new();
        script.wait(Duration::from_millis(150)).read(b"reading 1\n");
        for n in 2..=17 {
            script
                .wait(Duration::from_millis(300))
                .read(format!("reading {n}\n").as_bytes());
        }
        let connection = Recorded {
            inner: script.build(),
            timeline: timeline.clone(),
        };
        let readings = receive_readings(connection, || timeline.record("keep-alive sent"))
            .await
            .expect("the scripted connection never fails");
        timeline.record(format!(
            "receive_readings returned {} readings",
            readings.len()
        ));

        let expected: Vec<String> = (1..=17).map(|n| format!("reading {n}")).collect();
        Lesson::new(
            CHAPTER,
            format!("17 whole lines arrived, but the readings were {readings:?}"),
        )
        .timeline(&timeline)
        .check(readings == expected);

        let sent = keepalive_times(&timeline);
        let went_out = if sent.is_empty() {
            "none went out".to_owned()
        } else {
            format!("they went out at {}", sent.join(", "))
        };
        Lesson::new(
            CHAPTER_TIMERS,
            format!(
                "readings arrived every 0.3 s from t=0.15s to t=4.95s. Keep-alives were due at \
                 t=0s, 1s, 2s, 3s and 4s, but {went_out}: the sensor hangs up after two \
                 silent seconds."
            ),
        )
        .ask(
            "Is the keep-alive timer made anew each time round the loop? A timer created \
             inside the loop starts over whenever another branch wins.",
        )
        .timeline(&timeline)
        .check(sent == ["t=0s", "t=1s", "t=2s", "t=3s", "t=4s"]);
    });
}
