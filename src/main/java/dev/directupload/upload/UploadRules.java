package dev.directupload.upload;

import dev.directupload.config.ByteSize;
import dev.directupload.config.Settings;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Every rule about what a browser may ask to upload, in one place. Each check either returns the
 * normalised value or throws an {@link ApiException} whose message says what was expected and
 * what was found.
 */
public final class UploadRules {
  /** Most file systems stop at 255 bytes per name; S3 keys at 1024 bytes in all. */
  static final int MAX_FILENAME_BYTES = 255;
  /** The sanitised copy of the name inside the key: long enough to recognise, short enough for any key prefix. */
  static final int MAX_KEY_NAME_LENGTH = 100;
  private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
      + "/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");

  private static final Pattern LEADING_DOTS = Pattern.compile("^[._]+");
  /** Names Windows reserves for devices, with or without an extension ("CON", "nul.txt"). */
  private static final Pattern DEVICE_NAME =
      Pattern.compile("(?i)(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\\$|conout\\$)(\\..*)?");
  /** Extensions that run when opened: hidden behind another one, they are a classic trap. */
  private static final Set<String> EXECUTABLE = Set.of("exe", "com", "bat",
      "cmd", "scr", "pif", "msi", "msp", "cpl", "dll", "hta", "jar", "js", "jse", "vbs", "vbe",
      "wsf", "wsh", "ps1", "psm1", "lnk", "reg", "sh", "app", "apk", "command", "scf", "url");

  private final Settings settings;
  /**
   * One instance of each allowed or known media type. Every upload keeps its type for as long as
   * it is listed; sharing the instance saves two objects and about 56 bytes an entry, which is
   * also garbage collection work for every presign.
   */
  private final Map<String, String> sharedTypes = new HashMap<>();

  public UploadRules(Settings settings) {
    this.settings = settings;
    MediaTypes.known().forEach(type -> sharedTypes.put(type, type));
    settings.allowedTypes().forEach(type -> sharedTypes.put(type, type));
  }

  /** A usable file name, NFC-normalised so the same name typed on macOS and Windows compares equal. */
  public String filename(String raw) {
    if (raw == null) {
      throw new ApiException(ErrorCode.INVALID_FILENAME, "filename is required");
    }
    String name = isBelowCombiningMarks(raw) ? raw : Normalizer.normalize(raw, Normalizer.Form.NFC);
    if (name.isBlank()) {
      throw new ApiException(ErrorCode.INVALID_FILENAME, "filename must not be empty or blank");
    }
    int bytes = utf8Length(name);
    if (bytes > MAX_FILENAME_BYTES) {
      throw new ApiException(ErrorCode.INVALID_FILENAME, "expected a filename of at most "
          + MAX_FILENAME_BYTES + " UTF-8 bytes but it has " + bytes);
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
      throw new ApiException(ErrorCode.INVALID_FILENAME,
          "filename must be a plain name, without / or \\ path separators");
    }
    if (name.equals(".") || name.equals("..")) {
      throw new ApiException(ErrorCode.INVALID_FILENAME, "filename must not be . or ..");
    }
    if (name.endsWith(".") || name.endsWith(" ")) {
      // Windows drops them when saving: "a.exe." would be saved as "a.exe".
      throw new ApiException(ErrorCode.INVALID_FILENAME,
          "filename must not end with a dot or a space");
    }
    if (mayBeDeviceName(name) && DEVICE_NAME.matcher(name.strip()).matches()) {
      throw new ApiException(ErrorCode.INVALID_FILENAME, "'" + name.strip()
          + "' is a reserved device name on Windows; rename the file");
    }
    int last = name.lastIndexOf('.');
    int previous = last <= 0 ? -1 : name.lastIndexOf('.', last - 1);
    if (previous >= 0) { // "invoice.pdf.exe": two extensions
      String extension = name.substring(last + 1).toLowerCase(Locale.ROOT);
      if (EXECUTABLE.contains(extension)) {
        throw new ApiException(ErrorCode.INVALID_FILENAME, "filename ends in ."
            + name.substring(previous + 1, last).toLowerCase(Locale.ROOT) + "." + extension
            + ": an executable disguised as a document is not accepted");
      }
    }
    int bad = -1;
    for (int i = 0; i < name.length(); ) {
      int c = name.codePointAt(i);
      // Printable ASCII is never invisible or a control: skip the table lookup for it.
      if ((c < 0x20 || c > 0x7e) && isInvisibleOrControl(c)) {
        bad = c;
        break;
      }
      i += Character.charCount(c);
    }
    if (bad >= 0) {
      throw new ApiException(ErrorCode.INVALID_FILENAME, String.format(Locale.ROOT,
          "filename must not contain control or bidirectional-override characters (found U+%04X)",
          bad));
    }
    return name;
  }

  /** A lower-case {@code type/subtype} that the settings allow; parameters are not accepted. */
  public String contentType(String raw) {
    if (raw == null || raw.isBlank()) {
      throw new ApiException(ErrorCode.TYPE_NOT_ALLOWED, "contentType is required");
    }
    String type = raw.trim().toLowerCase(Locale.ROOT);
    if (!MEDIA_TYPE.matcher(type).matches()) {
      throw new ApiException(ErrorCode.TYPE_NOT_ALLOWED,
          "expected a media type such as image/png but was '" + printable(raw) + "'");
    }
    if (!settings.allowsType(type)) {
      throw new ApiException(ErrorCode.TYPE_NOT_ALLOWED, "files of type " + type
          + " are not allowed; allowed: " + String.join(", ", settings.allowedTypes()));
    }
    if (ContentSniffer.isScriptable(type) && !settings.allowedTypes().contains(type)) {
      throw new ApiException(ErrorCode.TYPE_NOT_ALLOWED, "files of type " + type + " can run"
          + " script in a browser, so a wildcard does not allow them; allowed-types must name "
          + type + " itself");
    }
    return shared(type);
  }

  /** The one shared instance of a known or allowed type; other types as they are. */
  String shared(String mediaType) {
    return sharedTypes.getOrDefault(mediaType, mediaType);
  }

  /**
   * Refuses a type that contradicts the name's extension, such as {@code cat.png} sent as
   * {@code text/html}: the type is what a browser renders, the extension what a person trusts.
   * Unknown extensions and unknown types are left to the allowlist.
   */
  public void typeMatchesName(String filename, String contentType) {
    int dot = filename.lastIndexOf('.');
    if (dot < 0) {
      return;
    }
    String extension = filename.substring(dot + 1).toLowerCase(Locale.ROOT);
    Set<String> expected = MediaTypes.forExtension(extension);
    if (!expected.isEmpty() && MediaTypes.isKnown(contentType) && !expected.contains(contentType)) {
      throw new ApiException(ErrorCode.TYPE_MISMATCH, "a ." + extension + " file should be "
          + String.join(" or ", new TreeSet<>(expected)) + " but was sent as "
          + contentType);
    }
  }

  /** A size in bytes between 1 and the configured maximum. */
  public long size(Long raw) {
    if (raw == null) {
      throw new ApiException(ErrorCode.INVALID_SIZE, "size is required");
    }
    long max = settings.maxFileSize();
    if (raw < 1) {
      throw new ApiException(ErrorCode.INVALID_SIZE,
          "expected size 1.." + max + " but was " + raw);
    }
    if (raw > max) {
      throw new ApiException(ErrorCode.FILE_TOO_LARGE, "the file has " + ByteSize.format(raw)
          + " but at most " + ByteSize.format(max) + " (" + max + " bytes) is allowed");
    }
    return raw;
  }

  /** The base64 SHA-256 digest, if the client sent one: 32 bytes, canonical encoding. */
  public Optional<String> checksumSha256(String raw) {
    if (raw == null) {
      return Optional.empty();
    }
    byte[] digest;
    try {
      digest = Base64.getDecoder().decode(raw);
    } catch (IllegalArgumentException e) {
      throw new ApiException(ErrorCode.INVALID_CHECKSUM,
          "checksumSha256 must be base64 but was '" + printable(raw) + "'");
    }
    if (digest.length != 32 || !Base64.getEncoder().encodeToString(digest).equals(raw)) {
      throw new ApiException(ErrorCode.INVALID_CHECKSUM, "checksumSha256 must be the base64 of"
          + " a 32-byte SHA-256 digest (44 characters) but was " + raw.length() + " characters");
    }
    return Optional.of(raw);
  }

  /**
   * The name as it appears in the object key: ASCII letters, digits, dot, hyphen and underscore,
   * everything else folded to underscores. The key only has to be recognisable; the real name
   * travels in the object's metadata.
   */
  public static String keySafeName(String filename) {
    StringBuilder out = new StringBuilder(filename.length());
    boolean ascii = filename.chars().allMatch(c -> c < 0x80);
    String decomposed = ascii ? filename : Normalizer.normalize(filename, Normalizer.Form.NFKD);
    decomposed.codePoints().forEach(c -> {
      if (Character.getType(c) == Character.NON_SPACING_MARK) {
        return; // é → e: drop the accent that NFKD split off
      }
      boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == '_';
      char next = safe ? (char) c : '_';
      if (next != '_' || out.length() == 0 || out.charAt(out.length() - 1) != '_') {
        out.append(next);
      }
    });
    String folded = out.toString();
    if (folded.startsWith("_.")) {
      folded = "file" + folded.substring(1); // "日本語.txt" → "file.txt", not "txt"
    }
    // No leading dots: "..." or ".hidden" keys confuse tools that treat them as special.
    String name = LEADING_DOTS.matcher(folded).replaceFirst("");
    if (name.length() > MAX_KEY_NAME_LENGTH) {
      int dot = name.lastIndexOf('.');
      String extension = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
      name = name.substring(0, MAX_KEY_NAME_LENGTH - extension.length()) + extension;
    }
    return name.isEmpty() || name.equals("_") ? "file" : name;
  }

  /**
   * True when every character is below U+0300, where combining marks begin: such text is
   * already in NFC (nothing in it can combine), so the normalizer can be skipped.
   */
  static boolean isBelowCombiningMarks(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x300) {
        return false;
      }
    }
    return true;
  }

  private static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes += 1; // a lone surrogate, which UTF-8 encoding replaces with '?'
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** Device names start with c, p, a, n or l (after spaces): most names skip the pattern. */
  private static boolean mayBeDeviceName(String name) {
    String stripped = name.stripLeading();
    if (stripped.isEmpty()) {
      return false;
    }
    char first = Character.toLowerCase(stripped.charAt(0));
    return first == 'c' || first == 'p' || first == 'a' || first == 'n' || first == 'l';
  }

  private static boolean isInvisibleOrControl(int c) {
    int type = Character.getType(c);
    return type == Character.CONTROL
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || (c >= 0x202A && c <= 0x202E) // embeddings and overrides: "gpj.exe" shown as "exe.jpg"
        || (c >= 0x2066 && c <= 0x2069) // isolates
        || c == 0x200E || c == 0x200F || c == 0x061C; // direction marks
  }

  /** Echo a client's value in a message without letting it break the message. */
  private static String printable(String raw) {
    String cut = raw.length() > 80 ? raw.substring(0, 80) + "…" : raw;
    return cut.codePoints()
        .map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }
}
