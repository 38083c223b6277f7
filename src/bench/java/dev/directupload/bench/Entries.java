package dev.directupload.bench;

import dev.directupload.upload.Upload;
import dev.directupload.upload.UploadIds;
import java.time.Instant;
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
    return new Upload(id, owner, key, filename, "image/jpeg", 1_000_000L + n,
        Optional.of(new String("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")), created,
        created.plusSeconds(4500), Optional.empty(), Optional.empty());
  }

  /** Completed {@code n} ms after T0 (its store's last-modified time). */
  static Upload completed(String owner, int n) {
    Upload p = pending(owner, n);
    return new Upload(p.id(), p.owner(), p.key(), p.filename(), p.contentType(), p.size(),
        p.checksumSha256(), p.createdAt(), p.expiresAt(), Optional.of(T0.plusMillis(n + 500)),
        Optional.empty());
  }
}
