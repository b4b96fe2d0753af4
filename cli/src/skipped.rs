//! What folder searches passed over, counted by kind: "2 .heic files skipped: HEIC is not
//! supported, convert to JPEG", "1 file skipped: not an image".

use std::collections::BTreeMap;

use glasses_core::{SkipReason, SkippedFile};
use serde::Serialize;

/// Files skipped for one reason (and, for a format that is not supported, one extension).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedGroup {
    /// How many.
    pub count: usize,
    /// Their extension (lower case, with the dot) when it is what the reason is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// Why they were skipped.
    pub reason: String,
}

/// `skipped` counted by reason and, for unsupported formats, by extension; sorted by reason.
pub fn group(skipped: &[SkippedFile]) -> Vec<SkippedGroup> {
    let mut counts: BTreeMap<(SkipReason, Option<String>), usize> = BTreeMap::new();
    for file in skipped {
        let extension = match file.reason {
            SkipReason::Unsupported(_) => {
                file.path.extension().map(|e| format!(".{}", e.to_string_lossy().to_ascii_lowercase()))
            }
            _ => None,
        };
        *counts.entry((file.reason, extension)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((reason, extension), count)| SkippedGroup { count, extension, reason: reason.to_string() })
        .collect()
}

impl SkippedGroup {
    /// "2 .heic files skipped: HEIC is not supported, convert to JPEG".
    pub fn line(&self) -> String {
        let files = if self.count == 1 { "file" } else { "files" };
        match &self.extension {
            Some(extension) => format!("{} {extension} {files} skipped: {}", self.count, self.reason),
            None => format!("{} {files} skipped: {}", self.count, self.reason),
        }
    }
}

/// `count` and the noun, singular or plural: "1 image", "2 images".
pub fn plural(count: usize, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;
    use glasses_core::UnsupportedFormat;

    #[test]
    fn files_are_counted_by_reason_and_extension() {
        let file = |path: &str, reason| SkippedFile { path: path.into(), reason };
        let heic = SkipReason::Unsupported(UnsupportedFormat::Heic);
        let groups = group(&[
            file("a/IMG_1.HEIC", heic),
            file("IMG_2.heic", heic),
            file("b.heif", heic),
            file("notes.txt", SkipReason::NotAnImage),
        ]);
        let lines: Vec<String> = groups.iter().map(SkippedGroup::line).collect();
        assert_eq!(
            lines,
            [
                "2 .heic files skipped: HEIC is not supported, convert to JPEG",
                "1 .heif file skipped: HEIC is not supported, convert to JPEG",
                "1 file skipped: not an image",
            ]
        );
        assert_eq!(plural(1, "image", "images"), "1 image");
        assert_eq!(plural(0, "image", "images"), "0 images");
    }
}
