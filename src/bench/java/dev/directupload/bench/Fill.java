package dev.directupload.bench;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The shape of the objects {@link BenchS3#fill} creates: keys as the application makes them,
 * {@code <prefix><owner>/<yyyy/MM/dd>/<id>/<name>}, with the upload made at a random moment
 * between {@code from} and {@code to} and each owner equally likely.
 *
 * @param prefix the application's {@code key-prefix}, for example {@code uploads/}
 * @param owners owner names whose key folder is the name itself (ASCII letters, digits, '-' and
 *     '.' not first), so that the key and the {@code owner} metadata can be derived from each other
 * @param seed the same seed gives the same objects (ids included)
 */
public record Fill(String prefix, List<String> owners, Instant from, Instant to, long seed) {
  private static final Pattern PLAIN_OWNER = Pattern.compile("[A-Za-z0-9-][A-Za-z0-9.-]*");

  public Fill {
    owners = List.copyOf(owners);
    if (owners.isEmpty()) {
      throw new IllegalArgumentException("expected at least one owner but got none");
    }
    for (String owner : owners) {
      if (!PLAIN_OWNER.matcher(owner).matches()) {
        throw new IllegalArgumentException("expected owner names of ASCII letters, digits, '-'"
            + " and '.' (not first), whose key folder is the name itself, but got '" + owner + "'");
      }
    }
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("expected from before to but got " + from + " and " + to);
    }
  }

  /**
   * {@code uploads/}, 100 owners ({@link #users}), uploads made over the year before
   * 2026-12-01, seed 1.
   */
  public static Fill defaults() {
    return new Fill("uploads/", users(100), Instant.parse("2025-12-01T00:00:00Z"),
        Instant.parse("2026-12-01T00:00:00Z"), 1);
  }

  /** {@code user-00000}, {@code user-00001}, ... */
  public static List<String> users(int count) {
    return IntStream.range(0, count).mapToObj(i -> String.format("user-%05d", i)).toList();
  }

  public Fill withPrefix(String newPrefix) {
    return new Fill(newPrefix, owners, from, to, seed);
  }

  public Fill withOwners(List<String> newOwners) {
    return new Fill(prefix, newOwners, from, to, seed);
  }

  public Fill withPeriod(Instant newFrom, Instant newTo) {
    return new Fill(prefix, owners, newFrom, newTo, seed);
  }

  public Fill withSeed(long newSeed) {
    return new Fill(prefix, owners, from, to, newSeed);
  }
}
