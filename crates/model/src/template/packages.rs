//! Package names and versions per manager, and package lists as pasted or imported
//! (`base.apt`: one package per line, `#` comments and blank lines ignored).

use serde::{Deserialize, Serialize};

use super::kinds::PackageManager;

/// The longest package name and version accepted.
const MAX_NAME: usize = 128;
const MAX_VERSION: usize = 64;
/// Packages in one bucket at most.
pub const MAX_BUCKET_PACKAGES: usize = 500;

/// One package: its manager, its name and optionally a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageRef {
    pub manager: PackageManager,
    pub name: String,
    pub version: Option<String>,
}

/// `true` for letters, digits and the given punctuation.
fn made_of(text: &str, punctuation: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || punctuation.contains(c))
}

/// A name the manager accepts that can never be an option or a shell word.
fn valid_name(manager: PackageManager, name: &str) -> bool {
    let plain = |n: &str| {
        (1..=MAX_NAME).contains(&n.len())
            && n.starts_with(|c: char| c.is_ascii_alphanumeric())
            && made_of(n, "+-._")
    };
    match manager {
        PackageManager::Apt | PackageManager::Apk | PackageManager::Dnf => {
            plain(name) && made_of(name, "+-._:")
        }
        PackageManager::Pip => plain(name),
        PackageManager::Npm => match name.strip_prefix('@') {
            Some(scoped) => scoped
                .split_once('/')
                .is_some_and(|(scope, package)| plain(scope) && plain(package)),
            None => plain(name),
        },
    }
}

/// A version: letters, digits and `.+~:_*-`, an npm range may start with `^` or `~`.
fn valid_version(version: &str) -> bool {
    let bare = version.trim_start_matches(['^', '~']);
    (1..=MAX_VERSION).contains(&version.len())
        && bare.starts_with(|c: char| c.is_ascii_alphanumeric())
        && made_of(bare, ".+~:_*-")
}

impl PackageRef {
    /// Reads `spec` in the manager's own syntax: `name=version` (apt, apk, dnf),
    /// `name==version` (pip), `name@version` (npm, whose names may be `@scope/name`).
    pub fn parse(manager: PackageManager, spec: &str) -> Result<PackageRef, String> {
        let spec = spec.trim();
        let (name, version) = match manager {
            PackageManager::Pip => match spec.split_once("==") {
                Some((name, version)) => (name, Some(version)),
                None => (spec, None),
            },
            PackageManager::Npm => match spec.char_indices().skip(1).find(|(_, c)| *c == '@') {
                Some((at, _)) => (&spec[..at], Some(&spec[at + 1..])),
                None => (spec, None),
            },
            _ => match spec.split_once('=') {
                Some((name, version)) => (name, Some(version)),
                None => (spec, None),
            },
        };
        if !valid_name(manager, name) {
            return Err(format!("{spec:?} is not a package name for {manager}"));
        }
        if let Some(version) = version
            && !valid_version(version)
        {
            return Err(format!("{spec:?}: {version:?} is not a version"));
        }
        Ok(PackageRef {
            manager,
            name: name.to_owned(),
            version: version.map(str::to_owned),
        })
    }

    /// Back in the manager's syntax, as [`PackageRef::parse`] reads it and the manager's
    /// install command takes it.
    pub fn spec(&self) -> String {
        let Some(version) = &self.version else {
            return self.name.clone();
        };
        let separator = match self.manager {
            PackageManager::Pip => "==",
            PackageManager::Npm => "@",
            PackageManager::Dnf => "-",
            PackageManager::Apt | PackageManager::Apk => "=",
        };
        format!("{}{separator}{version}", self.name)
    }

    /// As written in a package list file: like [`PackageRef::spec`] but dnf keeps `=`,
    /// so the list reads back unambiguously.
    pub fn list_line(&self) -> String {
        match (&self.version, self.manager) {
            (Some(version), PackageManager::Dnf) => format!("{}={version}", self.name),
            _ => self.spec(),
        }
    }
}

/// A package list as read: the packages in order, how many lines repeated one, and the
/// lines that are not packages (1-based line number and text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageList {
    pub packages: Vec<PackageRef>,
    pub duplicates: usize,
    pub invalid: Vec<(usize, String)>,
}

/// Reads a package list for `manager`: one package per line, `#` comments (whole lines or
/// after a package) and blank lines ignored.
pub fn parse_list(manager: PackageManager, text: &str) -> PackageList {
    let mut list = PackageList::default();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match PackageRef::parse(manager, line) {
            Ok(package) if list.packages.iter().any(|p| p.name == package.name) => {
                list.duplicates += 1;
            }
            Ok(package) => list.packages.push(package),
            Err(_) => list.invalid.push((index + 1, line.to_owned())),
        }
    }
    list
}

/// A package list file's text for `packages` (those of `manager`), one per line.
pub fn list_text(manager: PackageManager, packages: &[PackageRef]) -> String {
    packages
        .iter()
        .filter(|p| p.manager == manager)
        .map(|p| format!("{}\n", p.list_line()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_manager_reads_its_own_version_syntax() {
        let apt = PackageRef::parse(PackageManager::Apt, "nginx=1.22.1-9").unwrap();
        assert_eq!(
            (apt.name.as_str(), apt.version.as_deref()),
            ("nginx", Some("1.22.1-9"))
        );
        let pip = PackageRef::parse(PackageManager::Pip, "requests==2.31.0").unwrap();
        assert_eq!(pip.spec(), "requests==2.31.0");
        let npm = PackageRef::parse(PackageManager::Npm, "@vue/cli@^5.0").unwrap();
        assert_eq!(
            (npm.name.as_str(), npm.version.as_deref()),
            ("@vue/cli", Some("^5.0"))
        );
        assert_eq!(
            PackageRef::parse(PackageManager::Npm, "pm2")
                .unwrap()
                .spec(),
            "pm2"
        );
        let dnf = PackageRef::parse(PackageManager::Dnf, "httpd=2.4.57").unwrap();
        assert_eq!(dnf.spec(), "httpd-2.4.57");
        assert_eq!(dnf.list_line(), "httpd=2.4.57");
        for bad in ["-y", "curl; rm", "a b", "", "nginx=", "$(x)", "../x"] {
            assert!(
                PackageRef::parse(PackageManager::Apt, bad).is_err(),
                "{bad}"
            );
        }
        assert!(PackageRef::parse(PackageManager::Npm, "@scope").is_err());
        assert!(PackageRef::parse(PackageManager::Pip, "x==1;rm").is_err());
    }

    #[test]
    fn lists_skip_comments_count_duplicates_and_name_bad_lines() {
        let text = "# web\ncurl\n\nnginx # the server\ncurl\nbad name\n--force\n";
        let list = parse_list(PackageManager::Apt, text);
        let names: Vec<&str> = list.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["curl", "nginx"]);
        assert_eq!(list.duplicates, 1);
        assert_eq!(
            list.invalid,
            [(6, "bad name".to_owned()), (7, "--force".to_owned())]
        );
        assert_eq!(
            list_text(PackageManager::Apt, &list.packages),
            "curl\nnginx\n"
        );
    }
}
