package dev.directupload.upload;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the bucket lets the page at {@code origin} upload: the most common reason direct
 * uploads fail, checked the way a browser checks it.
 *
 * @param problem what is wrong, in words for the person who configures the bucket; empty when ok
 * @param rules the bucket CORS configuration that makes it work, ready to paste
 */
public record CorsStatus(boolean ok, String origin, Optional<String> problem,
    List<Map<String, Object>> rules) {

  public CorsStatus {
    rules = List.copyOf(rules);
  }
}
