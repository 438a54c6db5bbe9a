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
    match strip_into(line, &mut out, None) {
        Some(len) => {
            out.truncate(len);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(line),
    }
}

/// [`strip_ansi`] into a reused buffer: `None` (and `out` untouched) when `line` has no escape;
/// otherwise `Some(len)`, and `out[..len]` is the stripped line (`out` may be longer: it is
/// kept at least eight bytes longer than the line, so its bytes are not zeroed on every line).
/// With `links`, it also receives each OSC 8 hyperlink (`ESC ] 8 ; params ; URI` ended by BEL
/// or ST): the offset in the output where it stood and the range of its URI in `line` (a link
/// that closes with an empty URI gives an empty range).
pub(super) fn strip_into(
    line: &[u8],
    out: &mut Vec<u8>,
    links: Option<&mut Vec<Link>>,
) -> Option<usize> {
    let first = memchr::memchr(0x1b, line)?;
    Some(strip_from(line, first, out, links))
}

/// [`strip_into`] of a line whose first ESC is at `first`: the stripped length.
pub(super) fn strip_from(
    line: &[u8],
    first: usize,
    out: &mut Vec<u8>,
    mut links: Option<&mut Vec<Link>>,
) -> usize {
    debug_assert!(line[first] == 0x1b && !line[..first].contains(&0x1b));
    if let Some(l) = links.as_deref_mut() {
        l.clear();
    }
    let n = line.len();
    // Room for the whole line and one more word: runs are copied a word at a time, and the
    // output is never longer than the line.
    if out.len() < n + 8 {
        out.resize(n + 8, 0);
    }
    let buf = &mut out[..n + 8];
    buf[..first].copy_from_slice(&line[..first]);
    let (mut i, mut o) = (first, first);
    // Here `line[i]` is an ESC (or `i == n`).
    while i + 1 < n {
        let k = line[i + 1];
        i = if k == b'[' {
            csi_end(line, i + 2)
        } else {
            skip_escape(line, i + 1, k, o, links.as_deref_mut())
        };
        // Escapes often follow each other (`ESC[1m ESC[32m`): no run between them.
        if line.get(i) != Some(&0x1b) {
            (i, o) = copy_run(line, i, buf, o);
        }
    }
    o
}

/// Where the CSI whose parameters start at `line[i]` ends: parameter bytes, intermediate
/// bytes, then one final byte if there is one (a CSI cut short keeps the byte that ended it).
#[inline]
fn csi_end(line: &[u8], mut i: usize) -> usize {
    while let Some(&b) = line.get(i) {
        if b & 0xf0 != 0x30 {
            // The usual end: a final byte (`m`) right after the parameters.
            if (0x40..=0x7e).contains(&b) {
                return i + 1;
            }
            break;
        }
        i += 1;
    }
    while line.get(i).is_some_and(|b| b & 0xf0 == 0x20) {
        i += 1;
    }
    i + usize::from(line.get(i).is_some_and(|b| (0x40..=0x7e).contains(b)))
}

/// Skips the escape sequence whose byte after ESC is `k` (at `line[i]`, not `[`); returns
/// where the text goes on. An OSC 8 link is recorded in `links` at output offset `o`.
fn skip_escape(line: &[u8], mut i: usize, k: u8, o: usize, links: Option<&mut Vec<Link>>) -> usize {
    let n = line.len();
    match k {
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
            if let Some(l) = links {
                let s = &line[body..body_end];
                if k == b']' && terminated && s.starts_with(b"8;") {
                    if let Some(semi) = memchr::memchr(b';', &s[2..]) {
                        let uri = body + 2 + semi + 1;
                        l.push((o, uri..body_end));
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
    i
}

/// Copies `line[i..]` up to the next ESC (or the end) to `buf[o..]`; returns where the input
/// and the output stopped. Runs between escapes are short (a few words between colour codes),
/// so this goes eight bytes a step with a word test for ESC, storing whole words (`buf` has
/// eight bytes more than `line`, and `o <= i`).
fn copy_run(line: &[u8], i: usize, buf: &mut [u8], o: usize) -> (usize, usize) {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const ESCS: u64 = u64::from_ne_bytes([0x1b; 8]);
    let src = &line[i..];
    // One bound check here: the stores below stay inside `dst`.
    let dst = &mut buf[o..][..src.len() + 8];
    let mut k = 0;
    while k + 8 <= src.len() {
        let chunk: [u8; 8] = src[k..k + 8].try_into().expect("eight bytes");
        dst[k..k + 8].copy_from_slice(&chunk);
        let x = u64::from_le_bytes(chunk) ^ ESCS;
        // The lowest zero byte of `x` (an ESC) sets its high bit here; bytes above it may
        // be set falsely, bytes below it are not.
        let esc = x.wrapping_sub(ONES) & !x & HIGHS;
        if esc != 0 {
            k += esc.trailing_zeros() as usize / 8;
            return (i + k, o + k);
        }
        k += 8;
    }
    while k < src.len() && src[k] != 0x1b {
        dst[k] = src[k];
        k += 1;
    }
    (i + k, o + k)
}
