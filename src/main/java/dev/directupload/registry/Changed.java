package dev.directupload.registry;

import dev.directupload.events.Delivery;
import java.util.List;
import java.util.Optional;

/**
 * What a change of one upload left, and the events it recorded with it.
 *
 * @param upload the upload as the change left it (completed), or as it was (removed); empty
 *     when there was no such upload
 * @param recorded the events recorded with the change, to announce once it is answered; empty
 *     when this call changed nothing (another did it first) or no events were asked for
 */
public record Changed(Optional<Upload> upload, List<Delivery> recorded) {
  public Changed {
    recorded = List.copyOf(recorded);
  }

  static Changed nothing(Optional<Upload> upload) {
    return new Changed(upload, List.of());
  }
}
