package dev.directupload.bench;

import dev.directupload.registry.MemoryRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Heap per completed registry entry: the used heap after a full GC, with 1,000,000 completed
 * entries (10 owners) in the registry, minus the used heap of the empty registry, divided by the
 * count. Everything an entry holds is counted (the Upload, its strings and Instants, the id map
 * node and the listing's skip-list node and key). A measurement, not a test.
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec@memory}.
 */
public final class RegistryMemory {
  private RegistryMemory() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    MemoryRegistry registry = new MemoryRegistry();
    long before = usedAfterGc(memory);
    for (int i = 0; i < count; i++) {
      registry.addCompleted(Entries.completed("owner-" + (i % 10), i));
    }
    long after = usedAfterGc(memory);
    System.out.printf("entries=%d completedCount=%d usedBefore=%d usedAfter=%d"
        + " bytesPerEntry=%.1f%n", count, registry.completedCount(), before, after,
        (after - before) / (double) count);
  }

  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
