package dev.directupload.upload;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What Uppy's S3 plugin asks for when it starts a file: its name, its type and its meta
 * fields (a {@code null} value is left out); never its size.
 */
public record UppyRequest(String filename, String contentType, Map<String, String> metadata) {
  public UppyRequest {
    Map<String, String> kept = new LinkedHashMap<>();
    if (metadata != null) {
      metadata.forEach((name, value) -> {
        if (name != null && value != null) {
          kept.put(name, value);
        }
      });
    }
    metadata = Collections.unmodifiableMap(kept);
  }
}
