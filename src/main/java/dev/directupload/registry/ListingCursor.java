package dev.directupload.registry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Where a page of completed files starts: after the file completed at {@code completedAt} with
 * {@code id}, in the order newest first, ties by id descending (the order an index on
 * {@code (owner, completed_at, id)} walks backwards). Opaque to clients: base64url of
 * "seconds.nanos:id".
 */
record ListingCursor(Instant completedAt, String id) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");

  static ListingCursor of(Upload u) {
    return new ListingCursor(u.completedAt().orElseThrow(), u.id());
  }

  String encode() {
    String raw = completedAt.getEpochSecond() + "." + completedAt.getNano() + ":" + id;
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor's position; {@link BadCursorException} for anything this server did not issue. */
  static ListingCursor decode(String cursor) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int colon = raw.indexOf(':');
      int dot = raw.indexOf('.');
      if (dot < 0 || colon < dot) {
        throw new BadCursorException();
      }
      String id = raw.substring(colon + 1);
      if (!ID.matcher(id).matches()) {
        throw new BadCursorException();
      }
      return new ListingCursor(Instant.ofEpochSecond(Long.parseLong(raw.substring(0, dot)),
          Long.parseLong(raw.substring(dot + 1, colon))), id);
    } catch (RuntimeException e) {
      throw new BadCursorException();
    }
  }

  /** Newest first; among files completed at the same instant, the greater id first. */
  static int compare(Instant aAt, String aId, Instant bAt, String bId) {
    int byTime = bAt.compareTo(aAt);
    return byTime != 0 ? byTime : bId.compareTo(aId);
  }
}
