//! `cargo lab wrong-fix edit` and `save`: a wrong fix is stored as a patch,
//! but written and tried as code. `edit` lays out a scratch workspace under
//! `target/lab/wrong-fix/` with the exercise's starter (for its tests) and
//! the wrong fix as a whole crate; the maintainer edits its `src/lib.rs`
//! and runs its tests there; `save` formats the file and writes the patch.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::course::{Course, Exercise};
use crate::files::{read, write};
use crate::scratch::{self, copy_crate};
use crate::verify::write_wrong_fix_crate;
use crate::wrong_fix::{Base, WrongFix};

/// The scratch workspace for wrong fixes being edited.
fn workspace(course: &Course) -> PathBuf {
    course.root.join("target/lab/wrong-fix")
}

fn crate_dir(course: &Course, exercise: &Exercise, name: &str) -> PathBuf {
    workspace(course)
        .join("wrong_fixes")
        .join(format!("{}--{name}", exercise.dir))
}

/// Where `edit` remembers the base of a new wrong fix, for `save`.
const BASE_NOTE: &str = "wrong-fix-base.txt";

/// `fresh`: start over from the patch (or the base) even if the crate holds
/// edits that were not saved.
pub fn edit(
    course: &Course,
    exercise: &Exercise,
    name: &str,
    base: Base,
    fresh: bool,
) -> Result<()> {
    let root = &course.root;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        bail!("a wrong fix's name is lower_snake_case (it becomes its file name), not `{name}`");
    }
    let scratch = workspace(course);
    // The starter and solution copies (and so the tests every wrong fix
    // runs, through `mod tests;` or `#[path]`) are refreshed on every edit.
    let edit_name = |name: &str| format!("edit-{name}");
    copy_crate(
        &exercise.starter_dir(root),
        &scratch.join("exercises").join(&exercise.dir),
        edit_name,
        None,
    )?;
    copy_crate(
        &exercise.solution_dir(root),
        &scratch.join("solutions").join(&exercise.dir),
        edit_name,
        None,
    )?;
    let dir = crate_dir(course, exercise, name);
    let saved = WrongFix::find(root, exercise, name).ok();
    let base = saved.as_ref().map_or(base, |fix| fix.base);
    let lib = match &saved {
        Some(fix) => fix.apply(&read(&base.dir(root, exercise).join("src/lib.rs"))?)?,
        None => read(&base.dir(root, exercise).join("src/lib.rs"))?,
    };
    // Edits not saved yet are never overwritten without `--fresh`.
    let unsaved = read(&dir.join("src/lib.rs"))
        .ok()
        .filter(|edited| *edited != lib);
    let package = match unsaved {
        Some(edited) if !fresh => {
            println!("Kept your edits to the wrong fix, not saved yet (`--fresh` starts over).");
            write_wrong_fix_crate(root, exercise, name, base, &edited, &dir)?
        }
        _ => write_wrong_fix_crate(root, exercise, name, base, &lib, &dir)?,
    };
    write(&dir.join(BASE_NOTE), base.to_string())?;
    // Written once every member exists: cargo refuses a glob that matches nothing.
    scratch::create(
        root,
        &scratch,
        &["exercises/*", "solutions/*", "wrong_fixes/*"],
    )?;
    let manifest = scratch.join("Cargo.toml");
    println!(
        "Edit {}\n\
         Test it: cargo test --manifest-path {} --package {package}\n\
         Then:    cargo lab wrong-fix save {} {name}",
        dir.join("src/lib.rs").display(),
        manifest.display(),
        exercise.name,
    );
    Ok(())
}

pub struct SaveOptions {
    pub mistake: Option<String>,
    pub rejected_by: Vec<String>,
    /// `Some(true)`: it hangs; `Some(false)`: it no longer does.
    pub hangs: Option<bool>,
}

pub fn save(course: &Course, exercise: &Exercise, name: &str, options: SaveOptions) -> Result<()> {
    let root = &course.root;
    let dir = crate_dir(course, exercise, name);
    let lib = dir.join("src/lib.rs");
    if !lib.is_file() {
        bail!(
            "nothing to save: run `cargo lab wrong-fix edit {} {name}` first",
            exercise.name
        );
    }
    let base: Base = read(&dir.join(BASE_NOTE))?.trim().parse()?;
    format(&lib)?;
    let existing = WrongFix::find(root, exercise, name).ok();
    let file = exercise.wrong_fixes_dir(root).join(format!("{name}.patch"));
    let mut fix = existing.unwrap_or_else(|| WrongFix {
        name: name.to_owned(),
        file: file.clone(),
        mistake: String::new(),
        base,
        rejected_by: Vec::new(),
        hangs: false,
        diff: String::new(),
    });
    fix.base = base;
    if let Some(mistake) = options.mistake {
        fix.mistake = mistake;
    }
    if !options.rejected_by.is_empty() {
        fix.rejected_by = options.rejected_by;
    }
    if let Some(hangs) = options.hangs {
        fix.hangs = hangs;
    }
    if fix.mistake.is_empty() || fix.rejected_by.is_empty() {
        bail!("a new wrong fix needs --mistake \"...\" and --rejected-by test,test");
    }
    let base_text = read(&base.dir(root, exercise).join("src/lib.rs"))?;
    let text = fix.render(&base_text, &read(&lib)?)?;
    write(&file, &text)?;
    println!(
        "wrote {} ({} lines); `cargo lab verify --only {}` checks that the tests reject it",
        file.strip_prefix(root).unwrap_or(&file).display(),
        text.lines().count(),
        exercise.name
    );
    Ok(())
}

/// Formats one file with rustfmt (edition 2024), as the crates are.
fn format(file: &Path) -> Result<()> {
    let status = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .arg(file)
        .status()
        .context("cannot run rustfmt (rustup component add rustfmt)")?;
    if !status.success() {
        bail!("rustfmt could not format {}", file.display());
    }
    Ok(())
}
