package dev.directupload.upload;

import java.util.Optional;

/**
 * Where the index stands after a start.
 *
 * @param loading true while files are still being read in (the list may miss some)
 * @param files completed files known so far
 * @param problem why loading stopped for now (it is tried again); empty otherwise
 */
public record IndexStatus(boolean loading, int files, Optional<String> problem) {}
