//! Scratch workspaces under `target/lab/`: copies of course crates that
//! `verify` and `bench` build and change freely, so that nothing ever runs in
//! or writes to the learner's `exercises/`.
//!
//! A scratch workspace has the course's shared package fields, dependencies
//! (path dependencies made absolute), lints and profiles, and a copy of its
//! `Cargo.lock`, so it resolves the same versions and, built with the
//! course's target folder, compiles no dependency twice.

use std::fs;
use std::path::Path;

use crate::course::package_name;
use crate::files::{copy_dir, write};

/// Clears `scratch` and writes its workspace manifest (members: `members`)
/// and the course's lock file into it.
pub fn create(root: &Path, scratch: &Path, members: &[&str]) -> Result<(), String> {
    if scratch.exists() {
        fs::remove_dir_all(scratch)
            .map_err(|e| format!("cannot clear {}: {e}", scratch.display()))?;
    }
    fs::create_dir_all(scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    write(
        &scratch.join("Cargo.toml"),
        workspace_manifest(root, members)?,
    )?;
    let lock = root.join("Cargo.lock");
    if lock.exists() {
        fs::copy(&lock, scratch.join("Cargo.lock"))
            .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
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

/// Copies a crate's Cargo.toml and src/ (nothing else: no target, no backups).
pub fn copy_crate(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    fs::copy(from.join("Cargo.toml"), to.join("Cargo.toml"))
        .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    copy_dir(&from.join("src"), &to.join("src"))
}

/// Renames a copied crate's package to `<prefix>-<name>` and returns the
/// new name. Cargo derives an artifact's identity from the package name and its
/// path relative to the workspace root, so a copy at `exercises/01_why` with
/// the original name would share its build artifacts and freshness record
/// with the learner's own crate: a later `cargo test` there could then run a
/// binary built from the copy.
pub fn prefix_package(copy: &Path, prefix: &str) -> Result<String, String> {
    let manifest = copy.join("Cargo.toml");
    let name = format!("{prefix}-{}", package_name(&manifest)?);
    rename_package(&manifest, &name)?;
    Ok(name)
}

pub fn rename_package(manifest: &Path, name: &str) -> Result<(), String> {
    let text = fs::read_to_string(manifest).map_err(|e| e.to_string())?;
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    let package = table
        .get_mut("package")
        .and_then(|p| p.as_table_mut())
        .ok_or("no [package]")?;
    package.insert("name".into(), name.into());
    package.remove("description");
    write(
        manifest,
        &toml::to_string(&table).map_err(|e| e.to_string())?,
    )
}
