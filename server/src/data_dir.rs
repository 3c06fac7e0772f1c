//! The data directory and what the server leaves in it for its operator: created
//! readable by this user only (0700), the one-time setup code (0600, shown by
//! `corral setup-code`), and the warning for a key file others can read.

use std::path::{Path, PathBuf};

use backend::Backend;

use crate::StartError;
use crate::config::Config;

/// Creates the data directory readable by this user only (0700); an existing one is
/// left as the operator made it.
pub(crate) fn ensure_data_dir(config: &Config) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&config.data_dir)
        .map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })
}

/// Where the setup code waits for `corral setup-code`.
fn setup_code_path(config: &Config) -> PathBuf {
    config.data_dir.join("setup-code")
}

/// While no account exists: issues the setup code, prints it in the log and leaves it in
/// `<data-dir>/setup-code` (0600). Once setup is done, a stale file is removed.
pub(crate) async fn offer_setup_code(config: &Config, backend: &Backend) -> Result<(), StartError> {
    let path = setup_code_path(config);
    let fresh = !backend::accounts::any_user_exists(backend)
        .await
        .map_err(|e| StartError::Setup(e.to_string()))?;
    if !fresh {
        if path.exists() {
            let _ = std::fs::remove_file(&path);
        }
        return Ok(());
    }
    ensure_data_dir(config)?;
    let code = backend.setup_code.issue();
    write_private(&path, format!("{}\n", code.as_str()).as_bytes())
        .map_err(|e| StartError::Setup(format!("cannot write {}: {e}", path.display())))?;
    tracing::warn!(
        setup_code = %code.as_str(),
        file = %path.display(),
        "no account exists yet: open Corral and create the administrator with this setup code"
    );
    Ok(())
}

/// Writes a file only this user can read (mode 0600 from the start).
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

/// `corral setup-code`: prints the code the running server issued.
pub(crate) fn show_setup_code(config: &Config) -> Result<(), StartError> {
    let path = setup_code_path(config);
    match std::fs::read_to_string(&path) {
        Ok(code) => {
            println!("{}", code.trim());
            Ok(())
        }
        Err(_) => Err(StartError::Setup(format!(
            "no setup code in {}: setup is done (sign in instead), or the server has not started with this data directory",
            path.display()
        ))),
    }
}

/// Warns when the key file can be read by other users of this machine.
pub(crate) fn warn_if_shared(path: &str) {
    if let Some(mode) = shared_mode(Path::new(path)) {
        tracing::warn!(
            %path,
            mode = format!("{mode:o}"),
            "the master key file can be read by other users: chmod 600 it"
        );
    }
}

/// The file's permission bits when its group or others have any access.
fn shared_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_key_file_others_can_read_is_noticed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("master.key");
        write_private(&path, b"1:x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shared_mode(&path), None, "written 0600");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shared_mode(&path), Some(0o644));
    }
}
