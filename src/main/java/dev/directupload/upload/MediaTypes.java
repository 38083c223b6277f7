package dev.directupload.upload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which media types each common extension may carry, as browsers and operating systems report
 * them (Windows says {@code application/vnd.ms-excel} for .csv and
 * {@code application/x-zip-compressed} for .zip).
 */
final class MediaTypes {
  private static final Map<String, Set<String>> BY_EXTENSION = new HashMap<>();
  private static final Set<String> KNOWN;

  static {
    add(Set.of("image/jpeg", "image/pjpeg"), "jpg", "jpeg", "jpe", "jfif");
    add(Set.of("image/png"), "png");
    add(Set.of("image/gif"), "gif");
    add(Set.of("image/webp"), "webp");
    add(Set.of("image/avif"), "avif");
    add(Set.of("image/heic", "image/heif"), "heic", "heif");
    add(Set.of("image/svg+xml"), "svg", "svgz");
    add(Set.of("application/pdf"), "pdf");
    add(Set.of("text/plain"), "txt", "text", "log");
    add(Set.of("text/plain", "text/markdown"), "md");
    add(Set.of("text/csv", "application/vnd.ms-excel", "text/plain"), "csv");
    add(Set.of("application/json", "text/plain"), "json");
    add(Set.of("application/zip", "application/x-zip-compressed"), "zip");
    add(Set.of("video/mp4"), "mp4", "m4v");
    add(Set.of("audio/mpeg", "audio/mp3"), "mp3");
    add(Set.of("application/msword"), "doc");
    add(Set.of("application/vnd.openxmlformats-officedocument.wordprocessingml.document"), "docx");
    add(Set.of("application/vnd.ms-excel"), "xls");
    add(Set.of("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), "xlsx");
    add(Set.of("application/vnd.ms-powerpoint"), "ppt");
    add(Set.of("application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        "pptx");
    add(Set.of("application/vnd.oasis.opendocument.text"), "odt");
    add(Set.of("application/vnd.oasis.opendocument.spreadsheet"), "ods");
    add(Set.of("application/vnd.oasis.opendocument.presentation"), "odp");
    add(Set.of("text/html", "application/xhtml+xml"), "html", "htm", "xhtml");
    add(Set.of("text/javascript", "application/javascript"), "js", "mjs");
    add(Set.of("application/x-msdownload", "application/vnd.microsoft.portable-executable"),
        "exe", "dll");
    KNOWN = BY_EXTENSION.values().stream().flatMap(Set::stream)
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  private MediaTypes() {}

  private static void add(Set<String> types, String... extensions) {
    for (String extension : extensions) {
      BY_EXTENSION.put(extension, types);
    }
  }

  /** The types a file with this lower-case extension may have; empty when we do not know it. */
  static Set<String> forExtension(String extension) {
    return BY_EXTENSION.getOrDefault(extension, Set.of());
  }

  /** True when some extension claims this type. */
  static boolean isKnown(String mediaType) {
    return KNOWN.contains(mediaType);
  }

  /**
   * The extensions (without the dot) each allowed type is known by, for a page that shows types
   * as extensions and fills in the type a browser did not report: {@code image/*} stands for
   * every image type we know, a lone star pair for every type.
   */
  static Map<String, List<String>> extensionsOf(List<String> allowedTypes) {
    Map<String, List<String>> result = new TreeMap<>();
    for (String type : KNOWN) {
      boolean allowed = allowedTypes.stream().anyMatch(a -> a.equals(type) || a.equals("*/*")
          || (a.endsWith("/*") && type.startsWith(a.substring(0, a.length() - 1))));
      if (!allowed) {
        continue;
      }
      List<String> extensions = new ArrayList<>();
      BY_EXTENSION.forEach((extension, types) -> {
        if (types.contains(type)) {
          extensions.add(extension);
        }
      });
      Collections.sort(extensions);
      result.put(type, List.copyOf(extensions));
    }
    return result;
  }

  /** Every type some extension claims. */
  static Set<String> known() {
    return KNOWN;
  }
}
