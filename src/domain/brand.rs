//! The operator's brand: the portal's name, its colour, its logo and whom people ask for help,
//! shown on every page and in what is sent (the guide's "Atrezzo Portal", say).

/// The brand as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub name: String,
    /// The header's colour, `#rrggbb`, dark enough for white text (WCAG 1.4.3: 4.5:1).
    pub color: String,
    /// Whom to ask for help, as people read it ("the Atrezzo help desk, 555-0100").
    pub support: Option<String>,
    pub logo: Option<Logo>,
}

/// The logo's bytes and media type, read once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

impl Default for Brand {
    fn default() -> Self {
        Self {
            name: "Tessera".into(),
            color: DEFAULT_COLOR.into(),
            support: None,
            logo: None,
        }
    }
}

pub const DEFAULT_COLOR: &str = "#0d2740";
/// A logo larger than this is a photograph, not a logo: refused at start.
pub const LOGO_MAX_BYTES: usize = 256 * 1024;

/// Why a brand setting is refused, said to the operator at start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BrandProblem {
    #[error("TESSERA_BRAND_NAME must be 1 to 60 characters, without line breaks")]
    Name,
    #[error("TESSERA_BRAND_COLOR must be a colour written #rrggbb, such as #0d2740")]
    ColorFormat,
    #[error(
        "TESSERA_BRAND_COLOR {color} is too light for the header's white text (contrast {ratio:.1}:1; WCAG asks for 4.5:1): choose a darker shade"
    )]
    ColorContrast { color: String, ratio: f64 },
    #[error("TESSERA_SUPPORT_CONTACT must be at most 200 characters, without line breaks")]
    Support,
    #[error("TESSERA_BRAND_LOGO must be an .svg, .png, .webp or .jpg file")]
    LogoKind,
    #[error("TESSERA_BRAND_LOGO is larger than 256 KiB: use a smaller image")]
    LogoSize,
}

fn plain_text(text: &str, max: usize) -> bool {
    let count = text.chars().count();
    (1..=max).contains(&count) && !text.chars().any(char::is_control) && text.trim() == text
}

pub fn check_name(name: &str) -> Result<(), BrandProblem> {
    plain_text(name, 60).then_some(()).ok_or(BrandProblem::Name)
}

pub fn check_support(support: &str) -> Result<(), BrandProblem> {
    plain_text(support, 200)
        .then_some(())
        .ok_or(BrandProblem::Support)
}

/// `#rrggbb`, dark enough that the header's white text reads against it.
pub fn check_color(color: &str) -> Result<(), BrandProblem> {
    let ratio = contrast_with_white(color).ok_or(BrandProblem::ColorFormat)?;
    if ratio < 4.5 {
        return Err(BrandProblem::ColorContrast {
            color: color.to_string(),
            ratio,
        });
    }
    Ok(())
}

/// The contrast ratio of white on `#rrggbb` (WCAG 2.2's relative luminance).
pub fn contrast_with_white(color: &str) -> Option<f64> {
    let hex = color.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let value = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if value <= 0.04045 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        })
    };
    let luminance = 0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?;
    Some(1.05 / (luminance + 0.05))
}

/// The logo's media type by its file name.
pub fn logo_type(file_name: &str) -> Result<&'static str, BrandProblem> {
    let lower = file_name.to_ascii_lowercase();
    let (_, extension) = lower.rsplit_once('.').ok_or(BrandProblem::LogoKind)?;
    match extension {
        "svg" => Ok("image/svg+xml"),
        "png" => Ok("image/png"),
        "webp" => Ok("image/webp"),
        "jpg" | "jpeg" => Ok("image/jpeg"),
        _ => Err(BrandProblem::LogoKind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wcag_1_4_3_the_header_colour_must_carry_white_text() {
        assert!((contrast_with_white("#000000").unwrap() - 21.0).abs() < 0.01);
        assert!((contrast_with_white("#ffffff").unwrap() - 1.0).abs() < 0.01);
        assert!(check_color(DEFAULT_COLOR).is_ok());
        assert!(check_color("#0b5cad").is_ok(), "the portal's own accent");
        assert!(matches!(
            check_color("#ffcc00"),
            Err(BrandProblem::ColorContrast { .. })
        ));
        for bad in ["0d2740", "#0d274", "#0d27400", "#gg2740", "navy", ""] {
            assert_eq!(check_color(bad), Err(BrandProblem::ColorFormat), "{bad}");
        }
    }

    #[test]
    fn names_and_contacts_are_one_line_of_plain_text() {
        assert!(check_name("Atrezzo Portal").is_ok());
        for bad in ["", " Atrezzo", "Atrezzo\nPortal", &"x".repeat(61)] {
            assert_eq!(check_name(bad), Err(BrandProblem::Name), "{bad:?}");
        }
        assert!(check_support("the Atrezzo help desk, 555-0100").is_ok());
        assert_eq!(check_support(&"x".repeat(201)), Err(BrandProblem::Support));
    }

    #[test]
    fn logos_are_images_the_browser_shows() {
        assert_eq!(logo_type("atrezzo.SVG"), Ok("image/svg+xml"));
        assert_eq!(logo_type("logo.png"), Ok("image/png"));
        assert_eq!(logo_type("logo.gif"), Err(BrandProblem::LogoKind));
        assert_eq!(logo_type("logo"), Err(BrandProblem::LogoKind));
    }
}
