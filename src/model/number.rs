//! Numbers as people here write them: thousands grouped and a decimal comma in Bahasa Indonesia ("2.500.000", "2,7 MB dari 10,2 GB"), the English way in English — by integer arithmetic, which costs the download nothing.

use super::language::Language;

fn separators(language: Language) -> (char, char) {
    match language {
        Language::Indonesian => ('.', ','),
        Language::English => (',', '.'),
    }
}

/// A whole number with its thousands grouped: `1.200.000` / `1,200,000`.
pub fn whole(n: i64, language: Language) -> String {
    let (group, _) = separators(language);
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    out
}

/// `x` rounded to `places` decimals (at most 6), trailing zeros kept:
/// `3,2` / `3.2`. Not-a-number and infinities are "–".
pub fn decimal(x: f64, places: u32, language: Language) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let places = places.min(6);
    let scale = 10_i64.pow(places);
    let scaled = (x * scale as f64).round();
    if scaled.abs() >= i64::MAX as f64 / 2.0 {
        return "–".into();
    }
    let scaled = scaled as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let (int, frac) = (
        scaled.unsigned_abs() / scale as u64,
        scaled.unsigned_abs() % scale as u64,
    );
    let (_, point) = separators(language);
    let int = whole(int as i64, language);
    if places == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}{point}{frac:0width$}", width = places as usize)
    }
}

/// A number as the answer was given: whole numbers without decimals,
/// others with up to six (trailing zeros dropped).
pub fn answer(x: f64, language: Language) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return whole(x as i64, language);
    }
    let text = decimal(x, 6, language);
    let (_, point) = separators(language);
    text.trim_end_matches('0')
        .trim_end_matches(point)
        .to_owned()
}

/// A size in bytes with a sensible unit and one decimal: `512 KB`,
/// `2,7 MB`, `10,2 GB`.
pub fn size(bytes: f64, language: Language) -> String {
    const KB: f64 = 1024.0;
    let bytes = if bytes.is_finite() {
        bytes.max(0.0)
    } else {
        0.0
    };
    if bytes < KB * KB {
        format!("{} KB", whole((bytes / KB).round() as i64, language))
    } else if bytes < KB * KB * KB {
        format!("{} MB", decimal(bytes / (KB * KB), 1, language))
    } else {
        format!("{} GB", decimal(bytes / (KB * KB * KB), 1, language))
    }
}
