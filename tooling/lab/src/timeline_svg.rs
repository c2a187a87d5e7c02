//! Draws timelines as SVG: one lane per task (the event's lane), the cancel
//! marked, the work that ran after it in red. The chapters' figures are drawn
//! with it from runs of the starters and the reference solutions, so they
//! show what the code really does (see `timeline_figures`).
//!
//! The served book draws the learner's own runs the same way, in
//! `book-extras/lab-timeline.js`; the two follow one layout, described here.
//!
//! Layout: panels stacked, sharing one time axis so they can be compared. The
//! axis is linear up to twice the cancel's time and compressed after it (a
//! dashed line marks the break), so that a cancel at t=5s and a heartbeat an
//! hour later both fit.

use std::fmt::Write as _;

use crate::runs::TestTimeline;

const WIDTH: f64 = 800.0;
const LABEL: f64 = 120.0;
const PLOT: f64 = 520.0;
const LANE: f64 = 22.0;
const MAX_LANES: usize = 8;

const BLUE: &str = "#3465a4";
const RED: &str = "#cc0000";
const GREY: &str = "#777777";

/// One panel of a figure: a title and a run.
pub struct Panel<'a> {
    pub title: &'a str,
    pub run: &'a TestTimeline,
}

/// The time axis shared by the panels: linear to `knee`, compressed to `end`.
struct Axis {
    knee: f64,
    end: f64,
}

impl Axis {
    fn new(panels: &[Panel<'_>]) -> Axis {
        let last = panels
            .iter()
            .flat_map(|panel| panel.run.events.iter().map(|event| event.at))
            .chain(panels.iter().filter_map(|panel| panel.run.stop_at()))
            .fold(0.0_f64, f64::max)
            .max(0.001);
        let stop = panels
            .iter()
            .filter_map(|panel| panel.run.stop_at())
            .fold(0.0_f64, f64::max);
        let knee = if stop > 0.0 && last > 10.0 * stop {
            2.0 * stop
        } else {
            last
        };
        Axis {
            knee,
            end: last * 1.04,
        }
    }

    fn broken(&self) -> bool {
        self.knee < self.end / 1.04
    }

    /// x of an instant, in the plot area.
    fn x(&self, at: f64) -> f64 {
        let linear = if self.broken() { 0.7 } else { 1.0 };
        let x = if at <= self.knee || !self.broken() {
            at / if self.broken() { self.knee } else { self.end } * linear
        } else {
            linear + (at - self.knee) / (self.end - self.knee) * (1.0 - linear)
        };
        LABEL + x.clamp(0.0, 1.0) * PLOT
    }
}

/// An SVG of the panels, with `caption` as its accessible title.
pub fn figure(caption: &str, panels: &[Panel<'_>]) -> String {
    let axis = Axis::new(panels);
    let mut body = String::new();
    let mut y = 8.0;
    for panel in panels {
        y = draw_panel(&mut body, &axis, panel, y) + 14.0;
    }
    draw_axis(&mut body, &axis, y);
    let height = y + 34.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" \
         height=\"{height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{body}</svg>\n",
        escape(caption)
    )
}

/// Draws one panel from `top`; returns where it ends.
fn draw_panel(out: &mut String, axis: &Axis, panel: &Panel<'_>, top: f64) -> f64 {
    let run = panel.run;
    let _ = writeln!(
        out,
        "<text x=\"4\" y=\"{}\" font-weight=\"bold\">{}</text>",
        top + 12.0,
        escape(panel.title)
    );
    let (lanes, lane_of) = lanes(run);
    let first = top + 22.0;
    let bottom = first + LANE * lanes.len().max(1) as f64;
    let stop = run.stop_at();
    let cancel_lane = run.cancel_lane();
    for (index, lane) in lanes.iter().enumerate() {
        let mid = first + LANE * index as f64 + LANE / 2.0;
        let _ = writeln!(
            out,
            "<text x=\"4\" y=\"{}\" fill=\"#333\">{}</text>\n\
             <line x1=\"{LABEL}\" y1=\"{mid}\" x2=\"{}\" y2=\"{mid}\" stroke=\"#dddddd\"/>",
            mid + 4.0,
            escape(&short(lane, 16)),
            LABEL + PLOT
        );
        let mut late = 0;
        let mut count = 0;
        for event in run
            .events
            .iter()
            .zip(&lane_of)
            .filter(|(_, name)| *name == lane)
            .map(|(event, _)| event)
        {
            count += 1;
            let is_late = stop.is_some_and(|stop| event.at > stop)
                && Some(event.lane.as_str()) != cancel_lane
                && !event.cancel;
            late += usize::from(is_late);
            let colour = if is_late { RED } else { BLUE };
            let _ = writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{mid}\" r=\"3.5\" fill=\"{colour}\"><title>t={}s {}</title></circle>",
                axis.x(event.at),
                event.at,
                escape(&event.what)
            );
        }
        let plural = if count == 1 { "event" } else { "events" };
        let note = if late > 0 {
            format!("{count} {plural}, {late} late")
        } else {
            format!("{count} {plural}")
        };
        let colour = if late > 0 { RED } else { GREY };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{note}</text>",
            LABEL + PLOT + 8.0,
            mid + 4.0
        );
    }
    if let Some(stop) = stop {
        let x = axis.x(stop);
        let (label, colour, dash) = match run.cancel_at {
            Some(_) => ("cancel", RED, ""),
            None => ("ended", GREY, " stroke-dasharray=\"4 3\""),
        };
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\n\
             <text x=\"{:.1}\" y=\"{}\" fill=\"{colour}\">{label} t={stop}s</text>",
            first - 4.0,
            x + 4.0,
            first + 6.0
        );
    }
    bottom
}

/// The lanes in the order they first appear, and each event's lane as
/// drawn: beyond `MAX_LANES`, the lanes from the eighth on share "other".
fn lanes(run: &TestTimeline) -> (Vec<String>, Vec<String>) {
    let mut seen: Vec<&str> = Vec::new();
    for event in &run.events {
        if !seen.contains(&event.lane.as_str()) {
            seen.push(&event.lane);
        }
    }
    let drawn = |lane: &str| match seen.iter().position(|name| *name == lane) {
        Some(index) if seen.len() > MAX_LANES && index >= MAX_LANES - 1 => "other".to_owned(),
        _ => lane.to_owned(),
    };
    let lane_of: Vec<String> = run.events.iter().map(|event| drawn(&event.lane)).collect();
    let mut lanes: Vec<String> = Vec::new();
    for lane in &lane_of {
        if !lanes.contains(lane) {
            lanes.push(lane.clone());
        }
    }
    (lanes, lane_of)
}

fn draw_axis(out: &mut String, axis: &Axis, y: f64) {
    let _ = writeln!(
        out,
        "<line x1=\"{LABEL}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#333\"/>",
        LABEL + PLOT
    );
    let mut ticks = ticks(axis.knee.min(axis.end));
    if axis.broken() {
        ticks.push(axis.end / 1.04);
        let x = axis.x(axis.knee);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"8\" x2=\"{x:.1}\" y2=\"{y}\" stroke=\"#999\" stroke-dasharray=\"2 4\"/>\n\
             <text x=\"{:.1}\" y=\"{}\" fill=\"#666\">(time compressed)</text>",
            x + 4.0,
            y + 28.0
        );
    }
    for tick in ticks {
        let x = axis.x(tick);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#333\"/>\n\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            y + 4.0,
            y + 16.0,
            time_label(tick)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"4\" y=\"{}\" fill=\"#666\">virtual time</text>",
        y + 16.0
    );
}

/// About five round instants from 0 to `end`.
fn ticks(end: f64) -> Vec<f64> {
    let raw = end / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(magnitude * 10.0);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= end * 1.0001)
        .collect()
}

fn time_label(seconds: f64) -> String {
    let rounded = (seconds * 1000.0).round() / 1000.0;
    format!("{rounded}s")
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

/// Text for SVG/XML: the five special characters escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::Event;

    fn run(cancel_at: Option<f64>, events: &[(f64, &str, &str, bool)]) -> TestTimeline {
        TestTimeline {
            test: "t".into(),
            failed: false,
            clock: "paused".into(),
            story: String::new(),
            question: None,
            chapter: String::new(),
            end: 60.0,
            cancel_at,
            ended_at: None,
            events: events
                .iter()
                .map(|(at, lane, what, cancel)| Event {
                    at: *at,
                    lane: (*lane).into(),
                    what: (*what).into(),
                    cancel: *cancel,
                })
                .collect(),
        }
    }

    #[test]
    fn work_after_the_cancel_is_red_and_counted() {
        let starter = run(
            Some(5.0),
            &[
                (5.0, "caller", "caller drops it", true),
                (4.0, "step", "step 4", false),
                (6.0, "step", "step 6", false),
                (7.0, "caller", "caller moves on", false),
            ],
        );
        let svg = figure(
            "a <b> & c",
            &[Panel {
                title: "starter",
                run: &starter,
            }],
        );
        assert!(svg.contains("<title>a &lt;b&gt; &amp; c</title>"), "{svg}");
        assert!(svg.contains("2 events, 1 late"), "{svg}");
        assert!(svg.contains(">2 events<"), "the caller's lane: {svg}");
        assert_eq!(
            svg.matches(RED).count(),
            4,
            "one late dot, its note, the cancel line and label: {svg}"
        );
        assert!(svg.contains("cancel t=5s"), "{svg}");
    }

    #[test]
    fn a_late_heartbeat_compresses_the_axis() {
        let long = run(
            Some(5.0),
            &[
                (5.0, "caller", "drop", true),
                (3600.0, "beat", "beat", false),
            ],
        );
        let axis = Axis::new(&[Panel {
            title: "",
            run: &long,
        }]);
        assert!(axis.broken());
        assert!((axis.x(5.0) - (LABEL + 0.35 * PLOT)).abs() < 0.01);
        assert!(axis.x(3600.0) < LABEL + PLOT);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(35.0), [0.0, 10.0, 20.0, 30.0]);
        assert_eq!(ticks(5.0), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }
}
