package dev.directupload.registry;

/** The registry contract, for the registry in this JVM's heap. */
class MemoryRegistryTest extends RegistryContract {
  @Override
  Registry registry() {
    return new MemoryRegistry();
  }
}
