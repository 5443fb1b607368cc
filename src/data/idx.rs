//! IDX parsing: the bytes of the MNIST image and label files in, checked arrays out.
//!
//! Handles the two IDX variants MNIST uses, each optionally gzip-compressed (detected by
//! the `1f 8b` magic, never by a file name):
//!
//! ```text
//! images (idx3): u32 BE 0x00000803, u32 BE count N, u32 BE rows 28, u32 BE cols 28,
//!                then N·28·28 pixel bytes, image after image, row-major   // (N, 28, 28)
//! labels (idx1): u32 BE 0x00000801, u32 BE count N, then N label bytes     // (N)
//! ```
//!
//! Deliberately not handled: other IDX element types (only unsigned bytes), other image
//! sizes (the model is built for 28×28), files on disk or over the network (callers pass
//! bytes; this keeps the parser the same natively and in wasm), and concatenated datasets.
//!
//! Robustness contract: no input makes these functions panic, and nothing is allocated
//! before the header has been checked against the byte length that would justify it. A
//! header claiming 4 billion images in a 16-byte file fails in O(1) without allocating.
//! Gzip input is inflated in chunks and abandoned as soon as it exceeds a bound derived
//! from [`MAX_IMAGES`], so a gzip bomb costs at most that bound in memory, never more.
//! The output grows with what has actually inflated; it is sized in one go only when the
//! IDX header and the gzip size trailer agree (see `reserve_confirmed`), never from the
//! trailer alone, so a truncated file costs what it inflated to, not what it claims.
//! After a gzip member may come another member or zero padding, as gzip(1) accepts;
//! anything else is reported as trailing garbage.

use std::borrow::Cow;
use std::io::Read;

use flate2::bufread::GzDecoder;

use super::DataError;

/// Image height and width in pixels: the only size accepted.
pub const ROWS: usize = 28;
pub const COLS: usize = 28;
/// Pixels per image, 28·28.
pub const PIXELS: usize = ROWS * COLS;

/// The idx3 magic: two zero bytes, element type 0x08 (unsigned byte), 3 dimensions.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// The idx1 magic: two zero bytes, element type 0x08 (unsigned byte), 1 dimension.
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// Header lengths in bytes: magic and count, plus rows and cols for images.
pub const IMAGES_HEADER: usize = 16;
pub const LABELS_HEADER: usize = 8;

/// The most images (or labels) one file may declare. The official training file has
/// 60,000 and the test file 10,000; 100,000 leaves headroom for MNIST-shaped sets such as
/// Fashion-MNIST (also 60,000) while keeping the worst case for memory (78 MB of pixels,
/// plus 313 MB once widened to f32 by the split) within what a browser tab can hold.
pub const MAX_IMAGES: usize = 100_000;
/// The largest decompressed images file accepted: header plus [`MAX_IMAGES`] images,
/// 78,400,016 bytes. The official 60,000-image file is 47,040,016 bytes.
pub const MAX_IMAGES_FILE_BYTES: usize = IMAGES_HEADER + MAX_IMAGES * PIXELS;
/// The largest decompressed labels file accepted: 100,008 bytes.
pub const MAX_LABELS_FILE_BYTES: usize = LABELS_HEADER + MAX_IMAGES;

/// The two bytes every gzip member starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// DEFLATE cannot expand data by more than about 1032:1 (a 258-byte match costs at least
/// two bits), so this many output bytes per input byte is all a gzip file can justify.
const MAX_DEFLATE_RATIO: usize = 1032;
/// Inflate in chunks of this size: small enough to sit beside the output, big enough that
/// the per-call overhead of the decoder does not show.
const CHUNK: usize = 64 * 1024;

/// The images of an idx3 file. Always 28×28 here; `rows` and `cols` are kept so callers
/// can state the shape instead of assuming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// (count, rows, cols), row-major, one byte per pixel (0 = background, 255 = ink).
    pub pixels: Vec<u8>,
}

/// Returns `bytes` inflated if they start with the gzip magic `1f 8b`, or borrowed
/// unchanged otherwise (a raw IDX file starts with `00 00`, so the two cannot be confused).
///
/// Output is capped at [`MAX_IMAGES_FILE_BYTES`], the largest file either loader accepts;
/// past it the result is [`DataError::TooLarge`]. Corrupt, truncated or checksum-failing
/// gzip data gives [`DataError::BadGzip`]. `what` names the file in error messages
/// ("images file", "labels file").
pub fn gunzip_if_needed<'a>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<Cow<'a, [u8]>, DataError> {
    gunzip_if_needed_max(bytes, what, MAX_IMAGES_FILE_BYTES)
}

/// [`gunzip_if_needed`] with an explicit cap on the decompressed size in bytes.
pub fn gunzip_if_needed_max<'a>(
    bytes: &'a [u8],
    what: &'static str,
    limit: usize,
) -> Result<Cow<'a, [u8]>, DataError> {
    inflate(bytes, what, limit, None)
}

/// The inflater behind [`gunzip_if_needed`]. With `magic`, the inflated magic is checked
/// as soon as a header's worth (16 bytes) exists: if it is the *other* MNIST file's, the
/// files were swapped, and that is reported at once as [`DataError::BadMagic`] instead of
/// inflating up to the cap and reporting "too large" (an images file passed as labels
/// would otherwise blow the labels cap).
///
/// What may follow a gzip member, as gzip(1) sees it: another member (concatenated
/// members are valid per RFC 1952 and their outputs are joined), or zero bytes (padding
/// to a block size, which gzip(1) ignores; so does this). Anything else is trailing
/// garbage and is reported as such, with its offset and length.
pub(super) fn inflate<'a>(
    bytes: &'a [u8],
    what: &'static str,
    limit: usize,
    magic: Option<u32>,
) -> Result<Cow<'a, [u8]>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut header_seen = false;
    // The unread input; each member's decoder consumes exactly its own bytes from it.
    let mut rest: &[u8] = bytes;
    loop {
        let at = bytes.len() - rest.len();
        let mut decoder = GzDecoder::new(rest);
        loop {
            let n = match decoder.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(gzip_error(what, &e, at, bytes.len(), out.len())),
            };
            if n > limit - out.len() {
                return Err(DataError::TooLarge { what, limit });
            }
            if out.capacity() - out.len() < n {
                // Grow geometrically but never past the limit, so capacity stays <= limit.
                let want = (out.capacity().saturating_mul(2)).clamp(out.len() + n, limit);
                out.reserve_exact(want - out.len());
            }
            out.extend_from_slice(&chunk[..n]);
            if !header_seen && out.len() >= IMAGES_HEADER.max(LABELS_HEADER) {
                header_seen = true;
                check_inflated_magic(&out, what, magic)?;
                reserve_confirmed(&mut out, bytes, limit);
            }
        }
        rest = decoder.into_inner();
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        if !rest.starts_with(&GZIP_MAGIC) {
            return Err(DataError::BadGzip {
                what,
                message: format!(
                    "{} bytes of trailing garbage after the gzip data, at byte {} of {} \
                     (neither another gzip member nor zero padding)",
                    rest.len(),
                    bytes.len() - rest.len(),
                    bytes.len()
                ),
            });
        }
    }
    if !header_seen {
        // Fewer inflated bytes than a header: the magic may still be the other file's.
        check_inflated_magic(&out, what, magic)?;
    }
    Ok(Cow::Owned(out))
}

/// The first [`IMAGES_HEADER`] bytes of a file (fewer if it is shorter), inflating only
/// as much of a gzip file as that takes: enough to read a header's magic and count
/// without paying for the whole file.
pub(super) fn inflate_head<'a>(
    bytes: &'a [u8],
    what: &'static str,
    limit: usize,
) -> Result<Cow<'a, [u8]>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(&bytes[..bytes.len().min(IMAGES_HEADER)]));
    }
    let mut head = [0u8; IMAGES_HEADER];
    let mut got = 0;
    let mut decoder = GzDecoder::new(bytes);
    while got < head.len() {
        match decoder.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(gzip_error(what, &e, 0, bytes.len(), got.min(limit))),
        }
    }
    Ok(Cow::Owned(head[..got].to_vec()))
}

/// A decoder error as a [`DataError::BadGzip`] that says where: a stream that ends early
/// is "truncated" (the decoder's own words, "unexpected end of file", read as if the
/// file were at fault for something else), and a fault in a later member names its byte.
fn gzip_error(
    what: &'static str,
    e: &std::io::Error,
    member_at: usize,
    len: usize,
    inflated: usize,
) -> DataError {
    let place = if member_at == 0 {
        String::new()
    } else {
        format!(" (in the gzip member starting at byte {member_at})")
    };
    let message = if e.kind() == std::io::ErrorKind::UnexpectedEof {
        format!(
            "truncated: the compressed data ends before the gzip stream does{place} \
             ({len} bytes read, {inflated} bytes inflated)"
        )
    } else {
        format!("{e}{place}")
    };
    DataError::BadGzip { what, message }
}

/// With `magic`, reports a swapped pair as soon as the first four bytes have inflated.
fn check_inflated_magic(
    out: &[u8],
    what: &'static str,
    magic: Option<u32>,
) -> Result<(), DataError> {
    let Some(expected) = magic else {
        return Ok(());
    };
    if out.len() < 4 {
        return Ok(());
    }
    // Only the other MNIST magic stops early: anything else (a corrupt stream, a bomb of
    // zeros) is left to inflate so it gets its own, more precise error.
    let found = be_u32(out, 0);
    if found != expected && (found == IMAGES_MAGIC || found == LABELS_MAGIC) {
        return Err(DataError::BadMagic {
            what,
            expected,
            found,
        });
    }
    Ok(())
}

/// Reserves the whole file at once when two independent fields agree on its size: the
/// IDX header (magic and count, just inflated) and the gzip trailer's ISIZE (the last
/// four bytes of the input). Either alone is untrusted: a truncated file's last four bytes
/// are arbitrary compressed data, and a header can claim any count. Both agreeing is what
/// an intact file looks like, and then the output fills exactly this buffer instead of
/// growing by doubling (which matters in wasm, where freed memory is never returned and
/// doubling would leave room for 1.5 files). The reservation is still capped by `limit`
/// and by what ~1032:1 deflate can justify from the input's length, so a crafted file can
/// cost no more than a gzip bomb of its size could anyway.
fn reserve_confirmed(out: &mut Vec<u8>, input: &[u8], limit: usize) {
    let per_item = match be_u32(out, 0) {
        IMAGES_MAGIC => (IMAGES_HEADER, PIXELS),
        LABELS_MAGIC => (LABELS_HEADER, 1),
        _ => return,
    };
    let count = be_u32(out, 4) as u64;
    if count > MAX_IMAGES as u64 {
        return;
    }
    // count <= MAX_IMAGES, so this fits a 32-bit usize.
    let expected = per_item.0 + count as usize * per_item.1;
    let n = input.len();
    if n < 4 {
        return;
    }
    let isize = u32::from_le_bytes([input[n - 4], input[n - 3], input[n - 2], input[n - 1]]);
    let justified = n.saturating_mul(MAX_DEFLATE_RATIO);
    if isize as usize == expected && expected <= limit.min(justified) && expected > out.len() {
        out.reserve_exact(expected - out.len());
    }
}

/// Reads the big-endian u32 at `at`; the caller has checked the length.
fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Checks an idx3 header against the byte length; returns the image count.
/// Order matters for the messages: magic first (the likeliest mistake is swapping the two
/// files), then the header length, the count, the shape, and only then the total length.
fn check_images(bytes: &[u8]) -> Result<usize, DataError> {
    const WHAT: &str = "images file";
    check_magic(bytes, WHAT, IMAGES_MAGIC)?;
    if bytes.len() < IMAGES_HEADER {
        return Err(DataError::Truncated {
            what: WHAT,
            expected: IMAGES_HEADER,
            found: bytes.len(),
        });
    }
    let count = check_count(be_u32(bytes, 4), WHAT)?;
    let (rows, cols) = (be_u32(bytes, 8), be_u32(bytes, 12));
    if rows as usize != ROWS || cols as usize != COLS {
        return Err(DataError::BadDimensions { rows, cols });
    }
    // count <= MAX_IMAGES, so this cannot overflow even with a 32-bit usize.
    check_length(bytes, WHAT, IMAGES_HEADER + count * PIXELS)?;
    Ok(count)
}

/// Checks an idx1 header against the byte length and every label against 0..=9;
/// returns the label count.
fn check_labels(bytes: &[u8]) -> Result<usize, DataError> {
    const WHAT: &str = "labels file";
    check_magic(bytes, WHAT, LABELS_MAGIC)?;
    if bytes.len() < LABELS_HEADER {
        return Err(DataError::Truncated {
            what: WHAT,
            expected: LABELS_HEADER,
            found: bytes.len(),
        });
    }
    let count = check_count(be_u32(bytes, 4), WHAT)?;
    check_length(bytes, WHAT, LABELS_HEADER + count)?;
    if let Some(index) = bytes[LABELS_HEADER..].iter().position(|&l| l > 9) {
        return Err(DataError::BadLabel {
            index,
            label: bytes[LABELS_HEADER + index],
        });
    }
    Ok(count)
}

fn check_magic(bytes: &[u8], what: &'static str, expected: u32) -> Result<(), DataError> {
    if bytes.len() < 4 {
        // Too short to hold even the magic: say so rather than invent a magic number.
        return Err(DataError::Truncated {
            what,
            expected: if expected == IMAGES_MAGIC {
                IMAGES_HEADER
            } else {
                LABELS_HEADER
            },
            found: bytes.len(),
        });
    }
    let found = be_u32(bytes, 0);
    if found != expected {
        return Err(DataError::BadMagic {
            what,
            expected,
            found,
        });
    }
    Ok(())
}

fn check_count(count: u32, what: &'static str) -> Result<usize, DataError> {
    // Compared as u64 so a 16-bit or 32-bit usize cannot truncate the claim.
    if u64::from(count) > MAX_IMAGES as u64 {
        return Err(DataError::AbsurdCount {
            what,
            count,
            max: MAX_IMAGES,
        });
    }
    Ok(count as usize)
}

fn check_length(bytes: &[u8], what: &'static str, expected: usize) -> Result<(), DataError> {
    match bytes.len() {
        found if found < expected => Err(DataError::Truncated {
            what,
            expected,
            found,
        }),
        found if found > expected => Err(DataError::TrailingBytes {
            what,
            expected,
            found,
        }),
        _ => Ok(()),
    }
}

/// Drops the first `header` bytes, reusing the buffer when it is already owned (the
/// gunzipped case) so a 47 MB file is not held twice.
fn body(bytes: Cow<'_, [u8]>, header: usize) -> Vec<u8> {
    match bytes {
        Cow::Borrowed(b) => b[header..].to_vec(),
        Cow::Owned(mut v) => {
            v.drain(..header);
            v
        }
    }
}

/// Parses a raw (already gunzipped) idx3 file of 28×28 unsigned-byte images.
pub fn parse_images(bytes: &[u8]) -> Result<IdxImages, DataError> {
    images_from(Cow::Borrowed(bytes))
}

/// Parses a raw (already gunzipped) idx1 file of labels 0..=9.
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    labels_from(Cow::Borrowed(bytes))
}

pub(super) fn images_from(bytes: Cow<'_, [u8]>) -> Result<IdxImages, DataError> {
    let count = check_images(&bytes)?;
    Ok(IdxImages {
        count,
        rows: ROWS,
        cols: COLS,
        pixels: body(bytes, IMAGES_HEADER),
    })
}

pub(super) fn labels_from(bytes: Cow<'_, [u8]>) -> Result<Vec<u8>, DataError> {
    check_labels(&bytes)?;
    Ok(body(bytes, LABELS_HEADER))
}
