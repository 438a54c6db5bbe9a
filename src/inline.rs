//! Short byte strings kept inline (an event's payload, a log line's text): one helper so both
//! representations copy and pad the same way.

/// `b` as an inline buffer of `N` bytes (`b`, then zeros) with its length, or `None` when `b`
/// is longer than `N` (or than 255, the most a `u8` length can say).
#[inline(always)]
pub(crate) fn copy<const N: usize>(b: &[u8]) -> Option<(u8, [u8; N])> {
    if b.len() > N || b.len() > u8::MAX as usize {
        return None;
    }
    let mut buf = [0u8; N];
    buf[..b.len()].copy_from_slice(b);
    Some((b.len() as u8, buf))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_with_zeros_and_refuses_longer() {
        assert_eq!(super::copy::<4>(b"ab"), Some((2, *b"ab\0\0")));
        assert_eq!(super::copy::<4>(b"abcd"), Some((4, *b"abcd")));
        assert_eq!(super::copy::<4>(b"abcde"), None);
        assert_eq!(super::copy::<300>(&[1u8; 256]), None);
    }
}
