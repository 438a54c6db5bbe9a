//! Small text tests: label classification, indentation, cargo status lines.

use super::Level;

/// The level a numeric level field names (pino/bunyan: `10`/`20` debug, `30` info, `40` warn,
/// `50` error, `60` critical).
pub fn numeric_level(t: &[u8]) -> Option<Level> {
    match t {
        b"10" | b"20" => Some(Level::Debug),
        b"30" => Some(Level::Info),
        b"40" => Some(Level::Warn),
        b"50" => Some(Level::Error),
        b"60" => Some(Level::Critical),
        _ => None,
    }
}

/// Maps a matched label to its level (ASCII case-insensitive; no allocation).
pub(super) fn classify(s: &[u8]) -> Option<Level> {
    // One pass for the letters present (any case) and whether any non-ASCII byte is: a word
    // whose letters are not all present, or a symbol in an ASCII text, is skipped unsearched.
    let mut letters = 0u32;
    let mut high = false;
    for &b in s {
        let l = b.to_ascii_lowercase();
        if l.is_ascii_lowercase() {
            letters |= 1 << (l - b'a');
        } else if b >= 0x80 {
            high = true;
        }
    }
    let has = |w: &[u8]| {
        let maybe = if w[0] >= 0x80 {
            high
        } else {
            w.iter()
                .all(|&c| !c.is_ascii_lowercase() || letters >> (c - b'a') & 1 != 0)
        };
        maybe && contains_ci(s, w)
    };
    let t = s.trim_ascii();
    let t = t.strip_prefix(b"\"").unwrap_or(t);
    if let Some(level) = numeric_level(t) {
        return Some(level);
    }
    let prefix = |p: &[u8]| s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p);
    if prefix(b"<e>") {
        return Some(Level::Error);
    }
    if prefix(b"<w>") {
        return Some(Level::Warn);
    }
    if prefix(b"<i>") {
        return Some(Level::Info);
    }
    let any = |ws: &[&str]| ws.iter().any(|w| has(w.as_bytes()));
    if any(&["crit", "fatal", "panic", "emerg", "alert", "severe"]) {
        Some(Level::Critical)
    } else if any(&["err", "fail", "✗", "✘", "✕", "✖", "×", "⨯", "❌"]) {
        Some(Level::Error)
    } else if any(&["warn", "⚠"]) {
        Some(Level::Warn)
    } else if any(&["info", "notice", "pass", "ok", "✓", "✔", "✅"]) {
        Some(Level::Info)
    } else if any(&["debug", "trace", "dbg"]) {
        Some(Level::Debug)
    } else {
        None
    }
}

/// `hay` contains `needle` (lower-case ASCII or non-ASCII bytes), ignoring ASCII case in `hay`.
pub(super) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len()
        && hay.windows(needle.len()).any(|w| {
            w.iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        })
}

/// Tab or at least two spaces before the first visible byte.
pub(super) fn starts_indented(text: &[u8]) -> bool {
    text.first() == Some(&b'\t') || text.starts_with(b"  ")
}

/// Cargo's right-aligned status lines (`   Compiling x v0.1.0`) are indented but not context.
pub fn is_cargo_status(rest: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"Compiling ",
        b"Finished ",
        b"Running ",
        b"Checking ",
        b"Downloaded ",
        b"Downloading ",
        b"Updating ",
        b"Fresh ",
        b"Blocking ",
        b"Building ",
        b"Documenting ",
        b"Installing ",
        b"Installed ",
        b"Doc-tests ",
        b"Locking ",
        b"Adding ",
    ];
    WORDS.iter().any(|w| rest.starts_with(w))
}

/// Indented, with visible content, and not a status line (`✓ passes`, cargo `Compiling`).
pub(super) fn is_indented_continuation(text: &[u8]) -> bool {
    if !starts_indented(text) {
        return false;
    }
    let rest = &text[text.len() - text.trim_ascii_start().len()..];
    if rest.is_empty() {
        return false;
    }
    // Dispatch on the first byte: cargo's words start upper case, the pass marks are `-` or
    // non-ASCII.
    match rest[0] {
        b'A'..=b'Z' => !is_cargo_status(rest),
        b'-' => false,
        0x80.. => {
            const PASS: &[&str] = &["✓", "✔", "✅", "○", "➜", "▲"];
            !PASS.iter().any(|s| rest.starts_with(s.as_bytes()))
        }
        _ => true,
    }
}
