//! ANSI/OSC escape stripping, OSC 8 link targets, and the visible part of a line.

use std::borrow::Cow;
use std::ops::Range;

use super::urls;

/// An OSC 8 hyperlink: the offset in the stripped line where it stood, and the range of its URI
/// in the raw line.
pub(super) type Link = (usize, Range<usize>);

/// An OSC 8 target worth listing: `scheme://rest` with an RFC 3986 scheme (a letter, then
/// letters, digits, `+`, `-`, `.`), something after `://`, and no space or control byte.
pub(super) fn is_link_url(uri: &[u8]) -> bool {
    let Some(sep) = memchr::memmem::find(uri, b"://") else {
        return false;
    };
    let scheme = &uri[..sep];
    scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && uri.len() > sep + 3
        && !uri.iter().any(|&b| b <= b' ' || b == 0x7f)
}

/// Adds the OSC 8 link targets in the visible part `vis` of `stripped` to `urls`, merged by
/// position with the URLs found in the text (`spans`, offsets into `vis`): a target is added,
/// normalised, when [`is_link_url`] accepts it and it is not listed yet.
pub(super) fn add_links(
    urls: &mut Vec<Vec<u8>>,
    spans: &[Range<usize>],
    stripped: &[u8],
    vis: &[u8],
    line: &[u8],
    links: &[Link],
) {
    if links.is_empty() {
        return;
    }
    // `vis` is a sub-slice of `stripped`.
    let vis_start = vis.as_ptr() as usize - stripped.as_ptr() as usize;
    let vis_end = vis_start + vis.len();
    // Linear in the number of URLs: a set for "listed yet", then one merge by position.
    let mut seen: Option<std::collections::HashSet<Vec<u8>>> = None;
    let mut extra: Vec<(usize, Vec<u8>)> = Vec::new();
    for (at, uri) in links {
        if *at < vis_start || *at > vis_end {
            continue;
        }
        let uri = &line[uri.clone()];
        if !is_link_url(uri) {
            continue;
        }
        let u = urls::normalize(uri);
        let seen = seen.get_or_insert_with(|| urls.iter().cloned().collect());
        if seen.insert(u.clone()) {
            extra.push((at - vis_start, u));
        }
    }
    if extra.is_empty() {
        return;
    }
    // A link goes before the first text URL that starts at or after it.
    let text_urls = std::mem::take(urls);
    let mut text_urls = text_urls
        .into_iter()
        .zip(spans.iter().map(|s| s.start))
        .peekable();
    for (pos, u) in extra {
        while let Some((t, _)) = text_urls.next_if(|(_, start)| *start < pos) {
            urls.push(t);
        }
        urls.push(u);
    }
    urls.extend(text_urls.map(|(t, _)| t));
}

/// What a terminal would show: without a trailing `\r`/`\n`, and only the text after the last
/// carriage return (progress bars redraw the line with `\r`).
pub fn visible_part(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |p| p + 1);
    let text = &text[..end];
    match memchr::memrchr(b'\r', text) {
        Some(p) => &text[p + 1..],
        None => text,
    }
}

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, two-byte
/// `ESC x`). Borrowed when the line has none.
///
/// Also removes DCS/SOS/PM/APC strings (`ESC P|X|^|_ ... ST`) and `ESC <intermediates> final`
/// (e.g. `ESC ( B`). An unterminated sequence at the end of the line is dropped; a CSI cut short
/// by a byte that cannot belong to it ends there and that byte is kept.
pub fn strip_ansi(line: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Vec::new();
    if strip_into(line, &mut out, None) {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(line)
    }
}

/// [`strip_ansi`] into a reused buffer: false (and `out` untouched) when `line` has no escape;
/// otherwise `out` is the stripped line. With `links`, it also receives each OSC 8 hyperlink
/// (`ESC ] 8 ; params ; URI` ended by BEL or ST): the offset in `out` where it stood and the
/// range of its URI in `line` (a link that closes with an empty URI gives an empty range).
pub(super) fn strip_into(
    line: &[u8],
    out: &mut Vec<u8>,
    mut links: Option<&mut Vec<Link>>,
) -> bool {
    let Some(first) = memchr::memchr(0x1b, line) else {
        return false;
    };
    out.clear();
    // The output is never longer than the line: no reallocation below.
    out.reserve(line.len());
    if let Some(l) = links.as_deref_mut() {
        l.clear();
    }
    out.extend_from_slice(&line[..first]);
    let n = line.len();
    let mut i = first;
    while i < n {
        if line[i] != 0x1b {
            i = copy_run(line, i, out);
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
                let body = i;
                let mut terminated = false;
                while i < n {
                    if line[i] == 0x07 && k == b']' {
                        terminated = true;
                        break;
                    }
                    if line[i] == 0x1b {
                        // ST ends the string; any other escape starts a new sequence (the
                        // string ended unterminated).
                        terminated = line.get(i + 1) == Some(&b'\\');
                        break;
                    }
                    i += 1;
                }
                let body_end = i;
                if terminated {
                    i += if line[i] == 0x07 { 1 } else { 2 };
                }
                if let Some(l) = links.as_deref_mut() {
                    let s = &line[body..body_end];
                    if k == b']' && terminated && s.starts_with(b"8;") {
                        if let Some(semi) = memchr::memchr(b';', &s[2..]) {
                            let uri = body + 2 + semi + 1;
                            l.push((out.len(), uri..body_end));
                        }
                    }
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
    true
}

/// Copies `line[i..]` up to the next ESC (or the end) to `out`; returns where it stopped. Runs
/// between escapes are short (a few words between colour codes), so this goes eight bytes a
/// step with a word test for ESC instead of calling `memchr` and `memcpy` per run.
fn copy_run(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const ESCS: u64 = u64::from_ne_bytes([0x1b; 8]);
    while let Some(chunk) = line.get(i..i + 8) {
        let chunk: &[u8; 8] = chunk.try_into().expect("eight bytes");
        let x = u64::from_le_bytes(*chunk) ^ ESCS;
        // The lowest zero byte of `x` (an ESC) sets its high bit here; bytes above it may
        // be set falsely, bytes below it are not.
        let esc = x.wrapping_sub(ONES) & !x & HIGHS;
        out.extend_from_slice(chunk);
        if esc != 0 {
            let k = esc.trailing_zeros() as usize / 8;
            out.truncate(out.len() - 8 + k);
            return i + k;
        }
        i += 8;
    }
    while let Some(&b) = line.get(i) {
        if b == 0x1b {
            break;
        }
        out.push(b);
        i += 1;
    }
    i
}
