package dev.directupload.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.directupload.events.Event;
import dev.directupload.events.MemoryOutbox;
import dev.directupload.storage.StorageException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The registry contract, for the registry in this JVM's heap; and its events, which it records
 * (in the bucket's outbox) before it changes the heap.
 */
class MemoryRegistryTest extends RegistryContract {
  private final MemoryOutbox outbox = new MemoryOutbox();

  @Override
  Registry registry() {
    return new MemoryRegistry(e -> outbox.record(e, "here", T0, Duration.ofMinutes(1)));
  }

  @Test
  void aChangeWhoseEventsCannotBeRecordedDoesNotHappen() {
    MemoryRegistry registry = new MemoryRegistry(e -> {
      throw new StorageException("the outbox is down while testing", null);
    });
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    List<Event> completed = List.of(event(Event.UPLOAD_COMPLETED, id(1)));
    assertThrows(StorageException.class,
        () -> registry.markCompleted(id(1), T0, Optional.empty(),
            Registry.SIZE_AS_SIGNED, completed));
    assertFalse(registry.find(id(1)).orElseThrow().isCompleted());
    assertThrows(StorageException.class, () -> registry.remove(id(1), null,
        List.of(event(Event.UPLOAD_DELETED, id(1)))));
    assertEquals(1, registry.pendingCount());
  }
}
