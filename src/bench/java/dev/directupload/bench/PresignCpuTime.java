package dev.directupload.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The presigners of {@link PresignBench}, measured by this thread's CPU time instead of wall
 * time, interleaved round by round in one JVM. On a shared machine (other builds running) wall
 * time mostly measures the neighbours; CPU time per operation and its ratios stay meaningful.
 * Prints each benchmark's median ns of CPU per operation over the rounds, and the ratios.
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec@cputime}.
 */
public final class PresignCpuTime {
  private static final int ROUNDS = 15;
  private static final int OPS_PER_BATCH = 20_000;

  private PresignCpuTime() {}

  public static void main(String[] args) throws Exception {
    PresignBench bench = new PresignBench();
    bench.setUp();
    bench.freshServices();
    Map<String, Callable<Object>> cases = new LinkedHashMap<>();
    cases.put("floorPlainSigner", bench::floorPlainSigner);
    cases.put("leanQuerySigner", bench::leanQuerySigner);
    cases.put("sdkAwsV4HttpSigner", bench::sdkAwsV4HttpSigner);
    cases.put("sdkS3Presigner", bench::sdkS3Presigner);
    cases.put("servicePresignLean", bench::servicePresignLean);
    cases.put("servicePresignSdk", bench::servicePresignSdk);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // Warm-up: every case compiled before any is measured.
    for (int w = 0; w < 5; w++) {
      for (Callable<Object> c : cases.values()) {
        run(c, OPS_PER_BATCH);
      }
    }
    Map<String, List<Double>> samples = new LinkedHashMap<>();
    for (int round = 0; round < ROUNDS; round++) {
      bench.freshServices();
      for (Map.Entry<String, Callable<Object>> c : cases.entrySet()) {
        long start = threads.getCurrentThreadCpuTime();
        run(c.getValue(), OPS_PER_BATCH);
        double ns = (threads.getCurrentThreadCpuTime() - start) / (double) OPS_PER_BATCH;
        samples.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(ns);
      }
    }
    bench.tearDown();
    Map<String, Double> medians = new LinkedHashMap<>();
    samples.forEach((name, values) -> {
      values.sort(Double::compare);
      medians.put(name, values.get(values.size() / 2));
      System.out.printf("%-20s median %9.0f ns CPU/op  (min %9.0f, max %9.0f, %d rounds x %d)%n",
          name, medians.get(name), values.get(0), values.get(values.size() - 1), ROUNDS,
          OPS_PER_BATCH);
    });
    System.out.printf("lean / floor            = %.2f%n",
        medians.get("leanQuerySigner") / medians.get("floorPlainSigner"));
    System.out.printf("S3Presigner / lean      = %.2f%n",
        medians.get("sdkS3Presigner") / medians.get("leanQuerySigner"));
    System.out.printf("AwsV4HttpSigner / lean  = %.2f%n",
        medians.get("sdkAwsV4HttpSigner") / medians.get("leanQuerySigner"));
    System.out.printf("service sdk / lean      = %.2f%n",
        medians.get("servicePresignSdk") / medians.get("servicePresignLean"));
  }

  private static Object run(Callable<Object> c, int n) throws Exception {
    Object last = null;
    for (int i = 0; i < n; i++) {
      last = c.call();
    }
    return last;
  }
}
