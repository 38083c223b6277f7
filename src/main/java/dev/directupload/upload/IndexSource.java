package dev.directupload.upload;

import dev.directupload.registry.Upload;
import java.util.Optional;

/**
 * Where the registry's contents come from after a start, and how far it has got: the bucket,
 * read in the background while the app already answers, or nothing at all for a registry that
 * keeps everything itself (a database).
 */
public interface IndexSource {

  /** A registry that needs no loading. */
  IndexSource NONE = new IndexSource() {
    @Override
    public boolean isLoading() {
      return false;
    }

    @Override
    public Optional<String> problem() {
      return Optional.empty();
    }

    @Override
    public Optional<Upload> recall(String id) {
      return Optional.empty();
    }
  };

  /** True until every file the source holds is in the registry. */
  boolean isLoading();

  /** Why loading stopped (it is tried again), in words safe to show an operator. */
  Optional<String> problem();

  /**
   * While loading: the completed upload {@code id} if the source knows it and it has not been
   * reached yet, now added to the registry; empty otherwise.
   */
  Optional<Upload> recall(String id);

  /**
   * Reads the source into the registry; throws when it cannot get on (the store or the
   * database failed), and is called again after a pause.
   */
  default void load() {
  }

  /** Writes a checkpoint of the registry when one is due; true when it did. */
  default boolean checkpointIfDue() {
    return false;
  }
}
