package dev.directupload.storage;

import java.time.Instant;
import java.util.Map;

/**
 * A signed PUT.
 *
 * @param url the signed URL, already percent-encoded: a string rather than a {@link
 *     java.net.URI}, because parsing a 700-character URL back into a {@code URI} costs more CPU
 *     than signing it, and the only consumer writes it into JSON
 * @param headers every signed header the client must send byte for byte, except {@code Host} and
 *     {@code Content-Length}, which every HTTP client derives from the URL and the body itself
 */
public record PresignedPut(String url, Map<String, String> headers, Instant expiresAt) {
  public PresignedPut {
    headers = Map.copyOf(headers);
  }
}
