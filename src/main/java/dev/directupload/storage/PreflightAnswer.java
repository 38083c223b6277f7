package dev.directupload.storage;

import java.util.Map;

/**
 * What the bucket answered to a CORS preflight.
 *
 * @param headers response headers, names lower-case, repeated values joined with commas
 */
public record PreflightAnswer(int status, Map<String, String> headers) {
  public PreflightAnswer {
    headers = Map.copyOf(headers);
  }

  /** The header's value, or "" when absent. */
  public String header(String name) {
    return headers.getOrDefault(name, "");
  }
}
