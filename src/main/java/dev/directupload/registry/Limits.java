package dev.directupload.registry;

/**
 * What a new pending upload must fit in, checked and reserved in one atomic step.
 *
 * @param maxPending pending uploads in all: protects the server's memory, not fairness
 * @param maxPendingPerClient pending uploads of one client (a user, or one anonymous address):
 *     one caller can never take everyone's room
 * @param quotaBytes bytes an owner may hold, completed and pending together; 0 for no limit
 * @param quotaFiles files an owner may hold, completed and pending together; 0 for no limit
 */
public record Limits(int maxPending, int maxPendingPerClient, long quotaBytes, long quotaFiles) {

  /** Only the global bound: for uploads read back from the store, which were admitted before. */
  public static Limits globalOnly(int maxPending) {
    return new Limits(maxPending, Integer.MAX_VALUE, 0, 0);
  }
}
