//! The scenario file being edited: its text on disk, the scenario it parsed
//! to, the edited scenario, and the last validation error (shown in the UI,
//! never a crash).

use crate::scenario::patch::save_text;
use crate::scenario::{self, Scenario, ScenarioError};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[derive(bevy::prelude::Resource)]
pub struct Document {
    /// Where it is saved; None for a scenario not yet saved.
    pub path: Option<PathBuf>,
    /// The file's text as last loaded or saved.
    pub text: String,
    /// What `text` parses to.
    pub saved: Scenario,
    /// The scenario as edited (what the view shows).
    pub scenario: Scenario,
    /// The last load or edit that failed validation.
    pub error: Option<ScenarioError>,
    /// What the last save did (e.g. whether comments could be kept).
    pub status: String,
    modified_on_disk: Option<SystemTime>,
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Document {
    pub fn new(scenario: Scenario) -> Document {
        Document {
            path: None,
            text: scenario::to_ron(&scenario),
            saved: scenario.clone(),
            scenario,
            error: None,
            status: String::new(),
            modified_on_disk: None,
        }
    }

    /// A shipped scenario's text (comments kept), not yet saved to a file:
    /// Save asks where (the editor offers `<name>.ron`).
    pub fn from_builtin(source: &crate::scenario::library::Source) -> Document {
        let scenario = scenario::parse(&source.text, &source.path).unwrap_or_default();
        Document {
            path: None,
            text: source.text.clone(),
            saved: scenario.clone(),
            scenario,
            error: None,
            status: format!(
                "{} (shipped with edgecase): Save as writes your copy",
                source.path.display()
            ),
            modified_on_disk: None,
        }
    }

    /// Open a scenario file. A file that does not parse still opens (with the
    /// default scenario and the error shown) so it can be fixed and reloaded.
    pub fn open(path: &Path) -> Document {
        let mut d = Document::new(Scenario::default());
        d.path = Some(path.to_path_buf());
        d.reload();
        d
    }

    pub fn dirty(&self) -> bool {
        self.scenario != self.saved
    }

    /// Read the file again; on error keep the current scenario.
    pub fn reload(&mut self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        self.modified_on_disk = mtime(&path);
        // as the batch run reads it: size limit, UTF-8 with line:col, a
        // byte order mark dropped
        let text = match scenario::library::read(&path, "scenario file") {
            Ok(t) => t,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        match scenario::parse(&text, &path) {
            Ok(s) => {
                self.text = text;
                self.saved = s.clone();
                self.scenario = s;
                self.error = None;
                self.status = format!("loaded {}", path.display());
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// True (and reloaded) when the file changed on disk since we last read
    /// or wrote it.
    pub fn reload_if_changed(&mut self) -> bool {
        let Some(path) = &self.path else {
            return false;
        };
        let now = mtime(path);
        if now.is_some() && now != self.modified_on_disk {
            self.reload();
            return true;
        }
        false
    }

    /// Replace the edited scenario after validating it; an invalid edit is
    /// kept out and reported with the line:col the offending field would
    /// have in the file once saved (unchanged lines keep their numbers).
    pub fn apply(&mut self, edited: Scenario) -> bool {
        let ron = scenario::patch::patch_text(&self.text, &self.saved, &edited)
            .unwrap_or_else(|| scenario::to_ron(&edited));
        let path = self
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from("(edited scenario)"));
        match scenario::parse(&ron, &path) {
            Ok(_) => {
                self.scenario = edited;
                self.error = None;
                true
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }

    /// The text a save would write.
    pub fn save_preview(&self) -> scenario::patch::Saved {
        save_text(&self.text, &self.saved, &self.scenario)
    }

    /// Save to `path` (or the document's own path), atomically.
    pub fn save(&mut self, path: Option<&Path>) -> Result<(), String> {
        let path = path
            .map(Path::to_path_buf)
            .or_else(|| self.path.clone())
            .ok_or("choose a file to save to")?;
        let saved = self.save_preview();
        let tmp = path.with_extension("ron.tmp");
        std::fs::write(&tmp, &saved.text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("cannot save {}: {e}", path.display()))?;
        self.text = saved.text;
        self.saved = self.scenario.clone();
        self.modified_on_disk = mtime(&path);
        self.path = Some(path.clone());
        self.status = if saved.patched {
            format!("saved {} (comments and layout kept)", path.display())
        } else {
            format!(
                "saved {} (rewritten: the file's comments could not be kept)",
                path.display()
            )
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shipped scenario opens as an unsaved document with its comments;
    /// Save without a path asks for one, Save to a path writes the text.
    #[test]
    fn shipped_scenarios_open_unsaved_and_save_where_asked() {
        let source = crate::scenario::library::builtin("fog_pedestrian").unwrap();
        let mut doc = Document::from_builtin(&source);
        assert!(doc.path.is_none() && !doc.dirty());
        assert_eq!(doc.scenario.name, "fog_pedestrian");
        assert!(doc.save(None).is_err());
        let dir = tempfile::tempdir().unwrap();
        let to = dir.path().join("mine.ron");
        doc.save(Some(&to)).unwrap();
        let written = std::fs::read_to_string(&to).unwrap();
        assert!(
            written.starts_with("// A pedestrian steps out of fog"),
            "{written}"
        );
        assert_eq!(doc.path.as_deref(), Some(to.as_path()));
    }
}
