//! The built-in starter templates (`crates/backend/starters/<slug>/`, in the folder
//! layout), offered to every user: adding one copies it into the user's own templates
//! (then theirs to change) through the same import as an uploaded archive.

use model::template::{ImportReport, StarterSummary, TemplateSource};

use super::archive::Entries;
use super::import::{SameName, import_entries};
use super::layout::{self, FolderFiles};
use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};

/// One starter: its word and its folder's files.
struct Starter {
    slug: &'static str,
    files: &'static [(&'static str, &'static str)],
}

macro_rules! starter {
    ($slug:literal, [$($path:literal),* $(,)?]) => {
        Starter {
            slug: $slug,
            files: &[$(($path, include_str!(concat!("../../starters/", $slug, "/", $path)))),*],
        }
    };
}

const STARTERS: &[Starter] = &[
    starter!(
        "debian-base",
        [
            "template.conf",
            "container-configs/packages/base.apt",
            "container-configs/scripts/01-upgrade.sh",
            "container-configs/scripts/02-unattended-upgrades.sh",
            "container-configs/scripts/03-admin-user.sh",
            "container-configs/files/20auto-upgrades",
            "container-configs/files/20auto-upgrades.path",
            "container-configs/files/20auto-upgrades.policy",
        ]
    ),
    starter!(
        "nginx",
        [
            "template.conf",
            "container-configs/packages/web.apt",
            "container-configs/packages/web.apk",
            "container-configs/scripts/01-serve.sh",
            "container-configs/files/index.html",
            "container-configs/files/index.html.path",
            "container-configs/files/index.html.policy",
        ]
    ),
    starter!(
        "postgresql",
        [
            "template.conf",
            "container-configs/packages/database.apt",
            "container-configs/scripts/01-password.sh",
        ]
    ),
    starter!(
        "docker-host",
        [
            "template.conf",
            "container-configs/packages/docker.apt",
            "container-configs/scripts/01-docker.sh",
        ]
    ),
];

impl Starter {
    fn folder(&self) -> FolderFiles {
        self.files
            .iter()
            .map(|(path, content)| ((*path).to_owned(), content.as_bytes().to_vec()))
            .collect()
    }
}

/// Every starter, as the template list offers them.
pub fn catalogue() -> Vec<StarterSummary> {
    STARTERS
        .iter()
        .filter_map(|starter| {
            // Each starter reads cleanly (a unit test holds it to that).
            let read = layout::read(starter.slug, &starter.folder()).ok()?;
            let content = read.content;
            Some(StarterSummary {
                slug: starter.slug.to_owned(),
                name: content.name,
                description: content.description,
                tags: content.tags,
                os_hint: content.os_hint,
                scripts: content.scripts.len(),
                packages: content.packages.len()
                    + read.buckets.iter().map(|(_, p)| p.len()).sum::<usize>(),
                files: content.files.len(),
            })
        })
        .collect()
}

/// Copies starter `slug` into the user's templates (named `Name (2)` when the user has a
/// template of its name already); its buckets merge into the user's by name.
pub async fn add(backend: &Backend, user: &User, slug: &str) -> ServiceResult<ImportReport> {
    let well_formed = (1..=64).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !well_formed {
        return Err(ServiceError::field("slug", "not a starter's name"));
    }
    let starter = STARTERS
        .iter()
        .find(|s| s.slug == slug)
        .ok_or(ServiceError::NotFound)?;
    let entries: Entries = starter
        .folder()
        .into_iter()
        .map(|(path, content)| (format!("{}/{path}", starter.slug), content))
        .collect();
    import_entries(
        backend,
        user,
        entries,
        TemplateSource::Starter,
        SameName::Rename,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_starter_reads_cleanly() {
        for starter in STARTERS {
            let read = layout::read(starter.slug, &starter.folder())
                .unwrap_or_else(|e| panic!("{}: {e}", starter.slug));
            assert!(
                read.ignored.is_empty(),
                "{}: {:?}",
                starter.slug,
                read.ignored
            );
            assert!(!read.content.scripts.is_empty(), "{}", starter.slug);
        }
        assert_eq!(catalogue().len(), STARTERS.len());
    }
}
