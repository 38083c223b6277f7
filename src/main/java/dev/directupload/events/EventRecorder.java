package dev.directupload.events;

/**
 * Where a change's events are made durable before the change is answered: the registry calls
 * it for the events of a change it is making (the in-memory registry before the change, so a
 * crash right after loses nothing; a database registry in the change's own transaction, and
 * does not use this).
 */
@FunctionalInterface
public interface EventRecorder {
  /** Records nothing: events are off. */
  EventRecorder NONE = event -> {
    throw new IllegalStateException("events are off, yet " + event.type() + " was recorded");
  };

  /** Makes {@code event} durable and leased to this instance; throws when it cannot. */
  Delivery record(Event event);
}
