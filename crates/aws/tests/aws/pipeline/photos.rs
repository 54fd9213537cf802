//! The uploads the tests make on the spot (no binary fixtures): a camera
//! JPEG lying on its side with EXIF saying so, plain PNGs, a decode bomb.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageBuffer, Rgb, Rgba};

pub const GPS_MARKER: &[u8] = b"MOODCHAT-GPS-48.8584N-2.2945E";

/// Red on the left half, blue on the right: once turned upright by
/// orientation 6 (90 degrees clockwise), red is on top.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image =
        ImageBuffer::from_fn(width, height, |x, _| if x < width / 2 { Rgb([220, 20, 20]) } else { Rgb([20, 20, 220]) });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90)).unwrap();
    out
}

/// `jpeg` with an EXIF APP1 segment right after SOI, as a camera writes it:
/// orientation 6, a GPS IFD, and a marker string that must not survive.
pub fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II\x2a\x00");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: Orientation = 6, GPSInfo -> offset 38.
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len(), 38);
    // GPS IFD: GPSLatitudeRef = "N".
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(GPS_MARKER);

    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let plain = jpeg(width, height);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = ImageBuffer::from_fn(width, height, |x, y| Rgba([x as u8, y as u8, 128, 255]));
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(image).write_with_encoder(PngEncoder::new(&mut out)).unwrap();
    out
}

/// A PNG of a few hundred bytes whose header claims 16384 x 16384 16-bit
/// RGBA pixels (2 GiB decoded): refused from the header.
pub fn png_bomb() -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&16_384u32.to_be_bytes());
    ihdr.extend_from_slice(&16_384u32.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
    // A zlib stream of one stored block of 256 zero bytes (a start of the
    // pixel rows; the decoder must stop before it needs more).
    let mut idat = vec![0x78, 0x01, 0x01, 0x00, 0x01, 0xFF, 0xFE];
    idat.extend_from_slice(&[0; 256]);
    idat.extend_from_slice(&[0x01, 0x00, 0x00, 0x01]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
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

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}
