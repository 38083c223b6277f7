package dev.directupload.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints byte counts. Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal
 * units (KB, MB, GB, TB) powers of 1000, as their names say; a bare number is bytes.
 */
public final class ByteSize {
  private static final Pattern SYNTAX =
      Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)\\s*");
  private static final Map<String, Long> UNITS = Map.ofEntries(
      Map.entry("", 1L), Map.entry("b", 1L),
      Map.entry("kb", 1_000L), Map.entry("kib", 1L << 10),
      Map.entry("mb", 1_000_000L), Map.entry("mib", 1L << 20),
      Map.entry("gb", 1_000_000_000L), Map.entry("gib", 1L << 30),
      Map.entry("tb", 1_000_000_000_000L), Map.entry("tib", 1L << 40));

  private ByteSize() {}

  /** "5GiB" → 5368709120; throws IllegalArgumentException naming what was expected. */
  public static long parse(String text) {
    Matcher m = SYNTAX.matcher(text);
    Long unit = m.matches() ? UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
    if (unit == null) {
      throw new IllegalArgumentException(
          "expected a byte count such as 1048576, 500MB or 5GiB but was '" + text + "'");
    }
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
    try {
      return bytes.setScale(0, java.math.RoundingMode.UNNECESSARY).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "expected a whole number of bytes that fits in 63 bits but was '" + text + "'", e);
    }
  }

  /**
   * A setting's value as its author most likely wrote it: in whole decimal units when it is a
   * whole number of them and not of binary ones (20000000 → "20 MB", where {@link #format} would
   * say "19.1 MiB"), else as {@link #format} does (5368709120 → "5 GiB").
   */
  public static String formatAsWritten(long bytes) {
    String[] units = {"KB", "MB", "GB", "TB", "PB"};
    long unit = 1;
    String decimal = null;
    for (String name : units) {
      if (bytes / 1000 < unit) {
        break;
      }
      unit *= 1000;
      if (bytes % unit == 0) {
        decimal = (bytes / unit) + " " + name;
      }
    }
    boolean wholeBinary = bytes >= 1024 && bytes % 1024 == 0;
    return decimal != null && !wholeBinary ? decimal : format(bytes);
  }

  /** 1536 → "1.5 KiB": for log lines and messages people read. */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    String number = String.format(Locale.ROOT, "%.1f", value);
    if (number.endsWith(".0")) {
      number = number.substring(0, number.length() - 2);
    }
    return number + " " + units[unit];
  }
}
