package dev.directupload.registry;

import java.util.List;
import java.util.Optional;

/** One page of completed uploads, newest first, and where the next page starts (if any). */
public record FilePage(List<Upload> files, Optional<String> nextCursor) {
  public FilePage {
    files = List.copyOf(files);
  }
}
