package dev.directupload.upload;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The network an anonymous caller is counted by: an IPv4 address as it is, an IPv6 address by
 * its /64 (a single home or server gets a whole /64, so counting single IPv6 addresses would let
 * one caller be billions of clients).
 */
final class ClientNetworks {
  private ClientNetworks() {}

  static String of(String address) {
    if (address == null || address.indexOf(':') < 0) {
      return address == null ? "unknown" : address;
    }
    try {
      // Only numeric literals reach here (a container's remote address); nothing is resolved.
      byte[] bytes = InetAddress.getByName(address.startsWith("[") ? address.substring(1,
          address.length() - 1) : address).getAddress();
      if (bytes.length != 16) {
        return address;
      }
      StringBuilder net = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        net.append(String.format(Locale.ROOT, "%x", ((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff)))
            .append(':');
      }
      return net.append(":/64").toString();
    } catch (UnknownHostException e) {
      return address.toLowerCase(Locale.ROOT);
    }
  }
}
