package dev.directupload.bench;

import java.util.Comparator;

/**
 * Strings in the order of their UTF-8 bytes, which is how S3 lists keys. {@link String#compareTo}
 * compares UTF-16 units instead, and the two disagree when a character above U+FFFF (a surrogate
 * pair, U+D800..U+DFFF) meets one in U+E000..U+FFFF: UTF-8 puts the first after, UTF-16 before.
 * Code point order equals UTF-8 byte order, so the surrogates are moved above U+FFFF's range.
 */
final class Utf8Order implements Comparator<String> {
  static final Utf8Order INSTANCE = new Utf8Order();

  private Utf8Order() {}

  @Override
  public int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        if (x >= 0xD800 && y >= 0xD800) {
          return fix(x) - fix(y);
        }
        return x - y;
      }
    }
    return a.length() - b.length();
  }

  /** U+E000..U+FFFF down by 0x800, surrogates up by 0x2000: code point order from UTF-16 units. */
  private static int fix(char c) {
    return c >= 0xE000 ? c - 0x800 : c + 0x2000;
  }
}
