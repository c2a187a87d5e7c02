//! `cargo lab new NN_slug --chapter PAGE`: a new exercise that builds and
//! fails, wired into the course: both crates, the tests with their chapter
//! constant, the solution's `#[path]` to them, the manifest entry, and a
//! chapter page with the headings every chapter has (or, when the page
//! exists already, the new exercise added to its "Your turn").
//!
//! The starter it writes has the course's first mistake (work spawned and
//! left running after its caller dropped it), so the new exercise fails
//! for a real reason from the start. The solution begins as a copy of the
//! starter: `verify` keeps failing until the maintainer writes the fix.

use std::path::Path;

use anyhow::{Result, bail, ensure};

use crate::course::Course;
use crate::files::{read, write};

pub struct NewExercise<'a> {
    pub dir: &'a str,
    pub chapter: &'a str,
    pub http: bool,
}

pub fn create(course: &Course, new: &NewExercise) -> Result<()> {
    let root = &course.root;
    let (number, slug) = new
        .dir
        .split_once('_')
        .filter(|(number, slug)| {
            number.starts_with(|c: char| c.is_ascii_digit())
                && number.chars().all(|c| c.is_ascii_alphanumeric())
                && !slug.is_empty()
                && slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the folder is `NN_slug` (e.g. `22_channels`), not `{}`",
                new.dir
            )
        })?;
    ensure!(
        new.chapter.ends_with(".md") && !new.chapter.contains(['/', '\\']),
        "the chapter is a page under src/, e.g. `channels.md`, not `{}`",
        new.chapter
    );
    let name = slug.replace('_', "-");
    for taken in &course.exercises {
        ensure!(
            taken.dir != new.dir,
            "exercise folder {} exists already",
            new.dir
        );
        ensure!(taken.name != name, "an exercise is called `{name}` already");
        ensure!(
            taken.number() != number.trim_start_matches('0'),
            "exercise number {number} is taken by `{}`",
            taken.name
        );
    }
    for dir in ["exercises", "solutions"] {
        if root.join(dir).join(new.dir).exists() {
            bail!("{dir}/{} exists already; nothing was written", new.dir);
        }
    }
    let page = root.join("src").join(new.chapter);
    let title = if page.exists() {
        read(&page)?
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("# ")
            .to_owned()
    } else {
        format!("TODO title of {}", new.chapter)
    };
    let words = Words {
        number,
        slug,
        name: &name,
        dir: new.dir,
        chapter: new.chapter,
        title: &title,
        http: new.http,
    };

    write(
        &root.join("exercises").join(new.dir).join("Cargo.toml"),
        words.manifest("exercise"),
    )?;
    write(
        &root.join("solutions").join(new.dir).join("Cargo.toml"),
        words.manifest("solution"),
    )?;
    write(
        &root.join("exercises").join(new.dir).join("src/lib.rs"),
        words.starter(),
    )?;
    write(
        &root.join("exercises").join(new.dir).join("src/tests.rs"),
        words.tests(),
    )?;
    write(
        &root.join("solutions").join(new.dir).join("src/lib.rs"),
        words.solution(),
    )?;
    let manifest = read(&root.join("course.toml"))?;
    write(
        &root.join("course.toml"),
        format!("{}\n{}", manifest.trim_end(), words.manifest_entry()),
    )?;
    if page.exists() {
        add_to_your_turn(&page, &words)?;
    } else {
        write(&page, words.chapter_page())?;
        let summary = root.join("src/SUMMARY.md");
        let text = read(&summary)?;
        write(&summary, add_to_summary(&text, &title, new.chapter))?;
    }
    println!(
        "New exercise `{name}`: exercises/{dir}, solutions/{dir}, src/{chapter}.\n\
         Next: write the starter's mistake and its tests, the fix in the solution, and wrong fixes\n\
         (`cargo lab wrong-fix edit {name} NAME`), then `cargo lab verify --only {name}` and `cargo lab gen-docs`.\n\
         docs/adding-an-exercise.md has the whole checklist.",
        dir = new.dir,
        chapter = new.chapter,
    );
    Ok(())
}

/// A new page goes before the first part after Part IV's last chapter, or
/// at the end of the last part of chapters ("For instructors" follows them).
fn add_to_summary(summary: &str, title: &str, chapter: &str) -> String {
    let entry = format!("- [{title}]({chapter})\n");
    match summary.find("\n# For instructors") {
        Some(at) => {
            let (before, after) = summary.split_at(at);
            format!("{}\n{entry}{after}", before.trim_end())
        }
        None => format!("{summary}{entry}"),
    }
}

fn add_to_your_turn(page: &Path, words: &Words) -> Result<()> {
    let text = read(page)?;
    let Some(start) = text.find("## Your turn") else {
        bail!(
            "{} has no `## Your turn` section to add the exercise to",
            page.display()
        );
    };
    let rest = &text[start + 1..];
    let end = rest.find("\n## ").map_or(text.len(), |i| start + 1 + i);
    let addition = format!(
        "\nA second exercise: `exercises/{}`. TODO: what to fix. Check it with\n`cargo lab check {}`.\n",
        words.dir, words.name
    );
    let (before, after) = text.split_at(end);
    write(page, format!("{}\n{addition}{after}", before.trim_end()))
}

struct Words<'a> {
    number: &'a str,
    slug: &'a str,
    name: &'a str,
    dir: &'a str,
    chapter: &'a str,
    title: &'a str,
    http: bool,
}

impl Words<'_> {
    fn manifest(&self, kind: &str) -> String {
        let package = format!("{kind}-{}-{}", self.number, self.slug.replace('_', "-"));
        let what = if kind == "exercise" {
            format!("Exercise {}", self.number)
        } else {
            format!("Reference solution of exercise {}", self.number)
        };
        let (http_deps, support) = if self.http {
            (
                "axum = { workspace = true }\n",
                "test-support = { workspace = true, features = [\"http\"] }\nreqwest = { workspace = true }\n",
            )
        } else {
            ("", "test-support = { workspace = true }\n")
        };
        format!(
            "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\n\
             description = \"{what} (chapter: {}): TODO one line.\"\n\
             edition.workspace = true\nrust-version.workspace = true\npublish.workspace = true\nlicense.workspace = true\n\n\
             [lib]\ndoctest = false\n\n\
             [dependencies]\ntokio = {{ workspace = true }}\ntokio-util = {{ workspace = true }}\n{http_deps}\n\
             [dev-dependencies]\n{support}\n\
             [lints]\nworkspace = true\n",
            self.title
        )
    }

    fn starter(&self) -> String {
        format!(
            "//! # Exercise {number}: TODO title\n\
             //!\n\
             //! Chapter: \"{title}\" (`src/{chapter}`). Solve it with `cargo test` in this\n\
             //! folder, or `cargo lab check {name}` from anywhere in the course.\n\
             //!\n\
             //! TODO: what the code is for, and what is wrong with it, in the learner's terms.\n\n\
             {BODY}\n#[cfg(test)]\nmod tests;\n",
            number = self.number,
            title = self.title,
            chapter = self.chapter,
            name = self.name,
        )
    }

    fn solution(&self) -> String {
        format!(
            "//! # Solution of exercise {number}: TODO title\n\
             //!\n\
             //! Chapter: \"{title}\" (`src/{chapter}`).\n\
             //!\n\
             //! TODO: the fix, and why it works. (Until it is written, this is the\n\
             //! starter, and `cargo lab verify` says so.)\n\n\
             {BODY}\n#[cfg(test)]\n#[path = \"../../../exercises/{dir}/src/tests.rs\"]\nmod tests;\n",
            number = self.number,
            title = self.title,
            chapter = self.chapter,
            dir = self.dir,
        )
    }

    fn tests(&self) -> String {
        TESTS
            .replace("{number}", self.number)
            .replace("{title}", self.title)
            .replace("{chapter}", self.chapter)
    }

    fn manifest_entry(&self) -> String {
        format!(
            "\n[[exercise]]\nname = \"{}\"\ndir = \"{}\"\nchapter = \"{}\"\ntopics = [\"{}\"]\n\
             starter_fails = [\"the_work_stops_when_its_caller_drops_it\"]\n\
             hints = [\n    \"TODO: a gentle hint.\",\n    \"TODO: an explicit hint.\",\n]\n",
            self.name, self.dir, self.chapter, self.name
        )
    }

    fn chapter_page(&self) -> String {
        format!(
            "# {title}\n\nTODO: the idea, in a paragraph or two.\n\n\
             ## In .NET\n\nTODO: a short C# snippet, written fresh, from the public API.\n\n\
             ## In Rust\n\nTODO: the idiom, included from a compiled file (snippets/).\n\n\
             ## Traps\n\nTODO\n\n\
             ## Your turn\n\nOpen `exercises/{dir}`. TODO: what to fix. Check it with\n`cargo lab check {name}`.\n\n\
             ## Check yourself\n\nTODO: three or four questions, answers folded.\n\n\
             ## Speaker notes\n\nTODO\n",
            title = self.title,
            dir = self.dir,
            name = self.name,
        )
    }
}

/// The starter's (and, until the fix is written, the solution's) code.
const BODY: &str = r#"use std::time::Duration;

/// How many steps the work takes, one second each.
pub const STEPS: u32 = 10;

/// The work under test: `on_step` is called after each step.
pub async fn run(on_step: impl Fn(u32) + Send + 'static) {
    // TODO: the chapter's mistake. This one spawns the work, so dropping
    // the future returned by `run` does not stop it.
    let work = tokio::spawn(async move {
        for step in 1..=STEPS {
            tokio::time::sleep(Duration::from_secs(1)).await;
            on_step(step);
        }
    });
    let _ = work.await;
}
"#;

const TESTS: &str = r#"//! The tests of exercise {number}, shared by the starter, the solution and
//! every wrong fix. They run under tokio's paused clock.

use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};

use super::*;

const CHAPTER: &str = "\"{title}\", section \"In Rust\" (src/{chapter})";

#[test]
fn the_work_stops_when_its_caller_drops_it() {
    paused(|| async {
        let timeline = Timeline::start();
        let steps = timeline.clone();
        let outcome = tokio::time::timeout(
            Duration::from_millis(3500),
            run(move |step| steps.record(format!("step {step}"))),
        )
        .await;
        timeline.record("caller drops the work");
        Lesson::new(CHAPTER, "the work finished within 3.5 s, but it takes 10 s")
            .timeline(&timeline)
            .check(outcome.is_err());

        // An hour for anything still running to show itself.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let steps = timeline.count("step");
        Lesson::new(
            CHAPTER,
            format!(
                "the caller dropped the work at t=3.5s, but {steps} steps ran, the last at {}",
                at(timeline.last("step").unwrap_or_default())
            ),
        )
        .ask("TODO: the question that leads to the fix.")
        .timeline(&timeline)
        .check(steps == 3);
    });
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_page_goes_before_the_instructors_part() {
        let summary =
            "# Summary\n\n# Part I\n\n- [Why](why.md)\n\n# For instructors\n\n- [W](w.md)\n";
        assert_eq!(
            add_to_summary(summary, "New", "new.md"),
            "# Summary\n\n# Part I\n\n- [Why](why.md)\n- [New](new.md)\n\n# For instructors\n\n- [W](w.md)\n"
        );
    }
}
