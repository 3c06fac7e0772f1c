//! Template archives: a `.tar.gz` or `.zip` of one or many template folders read into
//! memory within limits (size, entries, no links, no absolute paths, no `..`), a folder
//! on disk read the same way, and a template folder written as a `.tar.gz`.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use super::layout::FolderFiles;
use crate::error::{ServiceError, ServiceResult};

/// What an upload may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// The archive itself, in bytes.
    pub max_archive_bytes: usize,
    /// All files unpacked, in bytes.
    pub max_total_bytes: usize,
    /// One file unpacked, in bytes.
    pub max_file_bytes: usize,
    /// Entries (files and folders).
    pub max_entries: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_archive_bytes: 16 * 1024 * 1024,
            max_total_bytes: 64 * 1024 * 1024,
            max_file_bytes: 1024 * 1024,
            max_entries: 20_000,
        }
    }
}

/// Every file of an archive or folder by its path (`/`-separated, relative).
pub(crate) type Entries = BTreeMap<String, Vec<u8>>;

fn refused(message: impl Into<String>) -> ServiceError {
    ServiceError::field("archive", message)
}

/// A path inside an archive made safe: relative, no `..`, no empty or `.` parts.
fn clean_path(raw: &str) -> ServiceResult<String> {
    let path = raw.trim_start_matches("./");
    if path.starts_with('/') || path.contains('\\') || path.contains('\0') {
        return Err(refused(format!(
            "{raw}: absolute or unusual paths are not accepted"
        )));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(refused(format!("{raw}: paths with .. are not accepted"))),
            part => parts.push(part),
        }
    }
    if path.len() > 512 {
        return Err(refused(format!("{raw}: path too long")));
    }
    Ok(parts.join("/"))
}

/// Collects entries within the limits.
struct Collector {
    limits: ArchiveLimits,
    entries: Entries,
    total: usize,
    count: usize,
}

impl Collector {
    fn new(limits: ArchiveLimits) -> Collector {
        Collector {
            limits,
            entries: Entries::new(),
            total: 0,
            count: 0,
        }
    }

    fn count(&mut self) -> ServiceResult<()> {
        self.count += 1;
        if self.count > self.limits.max_entries {
            return Err(refused(format!(
                "more than {} entries",
                self.limits.max_entries
            )));
        }
        Ok(())
    }

    /// Reads one file's content from `reader`, refusing it past the limits.
    fn file(&mut self, raw_path: &str, reader: &mut dyn Read) -> ServiceResult<()> {
        self.count()?;
        let path = clean_path(raw_path)?;
        let mut content = Vec::new();
        let limit = self.limits.max_file_bytes as u64 + 1;
        reader
            .take(limit)
            .read_to_end(&mut content)
            .map_err(|e| refused(format!("{raw_path}: cannot be read ({e})")))?;
        if content.len() > self.limits.max_file_bytes {
            return Err(refused(format!(
                "{raw_path}: larger than {} KiB",
                self.limits.max_file_bytes / 1024
            )));
        }
        self.total += content.len();
        if self.total > self.limits.max_total_bytes {
            return Err(refused(format!(
                "more than {} MiB unpacked",
                self.limits.max_total_bytes / 1024 / 1024
            )));
        }
        if self.entries.insert(path, content).is_some() {
            return Err(refused(format!("{raw_path} appears twice")));
        }
        Ok(())
    }
}

/// Reads a `.tar.gz` or `.zip` archive (told apart by their first bytes).
pub(crate) fn read(bytes: &[u8], limits: ArchiveLimits) -> ServiceResult<Entries> {
    if bytes.len() > limits.max_archive_bytes {
        return Err(refused(format!(
            "the archive is larger than {} MiB",
            limits.max_archive_bytes / 1024 / 1024
        )));
    }
    match bytes {
        [0x1f, 0x8b, ..] => read_tar_gz(bytes, limits),
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] => read_zip(bytes, limits),
        _ => Err(refused("not a .tar.gz or .zip archive")),
    }
}

fn read_tar_gz(bytes: &[u8], limits: ArchiveLimits) -> ServiceResult<Entries> {
    let broken = |e: std::io::Error| refused(format!("the archive is damaged: {e}"));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut collector = Collector::new(limits);
    for entry in archive.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                collector.file(&path, &mut entry)?;
            }
            tar::EntryType::Directory => collector.count()?,
            // pax and GNU long-name headers describe the next entry; the tar crate
            // applies them itself.
            tar::EntryType::XHeader | tar::EntryType::XGlobalHeader => {}
            tar::EntryType::Symlink | tar::EntryType::Link => {
                return Err(refused(format!("{path}: links are not accepted")));
            }
            _ => {
                return Err(refused(format!(
                    "{path}: only files and folders are accepted"
                )));
            }
        }
    }
    Ok(collector.entries)
}

fn read_zip(bytes: &[u8], limits: ArchiveLimits) -> ServiceResult<Entries> {
    let broken = |e: zip::result::ZipError| refused(format!("the archive is damaged: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    let mut collector = Collector::new(limits);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(broken)?;
        let path = entry.name().map_err(broken)?.into_owned();
        if entry.is_symlink() {
            return Err(refused(format!("{path}: links are not accepted")));
        }
        if entry.is_dir() {
            collector.count()?;
            continue;
        }
        if entry.size() > limits.max_file_bytes as u64 {
            return Err(refused(format!(
                "{path}: larger than {} KiB",
                limits.max_file_bytes / 1024
            )));
        }
        collector.file(&path, &mut entry)?;
    }
    Ok(collector.entries)
}

/// Reads a folder on disk as an archive would be (links refused, same limits).
pub(crate) fn read_dir(root: &Path, limits: ArchiveLimits) -> ServiceResult<Entries> {
    let mut collector = Collector::new(limits);
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let listing = std::fs::read_dir(&dir)
            .map_err(|e| refused(format!("{}: cannot be read ({e})", dir.display())))?;
        for item in listing {
            let item = item.map_err(|e| refused(format!("{}: {e}", dir.display())))?;
            let path = item.path();
            let relative = path
                .strip_prefix(root)
                .map_err(|_| refused("a path left the folder"))?
                .to_string_lossy()
                .replace('\\', "/");
            let kind = item
                .file_type()
                .map_err(|e| refused(format!("{relative}: {e}")))?;
            if kind.is_symlink() {
                return Err(refused(format!("{relative}: links are not followed")));
            } else if kind.is_dir() {
                collector.count()?;
                pending.push(path);
            } else if kind.is_file() {
                let mut file =
                    std::fs::File::open(&path).map_err(|e| refused(format!("{relative}: {e}")))?;
                collector.file(&relative, &mut file)?;
            }
        }
    }
    Ok(collector.entries)
}

/// The template folders among `entries`: each folder holding a `template.conf`, with
/// its files (paths relative to it). Entries in no template folder are returned apart.
pub(crate) fn template_folders(entries: Entries) -> (Vec<(String, FolderFiles)>, Vec<String>) {
    let roots: Vec<String> = entries
        .keys()
        .filter_map(|path| {
            if path == "template.conf" {
                Some(String::new())
            } else {
                path.strip_suffix("/template.conf").map(str::to_owned)
            }
        })
        .collect();
    let mut folders: Vec<(String, FolderFiles)> = roots
        .iter()
        .map(|root| (root.clone(), FolderFiles::new()))
        .collect();
    let mut outside = Vec::new();
    for (path, content) in entries {
        // The deepest template folder that holds the path.
        let owner = folders
            .iter_mut()
            .filter(|(root, _)| root.is_empty() || path.starts_with(&format!("{root}/")))
            .max_by_key(|(root, _)| root.len());
        match owner {
            Some((root, files)) => {
                let relative = if root.is_empty() {
                    path
                } else {
                    path[root.len() + 1..].to_owned()
                };
                files.insert(relative, content);
            }
            None => outside.push(path),
        }
    }
    (folders, outside)
}

/// A `.tar.gz` holding `folders` (each under its name).
pub(crate) fn write_tar_gz(folders: &[(String, FolderFiles)]) -> ServiceResult<Vec<u8>> {
    let failed =
        |e: std::io::Error| ServiceError::Internal(format!("cannot write the archive: {e}"));
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut archive = tar::Builder::new(encoder);
    for (folder, files) in folders {
        for (path, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            let executable = path.ends_with(".sh");
            header.set_mode(if executable { 0o755 } else { 0o644 });
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            archive
                .append_data(&mut header, format!("{folder}/{path}"), content.as_slice())
                .map_err(failed)?;
        }
    }
    archive
        .into_inner()
        .and_then(flate2::write::GzEncoder::finish)
        .map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut archive = tar::Builder::new(encoder);
        for (path, kind, content) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            if *kind == tar::EntryType::Symlink {
                header.set_link_name("/etc/passwd").unwrap();
            }
            // Written raw, so that names the builder would refuse (`..`) reach the reader.
            let name = header.as_gnu_mut().unwrap();
            name.name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            archive.append(&header, *content).unwrap();
        }
        archive.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn archives_with_links_climbs_or_excess_are_refused() {
        let regular = tar::EntryType::Regular;
        let ok = tar_gz(&[
            ("a/template.conf", regular, b"X=1"),
            ("./a/b.txt", regular, b"b"),
        ]);
        let entries = read(&ok, ArchiveLimits::default()).unwrap();
        assert_eq!(
            entries.keys().collect::<Vec<_>>(),
            ["a/b.txt", "a/template.conf"]
        );
        let message = |bytes: &[u8], limits| read(bytes, limits).unwrap_err().to_string();
        let defaults = ArchiveLimits::default();
        assert!(message(&tar_gz(&[("../x", regular, b"")]), defaults).contains(".."));
        assert!(message(&tar_gz(&[("/etc/x", regular, b"")]), defaults).contains("absolute"));
        let link = tar_gz(&[("a/l", tar::EntryType::Symlink, b"")]);
        assert!(message(&link, defaults).contains("links"));
        let small = ArchiveLimits {
            max_file_bytes: 2,
            ..defaults
        };
        assert!(message(&ok, small).contains("larger than"));
        assert!(message(b"hello", defaults).contains("not a .tar.gz or .zip"));
        assert!(message(&ok[..20], defaults).contains("damaged"));
    }

    #[test]
    fn folders_are_found_by_their_template_conf() {
        let mut entries = Entries::new();
        for path in [
            "repo/web/template.conf",
            "repo/web/x/y",
            "repo/db/template.conf",
            "README",
        ] {
            entries.insert(path.into(), Vec::new());
        }
        let (folders, outside) = template_folders(entries);
        let names: Vec<&str> = folders.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["repo/db", "repo/web"]);
        assert!(folders[1].1.contains_key("x/y"));
        assert_eq!(outside, ["README"]);
    }
}
