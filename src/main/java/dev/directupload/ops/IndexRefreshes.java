package dev.directupload.ops;

/**
 * When the index last read what other instances over the same bucket changed: its age is how
 * far this instance's list may lag behind theirs.
 */
public final class IndexRefreshes {
  private final long startNanos = System.nanoTime();
  private volatile long lastNanos = startNanos;

  /** A look at the other instances' changes succeeded. */
  public void refreshed() {
    lastNanos = System.nanoTime();
  }

  /** Seconds since the last look that succeeded (or since the start, before the first). */
  double ageSeconds() {
    return (System.nanoTime() - lastNanos) / 1e9;
  }
}
