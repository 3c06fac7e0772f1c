//! A container's resources and options as its page edits them — cores, CPU limit, memory,
//! swap, start at boot with its order, tags, notes — and growing a disk. Checked with the
//! wizard's bounds, in the browser as typed and again on the server.

use serde::{Deserialize, Serialize};

use crate::provision::{CORES, DISK_GIB, MEMORY_MIB, SWAP_MIB, number, tags};
use crate::validate::FieldError;

/// Notes are Proxmox's `description`: at most 8 KiB.
pub const MAX_NOTES: usize = 8 * 1024;
/// Start-up order: Proxmox starts lower numbers first.
pub const ORDER: std::ops::RangeInclusive<u32> = 0..=9_999;

/// What the form changes, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    pub cores: u32,
    /// CPU time in cores (`0.5`); `None`: unlimited.
    pub cpulimit: Option<f64>,
    pub memory_mib: u32,
    pub swap_mib: u32,
    pub onboot: bool,
    /// `startup: order=N`; `None`: Proxmox's default order.
    pub order: Option<u32>,
    pub tags: Vec<String>,
    pub notes: String,
}

/// The form as posted (text, as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcesForm {
    pub cores: String,
    #[serde(default)]
    pub cpulimit: String,
    pub memory: String,
    pub swap: String,
    /// `on` when ticked.
    #[serde(default)]
    pub onboot: Option<String>,
    #[serde(default)]
    pub order: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub notes: String,
}

impl ResourcesForm {
    /// The form filled with what the container has now.
    pub fn from_current(current: &Resources) -> ResourcesForm {
        ResourcesForm {
            cores: current.cores.to_string(),
            cpulimit: current.cpulimit.map(|l| l.to_string()).unwrap_or_default(),
            memory: current.memory_mib.to_string(),
            swap: current.swap_mib.to_string(),
            onboot: current.onboot.then(|| "on".to_owned()),
            order: current.order.map(|o| o.to_string()).unwrap_or_default(),
            tags: current.tags.join(", "),
            notes: current.notes.clone(),
        }
    }

    /// Every field's error, for the browser to show them all at once.
    pub fn errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let cores = number("cores", &self.cores, CORES, "");
        if let Err(error) = &cores {
            errors.push(error.clone());
        }
        if let Err(error) = cpulimit(&self.cpulimit, cores.as_ref().ok().copied()) {
            errors.push(error);
        }
        for result in [
            number("memory", &self.memory, MEMORY_MIB, " MiB").map(drop),
            number("swap", &self.swap, SWAP_MIB, " MiB").map(drop),
            order(&self.order).map(drop),
            tags("tags", &self.tags).map(drop),
            notes(&self.notes).map(drop),
        ] {
            if let Err(error) = result {
                errors.push(error);
            }
        }
        errors
    }

    /// The checked values, or the first field's error.
    pub fn check(&self) -> Result<Resources, FieldError> {
        if let Some(first) = self.errors().into_iter().next() {
            return Err(first);
        }
        let cores = number("cores", &self.cores, CORES, "")?;
        Ok(Resources {
            cores,
            cpulimit: cpulimit(&self.cpulimit, Some(cores))?,
            memory_mib: number("memory", &self.memory, MEMORY_MIB, " MiB")?,
            swap_mib: number("swap", &self.swap, SWAP_MIB, " MiB")?,
            onboot: self.onboot.is_some(),
            order: order(&self.order)?,
            tags: tags("tags", &self.tags)?,
            notes: notes(&self.notes)?,
        })
    }
}

/// A CPU limit: empty or 0 for none, else up to the cores, in steps of 0.01.
fn cpulimit(text: &str, cores: Option<u32>) -> Result<Option<f64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let most = cores.unwrap_or(*CORES.end());
    let refused = || {
        FieldError::new(
            "cpulimit",
            format!("empty for no limit, or a number of cores from 0.01 to {most} (e.g. 0.5)"),
        )
    };
    let limit: f64 = text.parse().map_err(|_| refused())?;
    let hundredths = (limit * 100.0).round();
    if !limit.is_finite()
        || limit < 0.0
        || limit > f64::from(most)
        || (limit * 100.0 - hundredths).abs() > 1e-6
    {
        return Err(refused());
    }
    Ok((limit > 0.0).then_some(hundredths / 100.0))
}

fn order(text: &str) -> Result<Option<u32>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    number("order", text, ORDER, "").map(Some)
}

fn notes(text: &str) -> Result<String, FieldError> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim_end();
    if text.len() > MAX_NOTES {
        return Err(FieldError::new("notes", "at most 8 KiB of notes"));
    }
    Ok(text.to_owned())
}

/// A disk's new size in GiB: more than `current_gib` (disks only grow) and within the
/// wizard's bounds.
pub fn grow_to(current_gib: u32, text: &str) -> Result<u32, FieldError> {
    let wanted = number("size", text, DISK_GIB, " GiB")?;
    if wanted <= current_gib {
        return Err(FieldError::new(
            "size",
            format!("disks only grow: give more than the {current_gib} GiB it has"),
        ));
    }
    Ok(wanted)
}

/// Whole GiB of a size as a volume states it (`8G` → 8, `1T` → 1024, `512M` → 0).
pub fn gib_of(size: &str) -> Option<u32> {
    let (digits, unit) = size.split_at(size.find(|c: char| !c.is_ascii_digit() && c != '.')?);
    let number: f64 = digits.parse().ok()?;
    let gib = match unit {
        "T" => number * 1024.0,
        "G" => number,
        "M" => number / 1024.0,
        "K" => number / 1024.0 / 1024.0,
        _ => return None,
    };
    Some(gib.floor() as u32)
}

/// A change Proxmox keeps for the container's next start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    pub key: String,
    pub now: Option<String>,
    /// `None`: the key goes.
    pub then: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ResourcesForm {
        ResourcesForm {
            cores: "2".into(),
            cpulimit: "".into(),
            memory: "1024".into(),
            swap: "512".into(),
            onboot: Some("on".into()),
            order: "3".into(),
            tags: "web, Prod".into(),
            notes: "Serves the shop.\r\n".into(),
        }
    }

    #[test]
    fn a_good_form_reads_as_resources() {
        let checked = form().check().unwrap();
        assert_eq!(
            checked,
            Resources {
                cores: 2,
                cpulimit: None,
                memory_mib: 1024,
                swap_mib: 512,
                onboot: true,
                order: Some(3),
                tags: vec!["web".into(), "prod".into()],
                notes: "Serves the shop.".into(),
            }
        );
        assert_eq!(
            ResourcesForm::from_current(&checked).check().unwrap(),
            checked
        );
    }

    /// A field and how to spoil it.
    type Spoiler = (&'static str, fn(&mut ResourcesForm));

    #[test]
    fn each_field_is_checked_against_its_bounds() {
        let cases: [Spoiler; 7] = [
            ("cores", |f| f.cores = "0".into()),
            ("cpulimit", |f| f.cpulimit = "3".into()),
            ("cpulimit", |f| f.cpulimit = "0.123".into()),
            ("memory", |f| f.memory = "8".into()),
            ("swap", |f| f.swap = "-1".into()),
            ("tags", |f| f.tags = "bad tag!".into()),
            ("notes", |f| f.notes = "x".repeat(MAX_NOTES + 1)),
        ];
        for (field, spoil) in cases {
            let mut bad = form();
            spoil(&mut bad);
            assert_eq!(bad.check().unwrap_err().field, field);
        }
        let mut limited = form();
        limited.cpulimit = "0.5".into();
        assert_eq!(limited.check().unwrap().cpulimit, Some(0.5));
        limited.cpulimit = "0".into();
        assert_eq!(limited.check().unwrap().cpulimit, None);
    }

    #[test]
    fn disks_only_grow() {
        assert_eq!(grow_to(8, "12"), Ok(12));
        assert_eq!(grow_to(8, "8").unwrap_err().field, "size");
        assert_eq!(grow_to(8, "4").unwrap_err().field, "size");
        assert!(grow_to(8, "20000").is_err());
    }
}
