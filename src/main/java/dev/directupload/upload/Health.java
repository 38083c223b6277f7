package dev.directupload.upload;

import java.util.Optional;

/**
 * Whether the bucket answers, and how full the index is.
 *
 * @param problem what is wrong, in words safe to show anyone; empty when up
 * @param cors whether browsers at the page's origin may upload; empty while the store is down,
 *     or when too many origins were asked about within a minute
 */
public record Health(boolean up, Optional<String> problem, int completed, int pending,
    Optional<CorsStatus> cors) {}
