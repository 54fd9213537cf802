//! Decompression bombs made on the spot (no binary fixtures): a valid PNG
//! whose pixels are all zero compresses about 1032:1, so 16384 x 16384
//! 16-bit RGBA pixels (2 GiB) fit in about 2 MB.

/// A valid 16-bit RGBA PNG of zero pixels: 8 bytes a pixel, so 16384 x 16384
/// decodes to 2 GiB, in about 2 MB (deflate at its best ratio, 1032:1).
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let raw = u64::from(height) * (1 + u64::from(width) * 8);
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib_zeros(raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    png.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A zlib stream of `n` zero bytes, written by hand: one dynamic-Huffman
/// deflate block in which a literal 0 is followed by matches of length 258
/// at distance 1 (one bit each for the length and the distance code).
fn zlib_zeros(n: u64) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(1, 1); // BFINAL
    bits.put(2, 2); // BTYPE = dynamic
    bits.put(29, 5); // HLIT: 286 literal/length codes
    bits.put(1, 5); // HDIST: 2 distance codes
    bits.put(14, 4); // HCLEN: 18 code length codes
    // Code length code lengths in their order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1:
    // 18 -> 1 bit, 1 and 2 -> 2 bits.
    for length in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        bits.put(length, 3);
    }
    // Canonical codes: 18 = 0, 1 = 10, 2 = 11 (sent most significant bit first).
    let (len_1, len_2) = ((0b10, 2), (0b11, 2));
    let zeros = |bits: &mut Bits, count: u32| {
        bits.code(0, 1);
        bits.put(count - 11, 7);
    };
    // Literal/length lengths: 0 -> 2, 1..=255 -> 0, 256 -> 2, 257..=284 -> 0, 285 -> 1.
    bits.code(len_2.0, len_2.1);
    zeros(&mut bits, 138);
    zeros(&mut bits, 117);
    bits.code(len_2.0, len_2.1);
    zeros(&mut bits, 28);
    bits.code(len_1.0, len_1.1);
    // Distance lengths: 0 -> 1, 1 -> 1.
    bits.code(len_1.0, len_1.1);
    bits.code(len_1.0, len_1.1);
    // Literal/length codes: 285 = 0, literal 0 = 10, end of block = 11; distance 0 = 0.
    bits.code(0b10, 2);
    let matches = (n - 1) / 258;
    for _ in 0..matches {
        bits.code(0, 1);
        bits.code(0, 1);
    }
    for _ in 0..(n - 1) % 258 {
        bits.code(0b10, 2);
    }
    bits.code(0b11, 2);
    let mut out = vec![0x78, 0x01];
    out.extend_from_slice(&bits.finish());
    // Adler-32 of zeros: a stays 1, b is n mod 65521.
    let adler = (((n % 65_521) as u32) << 16) | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    current: u8,
    used: u8,
}

impl Bits {
    /// `count` bits of `value`, least significant first (deflate's header fields).
    fn put(&mut self, value: u32, count: u8) {
        for i in 0..count {
            self.bit((value >> i) & 1 == 1);
        }
    }

    /// A Huffman code of `count` bits, most significant first.
    fn code(&mut self, value: u32, count: u8) {
        for i in (0..count).rev() {
            self.bit((value >> i) & 1 == 1);
        }
    }

    fn bit(&mut self, set: bool) {
        self.current |= u8::from(set) << self.used;
        self.used += 1;
        if self.used == 8 {
            self.bytes.push(self.current);
            (self.current, self.used) = (0, 0);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.bytes.push(self.current);
        }
        self.bytes
    }
}
