package dev.directupload.ops;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Networks in CIDR notation ({@code 10.0.0.0/8}, {@code ::1/128}) or single addresses, and
 * whether a request's address lies in one of them. Only numeric literals are ever parsed: no
 * name is resolved, neither here nor for a request's address.
 */
public final class Networks {
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final List<Network> networks;

  private record Network(byte[] address, int bits) {
    boolean contains(byte[] candidate) {
      if (candidate.length != address.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (candidate[i] != address[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (candidate[whole] & mask) == (address[whole] & mask);
    }
  }

  private Networks(List<Network> networks) {
    this.networks = networks;
  }

  /**
   * Parses each entry; throws {@link IllegalArgumentException} saying which one is not an
   * address or network (the settings check their form only, not that 300 is no octet).
   */
  public static Networks parse(List<String> entries) {
    List<Network> parsed = new ArrayList<>();
    for (String entry : entries) {
      int slash = entry.indexOf('/');
      String literal = slash < 0 ? entry : entry.substring(0, slash);
      byte[] address = literal(literal);
      if (address == null) {
        throw new IllegalArgumentException("expected an IPv4 or IPv6 address or network but found '"
            + entry + "'");
      }
      int bits = address.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > address.length * 8) {
          throw new IllegalArgumentException("expected a prefix length 0.." + address.length * 8
              + " in '" + entry + "'");
        }
      }
      parsed.add(new Network(address, bits));
    }
    return new Networks(List.copyOf(parsed));
  }

  /** True when {@code address} (a container's remote address) is in one of the networks. */
  public boolean contains(String address) {
    if (address == null || networks.isEmpty()) {
      return false;
    }
    byte[] bytes = literal(address);
    if (bytes == null) {
      return false;
    }
    for (Network network : networks) {
      if (network.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bytes of a numeric address (4 for IPv4, also for an IPv4-mapped IPv6 address; 16 for
   * IPv6), or null when it is not one. IPv6 may come in brackets and with a zone.
   */
  static byte[] literal(String text) {
    String s = text.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    if (IPV4.matcher(s).matches()) {
      byte[] bytes = new byte[4];
      String[] octets = s.split("\\.");
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(octets[i]);
        if (octet > 255) {
          return null;
        }
        bytes[i] = (byte) octet;
      }
      return bytes;
    }
    if (s.indexOf(':') < 0 || !s.matches("[0-9A-Fa-f:.]+(%[0-9A-Za-z_.-]+)?")) {
      return null;
    }
    try {
      // A literal with a colon is parsed as IPv6 and never looked up as a name; an IPv4-mapped
      // one (::ffff:127.0.0.1, a dual-stack socket's view of an IPv4 client) comes back as IPv4.
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
