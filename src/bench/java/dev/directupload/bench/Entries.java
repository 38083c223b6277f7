package dev.directupload.bench;

import dev.directupload.registry.Upload;
import dev.directupload.upload.UploadIds;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Realistic registry entries: every string its own object, as after parsing a request, except
 * the owner and the media type, of which the application keeps one shared instance each.
 */
final class Entries {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private Entries() {}

  static Upload pending(String owner, int n) {
    String id = UploadIds.next(T0.plusMillis(n));
    String filename = new String("holiday photo " + n + ".jpg");
    String key = "uploads/" + owner + "/2026/01/01/" + id + "/holiday_photo_" + n + ".jpg";
    Instant created = T0.plusMillis(n);
    return new Upload(id, owner, owner, key, filename, "image/jpeg", 1_000_000L + n,
        Optional.of(new String("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")), Map.of(),
        created, created.plusSeconds(4500), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * Completed {@code n} ms after T0 (its store's last-modified time), with the ETag the store
   * gave (a quoted MD5 in hex, as S3 gives for a single PUT).
   */
  static Upload completed(String owner, int n) {
    return pending(owner, n).completed(T0.plusMillis(n + 500), Optional.of(new String(
        String.format("\"%032x\"", 0x5eed_0000_0000L + n))));
  }
}
