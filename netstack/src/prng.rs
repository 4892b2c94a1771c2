//! The engine's seeded pseudo-random generator (SplitMix64; Steele, Lea, Flood 2014). Used wherever the
//! engine needs chance — NAT port search offsets, conntrack eviction sampling, the `random` and `nth`
//! matchers — always seeded by the caller, so behaviour is reproducible in tests and fuzzing. Not
//! cryptographic.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        Prng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in `0..n` (0 when `n == 0`), by multiply-shift (Lemire) over 64 random bits.
    pub fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u32
    }
}
