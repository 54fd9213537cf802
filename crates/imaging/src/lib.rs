//! What happens to uploaded bytes before anyone can see them: the content
//! must be what the ticket declared (by its magic bytes, then by decoding),
//! the pixels are turned upright by the EXIF orientation, and the image is
//! re-encoded, which leaves EXIF, GPS, XMP, comments and every other
//! metadata block behind. A thumbnail is made from the same pixels.
//!
//! Pure: bytes in, a checked image or a protocol error out, no I/O. The
//! embedded server (crates/server, `images::blobs`) and the AWS image
//! pipeline (crates/aws, `pipeline`) both store what `prepare` returns, so
//! an image is cleaned the same way in either home.
//!
//! CPU-bound: call from `spawn_blocking`.

use std::io::Cursor;

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::error::{ImageError, LimitErrorKind};
use image::{AnimationDecoder, DynamicImage, Frame, ImageDecoder, ImageFormat, ImageReader, Limits};
use moodchat_core::error::{too_large, unsupported_media_type};
use moodchat_core::ImageKind;
use moodchat_protocol::ApiError;

/// Images wider or taller than this are refused, whatever their file size.
const MAX_SIDE_PX: u32 = 16_384;
/// The decoded pixels of one image (width x height x bytes per pixel, of
/// one frame, or of a GIF's logical screen) may take at most this much.
/// Checked from the header before anything is decoded: a 2 MB PNG can
/// claim 16384 x 16384 16-bit RGBA pixels, 2 GiB. Re-encoding and the
/// thumbnail take up to about twice as much again, for as many images at
/// once as `DecodeGate` lets through.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// An animation's frames together may hold at most this many pixels.
const MAX_ANIMATION_PIXELS: u64 = 64 * 1024 * 1024;
const JPEG_QUALITY: u8 = 88;
/// NeuQuant sampling step for GIF re-encoding: 10 is ~10x faster than the
/// best quality (1) and hard to tell apart.
const GIF_SPEED: i32 = 10;

/// A checked, cleaned image, ready to be stored.
#[derive(Debug)]
pub struct Prepared {
    pub original: Vec<u8>,
    pub thumbnail: Vec<u8>,
    /// Dimensions as displayed (after the orientation was applied).
    pub width: u32,
    pub height: u32,
}

pub fn prepare(declared: ImageKind, bytes: &[u8], thumbnail_max_px: u32) -> Result<Prepared, ApiError> {
    check_signature(declared, bytes)?;
    let (original, first_frame) = match declared {
        ImageKind::Gif => reencode_gif(bytes)?,
        still => {
            let image = decode_upright(still, bytes)?;
            (encode(still, &image)?, image)
        }
    };
    let thumbnail = encode(declared.thumbnail_kind(), &shrink_to_fit(&first_frame, thumbnail_max_px))?;
    Ok(Prepared { original, thumbnail, width: first_frame.width(), height: first_frame.height() })
}

fn image_format(kind: ImageKind) -> ImageFormat {
    match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Gif => ImageFormat::Gif,
        ImageKind::Webp => ImageFormat::WebP,
    }
}

/// The file's own signature must name the declared type: a GIF declared as
/// PNG, or text behind a ticket for a JPEG, stop here.
fn check_signature(declared: ImageKind, bytes: &[u8]) -> Result<(), ApiError> {
    match image::guess_format(bytes) {
        Ok(found) if found == image_format(declared) => Ok(()),
        Ok(found) => Err(unsupported_media_type(format!(
            "declared {} but the content is {}",
            declared.content_type(),
            found.to_mime_type()
        ))),
        Err(_) => Err(unsupported_media_type(format!("the content is not {}", declared.content_type()))),
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// `ImageReader::decode` checks `Limits::max_alloc` against the decoded
/// size, but `DynamicImage::from_decoder`, which the orientation needs, does
/// not: it allocates whatever the header claims. So the check is here.
fn check_decode_budget(decoded_bytes: u64) -> Result<(), ApiError> {
    if decoded_bytes > MAX_DECODE_BYTES {
        return Err(too_large(format!(
            "the image would take {} MB to decode; the limit is {} MB",
            decoded_bytes.div_ceil(1 << 20),
            MAX_DECODE_BYTES >> 20
        )));
    }
    Ok(())
}

/// Decodes as the declared format (never a guessed one) and applies the
/// EXIF orientation, so the metadata can be dropped without turning photos
/// on their side.
fn decode_upright(kind: ImageKind, bytes: &[u8]) -> Result<DynamicImage, ApiError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(kind));
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|error| rejected(kind, error))?;
    check_decode_budget(decoder.total_bytes())?;
    // A broken EXIF block is no reason to refuse an image: show it as stored.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|error| rejected(kind, error))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// GIFs keep their animation: every frame is decoded and re-encoded (which
/// drops comments and application extensions). Returns the new file and
/// the first frame.
fn reencode_gif(bytes: &[u8]) -> Result<(Vec<u8>, DynamicImage), ApiError> {
    let mut decoder = GifDecoder::new(Cursor::new(bytes)).map_err(|error| rejected(ImageKind::Gif, error))?;
    decoder.set_limits(limits()).map_err(|error| rejected(ImageKind::Gif, error))?;
    let (width, height) = decoder.dimensions();
    let frame_pixels = u64::from(width) * u64::from(height);
    // Every frame is composed onto an RGBA canvas of the logical screen.
    // Each frame's own buffer is checked by the decoder against `limits()`
    // before it is allocated (a tiny screen with a huge frame stops there).
    check_decode_budget(frame_pixels * 4)?;
    let mut frames: Vec<Frame> = Vec::new();
    for frame in decoder.into_frames() {
        if (frames.len() as u64 + 1) * frame_pixels > MAX_ANIMATION_PIXELS {
            return Err(too_large("the animation has too many frames for its size"));
        }
        frames.push(frame.map_err(|error| rejected(ImageKind::Gif, error))?);
    }
    let first = frames.first().ok_or_else(|| unsupported_media_type("the GIF has no frames"))?;
    let first_frame = DynamicImage::ImageRgba8(first.buffer().clone());
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, GIF_SPEED);
        encoder.set_repeat(Repeat::Infinite).map_err(encoding_failed)?;
        encoder.encode_frames(frames).map_err(encoding_failed)?;
    }
    Ok((out, first_frame))
}

fn shrink_to_fit(image: &DynamicImage, max_px: u32) -> DynamicImage {
    if image.width() <= max_px && image.height() <= max_px {
        // `thumbnail` would scale small images up.
        return image.clone();
    }
    image.thumbnail(max_px, max_px)
}

fn encode(kind: ImageKind, image: &DynamicImage) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let written = match kind {
        ImageKind::Png => image.write_with_encoder(PngEncoder::new(&mut out)),
        // JPEG has no alpha channel.
        ImageKind::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)),
        // The WebP encoder takes 8-bit RGB or RGBA only.
        ImageKind::Webp if image.color().has_alpha() => {
            DynamicImage::ImageRgba8(image.to_rgba8()).write_with_encoder(WebPEncoder::new_lossless(&mut out))
        }
        ImageKind::Webp => {
            DynamicImage::ImageRgb8(image.to_rgb8()).write_with_encoder(WebPEncoder::new_lossless(&mut out))
        }
        ImageKind::Gif => image.write_with_encoder(GifEncoder::new_with_speed(&mut out, GIF_SPEED)),
    };
    written.map_err(encoding_failed)?;
    Ok(out)
}

/// Why decoding failed, in protocol terms: over a limit is 413, anything
/// else means the bytes are not the declared image (415).
fn rejected(kind: ImageKind, error: ImageError) -> ApiError {
    match error {
        ImageError::Limits(limit) => match limit.kind() {
            LimitErrorKind::DimensionError => too_large(format!("images are limited to {MAX_SIDE_PX} px on each side")),
            _ => too_large("the image needs too much memory to decode"),
        },
        other => unsupported_media_type(format!("not a readable {} image: {other}", kind.content_type())),
    }
}

fn encoding_failed(error: ImageError) -> ApiError {
    tracing::error!(%error, "re-encoding an uploaded image failed");
    moodchat_core::error::internal("the image could not be re-encoded")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = ImageBuffer::from_fn(width, height, |x, y| Rgba([x as u8, y as u8, 128, 255]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(image).write_with_encoder(PngEncoder::new(&mut out)).unwrap();
        out
    }

    #[test]
    fn a_large_png_gets_a_thumbnail_that_fits_and_keeps_its_aspect() {
        let prepared = prepare(ImageKind::Png, &png(1000, 500), 480).unwrap();
        assert_eq!((prepared.width, prepared.height), (1000, 500));
        let thumbnail = image::load_from_memory_with_format(&prepared.thumbnail, ImageFormat::Png).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (480, 240));
    }

    #[test]
    fn a_small_image_is_not_scaled_up() {
        let prepared = prepare(ImageKind::Png, &png(20, 10), 480).unwrap();
        let thumbnail = image::load_from_memory(&prepared.thumbnail).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (20, 10));
    }

    #[test]
    fn declared_and_actual_types_must_agree() {
        let error = prepare(ImageKind::Jpeg, &png(4, 4), 480).unwrap_err();
        assert_eq!(error.code, moodchat_protocol::ErrorCode::UnsupportedMediaType);
        let mut text_with_png_magic = b"\x89PNG\r\n\x1a\n".to_vec();
        text_with_png_magic.extend_from_slice(b"just some text, not an image at all");
        let error = prepare(ImageKind::Png, &text_with_png_magic, 480).unwrap_err();
        assert_eq!(error.code, moodchat_protocol::ErrorCode::UnsupportedMediaType);
    }

    #[test]
    fn jpegs_stay_jpegs_and_webp_stays_webp() {
        let photo = DynamicImage::ImageRgb8(ImageBuffer::from_fn(30, 20, |x, _| Rgb([x as u8 * 8, 10, 200])));
        let jpeg = encode(ImageKind::Jpeg, &photo).unwrap();
        let prepared = prepare(ImageKind::Jpeg, &jpeg, 480).unwrap();
        assert_eq!(image::guess_format(&prepared.original).unwrap(), ImageFormat::Jpeg);
        assert_eq!(image::guess_format(&prepared.thumbnail).unwrap(), ImageFormat::Jpeg);
        let webp = encode(ImageKind::Webp, &photo).unwrap();
        let prepared = prepare(ImageKind::Webp, &webp, 480).unwrap();
        assert_eq!(image::guess_format(&prepared.original).unwrap(), ImageFormat::WebP);
        assert_eq!(image::guess_format(&prepared.thumbnail).unwrap(), ImageFormat::Png);
    }

    #[test]
    fn gif_animations_keep_their_frames() {
        let frames: Vec<Frame> =
            (0..3u8).map(|i| Frame::new(ImageBuffer::from_pixel(8, 6, Rgba([i * 80, 0, 0, 255])))).collect();
        let mut gif = Vec::new();
        GifEncoder::new(&mut gif).encode_frames(frames).unwrap();
        let prepared = prepare(ImageKind::Gif, &gif, 480).unwrap();
        let decoded = GifDecoder::new(Cursor::new(&prepared.original)).unwrap();
        assert_eq!(decoded.into_frames().count(), 3);
        assert_eq!((prepared.width, prepared.height), (8, 6));
    }
}
