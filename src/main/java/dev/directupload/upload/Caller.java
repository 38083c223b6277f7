package dev.directupload.upload;

import java.util.List;
import java.util.Map;

/**
 * Who is asking.
 *
 * @param owner who owns what they upload: the authenticated user, or {@link UploadService#ANONYMOUS}
 * @param client who their pending uploads and rate limits count against: the user, or for
 *     anonymous callers their network (an IPv4 address, an IPv6 /64), so that one caller can
 *     never use up everyone's room
 * @param address the address the request came from, for the audit trail
 * @param headers request headers a pre-create hook is shown (the ones it asks for), names
 *     lower-case, each with its values
 */
public record Caller(String owner, String client, String address,
    Map<String, List<String>> headers) {

  public Caller {
    headers = Map.copyOf(headers);
  }

  /** An authenticated user: they are their own client. */
  public static Caller user(String name) {
    return user(name, "");
  }

  /** An authenticated user calling from {@code address}. */
  public static Caller user(String name, String address) {
    return new Caller(name, "user:" + name, address, Map.of());
  }

  /** An anonymous caller from {@code address}. */
  public static Caller anonymous(String address) {
    return new Caller(UploadService.ANONYMOUS, "address:" + ClientNetworks.of(address),
        address, Map.of());
  }

  /** The housekeeping thread, for what happens on its own (expiry). */
  public static Caller system() {
    return new Caller("(system)", "system", "", Map.of());
  }

  /** The same caller with these headers for the pre-create hook. */
  public Caller withHeaders(Map<String, List<String>> shown) {
    return new Caller(owner, client, address, shown);
  }
}
