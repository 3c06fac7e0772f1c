//! The packages phase: the container's package manager found from `/etc/os-release`
//! (apt, apk or dnf), the lists refreshed, the extra packages installed.

use model::job::Phase;

use super::{Halt, JobRun};

impl JobRun<'_> {
    /// Installs the extra packages with the container's own package manager.
    pub(super) async fn packages(&self) -> Result<(), Halt> {
        let phase = Phase::Packages;
        if self.spec.packages.is_empty() {
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
        let manager = PackageManager::from_os_release(&release.stdout).ok_or_else(|| {
            Halt::failed(
                phase,
                "unknown distribution: no apt, apk or dnf to install packages with",
            )
        })?;
        self.info(
            phase,
            0.1,
            format!(
                "Installing {} with {}.",
                self.spec.packages.join(", "),
                manager.name()
            ),
        )
        .await?;
        self.must_run(
            phase,
            0.2,
            &manager.refresh(),
            "refreshing the package lists",
        )
        .await?;
        self.stop_if_cancelled(phase).await?;
        let mut install = manager.install();
        install.extend(self.spec.packages.iter().map(String::as_str));
        self.must_run(phase, 0.5, &install, "installing the packages")
            .await?;
        self.info(phase, 1.0, "Packages installed.").await
    }
}

/// The container's own package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PackageManager {
    Apt,
    Apk,
    Dnf,
}

impl PackageManager {
    /// From `/etc/os-release`: `ID` first, then `ID_LIKE`.
    fn from_os_release(text: &str) -> Option<PackageManager> {
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_ascii_lowercase())
                .unwrap_or_default()
        };
        let ids = format!("{} {}", value("ID"), value("ID_LIKE"));
        ids.split_whitespace().find_map(|id| match id {
            "debian" | "ubuntu" | "devuan" | "kali" => Some(PackageManager::Apt),
            "alpine" => Some(PackageManager::Apk),
            "fedora" | "rhel" | "centos" | "rocky" | "almalinux" | "ol" => {
                Some(PackageManager::Dnf)
            }
            _ => None,
        })
    }

    /// Its command's name.
    fn name(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt",
            PackageManager::Apk => "apk",
            PackageManager::Dnf => "dnf",
        }
    }

    /// The command that refreshes the package lists.
    fn refresh(self) -> Vec<&'static str> {
        match self {
            PackageManager::Apt => {
                vec!["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update"]
            }
            PackageManager::Apk => vec!["apk", "update"],
            PackageManager::Dnf => vec!["dnf", "makecache"],
        }
    }

    /// The install command; the package names follow.
    fn install(self) -> Vec<&'static str> {
        match self {
            PackageManager::Apt => vec![
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
            ],
            // Package names never start with `-` (checked), so they cannot be options.
            PackageManager::Apk => vec!["apk", "add", "--no-cache"],
            PackageManager::Dnf => vec!["dnf", "install", "-y"],
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
            PackageManager::from_os_release(debian),
            Some(PackageManager::Apt)
        );
        assert_eq!(
            PackageManager::from_os_release(rocky),
            Some(PackageManager::Dnf)
        );
        assert_eq!(
            PackageManager::from_os_release(mint),
            Some(PackageManager::Apt)
        );
        assert_eq!(
            PackageManager::from_os_release("ID=alpine"),
            Some(PackageManager::Apk)
        );
        assert_eq!(PackageManager::from_os_release("ID=arch"), None);
    }
}
