//! The template pages: the list with the starters (`/templates`), one template
//! (`/templates/{id}`), the form for a new or changed template (`/templates/new`,
//! `/templates/{id}/edit`), the package buckets (`/templates/buckets`) and the archive
//! import (`/templates/import`). Every page works as plain forms without JavaScript.

mod buckets;
mod detail;
mod form;
mod import;
mod list;

pub use buckets::BucketsPage;
pub use detail::TemplatePage;
pub use form::{EditTemplatePage, NewTemplatePage};
pub use import::ImportTemplatesPage;
pub use list::TemplatesPage;

use leptos::prelude::*;
use model::template::PackageRef;

/// Tags as small badges.
#[component]
pub(crate) fn Tags(tags: Vec<String>) -> impl IntoView {
    tags.into_iter()
        .map(|tag| view! { <span class="badge tag">{tag}</span> " " })
        .collect_view()
}

/// `nginx`, `requests==2.31` … as one line, grouped by manager: `apt: curl, nginx`.
pub(crate) fn packages_by_manager(packages: &[PackageRef]) -> Vec<(String, String)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for package in packages {
        let manager = package.manager.to_string();
        match groups.iter_mut().find(|(m, _)| *m == manager) {
            Some((_, names)) => names.push(package.spec()),
            None => groups.push((manager, vec![package.spec()])),
        }
    }
    groups
        .into_iter()
        .map(|(manager, names)| (manager, names.join(", ")))
        .collect()
}

/// "3 scripts · 12 packages · 2 files".
pub(crate) fn counts(scripts: usize, packages: usize, files: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{} · {} · {}",
        plural(scripts, "script"),
        plural(packages, "package"),
        plural(files, "file")
    )
}
