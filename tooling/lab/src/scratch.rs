//! Scratch workspaces under `target/lab/`: copies of course crates that
//! `verify` and `bench` build and change freely, so that nothing ever runs in
//! or writes to the learner's `exercises/`.
//!
//! A scratch workspace has the course's shared package fields, dependencies
//! (path dependencies made absolute), lints and profiles, and a copy of its
//! `Cargo.lock`, so it resolves the same versions and, built with the
//! course's target folder, compiles no dependency twice.

use std::fs;
use std::path::{Path, PathBuf};

use crate::files::{copy_dir, write_if_changed};

/// Writes the scratch workspace's manifest (members: `members`) and the
/// course's lock file. What is already there stays, unchanged files keep
/// their modification times, so a second run rebuilds nothing that did not
/// change; `prune` removes crates that are no longer wanted.
pub fn create(root: &Path, scratch: &Path, members: &[&str]) -> Result<(), String> {
    fs::create_dir_all(scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    write_if_changed(
        &scratch.join("Cargo.toml"),
        workspace_manifest(root, members)?,
    )?;
    if let Ok(lock) = fs::read(root.join("Cargo.lock")) {
        write_if_changed(&scratch.join("Cargo.lock"), lock)?;
    }
    Ok(())
}

/// Removes every crate folder under `scratch` at `depth` levels below one of
/// `parents` (e.g. `exercises` at depth 1) that is not in `keep`.
pub fn prune(scratch: &Path, parents: &[(&str, usize)], keep: &[PathBuf]) -> Result<(), String> {
    fn walk(dir: &Path, depth: usize, keep: &[PathBuf]) -> Result<(), String> {
        let Ok(entries) = fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if depth == 1 {
                if !keep.contains(&path) {
                    fs::remove_dir_all(&path)
                        .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
                }
            } else {
                walk(&path, depth - 1, keep)?;
            }
        }
        Ok(())
    }
    for (parent, depth) in parents {
        walk(&scratch.join(parent), *depth, keep)?;
    }
    Ok(())
}

/// The scratch workspace's Cargo.toml: the course's shared package fields,
/// dependencies (path dependencies made absolute), lints and profiles.
fn workspace_manifest(root: &Path, members: &[&str]) -> Result<String, String> {
    let text = fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let course: toml::Table = toml::from_str(&text).map_err(|e| format!("Cargo.toml: {e}"))?;
    let workspace = course
        .get("workspace")
        .and_then(|w| w.as_table())
        .ok_or("Cargo.toml has no [workspace]")?;

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
        toml::to_string(&scratch).map_err(|e| e.to_string())?
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
/// `lib`, if given, replaces `src/lib.rs` (a wrong fix in place of the starter).
pub fn copy_crate(
    from: &Path,
    to: &Path,
    rename: impl FnOnce(&str) -> String,
    lib: Option<&Path>,
) -> Result<String, String> {
    let text = fs::read_to_string(from.join("Cargo.toml"))
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let mut manifest: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    let package = manifest
        .get_mut("package")
        .and_then(|p| p.as_table_mut())
        .ok_or("no [package]")?;
    let name = rename(
        package
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or("no package name")?,
    );
    package.insert("name".into(), name.clone().into());
    package.remove("description");
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    write_if_changed(
        &to.join("Cargo.toml"),
        toml::to_string(&manifest).map_err(|e| e.to_string())?,
    )?;
    let (src, copy) = (from.join("src"), to.join("src"));
    fs::create_dir_all(&copy).map_err(|e| format!("cannot create {}: {e}", copy.display()))?;
    for entry in fs::read_dir(&src)
        .map_err(|e| format!("cannot read {}: {e}", src.display()))?
        .flatten()
    {
        let (path, target) = (entry.path(), copy.join(entry.file_name()));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else if !(lib.is_some() && entry.file_name() == "lib.rs") {
            write_if_changed(
                &target,
                fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            )?;
        }
    }
    if let Some(lib) = lib {
        write_if_changed(
            &copy.join("lib.rs"),
            fs::read(lib).map_err(|e| format!("cannot read {}: {e}", lib.display()))?,
        )?;
    }
    Ok(name)
}
