//! Byte helpers of the frozen detector: what a terminal shows, ANSI stripping, level words,
//! trims and the shapes of continuation lines.

use std::borrow::Cow;

use lfe::log::enrich::Level;
// The core's cargo status-line test and numeric-level table: unchanged since this copy was
// frozen (same code, byte for byte), so the reference shares them.
use lfe::log::enrich::{is_cargo_status, numeric_level};

/// What a terminal would show: without a trailing `\r`/`\n`, and only the text after the last
/// carriage return (progress bars redraw the line with `\r`).
pub fn visible_part(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |p| p + 1);
    let text = &text[..end];
    match text.iter().rposition(|&b| b == b'\r') {
        Some(p) => &text[p + 1..],
        None => text,
    }
}

/// Maps a matched label to its level.
pub(super) fn classify(s: &[u8]) -> Option<Level> {
    let lower: Vec<u8> = s.iter().map(u8::to_ascii_lowercase).collect();
    let has = |w: &str| contains(&lower, w.as_bytes());
    let t = trim(&lower);
    let t = t.strip_prefix(b"\"").unwrap_or(t);
    if let Some(level) = numeric_level(t) {
        return Some(level);
    }
    if lower.starts_with(b"<e>") {
        return Some(Level::Error);
    }
    if lower.starts_with(b"<w>") {
        return Some(Level::Warn);
    }
    if lower.starts_with(b"<i>") {
        return Some(Level::Info);
    }
    if ["crit", "fatal", "panic", "emerg", "alert", "severe"]
        .iter()
        .any(|w| has(w))
    {
        Some(Level::Critical)
    } else if has("err")
        || has("fail")
        || ["✗", "✘", "✕", "✖", "×", "⨯", "❌"].iter().any(|w| has(w))
    {
        Some(Level::Error)
    } else if has("warn") || has("⚠") {
        Some(Level::Warn)
    } else if has("info")
        || has("notice")
        || has("pass")
        || has("ok")
        || ["✓", "✔", "✅"].iter().any(|w| has(w))
    {
        Some(Level::Info)
    } else if has("debug") || has("trace") || has("dbg") {
        Some(Level::Debug)
    } else {
        None
    }
}

pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &s[start..end]
}

/// Tab or at least two spaces before the first visible byte.
pub(super) fn starts_indented(text: &[u8]) -> bool {
    text.first() == Some(&b'\t') || text.starts_with(b"  ")
}

/// Indented, with visible content, and not a status line (`✓ passes`, cargo `Compiling`).
pub(super) fn is_indented_continuation(text: &[u8]) -> bool {
    if !starts_indented(text) {
        return false;
    }
    let rest = &text[text.len() - trim_start(text).len()..];
    if rest.is_empty() {
        return false;
    }
    if is_cargo_status(rest) {
        return false;
    }
    const PASS: &[&str] = &["✓", "✔", "✅", "○", "➜", "▲", "-"];
    !PASS.iter().any(|s| rest.starts_with(s.as_bytes()))
}

pub(super) fn trim_start(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[start..]
}

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, two-byte
/// `ESC x`). Borrowed when the line has none.
///
/// Also removes DCS/SOS/PM/APC strings (`ESC P|X|^|_ ... ST`) and `ESC <intermediates> final`
/// (e.g. `ESC ( B`). An unterminated sequence at the end of the line is dropped; a CSI cut short
/// by a byte that cannot belong to it ends there and that byte is kept.
pub fn strip_ansi(line: &[u8]) -> Cow<'_, [u8]> {
    if !line.contains(&0x1b) {
        return Cow::Borrowed(line);
    }
    let mut out = Vec::with_capacity(line.len());
    let n = line.len();
    let mut i = 0;
    while i < n {
        let b = line[i];
        if b != 0x1b {
            out.push(b);
            i += 1;
            continue;
        }
        i += 1;
        let Some(&k) = line.get(i) else { break };
        match k {
            b'[' => {
                i += 1;
                while i < n && (0x30..=0x3f).contains(&line[i]) {
                    i += 1;
                }
                while i < n && (0x20..=0x2f).contains(&line[i]) {
                    i += 1;
                }
                if i < n && (0x40..=0x7e).contains(&line[i]) {
                    i += 1;
                }
            }
            b']' | b'P' | b'X' | b'^' | b'_' => {
                i += 1;
                while i < n {
                    if line[i] == 0x07 && k == b']' {
                        i += 1;
                        break;
                    }
                    if line[i] == 0x1b {
                        if line.get(i + 1) == Some(&b'\\') {
                            i += 2;
                        } else {
                            // A new escape starts: the string ended unterminated.
                        }
                        break;
                    }
                    i += 1;
                }
            }
            0x20..=0x2f => {
                while i < n && (0x20..=0x2f).contains(&line[i]) {
                    i += 1;
                }
                if i < n && (0x30..=0x7e).contains(&line[i]) {
                    i += 1;
                }
            }
            0x1b => {
                // ESC ESC: the first is dropped, the second starts a new sequence.
            }
            _ => {
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}
