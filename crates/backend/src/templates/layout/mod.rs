//! A template folder in the layout the earlier dashboard used, so existing template
//! repositories work, read into a template and written back from one (a round trip
//! changes nothing):
//!
//! ```text
//! template.conf                                  TEMPLATE_APP="…" and friends
//! container-configs/scripts/NN-name.sh           run in NN order
//!   (+ NN-name.sh.description, NN-name.sh.disabled)
//! container-configs/packages/<bucket>.<manager>  one package per line; each a bucket
//!   (_template.<manager>: the template's own packages)
//! container-configs/files/<file>                 + <file>.path (target directory),
//!   <file>.policy (replace | default | backup), <file>.mode (octal, default 644)
//! ```

mod conf;

use std::collections::BTreeMap;

use model::template::fields::bucket_name;
use model::template::packages::list_text;
use model::template::{
    BucketView, PackageManager, PackageRef, TemplateContent, TemplateFileForm, TemplateForm,
    TemplateScriptForm, parse_list,
};

/// Where a folder's scripts, package lists and files are.
const SCRIPTS: &str = "container-configs/scripts/";
const PACKAGES: &str = "container-configs/packages/";
const FILES: &str = "container-configs/files/";
/// The package list file stem that holds the template's own packages.
const OWN_PACKAGES: &str = "_template";

/// A template folder's files: paths relative to the folder, contents.
pub(crate) type FolderFiles = BTreeMap<String, Vec<u8>>;

/// A template read from its folder. Its buckets are named, not yet found or made.
#[derive(Debug, Clone)]
pub(crate) struct ReadTemplate {
    pub content: TemplateContent,
    /// Each bucket's packages (all managers), in the order the lists were read.
    pub buckets: Vec<(String, Vec<PackageRef>)>,
    /// Files of the folder that are not part of the layout.
    pub ignored: Vec<String>,
}

fn text<'a>(files: &'a FolderFiles, path: &str) -> Result<&'a str, String> {
    let bytes = files
        .get(path)
        .ok_or_else(|| format!("{path} is missing"))?;
    std::str::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text"))
}

fn flag(variable: &str, value: Option<&str>, default: bool) -> Result<String, String> {
    let on = match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => default,
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => true,
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off" | "") => false,
        Some(v) => return Err(format!("template.conf: {variable}={v:?} is not 1 or 0")),
    };
    Ok(if on { "on".into() } else { String::new() })
}

/// The first comment line of a script (after `#!`), as its description.
fn header_comment(content: &str) -> String {
    content
        .lines()
        .skip_while(|l| l.starts_with("#!"))
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned()
}

/// `NN-name.sh` → `(NN, name)`.
fn script_file(file: &str) -> Option<(u32, &str)> {
    let stem = file.strip_suffix(".sh")?;
    let (number, name) = stem.split_once('-')?;
    let number = number
        .parse()
        .ok()
        .filter(|_| number.chars().all(|c| c.is_ascii_digit()))?;
    Some((number, name))
}

/// The template.conf variable or layout file a form field came from, for messages.
fn source_of(field: &str, scripts: &[String], files: &[String]) -> String {
    let index = |prefix: &str| {
        field
            .strip_prefix(prefix)
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
    };
    if let Some(i) = index("scripts[") {
        return format!("{SCRIPTS}{}", scripts.get(i).map_or("?", String::as_str));
    }
    if let Some(i) = index("files[") {
        return format!("{FILES}{}", files.get(i).map_or("?", String::as_str));
    }
    let variable = match field {
        "name" => "TEMPLATE_APP",
        "description" => "TEMPLATE_DESCRIPTION",
        "tags" => "TEMPLATE_TAGS",
        "os_hint" => "TEMPLATE_OS/TEMPLATE_VERSION",
        "cores" => "TEMPLATE_CPU",
        "memory" => "TEMPLATE_RAM",
        "swap" => "TEMPLATE_SWAP",
        "disk" => "TEMPLATE_DISK",
        "storage" => "TEMPLATE_STORAGE",
        "bridge" => "TEMPLATE_BRIDGE",
        "packages" => return format!("{PACKAGES}{OWN_PACKAGES}.*"),
        other => other,
    };
    format!("template.conf: {variable}")
}

/// Reads the folder `folder_name` (its base name is the template's name when
/// `TEMPLATE_APP` is missing); the first problem is the error, naming its file.
pub(crate) fn read(folder_name: &str, files: &FolderFiles) -> Result<ReadTemplate, String> {
    let values =
        conf::parse(text(files, "template.conf")?).map_err(|e| format!("template.conf {e}"))?;
    let get = |name: &str| {
        values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let base = folder_name
        .rsplit('/')
        .find(|p| !p.is_empty())
        .unwrap_or(folder_name);
    let os_hint = match (get("TEMPLATE_OS"), get("TEMPLATE_VERSION")) {
        (Some(os), Some(version)) if !version.is_empty() => format!("{os}-{version}"),
        (os, _) => os.unwrap_or("").to_owned(),
    };
    let mut form = TemplateForm {
        name: get("TEMPLATE_APP").unwrap_or(base).to_owned(),
        description: get("TEMPLATE_DESCRIPTION").unwrap_or("").to_owned(),
        tags: get("TEMPLATE_TAGS").unwrap_or("").to_owned(),
        os_hint,
        cores: get("TEMPLATE_CPU").unwrap_or("1").to_owned(),
        memory: get("TEMPLATE_RAM").unwrap_or("512").to_owned(),
        swap: get("TEMPLATE_SWAP").unwrap_or("512").to_owned(),
        disk: get("TEMPLATE_DISK").unwrap_or("8").to_owned(),
        storage: get("TEMPLATE_STORAGE").unwrap_or("").to_owned(),
        bridge: get("TEMPLATE_BRIDGE").unwrap_or("").to_owned(),
        unprivileged: flag("TEMPLATE_UNPRIVILEGED", get("TEMPLATE_UNPRIVILEGED"), true)?,
        nesting: flag("TEMPLATE_NESTING", get("TEMPLATE_NESTING"), true)?,
        keyctl: flag("TEMPLATE_KEYCTL", get("TEMPLATE_KEYCTL"), false)?,
        fuse: flag("TEMPLATE_FUSE", get("TEMPLATE_FUSE"), false)?,
        ..TemplateForm::default()
    };
    let mut used: Vec<&str> = vec!["template.conf"];
    let script_names = read_scripts(files, &mut form, &mut used)?;
    let buckets = read_packages(files, &mut form, &mut used)?;
    let file_names = read_files(files, &mut form, &mut used)?;
    let content = form.validate().map_err(|e| {
        format!(
            "{}: {}",
            source_of(&e.field, &script_names, &file_names),
            e.message
        )
    })?;
    let ignored = files
        .keys()
        .filter(|path| !used.contains(&path.as_str()) && !path.ends_with('/'))
        .cloned()
        .collect();
    Ok(ReadTemplate {
        content,
        buckets,
        ignored,
    })
}

/// The scripts in number order; their file names (for messages).
fn read_scripts<'a>(
    files: &'a FolderFiles,
    form: &mut TemplateForm,
    used: &mut Vec<&'a str>,
) -> Result<Vec<String>, String> {
    let mut scripts: Vec<(u32, &str, &str)> = files
        .keys()
        .filter_map(|path| {
            let file = path.strip_prefix(SCRIPTS)?;
            let (number, name) = script_file(file)?;
            Some((number, name, path.as_str()))
        })
        .collect();
    scripts.sort();
    let mut names = Vec::new();
    for (_, name, path) in scripts {
        let content = text(files, path)?;
        let sidecar = |suffix: &str| format!("{path}{suffix}");
        let description = match files.get_key_value(&sidecar(".description")) {
            Some((key, _)) => {
                used.push(key);
                text(files, key)?.trim().to_owned()
            }
            None => header_comment(content),
        };
        let disabled = files.get_key_value(&sidecar(".disabled"));
        if let Some((key, _)) = disabled {
            used.push(key);
        }
        used.push(path);
        names.push(path.trim_start_matches(SCRIPTS).to_owned());
        form.scripts.push(TemplateScriptForm {
            name: name.to_owned(),
            description,
            content: content.to_owned(),
            enabled: if disabled.is_some() {
                String::new()
            } else {
                "on".into()
            },
        });
    }
    Ok(names)
}

/// The package lists: buckets by name (managers merged), own packages into the form.
fn read_packages<'a>(
    files: &'a FolderFiles,
    form: &mut TemplateForm,
    used: &mut Vec<&'a str>,
) -> Result<Vec<(String, Vec<PackageRef>)>, String> {
    let mut buckets: Vec<(String, Vec<PackageRef>)> = Vec::new();
    for path in files.keys() {
        let Some(file) = path.strip_prefix(PACKAGES) else {
            continue;
        };
        let Some((stem, extension)) = file.rsplit_once('.').filter(|_| !file.contains('/')) else {
            continue;
        };
        let manager = PackageManager::parse(extension).ok_or_else(|| {
            format!("{path}: .{extension} is not a package manager (apt, apk, dnf, pip or npm)")
        })?;
        let list = parse_list(manager, text(files, path)?);
        if let Some((line, bad)) = list.invalid.first() {
            return Err(format!(
                "{path} line {line}: {bad:?} is not a package name for {manager}"
            ));
        }
        used.push(path);
        if stem == OWN_PACKAGES {
            for package in &list.packages {
                form.packages
                    .push_str(&format!("{manager} {}\n", package.spec()));
            }
            continue;
        }
        let name = bucket_name("bucket", stem)
            .map_err(|e| format!("{path}: bucket name {}", e.message))?;
        match buckets.iter_mut().find(|(n, _)| *n == name) {
            Some((_, packages)) => packages.extend(list.packages),
            None => buckets.push((name, list.packages)),
        }
    }
    Ok(buckets)
}

/// The files with their sidecars; their names (for messages).
fn read_files<'a>(
    files: &'a FolderFiles,
    form: &mut TemplateForm,
    used: &mut Vec<&'a str>,
) -> Result<Vec<String>, String> {
    let is_sidecar = |file: &str| {
        [".path", ".policy", ".mode"]
            .iter()
            .any(|s| file.ends_with(s))
    };
    let mut names = Vec::new();
    for path in files.keys() {
        let Some(file) = path.strip_prefix(FILES) else {
            continue;
        };
        if file.contains('/') || file.is_empty() || is_sidecar(file) {
            continue;
        }
        let sidecar = |suffix: &str| -> Result<Option<(&'a String, String)>, String> {
            match files.get_key_value(&format!("{path}{suffix}")) {
                Some((key, _)) => Ok(Some((key, text(files, key)?.trim().to_owned()))),
                None => Ok(None),
            }
        };
        let (path_key, target_dir) = sidecar(".path")?.ok_or_else(|| {
            format!("{path} has no {file}.path sidecar naming its target directory")
        })?;
        let policy = sidecar(".policy")?;
        let mode = sidecar(".mode")?;
        used.push(path);
        used.push(path_key);
        used.extend(
            policy
                .iter()
                .chain(mode.iter())
                .map(|(key, _)| key.as_str()),
        );
        let content = std::str::from_utf8(&files[path])
            .map_err(|_| format!("{path} is not text (UTF-8); binary files are not supported"))?;
        names.push(file.to_owned());
        form.files.push(TemplateFileForm {
            name: file.to_owned(),
            target_dir,
            policy: policy.map_or_else(|| "replace".into(), |(_, p)| p),
            mode: mode.map_or_else(String::new, |(_, m)| m),
            content: content.to_owned(),
        });
    }
    Ok(names)
}

/// The folder of `content`; `buckets` are the ones it selects (their packages are
/// written as lists).
pub(crate) fn write(content: &TemplateContent, buckets: &[BucketView]) -> FolderFiles {
    let mut files = FolderFiles::new();
    let mut put = |path: String, text: String| {
        files.insert(path, text.into_bytes());
    };
    put("template.conf".into(), conf_text(content));
    for (index, script) in content.scripts.iter().enumerate() {
        let path = format!("{SCRIPTS}{:02}-{}.sh", index + 1, script.name);
        if script.description != header_comment(&script.content) {
            put(
                format!("{path}.description"),
                format!("{}\n", script.description),
            );
        }
        if !script.enabled {
            put(format!("{path}.disabled"), String::new());
        }
        put(path, script.content.clone());
    }
    for bucket in buckets {
        let mut managers: Vec<PackageManager> = bucket.packages.iter().map(|p| p.manager).collect();
        managers.dedup();
        if managers.is_empty() {
            managers.push(PackageManager::Apt);
        }
        for manager in managers {
            put(
                format!("{PACKAGES}{}.{manager}", bucket.name),
                list_text(manager, &bucket.packages),
            );
        }
    }
    for manager in PackageManager::ALL {
        let own = list_text(manager, &content.packages);
        if !own.is_empty() {
            put(format!("{PACKAGES}{OWN_PACKAGES}.{manager}"), own);
        }
    }
    for file in &content.files {
        let path = format!("{FILES}{}", file.name);
        put(format!("{path}.path"), format!("{}\n", file.target_dir));
        put(
            format!("{path}.policy"),
            format!("{}\n", file.policy.as_str()),
        );
        if file.mode != 0o644 {
            put(format!("{path}.mode"), format!("{:04o}\n", file.mode));
        }
        put(path, file.content.clone());
    }
    files
}

fn conf_text(content: &TemplateContent) -> String {
    let flag = |on: bool| if on { "1" } else { "0" };
    let mut lines: Vec<(String, String)> = vec![
        ("TEMPLATE_APP".into(), content.name.clone()),
        ("TEMPLATE_DESCRIPTION".into(), content.description.clone()),
        ("TEMPLATE_TAGS".into(), content.tags.join(";")),
        ("TEMPLATE_CPU".into(), content.cores.to_string()),
        ("TEMPLATE_RAM".into(), content.memory_mib.to_string()),
        ("TEMPLATE_SWAP".into(), content.swap_mib.to_string()),
        ("TEMPLATE_DISK".into(), content.disk_gib.to_string()),
    ];
    if let Some(hint) = &content.os_hint {
        let (os, version) = hint.split_once('-').unwrap_or((hint, ""));
        lines.push(("TEMPLATE_OS".into(), os.to_owned()));
        lines.push(("TEMPLATE_VERSION".into(), version.to_owned()));
    }
    for (name, value) in [
        ("TEMPLATE_STORAGE", &content.storage),
        ("TEMPLATE_BRIDGE", &content.bridge),
    ] {
        if let Some(value) = value {
            lines.push((name.into(), value.clone()));
        }
    }
    for (name, on) in [
        ("TEMPLATE_UNPRIVILEGED", content.unprivileged),
        ("TEMPLATE_NESTING", content.nesting),
        ("TEMPLATE_KEYCTL", content.keyctl),
        ("TEMPLATE_FUSE", content.fuse),
    ] {
        lines.push((name.into(), flag(on).into()));
    }
    let mut text =
        String::from("# Exported by Corral. Bash assignments; RAM and SWAP in MiB, DISK in GiB.\n");
    for (name, value) in lines {
        text.push_str(&format!("{name}={}\n", conf::quote(&value)));
    }
    text
}
