package dev.directupload.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * metrics-allowed-addresses: an address is let in exactly when it lies in one of the networks;
 * only numeric addresses count (no name is ever resolved), and an entry that is no address stops
 * the start.
 */
class NetworksTest {
  private final Networks networks = Networks.parse(List.of("127.0.0.0/8", "::1/128",
      "10.1.2.0/23", "192.0.2.7", "2001:db8::/32"));

  @Test
  void addressesInsideANetworkAreIn() {
    for (String in : List.of("127.0.0.1", "127.255.0.9", "0:0:0:0:0:0:0:1", "[::1]",
        "10.1.2.1", "10.1.3.254", "192.0.2.7", "2001:db8:ffff::1", "::ffff:127.0.0.1")) {
      assertTrue(networks.contains(in), in);
    }
  }

  @Test
  void addressesOutsideEveryNetworkAreOut() {
    for (String out : List.of("128.0.0.1", "10.1.4.1", "10.1.1.255", "192.0.2.8", "::2",
        "2001:db9::1", "localhost", "example.com", "", "1.2.3.400", "::ffff:10.9.9.9")) {
      assertFalse(networks.contains(out), out);
    }
    assertFalse(networks.contains(null));
  }

  @Test
  void noNetworksLetsNobodyIn() {
    assertFalse(Networks.parse(List.of()).contains("127.0.0.1"));
  }

  @Test
  void anEntryThatIsNoAddressIsRefused() {
    for (String bad : List.of("10.0.0.300", "10.0.0.0/33", "::1/129", "1.2.3.4/x", ":::::")) {
      assertThrows(IllegalArgumentException.class, () -> Networks.parse(List.of(bad)), bad);
    }
  }
}
