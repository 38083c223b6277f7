/*
 * The thumbnail a camera stores in a JPEG's EXIF block (IFD1), read from the file's first
 * bytes: a listed photo's thumbnail then costs one ranged read of 64 KiB, not the whole photo.
 * No DOM: it only reads bytes.
 */

const SOI = 0xffd8;
const APP1 = 0xffe1;
const SOS = 0xffda;
const ORIENTATION = 0x0112;
const THUMBNAIL_OFFSET = 0x0201;
const THUMBNAIL_LENGTH = 0x0202;

/**
 * {bytes, orientation} of the EXIF thumbnail in {@code buffer} (the start of a JPEG), or null
 * when there is none within it. {@code orientation} (1..8) is the photo's: the thumbnail
 * carries none of its own but is stored the same way round.
 */
export function exifThumbnail(buffer) {
  const view = new DataView(buffer);
  if (view.byteLength < 4 || view.getUint16(0) !== SOI) return null;
  let offset = 2;
  while (offset + 4 <= view.byteLength) {
    const marker = view.getUint16(offset);
    if ((marker & 0xff00) !== 0xff00 || marker === SOS) return null;
    const length = view.getUint16(offset + 2);
    if (marker === APP1 && isExifHeader(view, offset + 4)) {
      return readTiff(view, offset + 10, Math.min(view.byteLength, offset + 2 + length));
    }
    offset += 2 + length;
  }
  return null;
}

function isExifHeader(view, at) {
  const header = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  if (at + header.length > view.byteLength) return false;
  return header.every((byte, i) => view.getUint8(at + i) === byte);
}

/** Reads the TIFF structure at {@code tiff} (offsets count from it), up to {@code end}. */
function readTiff(view, tiff, end) {
  if (tiff + 8 > end) return null;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return null; // "II" or "MM"
  const little = order === 0x4949;
  const u16 = (at) => view.getUint16(at, little);
  const u32 = (at) => view.getUint32(at, little);
  if (u16(tiff + 2) !== 42) return null;

  /** The entries of the IFD at {@code at} (from tiff) as tag → value, and the next IFD's offset. */
  const readIfd = (at) => {
    const start = tiff + at;
    if (at === 0 || start + 2 > end) return null;
    const count = u16(start);
    const next = start + 2 + count * 12;
    if (next + 4 > end) return null;
    const entries = new Map();
    for (let i = 0; i < count; i += 1) {
      const entry = start + 2 + i * 12;
      const type = u16(entry + 2);
      // SHORT values sit in the first two bytes of the value field; LONG fill all four.
      entries.set(u16(entry), type === 3 ? u16(entry + 8) : u32(entry + 8));
    }
    return { entries, next: u32(next) };
  };

  const ifd0 = readIfd(u32(tiff + 4));
  if (!ifd0) return null;
  const orientation = ifd0.entries.get(ORIENTATION);
  const ifd1 = readIfd(ifd0.next);
  if (!ifd1) return null;
  const at = ifd1.entries.get(THUMBNAIL_OFFSET);
  const length = ifd1.entries.get(THUMBNAIL_LENGTH);
  if (!at || !length || tiff + at + length > end) return null;
  const bytes = new Uint8Array(view.buffer, view.byteOffset + tiff + at, length);
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  return { bytes: bytes.slice(), orientation: orientation >= 1 && orientation <= 8 ? orientation : 1 };
}
