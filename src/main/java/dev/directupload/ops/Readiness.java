package dev.directupload.ops;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether this instance should be sent traffic, for {@code api/health/ready}: the database (when
 * there is one) is ready, the index has been read in, and the store answered its last look.
 * Each of these is already known (the store's look is kept for a few seconds by the service), so
 * a probe every second costs no call to the store or the database.
 */
public final class Readiness {
  private final Supplier<Optional<String>> databaseProblem;
  private final BooleanSupplier indexLoaded;
  private final Supplier<Optional<String>> storeProblem;

  public Readiness(Supplier<Optional<String>> databaseProblem, BooleanSupplier indexLoaded,
      Supplier<Optional<String>> storeProblem) {
    this.databaseProblem = databaseProblem;
    this.indexLoaded = indexLoaded;
    this.storeProblem = storeProblem;
  }

  /**
   * Empty when ready; else which dependency is not, in one word: {@code database},
   * {@code index} or {@code store} (the details are in {@code api/health} and the log).
   */
  public Optional<String> notReady() {
    if (databaseProblem.get().isPresent()) {
      return Optional.of("database");
    }
    if (!indexLoaded.getAsBoolean()) {
      return Optional.of("index");
    }
    if (storeProblem.get().isPresent()) {
      return Optional.of("store");
    }
    return Optional.empty();
  }
}
