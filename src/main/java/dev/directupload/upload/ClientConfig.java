package dev.directupload.upload;

import dev.directupload.registry.Usage;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client checks before it asks for anything: the limits, the allowed types (and the
 * extensions they go by), and the caller's quota when there is one.
 *
 * @param maxFileSizeText the limit as the operator wrote it ("20 MB", "5 GiB")
 * @param extensions for each allowed type we know, its extensions without the dot
 * @param quota the caller's usage and limits; empty when no quota is set
 */
public record ClientConfig(long maxFileSize, String maxFileSizeText, List<String> allowedTypes,
    Map<String, List<String>> extensions, long urlExpirySeconds, long multipartThreshold,
    long partSize, Optional<Quota> quota) {

  /** Used and allowed; a maximum of 0 means no limit on that dimension. */
  public record Quota(long usedBytes, long maxBytes, long usedFiles, long maxFiles) {
    static Quota of(Usage usage, long maxBytes, long maxFiles) {
      return new Quota(usage.bytes(), maxBytes, usage.files(), maxFiles);
    }
  }
}
