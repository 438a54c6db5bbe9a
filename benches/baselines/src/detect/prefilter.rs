//! The frozen detector's prefilter: one pass over the line that says whether the regexes
//! can match at all, and which groups of them.

/// Lower-case prefixes (up to four bytes) of the words that can trigger a level, tag, error
/// start or continuation.
const KEY_PREFIXES: &[&[u8]] = &[
    b"aler", b"buil", b"bund", b"crit", b"comp", b"clip", b"caus", b"crea", b"debu", b"dbg",
    b"duri", b"err", b"emer", b"esbu", b"esli", b"exce", b"fata", b"fail", b"flak", b"goro",
    b"help", b"info", b"jest", b"leve", b"lvl", b"lint", b"logl", b"left", b"moch", b"mypy",
    b"noti", b"note", b"ok", b"pani", b"pass", b"pyte", b"pyli", b"pret", b"prob", b"pend",
    b"rebu", b"roll", b"reco", b"rspe", b"ruff", b"rubo", b"righ", b"seve", b"spec", b"styl",
    b"supp", b"stac", b"skip", b"trac", b"turb", b"targ", b"tsc", b"test", b"thre", b"unca",
    b"unha", b"vite", b"warn", b"webp",
];

/// `scan_flags` bits: the full scan is needed / a structured level field may match / a level
/// hint (`3 errors`, `failed to`, `compiled with warnings`, `Completed 500`) may match.
const SCAN_ANY: u8 = 1;
pub(super) const SCAN_STRUCT: u8 = 2;
pub(super) const SCAN_HINT: u8 = 4;

/// Keys whose words the structured-level and hint regexes need.
const STRUCT_KEYS: &[&[u8]] = &[b"leve", b"lvl", b"seve", b"logl"];
const HINT_KEYS: &[&[u8]] = &[b"err", b"fail", b"prob", b"warn", b"comp"];

/// A key packed for one integer compare: bytes little-endian, a mask of its length, its flags.
#[derive(Clone, Copy)]
struct PackedKey {
    key: u32,
    mask: u32,
    flags: u8,
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn listed(k: &[u8], list: &[&[u8]]) -> bool {
    let mut i = 0;
    while i < list.len() {
        if same(k, list[i]) {
            return true;
        }
        i += 1;
    }
    false
}

const fn pack_key(k: &[u8]) -> PackedKey {
    let mut key = 0u32;
    let mut mask = 0u32;
    let mut i = 0;
    while i < k.len() {
        key |= (k[i] as u32) << (8 * i);
        mask |= 0xff << (8 * i);
        i += 1;
    }
    let mut flags = SCAN_ANY;
    if listed(k, STRUCT_KEYS) {
        flags |= SCAN_STRUCT;
    }
    if listed(k, HINT_KEYS) {
        flags |= SCAN_HINT;
    }
    PackedKey { key, mask, flags }
}

/// Keys bucketed by first letter (`a`..=`z`), at most 8 per letter.
const KEY_TABLE: [[PackedKey; 8]; 26] = {
    let none = PackedKey {
        key: 0,
        mask: u32::MAX,
        flags: 0,
    };
    let mut t = [[none; 8]; 26];
    let mut fill = [0usize; 26];
    let mut i = 0;
    while i < KEY_PREFIXES.len() {
        let k = KEY_PREFIXES[i];
        let b = (k[0] - b'a') as usize;
        t[b][fill[b]] = pack_key(k);
        fill[b] += 1;
        i += 1;
    }
    t
};

/// Word suffixes that can make an error start (`TypeError`, `IOException`, `DeprecationWarning`).
const KEY_SUFFIXES: &[&[u8]] = &[
    b"error",
    b"exception",
    b"warning",
    b"rejection",
    b"interrupt",
];

/// Cheap single pass: false means no level, tag, error start or non-indent continuation can match.
pub fn needs_full_scan(text: &[u8]) -> bool {
    scan_flags(text) != 0
}

/// The single pass behind [`needs_full_scan`]: `SCAN_*` bits (0: nothing can match).
pub(super) fn scan_flags(text: &[u8]) -> u8 {
    let start = text
        .iter()
        .position(|b| !is_regex_space(b))
        .unwrap_or(text.len());
    let rest = &text[start..];
    let Some(&first) = rest.first() else {
        return 0;
    };
    let mut flags = 0;
    // Code frames, carets, `-->`, `at frame`, brackets, JSON, ...
    // `at` then any `\s` of the regexes (the prefilter fix made on main before this copy was
    // taken as the baseline: vertical tab, form feed, CR count as they do in the regex).
    if first.is_ascii_punctuation()
        || (rest.starts_with(b"at") && rest.get(2).is_some_and(is_regex_space))
    {
        flags |= SCAN_ANY;
    }
    // pytest "E   assert" lines; eslint "  1:2  error" is caught by its keyword.
    if first == b'E' && text.get(1).is_some_and(is_regex_space) {
        flags |= SCAN_ANY;
    }
    // Go frames `main.main()`, `net/http.(*conn).serve(0xc0001)`: a space-free name, then `(`,
    // and a final `)`.
    let end = text
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    if end > 0 && text[end - 1] == b')' {
        let open = text.iter().position(|&b| b == b'(').unwrap_or(end);
        if !text[..open].iter().any(u8::is_ascii_whitespace) {
            flags |= SCAN_ANY;
        }
    }
    let mut i = 0;
    let n = text.len();
    while i < n {
        let b = text[i];
        // Status symbols (✓ ✗ ⚠ ⨯ ● ...) are U+2xxx (lead byte 0xE2) or × (0xC3 0x97).
        if b == 0xe2 || b == b'|' || (b == 0xc3 && text.get(i + 1) == Some(&0x97)) {
            flags |= SCAN_ANY;
        } else if b.is_ascii_alphabetic() {
            let start = i;
            while i < n && text[i].is_ascii_alphabetic() {
                i += 1;
            }
            flags |= key_word(&text[start..i]);
            continue;
        } else if b == b':'
            && flags == 0
            && text.get(i + 1).is_some_and(u8::is_ascii_digit)
            && has_ext_before(text, i)
        {
            // `file.ext:N` source locations.
            flags |= SCAN_ANY;
        }
        i += 1;
    }
    flags
}

/// `\s` of the `(?-u)` regexes: ASCII whitespace *including* vertical tab (0x0B), which
/// `u8::is_ascii_whitespace` leaves out. The prefilter uses it to stay conservative.
fn is_regex_space(b: &u8) -> bool {
    b.is_ascii_whitespace() || *b == 0x0b
}

/// `SCAN_*` flags of one ASCII-alphabetic word (0 when it is no keyword).
fn key_word(w: &[u8]) -> u8 {
    let first = w[0] | 0x20;
    let mut flags = 0;
    if first.is_ascii_lowercase() {
        // Lower-cased first four bytes (missing bytes stay 0, which no key byte is).
        let mut packed = 0u32;
        for (i, &b) in w.iter().take(4).enumerate() {
            packed |= ((b | 0x20) as u32) << (8 * i);
        }
        // Unused slots have mask u32::MAX, key 0 and no flags: they never match a word.
        for k in &KEY_TABLE[(first - b'a') as usize] {
            if packed & k.mask == k.key {
                flags |= k.flags;
            }
        }
    }
    if w.len() >= 5
        && matches!(w[w.len() - 1] | 0x20, b'r' | b'n' | b'g' | b't')
        && KEY_SUFFIXES
            .iter()
            .any(|s| w.len() >= s.len() && w[w.len() - s.len()..].eq_ignore_ascii_case(s))
    {
        flags |= SCAN_ANY;
    }
    flags
}

/// `text[colon]` is `:`; true when it follows `.ext` with a 1-4 letter extension.
fn has_ext_before(text: &[u8], colon: usize) -> bool {
    let mut j = colon;
    let mut letters = 0;
    while j > 0 && text[j - 1].is_ascii_alphanumeric() && letters < 5 {
        j -= 1;
        letters += 1;
    }
    (1..=4).contains(&letters) && j > 0 && text[j - 1] == b'.'
}
