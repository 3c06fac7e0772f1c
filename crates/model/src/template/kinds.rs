//! The words a template is made of: package managers, file policies and where a template
//! came from. Each travels as its lowercase word.

use serde::{Deserialize, Serialize};

/// A package manager a template's packages are installed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Apt,
    Apk,
    Dnf,
    Pip,
    Npm,
}

impl PackageManager {
    /// Every manager, the distributions' own first.
    pub const ALL: [PackageManager; 5] = [
        PackageManager::Apt,
        PackageManager::Apk,
        PackageManager::Dnf,
        PackageManager::Pip,
        PackageManager::Npm,
    ];

    /// The manager named `word` (`apt`, `apk`, `dnf`, `pip`, `npm`).
    pub fn parse(word: &str) -> Option<PackageManager> {
        PackageManager::ALL
            .into_iter()
            .find(|m| m.as_str() == word.trim())
    }

    /// Its word, also the file extension of a package list (`base.apt`).
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt",
            PackageManager::Apk => "apk",
            PackageManager::Dnf => "dnf",
            PackageManager::Pip => "pip",
            PackageManager::Npm => "npm",
        }
    }

    /// A distribution's own manager (one per container), not a language's.
    pub fn is_system(self) -> bool {
        matches!(
            self,
            PackageManager::Apt | PackageManager::Apk | PackageManager::Dnf
        )
    }
}

impl std::fmt::Display for PackageManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What deploying a file does when the target already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilePolicy {
    /// Overwrite it when it differs.
    #[default]
    Replace,
    /// Leave it; write only when missing.
    Default,
    /// Move it to `name.backup-YYYYMMDD-HHMMSS`, then write.
    Backup,
}

impl FilePolicy {
    /// Every policy, with the words the form shows.
    pub const ALL: [(FilePolicy, &'static str); 3] = [
        (FilePolicy::Replace, "replace: overwrite when different"),
        (FilePolicy::Default, "default: write only when missing"),
        (
            FilePolicy::Backup,
            "backup: keep the old file as name.backup-…",
        ),
    ];

    /// The policy named `word`.
    pub fn parse(word: &str) -> Option<FilePolicy> {
        match word.trim() {
            "replace" => Some(FilePolicy::Replace),
            "default" => Some(FilePolicy::Default),
            "backup" => Some(FilePolicy::Backup),
            _ => None,
        }
    }

    /// Its word, as in a `<file>.policy` sidecar.
    pub fn as_str(self) -> &'static str {
        match self {
            FilePolicy::Replace => "replace",
            FilePolicy::Default => "default",
            FilePolicy::Backup => "backup",
        }
    }
}

/// How a template came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateSource {
    /// Made in the form.
    #[default]
    User,
    /// Imported from a folder or an archive.
    Import,
    /// Copied from a built-in starter.
    Starter,
}

impl TemplateSource {
    /// Its word in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateSource::User => "user",
            TemplateSource::Import => "import",
            TemplateSource::Starter => "starter",
        }
    }

    /// The source stored as `word` (unknown words read as made by the user).
    pub fn parse(word: &str) -> TemplateSource {
        match word {
            "import" => TemplateSource::Import,
            "starter" => TemplateSource::Starter,
            _ => TemplateSource::User,
        }
    }
}
