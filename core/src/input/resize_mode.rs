//! How a picture of any aspect ratio is fitted to the model's input: the part of the picture
//! pipeline that a model file names (the contract's `glasses.resize` key reads and writes it).

/// How a picture of any aspect ratio is fitted to the model's input size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResizeMode {
    /// Resize the whole picture to the input size; faces of another aspect ratio are distorted.
    /// Contract version 1 files always work this way.
    #[default]
    Stretch,
    /// Cut the largest centred rectangle of the input's aspect ratio out of the picture, then
    /// resize it: nothing is distorted, the picture's margins on its longer side are dropped.
    CenterCrop,
}

impl ResizeMode {
    /// The name written into the metadata.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stretch => "stretch",
            Self::CenterCrop => "center_crop",
        }
    }

    /// The mode [`Self::name`] names (surrounding white space ignored); `None` for any other text.
    pub fn from_name(text: &str) -> Option<Self> {
        match text.trim() {
            "stretch" => Some(Self::Stretch),
            "center_crop" => Some(Self::CenterCrop),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ResizeMode;

    #[test]
    fn every_mode_reads_back_from_its_name() {
        for mode in [ResizeMode::Stretch, ResizeMode::CenterCrop] {
            assert_eq!(ResizeMode::from_name(mode.name()), Some(mode));
            assert_eq!(ResizeMode::from_name(&format!(" {} ", mode.name())), Some(mode));
        }
        assert_eq!(ResizeMode::from_name("centre_crop"), None);
        assert_eq!(ResizeMode::from_name(""), None);
    }
}
