//! Image formats that phones and cameras write but this crate cannot decode (HEIC above all, the
//! iPhone's default), recognised by their signature or extension so that the error names the
//! format and says what to do, instead of "unrecognised image format" and a row of hex bytes.

use std::fmt;
use std::path::Path;

/// An image format recognised but not decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum UnsupportedFormat {
    /// HEIF with HEVC pictures (`.heic`, `.heif`): the iPhone's default photo format.
    Heic,
    /// HEIF with AV1 pictures (`.avif`).
    Avif,
    /// JPEG XL (`.jxl`).
    JpegXl,
    /// JPEG 2000 (`.jp2`, `.j2k`, `.jpx`, `.jpf`).
    Jpeg2000,
}

/// `ftyp` brands of HEIF files whose pictures are HEVC (or unspecified: `mif1`/`msf1` are the
/// generic HEIF brands, which HEIC files list).
const HEIC_BRANDS: [&[u8; 4]; 9] =
    [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"mif1", b"msf1"];
/// `ftyp` brands of AVIF files; checked first, since AVIF files list `mif1` too.
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];
/// The JPEG XL container's signature box; a bare JPEG XL codestream starts with `FF 0A`.
const JPEG_XL_BOX: [u8; 12] = [0, 0, 0, 0x0c, b'J', b'X', b'L', b' ', 0x0d, 0x0a, 0x87, 0x0a];
/// The JPEG 2000 container's signature box; a bare codestream starts with SOC, SIZ (`FF 4F FF 51`).
const JPEG_2000_BOX: [u8; 12] = [0, 0, 0, 0x0c, b'j', b'P', b' ', b' ', 0x0d, 0x0a, 0x87, 0x0a];
/// Brands read from one `ftyp` box at most: a real one lists a handful; a forged size cannot make
/// the scan long.
const MAX_BRANDS: usize = 64;

impl UnsupportedFormat {
    /// Recognises a file's format from its first bytes, `None` for anything else (including the
    /// formats this crate decodes).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&JPEG_XL_BOX) || bytes.starts_with(&[0xff, 0x0a]) {
            return Some(Self::JpegXl);
        }
        if bytes.starts_with(&JPEG_2000_BOX) || bytes.starts_with(&[0xff, 0x4f, 0xff, 0x51]) {
            return Some(Self::Jpeg2000);
        }
        let brands = ftyp_brands(bytes)?;
        if brands.iter().any(|b| AVIF_BRANDS.contains(b)) {
            Some(Self::Avif)
        } else if brands.iter().any(|b| HEIC_BRANDS.contains(b)) {
            Some(Self::Heic)
        } else {
            None
        }
    }

    /// Recognises the format from a file name's extension (case-insensitive).
    pub fn from_extension(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "heic" | "heif" | "hif" | "heics" | "heifs" => Some(Self::Heic),
            "avif" | "avifs" => Some(Self::Avif),
            "jxl" => Some(Self::JpegXl),
            "jp2" | "j2k" | "j2c" | "jpx" | "jpf" | "jpm" => Some(Self::Jpeg2000),
            _ => None,
        }
    }

    /// The format's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Heic => "HEIC",
            Self::Avif => "AVIF",
            Self::JpegXl => "JPEG XL",
            Self::Jpeg2000 => "JPEG 2000",
        }
    }
}

/// "HEIC is not supported, convert to JPEG": the reason, and what to do about it.
impl fmt::Display for UnsupportedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not supported, convert to JPEG", self.name())
    }
}

/// The major and compatible brands of an ISO-BMFF file that starts with an `ftyp` box:
/// `size, "ftyp", major brand, minor version, compatible brands...` (big-endian size).
fn ftyp_brands(bytes: &[u8]) -> Option<Vec<&[u8; 4]>> {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    // Size 0 means "to the end of the file"; sizes below the fixed fields are malformed.
    let end = if size == 0 { bytes.len() } else { size.min(bytes.len()) };
    if end < 16 {
        return None;
    }
    let major = bytes[8..12].try_into().ok()?;
    let compatible = bytes[16..end].chunks_exact(4).filter_map(|c| c.try_into().ok()).take(MAX_BRANDS);
    Some(std::iter::once(major).chain(compatible).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `ftyp` box with `major` and `compatible` brands, then the start of a `meta` box.
    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len() as u32;
        let mut out = size.to_be_bytes().to_vec();
        out.extend_from_slice(b"ftyp");
        out.extend_from_slice(major);
        out.extend_from_slice(&[0, 0, 0, 0]);
        for brand in compatible {
            out.extend_from_slice(*brand);
        }
        out.extend_from_slice(&[0, 0, 0, 0x21, b'm', b'e', b't', b'a']);
        out
    }

    #[test]
    fn heic_is_recognised_by_any_of_its_brands() {
        // An iPhone photo: major `heic`, compatible `mif1, heic`.
        assert_eq!(
            UnsupportedFormat::sniff(&ftyp(b"heic", &[b"mif1", b"heic"])),
            Some(UnsupportedFormat::Heic)
        );
        for brand in [b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"] {
            assert_eq!(
                UnsupportedFormat::sniff(&ftyp(brand, &[])),
                Some(UnsupportedFormat::Heic),
                "{brand:?}"
            );
        }
        // The brand only among the compatible ones.
        assert_eq!(UnsupportedFormat::sniff(&ftyp(b"zzzz", &[b"heic"])), Some(UnsupportedFormat::Heic));
    }

    #[test]
    fn avif_wins_over_the_generic_heif_brand() {
        assert_eq!(
            UnsupportedFormat::sniff(&ftyp(b"avif", &[b"avif", b"mif1", b"miaf"])),
            Some(UnsupportedFormat::Avif)
        );
        assert_eq!(UnsupportedFormat::sniff(&ftyp(b"mif1", &[b"avis"])), Some(UnsupportedFormat::Avif));
    }

    #[test]
    fn other_iso_files_and_short_or_forged_boxes_are_not_images() {
        // An MP4 video and a QuickTime movie are ISO-BMFF files too.
        assert_eq!(UnsupportedFormat::sniff(&ftyp(b"isom", &[b"isom", b"mp41"])), None);
        assert_eq!(UnsupportedFormat::sniff(&ftyp(b"qt  ", &[])), None);
        let heic = ftyp(b"heic", &[]);
        assert_eq!(UnsupportedFormat::sniff(&heic[..15]), None);
        assert_eq!(UnsupportedFormat::sniff(&[]), None);
        // A box size below its fixed fields, or far past the data, reads no brand out of bounds.
        let mut small = ftyp(b"mif1", &[]);
        small[..4].copy_from_slice(&8u32.to_be_bytes());
        assert_eq!(UnsupportedFormat::sniff(&small), None);
        let mut huge = ftyp(b"isom", &[b"heic"]);
        huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(UnsupportedFormat::sniff(&huge), Some(UnsupportedFormat::Heic));
        // Size 0: the box runs to the end of the data.
        let mut to_end = ftyp(b"isom", &[b"avif"]);
        to_end[..4].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(UnsupportedFormat::sniff(&to_end), Some(UnsupportedFormat::Avif));
    }

    #[test]
    fn jpeg_xl_and_jpeg_2000_by_signature() {
        assert_eq!(UnsupportedFormat::sniff(&JPEG_XL_BOX), Some(UnsupportedFormat::JpegXl));
        assert_eq!(UnsupportedFormat::sniff(&[0xff, 0x0a, 0x01]), Some(UnsupportedFormat::JpegXl));
        assert_eq!(UnsupportedFormat::sniff(&JPEG_2000_BOX), Some(UnsupportedFormat::Jpeg2000));
        assert_eq!(UnsupportedFormat::sniff(&[0xff, 0x4f, 0xff, 0x51, 0]), Some(UnsupportedFormat::Jpeg2000));
        // A JPEG (SOI) and a PNG are none of these.
        assert_eq!(UnsupportedFormat::sniff(&[0xff, 0xd8, 0xff, 0xe0]), None);
        assert_eq!(UnsupportedFormat::sniff(b"\x89PNG\r\n\x1a\n"), None);
    }

    #[test]
    fn extensions_and_messages() {
        let of = |name: &str| UnsupportedFormat::from_extension(Path::new(name));
        assert_eq!(of("IMG_0001.HEIC"), Some(UnsupportedFormat::Heic));
        assert_eq!(of("a.heif"), Some(UnsupportedFormat::Heic));
        assert_eq!(of("a.avif"), Some(UnsupportedFormat::Avif));
        assert_eq!(of("a.jxl"), Some(UnsupportedFormat::JpegXl));
        assert_eq!(of("a.jp2"), Some(UnsupportedFormat::Jpeg2000));
        assert_eq!(of("a.jpg"), None);
        assert_eq!(of("heic"), None);
        assert_eq!(UnsupportedFormat::Heic.to_string(), "HEIC is not supported, convert to JPEG");
    }
}
