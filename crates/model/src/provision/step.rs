//! The wizard's steps, in order, with their URL words.

use serde::{Deserialize, Serialize};

/// The wizard steps whose fields are checked one step at a time; on the wire and in
/// URLs each is its lowercase word (`configure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Template,
    Configure,
    Packages,
    Scripts,
    Review,
}

impl Step {
    /// Every step in order, with its URL word and title.
    pub const ALL: [(Step, &'static str, &'static str); 5] = [
        (Step::Template, "template", "Template"),
        (Step::Configure, "configure", "Configure"),
        (Step::Packages, "packages", "Packages"),
        (Step::Scripts, "scripts", "Scripts"),
        (Step::Review, "review", "Review"),
    ];

    /// The step named `word` in a URL.
    pub fn parse(word: &str) -> Option<Step> {
        Step::ALL
            .iter()
            .find(|(_, w, _)| *w == word)
            .map(|(s, ..)| *s)
    }

    /// The URL word.
    pub fn word(self) -> &'static str {
        Step::ALL
            .iter()
            .find(|(s, ..)| *s == self)
            .map_or("template", |(_, w, _)| w)
    }

    /// The step after this one.
    pub fn next(self) -> Option<Step> {
        let at = Step::ALL.iter().position(|(s, ..)| *s == self)?;
        Step::ALL.get(at + 1).map(|(s, ..)| *s)
    }

    /// The step before this one.
    pub fn previous(self) -> Option<Step> {
        let at = Step::ALL.iter().position(|(s, ..)| *s == self)?;
        at.checked_sub(1).map(|i| Step::ALL[i].0)
    }
}

impl Step {
    /// The step whose form holds `field` (errors from the final check link back to it).
    pub fn of_field(field: &str) -> Step {
        if field == "packages" {
            Step::Packages
        } else if field.starts_with("scripts") {
            Step::Scripts
        } else if field == "keep_on_failure" || field == "template" {
            Step::Review
        } else {
            Step::Configure
        }
    }
}

/// Where the wizard goes after a step is saved: the pressed button's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Go {
    /// To the next step, once this step's fields pass their checks.
    Next,
    /// To the previous step, unchecked (never back to the template choice).
    Back,
    /// Stay on this step (load another node's offerings, add a script slot).
    Stay,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_walk_in_order() {
        assert_eq!(Step::parse("packages"), Some(Step::Packages));
        assert_eq!(Step::Configure.next(), Some(Step::Packages));
        assert_eq!(Step::Template.previous(), None);
        assert_eq!(Step::Review.next(), None);
        assert_eq!(Step::of_field("scripts[1][name]"), Step::Scripts);
        assert_eq!(Step::of_field("gateway4"), Step::Configure);
        for (step, word, _) in Step::ALL {
            assert_eq!(serde_json::to_string(&step).unwrap(), format!("{word:?}"));
        }
    }
}
