//! Wrong fixes: plausible fixes that the tests must reject, each stored as a
//! small patch against the starter or the solution.
//!
//! `solutions/NN_name/wrong_fixes/NAME.patch` opens with a header, then a
//! blank line, then a unified diff of `src/lib.rs`:
//!
//! ```text
//! WRONG FIX: abort the spawned task after awaiting it. When the caller ...
//! base: starter
//! rejected by: the_report_stops_when_its_caller_drops_it
//! hangs: yes
//!
//! --- a/src/lib.rs
//! +++ b/src/lib.rs
//! @@ -25,5 +25,9 @@
//! ...
//! ```
//!
//! A patch shows the one mistake and nothing else, so renaming an item in
//! the base breaks the patches that touch it (loudly: `verify` applies them
//! strictly, every hunk at exactly the line it names) instead of leaving a
//! stale whole-file copy behind. `cargo lab wrong-fix edit` turns one into a
//! whole crate to work on, and `save` turns it back into a patch.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use diffy::{DiffOptions, Line, Patch};

use crate::course::Exercise;
use crate::files::{files_under, read};

/// Lines of context around each change in a saved patch.
const CONTEXT: usize = 1;

/// Which file a wrong fix changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    Starter,
    Solution,
}

impl Base {
    pub fn dir(self, root: &Path, exercise: &Exercise) -> PathBuf {
        match self {
            Base::Starter => exercise.starter_dir(root),
            Base::Solution => exercise.solution_dir(root),
        }
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Base::Starter => "starter",
            Base::Solution => "solution",
        })
    }
}

impl std::str::FromStr for Base {
    type Err = anyhow::Error;
    fn from_str(text: &str) -> Result<Base> {
        match text {
            "starter" => Ok(Base::Starter),
            "solution" => Ok(Base::Solution),
            other => bail!("`{other}` is no base (it is `starter` or `solution`)"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrongFix {
    /// The file name without `.patch`.
    pub name: String,
    pub file: PathBuf,
    /// What the mistake is, in a sentence or two.
    pub mistake: String,
    pub base: Base,
    /// The tests that must fail for it (and no others).
    pub rejected_by: Vec<String>,
    /// It hangs or spins: each failing test must be stopped by the watchdog.
    pub hangs: bool,
    /// The unified diff of `src/lib.rs`.
    pub diff: String,
}

impl WrongFix {
    /// Every wrong fix of an exercise, sorted by name.
    pub fn all(root: &Path, exercise: &Exercise) -> Result<Vec<WrongFix>> {
        files_under(&exercise.wrong_fixes_dir(root))?
            .into_iter()
            .filter(|file| file.extension().is_some_and(|ext| ext == "patch"))
            .map(|file| WrongFix::load(&file))
            .collect()
    }

    pub fn find(root: &Path, exercise: &Exercise, name: &str) -> Result<WrongFix> {
        let all = WrongFix::all(root, exercise)?;
        let names: Vec<&str> = all.iter().map(|fix| fix.name.as_str()).collect();
        match all.iter().find(|fix| fix.name == name) {
            Some(fix) => Ok(fix.clone()),
            None => bail!(
                "`{}` has no wrong fix called `{name}`; it has: {}",
                exercise.name,
                names.join(", ")
            ),
        }
    }

    pub fn load(file: &Path) -> Result<WrongFix> {
        let name = file
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        WrongFix::parse(&name, file, &read(file)?)
            .with_context(|| format!("{} is not a valid wrong fix", file.display()))
    }

    fn parse(name: &str, file: &Path, text: &str) -> Result<WrongFix> {
        let (header, diff) = text
            .split_once("\n\n")
            .context("the header must end with a blank line before the diff")?;
        let mut fix = WrongFix {
            name: name.to_owned(),
            file: file.to_owned(),
            mistake: String::new(),
            base: Base::Starter,
            rejected_by: Vec::new(),
            hangs: false,
            diff: diff.to_owned(),
        };
        let mut base = None;
        for line in header.lines() {
            let (key, value) = line
                .split_once(':')
                .with_context(|| format!("a header line is `key: value`, not `{line}`"))?;
            let value = value.trim();
            match key {
                "WRONG FIX" => fix.mistake = value.to_owned(),
                "base" => base = Some(value.parse()?),
                "rejected by" => {
                    fix.rejected_by = value.split(',').map(|t| t.trim().to_owned()).collect()
                }
                "hangs" => fix.hangs = value == "yes",
                other => {
                    bail!("unknown header `{other}` (known: WRONG FIX, base, rejected by, hangs)")
                }
            }
        }
        ensure!(
            !fix.mistake.is_empty(),
            "the first line must be `WRONG FIX: <the mistake>`"
        );
        fix.base = base.context("no `base: starter` or `base: solution` line")?;
        ensure!(
            fix.rejected_by.iter().all(|t| !t.is_empty()) && !fix.rejected_by.is_empty(),
            "no `rejected by: test, test` line"
        );
        Patch::from_str(&fix.diff).map_err(|e| anyhow::anyhow!("the diff does not parse: {e}"))?;
        Ok(fix)
    }

    /// The base's `src/lib.rs` with this fix's mistake in it. Every hunk
    /// must match the base exactly at the line it names: a patch whose base
    /// has moved on fails here, naming its file, instead of being fitted in.
    pub fn apply(&self, base_text: &str) -> Result<String> {
        let patch = Patch::from_str(&self.diff).map_err(|e| {
            anyhow::anyhow!("{}: the diff does not parse: {e}", self.file.display())
        })?;
        let base_lines: Vec<&str> = base_text.split_inclusive('\n').collect();
        for (number, hunk) in patch.hunks().iter().enumerate() {
            let start = hunk.old_range().start().saturating_sub(1);
            let expected: Vec<&str> = hunk
                .lines()
                .iter()
                .filter_map(|line| match line {
                    Line::Context(text) | Line::Delete(text) => Some(*text),
                    Line::Insert(_) => None,
                })
                .collect();
            let found = base_lines.get(start..start + expected.len());
            if found != Some(&expected[..]) {
                bail!(
                    "{} no longer applies: hunk {} expects other lines at line {} of the {}'s src/lib.rs. \
                     Re-create it: `cargo lab wrong-fix edit` and `save`.",
                    self.file.display(),
                    number + 1,
                    start + 1,
                    self.base
                );
            }
        }
        diffy::apply(base_text, &patch)
            .with_context(|| format!("{} does not apply", self.file.display()))
    }

    /// The patch file's text for `changed`, a whole new `src/lib.rs`.
    pub fn render(&self, base_text: &str, changed: &str) -> Result<String> {
        ensure!(
            base_text != changed,
            "the wrong fix is the same as the {}: there is no mistake to save",
            self.base
        );
        let diff = DiffOptions::new()
            .set_context_len(CONTEXT)
            .set_original_filename("a/src/lib.rs")
            .set_modified_filename("b/src/lib.rs")
            .create_patch(base_text, changed)
            .to_string();
        let mut header = format!(
            "WRONG FIX: {}\nbase: {}\nrejected by: {}\n",
            self.mistake.trim(),
            self.base,
            self.rejected_by.join(", ")
        );
        if self.hangs {
            header.push_str("hangs: yes\n");
        }
        Ok(format!("{header}\n{diff}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "fn a() {}\n\nfn b() {\n    work().await;\n}\n\nfn c() {}\n";

    fn fix(changed: &str) -> WrongFix {
        let blank = WrongFix {
            name: "x".into(),
            file: "x.patch".into(),
            mistake: "stop waiting".into(),
            base: Base::Starter,
            rejected_by: vec!["a_test".into(), "another".into()],
            hangs: true,
            diff: String::new(),
        };
        let text = blank.render(BASE, changed).unwrap();
        WrongFix::parse("x", Path::new("x.patch"), &text).unwrap()
    }

    #[test]
    fn a_saved_patch_reads_back_and_applies() {
        let changed = BASE.replace("    work().await;\n", "    tokio::spawn(work());\n");
        let fix = fix(&changed);
        assert_eq!(fix.mistake, "stop waiting");
        assert_eq!(fix.rejected_by, ["a_test", "another"]);
        assert!(fix.hangs);
        assert!(fix.diff.starts_with("--- a/src/lib.rs\n+++ b/src/lib.rs\n"));
        assert_eq!(fix.apply(BASE).unwrap(), changed);
    }

    #[test]
    fn a_patch_whose_base_moved_on_fails_loudly() {
        let fix = fix(&BASE.replace("work()", "other()"));
        let moved = format!("// a new first line\n{BASE}");
        let error = fix.apply(&moved).unwrap_err().to_string();
        assert!(error.contains("x.patch no longer applies"), "{error}");
        let renamed = BASE.replace("fn b()", "fn renamed()");
        assert!(fix.apply(&renamed).is_err());
    }

    #[test]
    fn a_header_without_its_fields_is_refused() {
        for (text, expected) in [
            (
                "base: starter\nrejected by: t\n\n--- a\n+++ b\n",
                "WRONG FIX",
            ),
            ("WRONG FIX: m\nrejected by: t\n\n--- a\n+++ b\n", "base"),
            (
                "WRONG FIX: m\nbase: starter\n\n--- a\n+++ b\n",
                "rejected by",
            ),
            ("WRONG FIX: m\nbase: middle\nrejected by: t\n\n", "no base"),
            (
                "WRONG FIX: m\nbase: starter\nfails: t\n\n",
                "unknown header",
            ),
        ] {
            let error = format!(
                "{:#}",
                WrongFix::parse("x", Path::new("x"), text).unwrap_err()
            );
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
