//! Stable hashing for feature buckets.
//!
//! The weights file is only meaningful if every build (native, wasm, any Rust
//! version) maps a feature to the same bucket, so we cannot use std's
//! `RandomState`/`DefaultHasher` (randomised / unspecified). FNV-1a 64 is tiny,
//! has no tables and is fully specified; a final avalanche mix spreads its weak
//! low bits before we mask to a power-of-two bucket count.

pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Incremental FNV-1a over bytes.
#[derive(Clone, Copy, Debug)]
pub struct Fnv1a(u64);

impl Fnv1a {
    #[inline]
    pub fn with_seed(seed: u64) -> Self {
        Fnv1a(FNV_OFFSET ^ seed.wrapping_mul(FNV_PRIME))
    }

    #[inline]
    pub fn byte(&mut self, b: u8) {
        self.0 ^= b as u64;
        self.0 = self.0.wrapping_mul(FNV_PRIME);
    }

    #[inline]
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    /// Feeds a whole code point as one 32-bit unit (4 FNV rounds would be
    /// slower and not better mixed for our purpose).
    #[inline]
    pub fn char(&mut self, c: char) {
        self.0 ^= c as u32 as u64;
        self.0 = self.0.wrapping_mul(FNV_PRIME);
    }

    #[inline]
    pub fn finish(self) -> u64 {
        avalanche(self.0)
    }
}

/// Final mixer from MurmurHash3 (fmix64): every input bit affects every output bit.
#[inline]
pub fn avalanche(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// FNV-1a 64 of a byte slice (used as the weights-file checksum).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = FNV_OFFSET;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_published_vectors() {
        // Reference values from the FNV specification test suite.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn seeds_separate_namespaces() {
        let mut a = Fnv1a::with_seed(1);
        let mut b = Fnv1a::with_seed(2);
        a.bytes(b"good");
        b.bytes(b"good");
        assert_ne!(a.finish(), b.finish());
    }
}
