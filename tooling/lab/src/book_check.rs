//! `cargo lab check-book`: builds the book with mdBook and fails on what
//! mdBook 0.5 lets through with exit code 0: an include whose file or anchor
//! is missing (an ERROR line, or an empty code block with no message at all),
//! a WARN line, a directive left unexpanded. It also checks that every
//! exercise's chapter is a real page with a "Your turn" section that names the
//! exercise, and that no "Your turn" names an exercise that does not exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::course::Course;
use crate::files::{files_under, read};
use crate::tools;

/// Problems found, one line each.
pub type Problems = Vec<String>;

pub fn run(course: &Course) -> Result<Problems> {
    let mut problems = chapter_problems(course)?;
    problems.extend(section_problems(course)?);
    let mdbook = tools::mdbook(&course.root)?;
    let output = Command::new(&mdbook)
        .arg("build")
        .arg(&course.root)
        .output()
        .with_context(|| format!("cannot run {}", mdbook.display()))?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        problems.push(format!("mdbook build failed:\n{log}"));
    }
    problems.extend(log_problems(&log));
    let book = course.root.join("book");
    let mut pages = BTreeMap::new();
    for page in files_under(&book)?
        .into_iter()
        .filter(|file| file.extension().is_some_and(|ext| ext == "html"))
    {
        let html = read(&page)?;
        let name = page
            .strip_prefix(&course.root)
            .unwrap_or(&page)
            .display()
            .to_string();
        problems.extend(html_problems(&name, &html));
        pages.insert(page, html);
    }
    problems.extend(link_problems(&book, &pages));
    Ok(problems)
}

/// ERROR and WARN lines of mdBook's log.
fn log_problems(log: &str) -> Problems {
    log.lines()
        .filter(|line| {
            let line = line.trim_start();
            line.starts_with("ERROR") || line.starts_with("WARN")
        })
        .map(|line| format!("mdbook: {}", line.trim()))
        .collect()
}

/// Empty code blocks and unexpanded `{{#...}}` directives in one page.
fn html_problems(page: &str, html: &str) -> Problems {
    let mut problems = Problems::new();
    let mut rest = html;
    while let Some(start) = rest.find("<code class=\"language-") {
        rest = &rest[start..];
        let open_end = rest.find('>').map_or(rest.len(), |i| i + 1);
        if rest[open_end..].starts_with("</code>") {
            problems.push(format!(
                "{page}: an empty code block (a missing file or anchor in an include?)"
            ));
        }
        rest = &rest[open_end..];
    }
    for directive in ["{{#include", "{{#rustdoc_include", "{{#playground"] {
        if html.contains(directive) {
            problems.push(format!("{page}: an unexpanded {directive} directive"));
        }
    }
    problems
}

/// Links between pages of the book that lead nowhere: a missing page, or an
/// anchor (`page.html#section`) that the page does not have. (mdbook-linkcheck2
/// checks the pages in CI; it does not check anchors.)
fn link_problems(book: &Path, pages: &BTreeMap<PathBuf, String>) -> Problems {
    let ids: BTreeMap<&PathBuf, BTreeSet<&str>> = pages
        .iter()
        .map(|(page, html)| (page, attribute_values(html, "id=\"").collect()))
        .collect();
    let mut problems = Problems::new();
    for (page, html) in pages {
        if page
            .file_name()
            .is_some_and(|name| name == "print.html" || name == "toc.html")
        {
            continue;
        }
        for href in attribute_values(html, "href=\"") {
            if href.contains(':') || href.starts_with('/') || href.is_empty() {
                continue; // another site, a scheme like mailto:, or the site root
            }
            let (path, fragment) = href.split_once('#').unwrap_or((href, ""));
            let target = if path.is_empty() {
                page.clone()
            } else {
                normalize(&page.parent().unwrap_or(book).join(path))
            };
            let name = page.strip_prefix(book).unwrap_or(page).display();
            if !target.starts_with(book) || !target.exists() {
                problems.push(format!("book/{name}: a link to {href} leads to no page"));
            } else if !fragment.is_empty()
                && target.extension().is_some_and(|ext| ext == "html")
                && !ids.get(&target).is_some_and(|ids| ids.contains(fragment))
            {
                problems.push(format!(
                    "book/{name}: a link to {href} names an anchor that page does not have"
                ));
            }
        }
    }
    problems
}

/// The values of every `name="value"` attribute in an HTML text.
fn attribute_values<'h>(html: &'h str, name: &'static str) -> impl Iterator<Item = &'h str> {
    html.split(name)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
}

/// `a/b/../c` to `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every exercise's chapter is linked from SUMMARY.md as a real page and has
/// a "Your turn" section naming the exercise's folder and command; every
/// "Your turn" names only exercises that exist.
pub fn chapter_problems(course: &Course) -> Result<Problems> {
    let src = course.root.join("src");
    let summary = read(&src.join("SUMMARY.md"))?;
    let mut problems = Problems::new();
    for exercise in &course.exercises {
        if !summary.contains(&format!("]({})", exercise.chapter)) {
            problems.push(format!(
                "SUMMARY.md does not link {} (exercise `{}`)",
                exercise.chapter, exercise.name
            ));
        }
        let text = read(&src.join(&exercise.chapter)).unwrap_or_default();
        let your_turn = section(&text, "## Your turn");
        for needed in [
            format!("exercises/{}", exercise.dir),
            format!("cargo lab check {}", exercise.name),
        ] {
            if !your_turn.contains(&needed) {
                problems.push(format!(
                    "src/{}: its \"Your turn\" section does not mention `{needed}`",
                    exercise.chapter
                ));
            }
        }
    }
    for path in files_under(&src)? {
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let text = read(&path)?;
        for folder in section(&text, "## Your turn").split("exercises/").skip(1) {
            let dir: String = folder
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !course.exercises.iter().any(|e| e.dir == dir) {
                problems.push(format!(
                    "{}: \"Your turn\" names exercises/{dir}, which is not in course.toml",
                    path.display()
                ));
            }
        }
    }
    Ok(problems)
}

/// Every chapter section that an exercise's tests send the learner to
/// (`section \"Clean-up goes in Drop\" (src/drop.md)`) is a heading of that page.
pub fn section_problems(course: &Course) -> Result<Problems> {
    let mut problems = Problems::new();
    for exercise in &course.exercises {
        for file in files_under(&exercise.starter_dir(&course.root).join("src"))? {
            let source = read(&file)?;
            for (section, page) in named_sections(&source) {
                let headings = read(&course.root.join(&page))
                    .map(|text| headings(&text))
                    .unwrap_or_default();
                if !headings.contains(&section) {
                    problems.push(format!(
                        "{}: its tests send the learner to section \"{section}\" of {page}, which has no such heading",
                        exercise.dir
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// `(section, page)` for each `section \"...\" (src/page.md)` in a Rust source.
fn named_sections(source: &str) -> Vec<(String, String)> {
    source
        .split("section \\\"")
        .skip(1)
        .filter_map(|rest| {
            let (section, after) = rest.split_once("\\\"")?;
            let page = after.trim_start().strip_prefix('(')?.split(')').next()?;
            page.starts_with("src/")
                .then(|| (section.replace('`', ""), page.to_owned()))
        })
        .collect()
}

/// The text of every Markdown heading of a page.
fn headings(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with('#'))
        .map(|line| line.trim_start_matches('#').trim().replace('`', ""))
        .collect()
}

/// The text from a heading to the next heading of the same level.
pub(crate) fn section<'t>(text: &'t str, heading: &str) -> &'t str {
    let Some(start) = text.find(heading) else {
        return "";
    };
    let body = &text[start + heading.len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    &body[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::root;

    #[test]
    fn every_exercise_has_its_chapter_and_your_turn() {
        let course = Course::load(&root()).unwrap();
        let problems = chapter_problems(&course).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_section_a_test_names_exists() {
        let course = Course::load(&root()).unwrap();
        let problems = section_problems(&course).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn sections_named_by_tests_are_read() {
        let source =
            r#"const CHAPTER: &str = "\"Drop\", section \"Clean-up goes in Drop\" (src/drop.md)";"#;
        assert_eq!(
            named_sections(source),
            [("Clean-up goes in Drop".to_owned(), "src/drop.md".to_owned())]
        );
        assert_eq!(
            headings("# Drop\ntext\n## Clean-up goes in Drop\n"),
            ["Drop", "Clean-up goes in Drop"]
        );
    }

    #[test]
    fn an_empty_code_block_is_found() {
        let html = r#"<pre><code class="language-rust ignore"></code></pre><pre><code class="language-rust">fn main() {}</code></pre>"#;
        assert_eq!(html_problems("why.html", html).len(), 1);
    }

    #[test]
    fn an_unexpanded_include_is_found() {
        assert_eq!(
            html_problems("why.html", "<p>{{#include ../nope.rs}}</p>").len(),
            1
        );
    }

    #[test]
    fn links_to_missing_pages_and_anchors_are_found() {
        let book = std::env::temp_dir().join(format!("lab-links-{}", std::process::id()));
        fs_err::create_dir_all(&book).unwrap();
        let mut pages = BTreeMap::new();
        for (name, html) in [
            (
                "why.html",
                r##"<h2 id="traps">T</h2><a href="drop.html#clean-up">ok</a><a href="#traps">ok</a>"##,
            ),
            (
                "drop.html",
                r##"<h2 id="clean-up">C</h2><a href="why.html#nope">bad</a><a href="https://tokio.rs">web</a>"##,
            ),
            ("glossary.html", r##"<a href="gone.html">bad</a>"##),
        ] {
            fs_err::write(book.join(name), html).unwrap();
            pages.insert(book.join(name), html.to_owned());
        }
        let problems = link_problems(&book, &pages);
        fs_err::remove_dir_all(&book).unwrap();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("why.html#nope")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("gone.html")),
            "{problems:?}"
        );
    }

    #[test]
    fn error_and_warn_lines_are_found() {
        let log =
            " INFO Book building has started\n ERROR Error updating\n WARN Caused By: failed\n";
        assert_eq!(log_problems(log).len(), 2);
    }
}
