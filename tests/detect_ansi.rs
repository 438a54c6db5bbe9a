//! ANSI escape stripping.

use lfe::log::enrich::strip_ansi;
use std::borrow::Cow;

fn s(b: &[u8]) -> Vec<u8> {
    strip_ansi(b).into_owned()
}

#[test]
fn borrowed_without_escapes() {
    assert!(matches!(strip_ansi(b"plain line"), Cow::Borrowed(_)));
    assert!(matches!(strip_ansi(b""), Cow::Borrowed(_)));
    assert!(matches!(
        strip_ansi(b"\xff\xfe invalid utf8"),
        Cow::Borrowed(_)
    ));
}

#[test]
fn csi_sequences() {
    assert_eq!(s(b"\x1b[31merror\x1b[0m: x"), b"error: x");
    assert_eq!(s(b"\x1b[1;38;5;196mred\x1b[39;49m"), b"red");
    assert_eq!(s(b"\x1b[38;2;255;0;0mrgb\x1b[m"), b"rgb");
    assert_eq!(s(b"\x1b[2K\x1b[1Gprogress"), b"progress");
    assert_eq!(s(b"\x1b[?25lhidden\x1b[?25h"), b"hidden");
    assert_eq!(s(b"a\x1b[>4;2mb"), b"ab");
}

#[test]
fn osc_and_others() {
    // OSC 8 hyperlink, BEL and ST terminated.
    assert_eq!(
        s(b"\x1b]8;;http://x/\x07link\x1b]8;;\x07 after"),
        b"link after"
    );
    assert_eq!(s(b"\x1b]0;title\x1b\\text"), b"text");
    // Two-byte escapes and charset designation.
    assert_eq!(s(b"\x1b7saved\x1b8"), b"saved");
    assert_eq!(s(b"\x1b(Bascii"), b"ascii");
    assert_eq!(s(b"\x1bcreset"), b"reset");
    // DCS string.
    assert_eq!(s(b"\x1bPq#0;2\x1b\\ok"), b"ok");
}

#[test]
fn truncated_and_invalid() {
    assert_eq!(s(b"abc\x1b"), b"abc");
    assert_eq!(s(b"abc\x1b["), b"abc");
    assert_eq!(s(b"abc\x1b[31"), b"abc");
    assert_eq!(s(b"abc\x1b]unterminated osc"), b"abc");
    assert_eq!(s(b"\x1b\x1b[31mx"), b"x");
    assert_eq!(s(b"\xff\x1b[31m\xfe\x80"), b"\xff\xfe\x80");
    // A CSI cut by a byte that cannot continue it keeps that byte.
    assert_eq!(s(b"\x1b[31\nnext"), b"\nnext");
}

#[test]
fn never_panics_on_any_bytes() {
    // Deterministic pseudo-random bytes biased towards ESC and sequence bytes.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet = b"\x1b[];?0123456789mABHJK\x07\\P_^X( \xff\x80\xe2\x9c\x93abc";
    for _ in 0..5000 {
        let mut line = Vec::new();
        let len = (x % 40) as usize;
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            line.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let out = strip_ansi(&line);
        assert!(out.len() <= line.len());
        assert!(!out.contains(&0x1b), "{line:?} -> {out:?}");
        x = x.wrapping_add(1);
    }
}
