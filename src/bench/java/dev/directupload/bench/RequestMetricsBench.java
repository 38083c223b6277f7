package dev.directupload.bench;

import dev.directupload.ops.Metrics;
import dev.directupload.ops.Operation;
import dev.directupload.ops.RequestMetrics;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metrics add to one API request: recording it (the duration histogram and the counter of
 * its operation and outcome), on one thread and on two at once (the request threads of a busy
 * server share the same counters). Compare with a presign's CPU time (BENCHMARKS.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestMetricsBench {
  @State(Scope.Benchmark)
  public static class Registry {
    Metrics metrics;
    RequestMetrics requests;

    @Setup(Level.Trial)
    public void open() {
      metrics = new Metrics();
      requests = metrics.requests();
    }

    @TearDown(Level.Trial)
    public void close() {
      metrics.close();
    }
  }

  @Benchmark
  public void recordPresign(Registry r) {
    r.requests.record(Operation.PRESIGN, 201, null, 123_456);
  }

  @Benchmark
  @Threads(2)
  public void recordPresignTwoThreads(Registry r) {
    r.requests.record(Operation.PRESIGN, 201, null, 123_456);
  }
}
