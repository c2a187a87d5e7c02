//! Scratch workspaces under `target/lab/`: copies of course crates that
//! `verify`, `bench` and the runner's own tests build and change freely, so
//! that nothing ever runs in or writes to the learner's `exercises/`.
//!
//! A scratch workspace has the course's shared package fields, dependencies
//! (path dependencies made absolute), lints and profiles, and a copy of its
//! `Cargo.lock`, so it resolves the same versions and, built with the
//! course's target folder, compiles no dependency twice.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::files::{files_under, read, write_if_changed};

/// Writes the scratch workspace's manifest (members: `members`) and the
/// course's lock file. What is already there stays, unchanged files keep
/// their modification times, so a second run rebuilds nothing that did not
/// change; `prune` removes crates that are no longer wanted.
pub fn create(root: &Path, scratch: &Path, members: &[&str]) -> Result<()> {
    write_if_changed(
        &scratch.join("Cargo.toml"),
        workspace_manifest(root, members)?,
    )?;
    if let Ok(lock) = fs_err::read(root.join("Cargo.lock")) {
        write_if_changed(&scratch.join("Cargo.lock"), lock)?;
    }
    Ok(())
}

/// Removes every crate folder directly under `scratch/<parent>` (for each
/// parent) that is not in `keep`.
pub fn prune(scratch: &Path, parents: &[&str], keep: &[PathBuf]) -> Result<()> {
    for parent in parents {
        let Ok(entries) = fs_err::read_dir(scratch.join(parent)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && !keep.contains(&path) {
                fs_err::remove_dir_all(&path)?;
            }
        }
    }
    Ok(())
}

/// The scratch workspace's Cargo.toml: the course's shared package fields,
/// dependencies (path dependencies made absolute), lints and profiles.
pub fn workspace_manifest(root: &Path, members: &[&str]) -> Result<String> {
    let path = root.join("Cargo.toml");
    let course: toml::Table = toml::from_str(&read(&path)?)
        .with_context(|| format!("{} is not valid", path.display()))?;
    let workspace = course
        .get("workspace")
        .and_then(|w| w.as_table())
        .context("Cargo.toml has no [workspace]")?;

    let mut scratch_workspace = toml::Table::new();
    scratch_workspace.insert("resolver".into(), "3".into());
    scratch_workspace.insert(
        "members".into(),
        toml::Value::Array(members.iter().map(|m| (*m).into()).collect()),
    );
    for key in ["package", "lints"] {
        if let Some(value) = workspace.get(key) {
            scratch_workspace.insert(key.into(), value.clone());
        }
    }
    if let Some(dependencies) = workspace.get("dependencies").and_then(|d| d.as_table()) {
        let mut dependencies = dependencies.clone();
        for (_, spec) in dependencies.iter_mut() {
            if let Some(path) = spec.get_mut("path") {
                let absolute = root.join(path.as_str().unwrap_or_default());
                *path = absolute.to_string_lossy().into_owned().into();
            }
        }
        scratch_workspace.insert("dependencies".into(), dependencies.into());
    }
    let mut scratch = toml::Table::new();
    scratch.insert("workspace".into(), scratch_workspace.into());
    if let Some(profile) = course.get("profile") {
        scratch.insert("profile".into(), profile.clone());
    }
    Ok(format!(
        "# Written by `cargo lab`; rewritten on every run.\n{}",
        toml::to_string(&scratch)?
    ))
}

/// Copies a crate's src/ and its Cargo.toml, with the package renamed by
/// `rename` (nothing else: no target, no backups); returns the new name.
///
/// Copies are renamed because cargo derives an artifact's identity from the
/// package name and its path relative to the workspace root: a copy at
/// `exercises/01_why` with the original name would share its build artifacts
/// and freshness record with the learner's own crate, and a later
/// `cargo test` there could run a binary built from the copy.
///
/// `lib`, if given, is written as `src/lib.rs` instead of the crate's own
/// (a wrong fix in place of its base).
pub fn copy_crate(
    from: &Path,
    to: &Path,
    rename: impl FnOnce(&str) -> String,
    lib: Option<&str>,
) -> Result<String> {
    let path = from.join("Cargo.toml");
    let mut manifest: toml::Table = toml::from_str(&read(&path)?)
        .with_context(|| format!("{} is not valid", path.display()))?;
    let package = manifest
        .get_mut("package")
        .and_then(|p| p.as_table_mut())
        .with_context(|| format!("{} has no [package]", path.display()))?;
    let name = rename(
        package
            .get("name")
            .and_then(|n| n.as_str())
            .with_context(|| format!("{} has no package name", path.display()))?,
    );
    package.insert("name".into(), name.clone().into());
    package.remove("description");
    write_if_changed(&to.join("Cargo.toml"), toml::to_string(&manifest)?)?;
    let (src, copy) = (from.join("src"), to.join("src"));
    for file in files_under(&src)? {
        let relative = file.strip_prefix(&src).expect("walked from src");
        match lib {
            // Written once, below: writing the base first would touch the
            // file's modification time and rebuild the copy on every run.
            Some(_) if relative == Path::new("lib.rs") => {}
            _ => write_if_changed(&copy.join(relative), fs_err::read(&file)?)?,
        }
    }
    if let Some(lib) = lib {
        write_if_changed(&copy.join("lib.rs"), lib)?;
    }
    Ok(name)
}
