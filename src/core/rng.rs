//! Counter-based random numbers: every draw is a pure function of
//! (seed, stream name, entity, counter), so no draw depends on the order in
//! which systems or threads run.

/// SplitMix64 finaliser: a good 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a stream name (stable across platforms and versions).
pub fn hash_name(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Clone, Debug)]
pub struct Stream {
    key: u64,
    counter: u64,
}

impl Stream {
    pub fn new(seed: u64, name: &str, entity: u64) -> Stream {
        Stream::keyed(Stream::name_key(seed, name), entity)
    }

    /// The part of the key shared by every entity of a named stream: hoist
    /// it out of hot loops and pass it to `keyed`.
    pub fn name_key(seed: u64, name: &str) -> u64 {
        mix64(seed ^ hash_name(name))
    }

    /// The same stream as `new(seed, name, entity)`, from `name_key(seed, name)`.
    pub fn keyed(name_key: u64, entity: u64) -> Stream {
        let key = mix64(name_key ^ entity.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        Stream { key, counter: 0 }
    }

    /// A stream of its own, named `name`, forked from this one where it
    /// stands: drawing from it leaves this one's draws as they were (a new
    /// attribute drawn this way changes no other).
    pub fn fork(&self, name: &str) -> Stream {
        Stream::keyed(mix64(self.key ^ hash_name(name)), self.counter)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.counter += 1;
        mix64(self.key ^ mix64(self.counter))
    }

    /// Uniform in [0, 1) with 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    pub fn index(&mut self, n: usize) -> usize {
        ((self.next_f64() * n as f64) as usize).min(n.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_streams_equal_named_ones() {
        let mut a = Stream::new(7, "lidar:top", 12);
        let mut b = Stream::keyed(Stream::name_key(7, "lidar:top"), 12);
        let mut c = Stream::keyed(Stream::name_key(7, "lidar:top"), 13);
        let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
        assert_eq!(x, y);
        assert_ne!(x, z);
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = {
            let mut s = Stream::new(1, "props", 3);
            (0..4).map(|_| s.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut s = Stream::new(1, "props", 3);
            (0..4).map(|_| s.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut s = Stream::new(1, "props", 4);
            (0..4).map(|_| s.next_u64()).collect()
        };
        let d: Vec<u64> = {
            let mut s = Stream::new(2, "props", 3);
            (0..4).map(|_| s.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn uniform_is_in_range_and_roughly_flat() {
        let mut s = Stream::new(9, "u", 0);
        let xs: Vec<f64> = (0..10_000).map(|_| s.range(2.0, 4.0)).collect();
        assert!(xs.iter().all(|x| (2.0..4.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 3.0).abs() < 0.03, "{mean}");
    }
}
