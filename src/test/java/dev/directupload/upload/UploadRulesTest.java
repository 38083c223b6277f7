package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.testing.TestSettings;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a browser may ask to upload; every refusal says what was expected. */
class UploadRulesTest {
  private final UploadRules rules = new UploadRules(TestSettings.with("max-file-size", "10MiB"));

  /** The fast path skips the normalizer for text below U+0300: prove every such pair is NFC. */
  @Test
  void textBelowCombiningMarksIsAlreadyNfc() {
    char[] pair = new char[2];
    for (char a = 0; a < 0x300; a++) {
      for (char b = 0; b < 0x300; b++) {
        pair[0] = a;
        pair[1] = b;
        String text = new String(pair);
        assertTrue(UploadRules.isBelowCombiningMarks(text));
        assertTrue(java.text.Normalizer.isNormalized(text, java.text.Normalizer.Form.NFC), text);
      }
    }
    assertFalse(UploadRules.isBelowCombiningMarks("e\u0301"));
  }

  @Test
  void theByteLimitCountsUtf8LikeTheEncoder() {
    String twoByte = "\u00e9".repeat(125) + ".txt"; // 250 + 4 bytes
    assertEquals(twoByte, rules.filename(twoByte));
    assertThrows(ApiException.class, () -> rules.filename("\u00e9" + twoByte));
    String fourByte = "\ud83d\ude00".repeat(62) + ".txt"; // 248 + 4 bytes
    assertEquals(fourByte, rules.filename(fourByte));
    assertThrows(ApiException.class, () -> rules.filename("\ud83d\ude00" + fourByte));
  }

  @Test
  void filenameIsNormalisedToNfc() {
    String decomposed = "e\u0301te\u0301.txt"; // "été" as macOS writes it
    assertEquals("\u00e9t\u00e9.txt", rules.filename(decomposed));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", ".", "..", "a/b.txt", "..\\evil.txt", "nul\u0000.txt",
      "line\nbreak.txt", "tab\t.txt", "gpj\u202Eexe.txt", "iso\u2066late.txt", "CON", "aux.txt",
      "com1.jpg", "Lpt9", "invoice.pdf.exe", "song.mp3.vbs", "a.txt.", "a.txt ", ".pdf.exe",
      "  con.txt", "x..EXE"})
  void rejectsFilenamesThatAreNotPlainNames(String name) {
    ApiException e = assertThrows(ApiException.class, () -> rules.filename(name));
    assertEquals(ErrorCode.INVALID_FILENAME, e.code());
  }

  @Test
  void rejectsMissingFilename() {
    assertEquals("filename is required",
        assertThrows(ApiException.class, () -> rules.filename(null)).getMessage());
  }

  @Test
  void rejectsFilenameOver255Utf8Bytes() {
    String name = "\u00e9".repeat(128) + ".txt"; // 256 + 4 bytes
    ApiException e = assertThrows(ApiException.class, () -> rules.filename(name));
    assertTrue(e.getMessage().contains("at most 255 UTF-8 bytes but it has 260"), e.getMessage());
  }

  @Test
  void acceptsUnicodeNamesUpTo255Bytes() {
    String name = "\u00e9".repeat(125) + ".txt"; // 254 bytes
    assertEquals(name, rules.filename(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"console.txt", "setup.exe", "notes.v2.txt", "archive.tar.gz", "conf"})
  void acceptsNamesThatOnlyLookSuspicious(String name) {
    assertEquals(name, rules.filename(name));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @CsvSource({"cat.png, text/html", "notes.txt, image/png", "page.html, text/plain",
      "photo.JPG, image/png"})
  void refusesTypesThatContradictTheExtension(String name, String type) {
    assertEquals(ErrorCode.TYPE_MISMATCH,
        assertThrows(ApiException.class, () -> rules.typeMatchesName(name, type)).code());
  }

  @ParameterizedTest(name = "{0} as {1}")
  @CsvSource({"photo.jpeg, image/jpeg", "data.csv, application/vnd.ms-excel",
      "a.zip, application/x-zip-compressed", "README, text/plain", "model.stl, model/stl",
      "cat.png, application/x-unknown"})
  void acceptsMatchingUnknownOrExtensionlessTypes(String name, String type) {
    assertDoesNotThrow(() -> rules.typeMatchesName(name, type));
  }

  @Test
  void contentTypeIsLowerCasedAndChecked() {
    assertEquals("image/png", rules.contentType(" Image/PNG "));
  }
  @Test
  void uploadsOfOneTypeShareOneCopyOfIt() {
    // Every listed file keeps its type: one shared instance instead of one per upload.
    String first = rules.contentType(new String("image/png"));
    assertSame(first, rules.contentType(" IMAGE/png"));
    assertSame(first, rules.contentType(new String("image/png")));
  }


  @ParameterizedTest
  @ValueSource(strings = {"image/svg+xml", "text/html", "text/plain; charset=utf-8", "png",
      "text/plain\r\nX-Evil: 1", ""})
  void rejectsTypesNotAllowedOrMalformed(String type) {
    assertEquals(ErrorCode.TYPE_NOT_ALLOWED,
        assertThrows(ApiException.class, () -> rules.contentType(type)).code());
  }

  @Test
  void sizeMustBeBetweenOneAndTheLimit() {
    assertEquals(1, rules.size(1L));
    assertEquals(10L << 20, rules.size(10L << 20));
    ApiException tooBig = assertThrows(ApiException.class, () -> rules.size((10L << 20) + 1));
    assertEquals(ErrorCode.FILE_TOO_LARGE, tooBig.code());
    assertTrue(tooBig.getMessage().contains("at most 10 MiB"), tooBig.getMessage());
    ApiException negative = assertThrows(ApiException.class, () -> rules.size(-1L));
    assertEquals("expected size 1..10485760 but was -1", negative.getMessage());
    assertEquals(ErrorCode.INVALID_SIZE, assertThrows(ApiException.class,
        () -> rules.size(null)).code());
  }

  @Test
  void checksumMustBeTheBase64OfThirtyTwoBytes() {
    String good = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    assertEquals(Optional.of(good), rules.checksumSha256(good));
    assertEquals(Optional.empty(), rules.checksumSha256(null));
    for (String bad : new String[] {"not base64!", "AAAA", good.replace("=", ""), "47DEQ"}) {
      assertEquals(ErrorCode.INVALID_CHECKSUM,
          assertThrows(ApiException.class, () -> rules.checksumSha256(bad)).code(), bad);
    }
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
      "report.pdf|report.pdf",
      "My Report (final).pdf|My_Report_final_.pdf",
      "été 2026.jpg|ete_2026.jpg",
      "...hidden|hidden",
      "日本語.txt|file.txt",
      "__|file",
      "a  b!!c.txt|a_b_c.txt",
  })
  void keySafeNameKeepsOnlyPlainAsciiCharacters(String name, String expected) {
    assertEquals(expected, UploadRules.keySafeName(name));
  }

  @Test
  void keySafeNameIsShortenedKeepingTheExtension() {
    String key = UploadRules.keySafeName("a".repeat(300) + ".tar.gz");
    assertEquals(100, key.length());
    assertTrue(key.endsWith(".gz"), key);
  }
}
