//! A container's snapshots as the container page shows them: the tree Proxmox keeps
//! (each snapshot's parent), in the order it grew, with where the container is now.

use serde::{Deserialize, Serialize};

/// One snapshot in tree order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotView {
    pub name: String,
    pub description: String,
    /// RFC 3339, when it was taken (Proxmox's `snaptime`).
    pub taken_at: Option<String>,
    pub parent: Option<String>,
    /// How deep in the tree (0: a root).
    pub depth: usize,
}

/// The snapshots of one container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshots {
    /// Depth-first, each level oldest first.
    pub list: Vec<SnapshotView>,
    /// The snapshot the container's present state grew from ("you are here" hangs under
    /// it); `None` before the first snapshot or after its parent was deleted.
    pub current_parent: Option<String>,
    pub running: bool,
}

impl Snapshots {
    /// The snapshots taken after `name` on its branch (what a rollback to it loses with
    /// the present state): its descendants.
    pub fn after(&self, name: &str) -> Vec<&str> {
        let mut lost = Vec::new();
        let mut frontier = vec![name];
        while let Some(parent) = frontier.pop() {
            for child in self
                .list
                .iter()
                .filter(|s| s.parent.as_deref() == Some(parent))
            {
                lost.push(child.name.as_str());
                frontier.push(&child.name);
            }
        }
        lost
    }
}

/// Orders `(name, parent, snaptime)` entries as a tree: roots first, each snapshot's
/// children after it, oldest first; an entry whose parent is missing is a root.
pub fn tree_order(
    entries: Vec<(String, Option<String>, Option<u64>, String)>,
) -> Vec<SnapshotView> {
    let names: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let mut entries = entries;
    entries.sort_by_key(|e| (e.2.unwrap_or(0), e.0.clone()));
    let mut ordered = Vec::with_capacity(entries.len());
    fn visit(
        parent: Option<&str>,
        depth: usize,
        entries: &[(String, Option<String>, Option<u64>, String)],
        names: &[String],
        out: &mut Vec<SnapshotView>,
    ) {
        for (name, own_parent, time, description) in entries {
            let effective = own_parent
                .as_deref()
                .filter(|p| names.iter().any(|n| n == p));
            if effective != parent || out.iter().any(|s: &SnapshotView| &s.name == name) {
                continue;
            }
            out.push(SnapshotView {
                name: name.clone(),
                description: description.trim_end().to_owned(),
                taken_at: time.map(crate::time::rfc3339),
                parent: effective.map(str::to_owned),
                depth,
            });
            visit(Some(name), depth + 1, entries, names, out);
        }
    }
    visit(None, 0, &entries, &names, &mut ordered);
    ordered
}

/// Why Proxmox would refuse `name` as a snapshot name, in its terms: a letter, then
/// letters, digits, `_` or `-`, 2 to 40 characters; `current` and `vzdump` are reserved.
pub fn check_name(name: &str) -> Result<(), String> {
    let shaped = (2..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !shaped {
        return Err("a letter, then letters, digits, _ or - (2 to 40 characters)".into());
    }
    if name == "current" || name == "vzdump" {
        return Err(format!("{name} is reserved by Proxmox"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        name: &str,
        parent: Option<&str>,
        time: u64,
    ) -> (String, Option<String>, Option<u64>, String) {
        (
            name.into(),
            parent.map(Into::into),
            Some(time),
            format!("{name}\n"),
        )
    }

    #[test]
    fn snapshots_are_ordered_as_a_tree() {
        let list = tree_order(vec![
            entry("c", Some("a"), 30),
            entry("b", Some("a"), 20),
            entry("a", None, 10),
            entry("d", Some("b"), 40),
            entry("orphan", Some("gone"), 5),
        ]);
        let shape: Vec<(&str, usize)> = list.iter().map(|s| (s.name.as_str(), s.depth)).collect();
        assert_eq!(
            shape,
            [("orphan", 0), ("a", 0), ("b", 1), ("d", 2), ("c", 1)]
        );
        assert_eq!(list[1].description, "a");
        assert_eq!(list[1].taken_at.as_deref(), Some("1970-01-01T00:00:10Z"));
        let snapshots = Snapshots {
            list,
            current_parent: Some("d".into()),
            running: true,
        };
        let mut lost = snapshots.after("a");
        lost.sort_unstable();
        assert_eq!(lost, ["b", "c", "d"]);
        assert!(snapshots.after("d").is_empty());
    }

    #[test]
    fn names_are_checked_as_proxmox_does() {
        assert!(check_name("before-upgrade_2").is_ok());
        for bad in [
            "1st",
            "a",
            "with space",
            "dot.ted",
            "current",
            "vzdump",
            &"x".repeat(41),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
