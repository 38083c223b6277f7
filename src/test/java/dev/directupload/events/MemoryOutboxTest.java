package dev.directupload.events;

import java.util.List;

/** The contract, in memory. */
class MemoryOutboxTest extends OutboxContract {
  private final MemoryOutbox outbox = new MemoryOutbox();

  @Override
  Outbox outbox() {
    return outbox;
  }

  @Override
  List<Delivery> abandoned() {
    return outbox.abandoned();
  }
}
