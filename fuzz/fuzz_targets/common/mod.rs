//! A tiny byte reader shared by the fuzz targets (included with `#[path]`/`mod`).
#![allow(dead_code)]

pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> Bytes<'a> {
    pub fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    pub fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.u8()?,
            self.u8()?,
            self.u8()?,
            self.u8()?,
        ]))
    }
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from(self.u32()?) | (u64::from(self.u32()?) << 32))
    }
    /// Up to `max` bytes (length from one byte).
    pub fn bytes(&mut self, max: usize) -> Option<&'a [u8]> {
        let n = (self.u8()? as usize) % (max + 1);
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    /// One of a few short words (so that collisions actually happen).
    pub fn word<'w>(&mut self, words: &[&'w [u8]]) -> Option<&'w [u8]> {
        Some(words[self.u8()? as usize % words.len()])
    }
}
