//! Decompression bombs: small files whose headers claim enormous pixel
//! buffers. The decode budget must refuse them from the header, before the
//! buffer is allocated, for every format and for every frame of a GIF.
//!
//! This test binary counts every allocation (a global allocator that
//! records the largest single request and refuses anything over 1 GiB, so
//! that a regression fails fast instead of taking the machine's memory).
//! Before the fix, `prepare` on the 2 MB PNG below asked for 2 GiB at once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, Frame, ImageBuffer, Rgba};
use moodchat_core::ImageKind;
use moodchat_protocol::ErrorCode;
use moodchat_server::images::process::{prepare, MAX_DECODE_BYTES};

mod bombs;
use bombs::png_bomb;

struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);
const REFUSE_OVER: usize = 1 << 30;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > REFUSE_OVER {
            return std::ptr::null_mut();
        }
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > REFUSE_OVER {
            return std::ptr::null_mut();
        }
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > REFUSE_OVER {
            return std::ptr::null_mut();
        }
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The counter is process-wide: one measurement at a time.
static MEASURING: Mutex<()> = Mutex::new(());

/// Runs `prepare` and returns its error code and the largest single
/// allocation made meanwhile.
fn refused(kind: ImageKind, bytes: &[u8]) -> (ErrorCode, usize) {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    LARGEST.store(0, Ordering::Relaxed);
    let error = prepare(kind, bytes, 480).expect_err("a bomb must be refused");
    (error.code, LARGEST.load(Ordering::Relaxed))
}

/// What the refusal may allocate at most: the file itself and the
/// decoders' small buffers, nowhere near the claimed pixels.
const SMALL: usize = 16 << 20;

#[test]
fn a_two_megabyte_png_claiming_two_gigabytes_is_refused_before_allocation() {
    let bomb = png_bomb(16_384, 16_384);
    assert!(bomb.len() < 3 << 20, "{} bytes", bomb.len());
    let (code, largest) = refused(ImageKind::Png, &bomb);
    assert_eq!(code, ErrorCode::TooLarge);
    assert!(largest < SMALL, "{largest} bytes allocated at once");
}

#[test]
fn jpeg_and_webp_headers_claiming_too_much_are_refused_before_allocation() {
    let small = DynamicImage::ImageRgb8(ImageBuffer::from_pixel(16, 16, image::Rgb([200, 10, 10])));
    let mut jpeg = Vec::new();
    small.write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, 80)).unwrap();
    set_jpeg_dimensions(&mut jpeg, 16_384, 16_384);
    let mut webp = Vec::new();
    small.write_with_encoder(WebPEncoder::new_lossless(&mut webp)).unwrap();
    set_webp_lossless_dimensions(&mut webp, 16_000, 16_000);
    for (kind, bytes) in [(ImageKind::Jpeg, jpeg), (ImageKind::Webp, webp)] {
        let (code, largest) = refused(kind, &bytes);
        assert_eq!(code, ErrorCode::TooLarge, "{kind:?}");
        assert!(largest < SMALL, "{kind:?}: {largest} bytes allocated at once");
    }
}

#[test]
fn a_gif_with_a_huge_screen_or_a_huge_frame_is_refused_before_allocation() {
    let frame = |w, h| Frame::new(ImageBuffer::from_pixel(w, h, Rgba([1, 2, 3, 255])));
    let mut gif = Vec::new();
    GifEncoder::new(&mut gif).encode_frames([frame(4, 4), frame(4, 4)]).unwrap();
    // The logical screen claims 16384 x 16384 (1 GiB as RGBA).
    let mut huge_screen = gif.clone();
    huge_screen[6..10].copy_from_slice(&[0x00, 0x40, 0x00, 0x40]);
    // A 4 x 4 screen whose second frame claims 16384 x 16384.
    let mut huge_frame = gif;
    let second = find_nth(&huge_frame, 0x2c, 2).expect("two image descriptors");
    huge_frame[second + 5..second + 9].copy_from_slice(&[0x00, 0x40, 0x00, 0x40]);
    for (what, bytes) in [("screen", huge_screen), ("frame", huge_frame)] {
        let (code, largest) = refused(ImageKind::Gif, &bytes);
        assert_eq!(code, ErrorCode::TooLarge, "{what}");
        assert!(largest < SMALL, "{what}: {largest} bytes allocated at once");
    }
}

#[test]
fn images_within_the_budget_still_decode() {
    // 1024 x 1024 16-bit RGBA: 8 MiB, well within the budget.
    assert!(1024 * 1024 * 8 <= MAX_DECODE_BYTES);
    let plain = png_bomb(1024, 1024);
    let prepared = prepare(ImageKind::Png, &plain, 480).expect("within the budget");
    assert_eq!((prepared.width, prepared.height), (1024, 1024));
}

/// Offset of the `n`-th (1-based) image descriptor (0x2c) after the header.
/// Good enough for the encoder's output, whose other blocks hold no 0x2c at
/// a block start in these tiny images.
fn find_nth(gif: &[u8], byte: u8, n: usize) -> Option<usize> {
    let mut seen = 0;
    let mut at = 13 + 3 * (1 << ((gif[10] & 0x07) + 1)) * usize::from(gif[10] & 0x80 != 0);
    while at < gif.len() {
        match gif[at] {
            0x21 => {
                at += 2;
                while gif[at] != 0 {
                    at += usize::from(gif[at]) + 1;
                }
                at += 1;
            }
            b if b == byte => {
                seen += 1;
                if seen == n {
                    return Some(at);
                }
                let flags = gif[at + 9];
                at += 10;
                if flags & 0x80 != 0 {
                    at += 3 * (1 << ((flags & 0x07) + 1));
                }
                at += 1;
                while gif[at] != 0 {
                    at += usize::from(gif[at]) + 1;
                }
                at += 1;
            }
            _ => return None,
        }
    }
    None
}

/// Rewrites the size in a baseline JPEG's SOF0 segment.
fn set_jpeg_dimensions(jpeg: &mut [u8], width: u16, height: u16) {
    let sof = jpeg.windows(2).position(|pair| pair == [0xff, 0xc0]).expect("a baseline JPEG");
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
}

/// Rewrites the size in a lossless WebP's VP8L header (14 bits each, minus
/// one), and in its VP8X canvas (24 bits each, minus one) when it has one.
fn set_webp_lossless_dimensions(webp: &mut [u8], width: u32, height: u32) {
    if let Some(extended) = webp.windows(4).position(|tag| tag == b"VP8X") {
        let canvas = extended + 8 + 4;
        webp[canvas..canvas + 3].copy_from_slice(&(width - 1).to_le_bytes()[..3]);
        webp[canvas + 3..canvas + 6].copy_from_slice(&(height - 1).to_le_bytes()[..3]);
    }
    let chunk = webp.windows(4).position(|tag| tag == b"VP8L").expect("a lossless WebP");
    let header = chunk + 8 + 1;
    let old = u32::from_le_bytes(webp[header..header + 4].try_into().unwrap());
    let new = (old & !0x0fff_ffff) | (width - 1) | ((height - 1) << 14);
    webp[header..header + 4].copy_from_slice(&new.to_le_bytes());
}
