package dev.directupload.storage;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * A signed PUT.
 *
 * @param headers every signed header the client must send byte for byte, except {@code Host} and
 *     {@code Content-Length}, which every HTTP client derives from the URL and the body itself
 */
public record PresignedPut(URI url, Map<String, String> headers, Instant expiresAt) {
  public PresignedPut {
    headers = Map.copyOf(headers);
  }
}
