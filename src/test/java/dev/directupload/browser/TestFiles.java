package dev.directupload.browser;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Files with exact, known sizes and contents for the browser to upload. */
final class TestFiles {
  private TestFiles() {}

  static Path write(Path directory, String name, byte[] content) throws IOException {
    return Files.write(directory.resolve(name), content);
  }

  /** Readable lines, exactly {@code size} bytes. */
  static byte[] text(int size) {
    byte[] line = "direct-upload browser test line\n".getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = line[i % line.length];
    }
    return bytes;
  }

  /**
   * A PDF as far as its first bytes tell (the server reads them and refuses text sent as a
   * PDF): the header, then text, exactly {@code size} bytes.
   */
  static byte[] pdf(int size) {
    byte[] header = "%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] bytes = text(size);
    System.arraycopy(header, 0, bytes, 0, Math.min(header.length, size));
    return bytes;
  }

  /**
   * A PNG by its signature and nothing else: the server's content check takes it for one, a
   * browser cannot draw it.
   */
  static byte[] brokenPng(int size) {
    byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    byte[] bytes = text(size);
    System.arraycopy(signature, 0, bytes, 0, Math.min(signature.length, size));
    return bytes;
  }

  /** The SHA-256 of {@code bytes} in hex: a short way to say two large contents are equal. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Random bytes, the same for the same seed: every byte value, so any mangling shows. */
  static byte[] random(long seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /**
   * A small landscape picture as a PNG of exactly {@code size} bytes: a comment chunk pads the
   * encoded image, so the page's size label can be checked against a known value.
   */
  static byte[] landscapePng(int size) {
    return padPng(encode(landscape(false), "png"), size);
  }

  /** Another picture, at dusk, as a JPEG of whatever size it encodes to. */
  static byte[] duskJpeg() {
    return encode(landscape(true), "jpg");
  }

  /**
   * A photo as a camera writes it: a JPEG of noise, too large to be read whole for a thumbnail
   * (over 256 KiB), whose EXIF block carries a small thumbnail of another picture: a plain
   * {@code thumbnailColour} square of 160 × 120. Whoever draws the thumbnail from these bytes
   * shows that colour; whoever draws the photo itself shows noise.
   */
  static byte[] photoWithExifThumbnail(long seed, Color thumbnailColour) {
    BufferedImage photo = noise(seed, 800, 600);
    BufferedImage small = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = small.createGraphics();
    try {
      g.setColor(thumbnailColour);
      g.fillRect(0, 0, 160, 120);
    } finally {
      g.dispose();
    }
    byte[] jpeg = encode(photo, "jpg");
    byte[] thumbnail = encode(small, "jpg");
    byte[] exif = exif(thumbnail);
    // The APP1 segment right after the start-of-image marker, where cameras put it.
    ByteBuffer out = ByteBuffer.allocate(jpeg.length + exif.length);
    out.put(jpeg, 0, 2).put(exif).put(jpeg, 2, jpeg.length - 2);
    return out.array();
  }

  /** A PNG of noise: too large to be read whole for a thumbnail, and with no thumbnail of its own. */
  static byte[] noisePng(long seed) {
    return encode(noise(seed, 400, 300), "png");
  }

  /**
   * The start of a HEIC photo as iPhones write it (an ISO-BMFF "ftyp" box of brand heic),
   * padded to {@code size} bytes: enough for a type sniffer to tell HEIC, not a picture.
   */
  static byte[] heic(int size) {
    byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0,
        'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
    return Arrays.copyOf(ftyp, Math.max(size, ftyp.length));
  }

  private static BufferedImage noise(long seed, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(seed);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(0x1000000));
      }
    }
    return image;
  }

  /**
   * An APP1 segment: "Exif", then a big-endian TIFF structure whose first IFD says the photo is
   * upright and whose second holds {@code thumbnail} (JPEGInterchangeFormat and its length).
   */
  private static byte[] exif(byte[] thumbnail) {
    int ifd0 = 8;
    int ifd1 = ifd0 + 2 + 12 + 4;
    int data = ifd1 + 2 + 3 * 12 + 4;
    ByteBuffer tiff = ByteBuffer.allocate(data + thumbnail.length); // big-endian, as "MM" says
    tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(ifd0);
    tiff.putShort((short) 1);
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 1).putShort((short) 0);
    tiff.putInt(ifd1);
    tiff.putShort((short) 3);
    tiff.putShort((short) 0x0103).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0);
    tiff.putShort((short) 0x0201).putShort((short) 4).putInt(1).putInt(data);
    tiff.putShort((short) 0x0202).putShort((short) 4).putInt(1).putInt(thumbnail.length);
    tiff.putInt(0);
    tiff.put(thumbnail);
    byte[] header = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
    int length = 2 + header.length + tiff.capacity();
    if (length > 0xffff) {
      throw new IllegalArgumentException("expected an EXIF block under 64 KiB but it has " + length);
    }
    ByteBuffer segment = ByteBuffer.allocate(2 + length);
    segment.put((byte) 0xff).put((byte) 0xe1).putShort((short) length).put(header).put(tiff.array());
    return segment.array();
  }

  private static BufferedImage landscape(boolean dusk) {
    int width = 160;
    int height = 120;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setPaint(dusk
          ? new GradientPaint(0, 0, new Color(0x2b1d5c), 0, 70, new Color(0xf08a5d))
          : new GradientPaint(0, 0, new Color(0x3d7fe0), 0, 70, new Color(0xbfe3ff)));
      g.fillRect(0, 0, width, 80);
      g.setColor(dusk ? new Color(0xffd07a) : new Color(0xfff2b0));
      g.fill(new Ellipse2D.Double(dusk ? 96 : 112, dusk ? 44 : 14, 24, 24));
      g.setColor(dusk ? new Color(0x3a2f55) : new Color(0x4f6d8c));
      g.fill(mountain(-10, 80, 60, 22, 130));
      g.setColor(dusk ? new Color(0x272042) : new Color(0x35506b));
      g.fill(mountain(50, 80, 105, 34, 170));
      if (!dusk) {
        g.setColor(Color.WHITE);
        g.fill(mountain(92, 45, 105, 34, 118));
      }
      g.setPaint(dusk
          ? new GradientPaint(0, 80, new Color(0x6b3f6e), 0, height, new Color(0x1c1633))
          : new GradientPaint(0, 80, new Color(0x2f8f8a), 0, height, new Color(0x16525e)));
      g.fillRect(0, 80, width, height - 80);
      g.setStroke(new BasicStroke(1.5f));
      g.setColor(new Color(255, 255, 255, 90));
      for (int y = 88; y < height; y += 9) {
        g.drawLine(20 + y % 30, y, 70 + y % 40, y);
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /** A triangle from (left, base) over (peakX, peakY) down to (right, base). */
  private static Path2D mountain(double left, double base, double peakX, double peakY,
      double right) {
    Path2D path = new Path2D.Double();
    path.moveTo(left, base);
    path.lineTo(peakX, peakY);
    path.lineTo(right, base);
    path.closePath();
    return path;
  }

  private static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Inserts a tEXt chunk before IEND so that the whole file is {@code size} bytes. */
  private static byte[] padPng(byte[] png, int size) {
    int iend = png.length - 12; // length (4), "IEND" (4), CRC (4)
    byte[] keyword = "Comment\0".getBytes(StandardCharsets.ISO_8859_1);
    int dataLength = size - png.length - 12;
    if (dataLength < keyword.length) {
      throw new IllegalArgumentException("expected a PNG target size of at least "
          + (png.length + 12 + keyword.length) + " bytes but was " + size);
    }
    byte[] data = Arrays.copyOf(keyword, dataLength);
    Arrays.fill(data, keyword.length, dataLength, (byte) '.');
    byte[] type = "tEXt".getBytes(StandardCharsets.ISO_8859_1);
    CRC32 crc = new CRC32();
    crc.update(type);
    crc.update(data);
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(png, 0, iend);
    out.putInt(dataLength).put(type).put(data).putInt((int) crc.getValue());
    out.put(png, iend, 12);
    return out.array();
  }
}
