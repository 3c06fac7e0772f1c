//! The packages phase: the container's package manager found from `/etc/os-release`
//! (apt, apk or dnf), the lists refreshed, the extra packages installed.

use model::job::Phase;
use model::template::{PackageManager, PackageRef};

use super::{Halt, JobRun};

impl JobRun<'_> {
    /// Installs the packages: the container's own manager's first (the template's and
    /// the extra ones, with python3-pip or npm when pip or npm packages follow), then
    /// pip's, then npm's. A template's packages for another distribution's manager are
    /// skipped with a warning.
    pub(super) async fn packages(&self) -> Result<(), Halt> {
        let phase = Phase::Packages;
        let wanted = &self.spec.template_packages;
        if self.spec.packages.is_empty() && wanted.is_empty() {
            return self.info(phase, 1.0, "No extra packages.").await;
        }
        let release = self
            .must_run(
                phase,
                0.0,
                &["cat", "/etc/os-release"],
                "reading /etc/os-release",
            )
            .await?;
        let manager = SystemManager::from_os_release(&release.stdout).ok_or_else(|| {
            Halt::failed(
                phase,
                "unknown distribution: no apt, apk or dnf to install packages with",
            )
        })?;
        let own = manager.as_manager();
        let specs_of = |of: PackageManager| -> Vec<String> {
            wanted
                .iter()
                .filter(|p| p.manager == of)
                .map(PackageRef::spec)
                .collect()
        };
        let skipped: Vec<String> = wanted
            .iter()
            .filter(|p| p.manager.is_system() && p.manager != own)
            .map(|p| format!("{} ({})", p.name, p.manager))
            .collect();
        if !skipped.is_empty() {
            let message = format!(
                "Skipped {} for another distribution (this container uses {own}): {}.",
                plural(skipped.len(), "package"),
                skipped.join(", ")
            );
            self.warn(phase, 0.05, message).await?;
        }
        let pip = specs_of(PackageManager::Pip);
        let npm = specs_of(PackageManager::Npm);
        let mut system = specs_of(own);
        for extra in &self.spec.packages {
            if !system.contains(extra) {
                system.push(extra.clone());
            }
        }
        let helpers: Vec<&str> = [
            (!pip.is_empty()).then(|| manager.pip_package()),
            (!npm.is_empty()).then_some("npm"),
        ]
        .into_iter()
        .flatten()
        .filter(|helper| !system.iter().any(|p| p == helper))
        .collect();
        system.extend(helpers.iter().map(|h| (*h).to_owned()));
        if !system.is_empty() {
            self.info(
                phase,
                0.1,
                format!("Installing {} with {}.", system.join(", "), manager.name()),
            )
            .await?;
            self.must_run(
                phase,
                0.15,
                &manager.refresh(),
                "refreshing the package lists",
            )
            .await?;
            self.stop_if_cancelled(phase).await?;
            let mut install = manager.install();
            install.extend(system.iter().map(String::as_str));
            self.must_run(phase, 0.3, &install, "installing the packages")
                .await?;
        }
        if !pip.is_empty() {
            self.stop_if_cancelled(phase).await?;
            self.info(
                phase,
                0.6,
                format!("Installing {} with pip.", pip.join(", ")),
            )
            .await?;
            let mut install = manager.pip_install();
            install.extend(pip.iter().map(String::as_str));
            self.must_run(phase, 0.65, &install, "installing the pip packages")
                .await?;
        }
        if !npm.is_empty() {
            self.stop_if_cancelled(phase).await?;
            self.info(
                phase,
                0.8,
                format!("Installing {} with npm.", npm.join(", ")),
            )
            .await?;
            let mut install = vec!["npm", "install", "--global"];
            install.extend(npm.iter().map(String::as_str));
            self.must_run(phase, 0.85, &install, "installing the npm packages")
                .await?;
        }
        self.info(phase, 1.0, "Packages installed.").await
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The container's own package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SystemManager {
    Apt,
    Apk,
    Dnf,
}

impl SystemManager {
    /// From `/etc/os-release`: `ID` first, then `ID_LIKE`.
    fn from_os_release(text: &str) -> Option<SystemManager> {
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_ascii_lowercase())
                .unwrap_or_default()
        };
        let ids = format!("{} {}", value("ID"), value("ID_LIKE"));
        ids.split_whitespace().find_map(|id| match id {
            "debian" | "ubuntu" | "devuan" | "kali" => Some(SystemManager::Apt),
            "alpine" => Some(SystemManager::Apk),
            "fedora" | "rhel" | "centos" | "rocky" | "almalinux" | "ol" => Some(SystemManager::Dnf),
            _ => None,
        })
    }

    /// The same manager as templates name it.
    fn as_manager(self) -> PackageManager {
        match self {
            SystemManager::Apt => PackageManager::Apt,
            SystemManager::Apk => PackageManager::Apk,
            SystemManager::Dnf => PackageManager::Dnf,
        }
    }

    /// The distribution's package that brings pip.
    fn pip_package(self) -> &'static str {
        match self {
            SystemManager::Apk => "py3-pip",
            SystemManager::Apt | SystemManager::Dnf => "python3-pip",
        }
    }

    /// pip's install command: Debian and Alpine mark the system Python as externally
    /// managed (PEP 668), so pip must be told that installing into it is intended.
    fn pip_install(self) -> Vec<&'static str> {
        match self {
            SystemManager::Apt | SystemManager::Apk => {
                vec!["pip3", "install", "--break-system-packages"]
            }
            SystemManager::Dnf => vec!["pip3", "install"],
        }
    }

    /// Its command's name.
    fn name(self) -> &'static str {
        match self {
            SystemManager::Apt => "apt",
            SystemManager::Apk => "apk",
            SystemManager::Dnf => "dnf",
        }
    }

    /// The command that refreshes the package lists.
    fn refresh(self) -> Vec<&'static str> {
        match self {
            SystemManager::Apt => {
                vec!["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update"]
            }
            SystemManager::Apk => vec!["apk", "update"],
            SystemManager::Dnf => vec!["dnf", "makecache"],
        }
    }

    /// The install command; the package names follow.
    fn install(self) -> Vec<&'static str> {
        match self {
            SystemManager::Apt => vec![
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
            ],
            // Package names never start with `-` (checked), so they cannot be options.
            SystemManager::Apk => vec!["apk", "add", "--no-cache"],
            SystemManager::Dnf => vec!["dnf", "install", "-y"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_managers_come_from_os_release() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n";
        let rocky = "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n";
        let mint = "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n";
        assert_eq!(
            SystemManager::from_os_release(debian),
            Some(SystemManager::Apt)
        );
        assert_eq!(
            SystemManager::from_os_release(rocky),
            Some(SystemManager::Dnf)
        );
        assert_eq!(
            SystemManager::from_os_release(mint),
            Some(SystemManager::Apt)
        );
        assert_eq!(
            SystemManager::from_os_release("ID=alpine"),
            Some(SystemManager::Apk)
        );
        assert_eq!(SystemManager::from_os_release("ID=arch"), None);
    }
}
