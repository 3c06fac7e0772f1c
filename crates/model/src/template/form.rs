//! The template form exactly as typed (kept in a draft while it is edited), the edits its
//! plain buttons make (add, remove, move a script or a file) and its checks.

use serde::{Deserialize, Serialize};

use super::content::{TemplateContent, TemplateFile, TemplateScript};
use super::fields::{
    MAX_DESCRIPTION, MAX_FILE_BYTES, MAX_OWN_PACKAGES, MAX_TEMPLATE_BUCKETS, MAX_TEMPLATE_BYTES,
    MAX_TEMPLATE_FILES, MAX_TEMPLATE_SCRIPTS, file_mode, file_name, os_hint, target_dir,
    template_name, text_content,
};
use super::kinds::{FilePolicy, PackageManager};
use super::packages::PackageRef;
use crate::ids::BucketId;
use crate::provision::{
    CORES, DISK_GIB, MAX_SCRIPT_BYTES, MEMORY_MIB, SWAP_MIB, number, pve_name, script_name, tags,
};
use crate::validate::FieldError;

/// A template's fields as typed; every value is text so a half-made form can be kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    pub name: String,
    pub description: String,
    pub tags: String,
    /// `debian-12`: the start of the OS template's name.
    pub os_hint: String,
    pub cores: String,
    pub memory: String,
    pub swap: String,
    pub disk: String,
    pub storage: String,
    pub bridge: String,
    pub unprivileged: String,
    pub nesting: String,
    pub keyctl: String,
    pub fuse: String,
    pub scripts: Vec<TemplateScriptForm>,
    pub files: Vec<TemplateFileForm>,
    /// Ids of the ticked buckets.
    pub buckets: Vec<String>,
    /// Own packages, one per line: manager, a space, the package (`pip requests==2.31`).
    pub packages: String,
}

/// The template form while it is edited: the template it changes (none: a new one) and
/// the form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateDraft {
    pub template: Option<crate::ids::TemplateId>,
    pub form: TemplateForm,
}

/// One script as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateScriptForm {
    pub name: String,
    pub description: String,
    pub content: String,
    /// `on` when ticked.
    pub enabled: String,
}

/// One file as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateFileForm {
    pub name: String,
    pub target_dir: String,
    pub policy: String,
    /// Octal, such as `644`.
    pub mode: String,
    pub content: String,
}

/// A checkbox: `on` when ticked.
fn ticked(value: &str) -> bool {
    matches!(value.trim(), "on" | "true" | "1" | "yes")
}

fn tick(value: bool) -> String {
    if value { "on".into() } else { String::new() }
}

/// What one of the form's plain buttons does before the form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEdit {
    AddScript,
    RemoveScript(usize),
    ScriptUp(usize),
    ScriptDown(usize),
    AddFile,
    RemoveFile(usize),
    FileUp(usize),
    FileDown(usize),
}

impl FormEdit {
    /// The edit a button's value names: `add_script`, `remove_script:2`, `file_up:0`, ….
    pub fn parse(word: &str) -> Option<FormEdit> {
        let (verb, index) = match word.split_once(':') {
            Some((verb, index)) => (verb, Some(index.parse::<usize>().ok()?)),
            None => (word, None),
        };
        Some(match (verb, index) {
            ("add_script", None) => FormEdit::AddScript,
            ("add_file", None) => FormEdit::AddFile,
            ("remove_script", Some(i)) => FormEdit::RemoveScript(i),
            ("script_up", Some(i)) => FormEdit::ScriptUp(i),
            ("script_down", Some(i)) => FormEdit::ScriptDown(i),
            ("remove_file", Some(i)) => FormEdit::RemoveFile(i),
            ("file_up", Some(i)) => FormEdit::FileUp(i),
            ("file_down", Some(i)) => FormEdit::FileDown(i),
            _ => return None,
        })
    }

    /// Where the form shows the result, after the edit was applied to `form`: the moved or
    /// added item (`script-2`), or its list (`scripts`) when it is gone.
    pub fn anchor(self, form: &TemplateForm) -> String {
        let item = |what: &str, list: usize, at: usize| {
            if at < list {
                format!("{what}-{at}")
            } else {
                format!("{what}s")
            }
        };
        let (scripts, files) = (form.scripts.len(), form.files.len());
        match self {
            FormEdit::AddScript => item("script", scripts, scripts.wrapping_sub(1)),
            FormEdit::ScriptUp(i) => item("script", scripts, i.saturating_sub(1)),
            FormEdit::ScriptDown(i) => {
                item("script", scripts, (i + 1).min(scripts.saturating_sub(1)))
            }
            FormEdit::RemoveScript(_) => "scripts".into(),
            FormEdit::AddFile => item("file", files, files.wrapping_sub(1)),
            FormEdit::FileUp(i) => item("file", files, i.saturating_sub(1)),
            FormEdit::FileDown(i) => item("file", files, (i + 1).min(files.saturating_sub(1))),
            FormEdit::RemoveFile(_) => "files".into(),
        }
    }

    /// Applies the edit; indexes out of range change nothing, and no list grows past its
    /// bound.
    pub fn apply(self, form: &mut TemplateForm) {
        fn swap<T>(list: &mut [T], a: usize, b: usize) {
            if a < list.len() && b < list.len() {
                list.swap(a, b);
            }
        }
        fn remove<T>(list: &mut Vec<T>, at: usize) {
            if at < list.len() {
                list.remove(at);
            }
        }
        match self {
            FormEdit::AddScript if form.scripts.len() < MAX_TEMPLATE_SCRIPTS => {
                form.scripts.push(TemplateScriptForm {
                    enabled: "on".into(),
                    ..TemplateScriptForm::default()
                });
            }
            FormEdit::AddFile if form.files.len() < MAX_TEMPLATE_FILES => {
                form.files.push(TemplateFileForm {
                    policy: FilePolicy::Replace.as_str().into(),
                    mode: "644".into(),
                    ..TemplateFileForm::default()
                });
            }
            FormEdit::AddScript | FormEdit::AddFile => {}
            FormEdit::RemoveScript(i) => remove(&mut form.scripts, i),
            FormEdit::RemoveFile(i) => remove(&mut form.files, i),
            FormEdit::ScriptUp(i) => swap(&mut form.scripts, i.wrapping_sub(1), i),
            FormEdit::ScriptDown(i) => swap(&mut form.scripts, i, i + 1),
            FormEdit::FileUp(i) => swap(&mut form.files, i.wrapping_sub(1), i),
            FormEdit::FileDown(i) => swap(&mut form.files, i, i + 1),
        }
    }
}

impl TemplateForm {
    /// A new template's form: the wizard's defaults.
    pub fn new_template() -> TemplateForm {
        TemplateForm::from_content(&TemplateContent::named(""))
    }

    /// The form showing a stored template.
    pub fn from_content(content: &TemplateContent) -> TemplateForm {
        TemplateForm {
            name: content.name.clone(),
            description: content.description.clone(),
            tags: content.tags.join(" "),
            os_hint: content.os_hint.clone().unwrap_or_default(),
            cores: content.cores.to_string(),
            memory: content.memory_mib.to_string(),
            swap: content.swap_mib.to_string(),
            disk: content.disk_gib.to_string(),
            storage: content.storage.clone().unwrap_or_default(),
            bridge: content.bridge.clone().unwrap_or_default(),
            unprivileged: tick(content.unprivileged),
            nesting: tick(content.nesting),
            keyctl: tick(content.keyctl),
            fuse: tick(content.fuse),
            scripts: content
                .scripts
                .iter()
                .map(|s| TemplateScriptForm {
                    name: s.name.clone(),
                    description: s.description.clone(),
                    content: s.content.clone(),
                    enabled: tick(s.enabled),
                })
                .collect(),
            files: content
                .files
                .iter()
                .map(|f| TemplateFileForm {
                    name: f.name.clone(),
                    target_dir: f.target_dir.clone(),
                    policy: f.policy.as_str().into(),
                    mode: format!("{:o}", f.mode),
                    content: f.content.clone(),
                })
                .collect(),
            buckets: content.buckets.iter().map(ToString::to_string).collect(),
            packages: content
                .packages
                .iter()
                .map(|p| format!("{} {}\n", p.manager, p.spec()))
                .collect(),
        }
    }

    /// Every field error, in form order (the browser shows each under its field).
    pub fn errors(&self) -> Vec<FieldError> {
        let optional_name = |field: &str, value: &str, what: &str| {
            if value.trim().is_empty() {
                Ok(())
            } else {
                pve_name(field, value, what).map(drop)
            }
        };
        let results = [
            template_name("name", &self.name).map(drop),
            text_content("description", self.description.trim(), MAX_DESCRIPTION).map(drop),
            tags("tags", &self.tags).map(drop),
            os_hint("os_hint", &self.os_hint).map(drop),
            number("cores", &self.cores, CORES, "").map(drop),
            number("memory", &self.memory, MEMORY_MIB, " MiB").map(drop),
            number("swap", &self.swap, SWAP_MIB, " MiB").map(drop),
            number("disk", &self.disk, DISK_GIB, " GiB").map(drop),
            optional_name("storage", &self.storage, "storage"),
            optional_name("bridge", &self.bridge, "bridge"),
            self.checked_buckets().map(drop),
            own_packages("packages", &self.packages).map(drop),
            self.checked_scripts().map(drop),
            self.checked_files().map(drop),
            self.check_size(),
        ];
        let mut errors: Vec<FieldError> = Vec::new();
        for error in results.into_iter().filter_map(Result::err) {
            if !errors.contains(&error) {
                errors.push(error);
            }
        }
        errors
    }

    /// Checks every field: the template to store, or the first error.
    pub fn validate(&self) -> Result<TemplateContent, FieldError> {
        let optional_name = |field: &str, value: &str, what: &str| {
            if value.trim().is_empty() {
                Ok(None)
            } else {
                pve_name(field, value, what).map(Some)
            }
        };
        let description = text_content("description", self.description.trim(), MAX_DESCRIPTION)?;
        self.check_size()?;
        Ok(TemplateContent {
            name: template_name("name", &self.name)?,
            description,
            tags: tags("tags", &self.tags)?,
            os_hint: os_hint("os_hint", &self.os_hint)?,
            cores: number("cores", &self.cores, CORES, "")?,
            memory_mib: number("memory", &self.memory, MEMORY_MIB, " MiB")?,
            swap_mib: number("swap", &self.swap, SWAP_MIB, " MiB")?,
            disk_gib: number("disk", &self.disk, DISK_GIB, " GiB")?,
            storage: optional_name("storage", &self.storage, "storage")?,
            bridge: optional_name("bridge", &self.bridge, "bridge")?,
            unprivileged: ticked(&self.unprivileged),
            nesting: ticked(&self.nesting),
            keyctl: ticked(&self.keyctl),
            fuse: ticked(&self.fuse),
            scripts: self.checked_scripts()?,
            files: self.checked_files()?,
            buckets: self.checked_buckets()?,
            packages: own_packages("packages", &self.packages)?,
        })
    }

    /// Scripts and files together stay within [`MAX_TEMPLATE_BYTES`].
    fn check_size(&self) -> Result<(), FieldError> {
        let bytes: usize = self.scripts.iter().map(|s| s.content.len()).sum::<usize>()
            + self.files.iter().map(|f| f.content.len()).sum::<usize>();
        if bytes > MAX_TEMPLATE_BYTES {
            return Err(FieldError::new(
                "files",
                format!(
                    "scripts and files together hold at most {} MiB",
                    MAX_TEMPLATE_BYTES / 1024 / 1024
                ),
            ));
        }
        Ok(())
    }

    fn checked_scripts(&self) -> Result<Vec<TemplateScript>, FieldError> {
        let mut scripts: Vec<TemplateScript> = Vec::new();
        for (i, script) in self.scripts.iter().enumerate() {
            if script.name.trim().is_empty() && script.content.trim().is_empty() {
                continue;
            }
            let field = |part: &str| format!("scripts[{i}][{part}]");
            let name = script_name(&field("name"), &script.name)?;
            if scripts.iter().any(|s| s.name == name) {
                return Err(FieldError::new(
                    &field("name"),
                    "another script has this name",
                ));
            }
            let content = text_content(&field("content"), &script.content, MAX_SCRIPT_BYTES)?;
            if content.trim().is_empty() {
                return Err(FieldError::new(&field("content"), "the script is empty"));
            }
            scripts.push(TemplateScript {
                name,
                description: text_content(
                    &field("description"),
                    script.description.trim(),
                    MAX_DESCRIPTION,
                )?,
                content,
                enabled: ticked(&script.enabled),
            });
        }
        if scripts.len() > MAX_TEMPLATE_SCRIPTS {
            return Err(FieldError::new(
                "scripts",
                format!("at most {MAX_TEMPLATE_SCRIPTS} scripts"),
            ));
        }
        Ok(scripts)
    }

    fn checked_files(&self) -> Result<Vec<TemplateFile>, FieldError> {
        let mut files: Vec<TemplateFile> = Vec::new();
        for (i, file) in self.files.iter().enumerate() {
            if file.name.trim().is_empty() && file.content.is_empty() {
                continue;
            }
            let field = |part: &str| format!("files[{i}][{part}]");
            let policy = FilePolicy::parse(&file.policy).ok_or_else(|| {
                FieldError::new(&field("policy"), "the policy is replace, default or backup")
            })?;
            let checked = TemplateFile {
                name: file_name(&field("name"), &file.name)?,
                target_dir: target_dir(&field("target_dir"), &file.target_dir)?,
                policy,
                mode: file_mode(&field("mode"), &file.mode)?,
                content: text_content(&field("content"), &file.content, MAX_FILE_BYTES)?,
            };
            if files.iter().any(|f| f.name == checked.name) {
                return Err(FieldError::new(
                    &field("name"),
                    "another file has this name",
                ));
            }
            files.push(checked);
        }
        if files.len() > MAX_TEMPLATE_FILES {
            return Err(FieldError::new(
                "files",
                format!("at most {MAX_TEMPLATE_FILES} files"),
            ));
        }
        Ok(files)
    }

    fn checked_buckets(&self) -> Result<Vec<BucketId>, FieldError> {
        let mut buckets: Vec<BucketId> = Vec::new();
        for id in self.buckets.iter().filter(|id| !id.trim().is_empty()) {
            let id = BucketId::parse(id.trim())
                .ok_or_else(|| FieldError::new("buckets", "choose buckets from the list"))?;
            if !buckets.contains(&id) {
                buckets.push(id);
            }
        }
        if buckets.len() > MAX_TEMPLATE_BUCKETS {
            return Err(FieldError::new(
                "buckets",
                format!("at most {MAX_TEMPLATE_BUCKETS} buckets"),
            ));
        }
        Ok(buckets)
    }
}

/// A template's own packages: one per line, `manager package` (`apt nginx`,
/// `pip requests==2.31`); `#` comments and blank lines ignored, repeats dropped.
pub fn own_packages(field: &str, text: &str) -> Result<Vec<PackageRef>, FieldError> {
    let mut packages: Vec<PackageRef> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = |message: String| FieldError::new(field, format!("line {}: {message}", index + 1));
        let (word, spec) = line.split_once(char::is_whitespace).ok_or_else(|| {
            at(format!(
                "{line:?}: write the manager first, as in \"apt {line}\""
            ))
        })?;
        let manager = PackageManager::parse(word)
            .ok_or_else(|| at(format!("{word:?} is not apt, apk, dnf, pip or npm")))?;
        let package = PackageRef::parse(manager, spec).map_err(at)?;
        if !packages
            .iter()
            .any(|p| p.manager == package.manager && p.name == package.name)
        {
            packages.push(package);
        }
    }
    if packages.len() > MAX_OWN_PACKAGES {
        return Err(FieldError::new(
            field,
            format!("at most {MAX_OWN_PACKAGES} packages"),
        ));
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> TemplateForm {
        let mut form = TemplateForm::new_template();
        form.name = "Web".into();
        form.scripts = vec![TemplateScriptForm {
            name: "install".into(),
            content: "apt-get install -y nginx\r\n".into(),
            enabled: "on".into(),
            ..TemplateScriptForm::default()
        }];
        form.files = vec![TemplateFileForm {
            name: "site.conf".into(),
            target_dir: "/etc/nginx/conf.d/".into(),
            policy: "backup".into(),
            mode: "600".into(),
            content: "server {}\n".into(),
        }];
        form.packages = "apt nginx\npip requests==2.31\n# note\n".into();
        form
    }

    #[test]
    fn a_form_becomes_a_template_and_back() {
        let content = form().validate().unwrap();
        assert_eq!(content.scripts[0].content, "apt-get install -y nginx\n");
        assert_eq!(
            content.files[0].target_path(),
            "/etc/nginx/conf.d/site.conf"
        );
        assert_eq!(content.files[0].mode, 0o600);
        assert_eq!(content.packages.len(), 2);
        let again = TemplateForm::from_content(&content).validate().unwrap();
        assert_eq!(again, content);
    }

    #[test]
    fn errors_name_their_field() {
        let field = |change: fn(&mut TemplateForm)| {
            let mut form = form();
            change(&mut form);
            form.validate().unwrap_err().field
        };
        assert_eq!(field(|f| f.name = " ".into()), "name");
        assert_eq!(
            field(|f| f.files[0].target_dir = "/etc/../root".into()),
            "files[0][target_dir]"
        );
        assert_eq!(
            field(|f| f.files[0].policy = "merge".into()),
            "files[0][policy]"
        );
        assert_eq!(field(|f| f.files[0].name = "../x".into()), "files[0][name]");
        assert_eq!(
            field(|f| f.scripts[0].name = "a;b".into()),
            "scripts[0][name]"
        );
        assert_eq!(field(|f| f.packages = "nginx".into()), "packages");
        assert_eq!(field(|f| f.packages = "apt ngi nx".into()), "packages");
        assert_eq!(field(|f| f.buckets = vec!["../x".into()]), "buckets");
        assert_eq!(
            field(|f| f.scripts.push(f.scripts[0].clone())),
            "scripts[1][name]"
        );
    }

    #[test]
    fn buttons_add_remove_and_move() {
        let mut form = form();
        FormEdit::parse("add_script").unwrap().apply(&mut form);
        form.scripts[1].name = "second".into();
        FormEdit::parse("script_up:1").unwrap().apply(&mut form);
        assert_eq!(form.scripts[0].name, "second");
        FormEdit::parse("script_up:0").unwrap().apply(&mut form);
        assert_eq!(form.scripts[0].name, "second", "the first cannot move up");
        FormEdit::parse("remove_script:0").unwrap().apply(&mut form);
        assert_eq!(form.scripts.len(), 1);
        FormEdit::parse("remove_file:7").unwrap().apply(&mut form);
        assert_eq!(form.files.len(), 1);
        assert_eq!(FormEdit::AddFile.anchor(&form), "file-0");
        assert_eq!(FormEdit::ScriptDown(0).anchor(&form), "script-0");
        assert_eq!(FormEdit::RemoveScript(0).anchor(&form), "scripts");
        assert_eq!(FormEdit::parse("remove_file:x"), None);
        assert_eq!(FormEdit::parse("drop_table"), None);
    }
}
