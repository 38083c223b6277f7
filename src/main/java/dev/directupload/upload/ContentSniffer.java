package dev.directupload.upload;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.tika.detect.TextDetector;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeType;
import org.apache.tika.mime.MimeTypeException;
import org.apache.tika.mime.MimeTypes;

/**
 * Whether a completed object's first bytes contradict the type its upload was signed for. The
 * point is to catch active content wearing a harmless type (HTML, SVG, XML, Windows, Linux and
 * macOS programs declared as an image, a PDF, text, an Office file or a zip) and plain lies
 * between binary formats (PNG bytes declared as PDF), without refusing a person's genuine file.
 *
 * <p>The bytes are named by Tika's magic-byte detector alone, never by the file's name; Tika's
 * type registry says which types are kinds of which ({@code .docx} is a zip, CSV is text). The
 * declared type is first put in Tika's words, with the browsers' own aliases that Tika lacks
 * ({@code image/pjpeg}, {@code audio/mp3}; {@code application/x-zip-compressed} it knows). The
 * declared and the detected type then <em>agree</em> as follows, in this order:
 * <ol>
 *   <li>Bytes that are markup or script a browser may run ({@link #isScriptable}, or any kind of
 *       XML or HTML in Tika) agree only with a declared type of that sort, and with any of them:
 *       an .html page written as XHTML is no lie worth refusing, and such a declaration already
 *       lets a browser run it. Under a text-like declaration (rule 2) markup counts only when the
 *       text <em>begins</em> with it ({@code <} first after a BOM and blanks), as browsers' own
 *       sniffing requires: Tika calls text HTML when {@code <html} or {@code <div} appears
 *       anywhere in its first 8 KiB, which a JSON string or a CSV column of web pages does.
 *   <li>A text-like declaration (a {@code text/*} type, a kind of text/plain in Tika such as
 *       JSON, a {@code +json} or {@code +xml} type, or one of the two legacy Office types that
 *       Windows and report exporters put on text: {@code application/vnd.ms-excel} on every .csv
 *       and on TSV exports, {@code application/msword} on RTF saved as .doc) agrees with any text
 *       that is not markup: plain text, a mail, RTF, a shell or batch script. A script is text:
 *       it runs only when someone saves it under an executable name and runs it.
 *   <li>Otherwise they agree when one is a kind of the other in Tika's registry (the same type;
 *       declared .docx, detected zip; declared zip, detected .odt; declared HEIC, detected HEIF;
 *       bytes without a known signature are {@code application/octet-stream}, of which every
 *       type is a kind, so they contradict nothing), or when both are kinds of the same
 *       container: ZIP, an OLE2 compound file, an ISO base media file. Tika tells a container's
 *       members apart by names and brands found inside (an Excel file that embeds a Word
 *       document holds "WordDocument" and is called Word; an AVIF may carry the HEIF brand, a
 *       phone's MP4 the 3GP one), so only the container is trusted. Tika leaves AVIF and 3GP
 *       outside the ISO family; they are put back in here.
 * </ol>
 * Everything else is a contradiction: text, HTML or a PDF declared as an image, PNG declared as
 * a PDF. Programs (PE, ELF, Mach-O) need no rule of their own: Tika files them under no harmless
 * type, so only a declared program agrees with them. Tika calls anything that starts with "MZ" a
 * Windows program, so such bytes that read as text (a CSV whose first cell is "MZ…") are text.
 *
 * <p>Tika's detector and registry are built once and only read afterwards, so one instance serves
 * every thread. Unknown declared names are never handed to {@code MimeTypes#forName}, which would
 * register them in the shared registry.
 */
final class ContentSniffer {
  private static final MediaType OCTET_STREAM = MediaType.OCTET_STREAM;
  private static final MediaType TEXT_PLAIN = MediaType.TEXT_PLAIN;
  private static final MediaType XML = MediaType.APPLICATION_XML;
  private static final MediaType HTML = MediaType.text("html");
  /** Tika 3.2.3 asks for 64 KiB; a later Tika that asks for more must not grow the read. */
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  /** How many leading bytes {@link #contradiction} looks at: the ranged GET reads this many. */
  static final int HEAD_BYTES =
      Math.min(MimeTypes.getDefaultMimeTypes().getMinLength(), MAX_HEAD_BYTES);

  /**
   * What browsers and Windows report that Tika does not know as an alias (see
   * {@link MediaTypes}): without these a JPEG declared {@code image/pjpeg} would contradict itself.
   */
  private static final Map<String, String> BROWSER_ALIASES = Map.of(
      "image/pjpeg", "image/jpeg",
      "audio/mp3", "audio/mpeg",
      "application/vnd.microsoft.portable-executable", "application/x-msdownload");
  /** Legacy Office types that Windows and exporters put on text (CSV, TSV, RTF). */
  private static final Set<MediaType> TEXT_STAND_INS = Set.of(
      MediaType.application("vnd.ms-excel"), MediaType.application("msword"));
  /** ISO base media files that Tika does not file under QuickTime, as it does MP4 and HEIF. */
  private static final Map<MediaType, MediaType> EXTRA_SUPERTYPES = Map.of(
      MediaType.image("avif"), MediaType.video("quicktime"),
      MediaType.video("3gpp"), MediaType.video("quicktime"),
      MediaType.video("3gpp2"), MediaType.video("quicktime"));
  /** Ancestors too broad to make two types relatives: every type is a kind of these. */
  private static final Set<MediaType> ROOTS = Set.of(OCTET_STREAM, TEXT_PLAIN);
  /** Programs, by the Tika type their family descends from, with a name a person knows. */
  private static final Map<MediaType, String> PROGRAMS = Map.of(
      MediaType.application("x-msdownload"), "a Windows program",
      MediaType.application("x-elf"), "a Linux or Unix program (ELF)");
  private static final String MACH_O = "x-mach-o";
  /** Names for the types a refusal most often shows, where Tika has none or a clumsy one. */
  private static final Map<String, String> LABELS = Map.of(
      "text/plain", "plain text",
      "application/xhtml+xml", "XHTML",
      "application/zip", "a ZIP archive",
      "application/x-sh", "a shell script",
      "application/x-bat", "a Windows batch script",
      "application/x-tika-ooxml", "an Office document",
      "application/x-tika-msoffice", "an Office 97-2003 document");
  private static final Set<String> SCRIPTABLE = Set.of(
      "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
      "text/xsl", "text/javascript", "application/javascript", "application/x-javascript",
      "text/ecmascript", "application/ecmascript");

  private final MimeTypes mimeTypes;
  private final MediaTypeRegistry registry;
  private final TextDetector textDetector = new TextDetector(HEAD_BYTES);

  ContentSniffer() {
    // Tika's shared default: parsed once per class loader, read-only once built.
    this.mimeTypes = MimeTypes.getDefaultMimeTypes();
    this.registry = mimeTypes.getMediaTypeRegistry();
  }

  /**
   * Empty when the bytes agree with the declared type or cannot contradict it; otherwise a
   * message for the person who uploaded, such as "the file's content is HTML (text/html), not
   * image/png". The file's name plays no part: the declared type was already checked against its
   * extension, and the bytes alone say what the file is.
   *
   * @param declaredType the lower-case type the upload was signed for
   * @param firstBytes the object's first bytes, ideally {@link #HEAD_BYTES} of them (fewer when
   *     the object is smaller); more are ignored. A UTF-8 character cut at the end does not
   *     stop text from reading as text
   */
  Optional<String> contradiction(String declaredType, byte[] firstBytes) {
    MediaType declared = MediaType.parse(declaredType);
    if (declared == null) {
      throw new IllegalArgumentException(
          "expected a media type such as image/png but was '" + declaredType + "'");
    }
    MediaType claimed = normalise(declared.getBaseType());
    MediaType detected = detect(firstBytes);
    if (agrees(claimed, detected, firstBytes)) {
      return Optional.empty();
    }
    return Optional.of("the file's content is " + describe(detected) + ", not "
        + declared.getBaseType());
  }

  /**
   * Types a browser may run as a page or script when it opens them: HTML, XHTML, SVG, XML (whose
   * XHTML-namespaced script elements run, and which an {@code xml-stylesheet} can turn into a
   * page), XSL, JavaScript and ECMAScript under their current and legacy names, and every
   * {@code +xml} type (RSS, Atom, MathML and the like are XML documents to a browser). Takes a
   * bare lower-case {@code type/subtype}.
   */
  static boolean isScriptable(String mediaType) {
    return SCRIPTABLE.contains(mediaType) || mediaType.endsWith("+xml");
  }

  private MediaType detect(byte[] head) {
    MediaType found;
    try {
      found = mimeTypes.detect(new ByteArrayInputStream(head), new Metadata());
    } catch (IOException e) {
      throw new UncheckedIOException("reading a byte array failed", e); // cannot happen
    }
    found = registry.normalize(found.getBaseType()); // "x-msdownload; format=pe32": the family
    if (isProgram(found) && readsAsText(head)) {
      return TEXT_PLAIN; // "MZ" at the start of text, not a DOS header
    }
    return found;
  }

  private boolean agrees(MediaType claimed, MediaType detected, byte[] head) {
    boolean textual = isTextual(claimed);
    MediaType content = detected;
    if (isMarkup(detected)) {
      if (isMarkup(claimed)) {
        return true; // the declaration already runs in a browser; HTML or XHTML adds nothing
      }
      if (!textual || startsWithMarkup(head)) {
        return false;
      }
      content = TEXT_PLAIN; // text that mentions <html> further on
    }
    if (textual && isText(content)) {
      return true;
    }
    return related(claimed, content);
  }

  /** One is a kind of the other, or both are kinds of the same container (zip, OLE2, ISO). */
  private boolean related(MediaType claimed, MediaType detected) {
    Set<MediaType> claimedLine = new HashSet<>();
    for (MediaType t = claimed; t != null; t = supertype(t)) {
      claimedLine.add(t);
    }
    for (MediaType t = detected; t != null; t = supertype(t)) {
      if (claimedLine.contains(t)) {
        return t.equals(claimed) || t.equals(detected) || !ROOTS.contains(t);
      }
    }
    return false;
  }

  private MediaType supertype(MediaType type) {
    MediaType extra = EXTRA_SUPERTYPES.get(type);
    return extra != null ? extra : registry.getSupertype(type);
  }

  private MediaType normalise(MediaType type) {
    String alias = BROWSER_ALIASES.get(type.toString());
    return registry.normalize(alias != null ? MediaType.parse(alias) : type);
  }

  private boolean isTextual(MediaType type) {
    String subtype = type.getSubtype();
    return type.getType().equals("text") || isText(type) || TEXT_STAND_INS.contains(type)
        || subtype.endsWith("+json") || subtype.endsWith("+xml");
  }

  private boolean isText(MediaType type) {
    return type.equals(TEXT_PLAIN) || registry.isSpecializationOf(type, TEXT_PLAIN);
  }

  private boolean isMarkup(MediaType type) {
    return isScriptable(type.toString())
        || registry.isInstanceOf(type, XML) || registry.isInstanceOf(type, HTML);
  }

  private boolean isProgram(MediaType type) {
    return programLabel(type) != null;
  }

  private String programLabel(MediaType type) {
    if (type.getSubtype().startsWith(MACH_O)) { // Tika files most Mach-O kinds under no parent
      return "a macOS program (Mach-O)";
    }
    for (Map.Entry<MediaType, String> family : PROGRAMS.entrySet()) {
      if (registry.isInstanceOf(type, family.getKey())) {
        return family.getValue();
      }
    }
    return null;
  }

  private boolean readsAsText(byte[] head) {
    try {
      return textDetector.detect(new ByteArrayInputStream(head), new Metadata())
          .equals(TEXT_PLAIN);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a byte array failed", e); // cannot happen
    }
  }

  /** "HTML (text/html)": Tika's acronym or description where we have no better name. */
  private String describe(MediaType type) {
    String name = type.toString();
    String label = programLabel(type);
    if (label == null) {
      label = LABELS.get(name);
    }
    if (label == null) {
      label = tikaLabel(name);
    }
    return label == null || label.isEmpty() ? name : label + " (" + name + ")";
  }

  private String tikaLabel(String name) {
    try {
      MimeType known = mimeTypes.getRegisteredMimeType(name);
      if (known == null) {
        return null;
      }
      return known.getAcronym().isEmpty() ? known.getDescription() : known.getAcronym();
    } catch (MimeTypeException e) {
      return null; // a detected type always parses; no label is the honest answer otherwise
    }
  }

  /** True when the first character after a UTF-8 BOM and blanks opens a tag. */
  private static boolean startsWithMarkup(byte[] head) {
    int i = head.length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb
        && (head[2] & 0xff) == 0xbf ? 3 : 0;
    while (i < head.length && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n'
        || head[i] == '\r' || head[i] == '\f')) {
      i++;
    }
    return i < head.length && head[i] == '<';
  }
}
