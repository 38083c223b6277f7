package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricDataParser;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.hawkular.agent.prometheus.types.Summary;

/**
 * {@code api/metrics} read as a scraper reads it: Hawkular's parser of the Prometheus text
 * format. That parser skips a line it cannot read rather than fail, so every sample line of the
 * text must be found again in what it parsed: a line in a wrong format fails the test.
 */
final class Scrape {
  final String text;
  final List<MetricFamily> families;

  private Scrape(String text, List<MetricFamily> families) {
    this.text = text;
    this.families = families;
  }

  static Scrape parse(String text) throws IOException {
    TextPrometheusMetricDataParser parser = new TextPrometheusMetricDataParser(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    List<MetricFamily> families = new ArrayList<>();
    for (MetricFamily f = parser.parse(); f != null; f = parser.parse()) {
      families.add(f);
    }
    long lines = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
    long parsed = families.stream().flatMap(f -> f.getMetrics().stream())
        .mapToLong(Scrape::samples).sum();
    assertEquals(lines, parsed, "sample lines the parser could not read:\n" + text);
    long typed = text.lines().filter(l -> l.startsWith("# TYPE ")).count();
    assertEquals(typed, families.size(), "a family without its TYPE line");
    return new Scrape(text, families);
  }

  private static long samples(Metric m) {
    if (m instanceof Histogram h) {
      return h.getBuckets().size() + 2L;
    }
    if (m instanceof Summary s) {
      return s.getQuantiles().size() + 2L;
    }
    return 1;
  }

  MetricFamily family(String name) {
    return families.stream().filter(f -> f.getName().equals(name)).findFirst().orElse(null);
  }

  /**
   * The sum of the counter's or gauge's samples whose labels include these (name, value) pairs;
   * 0 when there is none (a counter that has not counted yet).
   */
  double value(String name, String... labels) {
    MetricFamily family = family(name);
    if (family == null) {
      return 0;
    }
    return matching(family, labels).mapToDouble(m -> m instanceof Counter c ? c.getValue()
        : ((Gauge) m).getValue()).sum();
  }

  /** How many times the histogram {@code name} (without {@code _bucket}) recorded a value. */
  long histogramCount(String name, String... labels) {
    MetricFamily family = family(name);
    assertNotNull(family, name + " missing from\n" + text);
    return matching(family, labels).mapToLong(m -> ((Histogram) m).getSampleCount()).sum();
  }

  /** Every label value of every sample, with its label name. */
  Stream<Map.Entry<String, String>> labels() {
    return families.stream().flatMap(f -> f.getMetrics().stream())
        .flatMap(m -> m.getLabels().entrySet().stream());
  }

  private static Stream<Metric> matching(MetricFamily family, String... labels) {
    return family.getMetrics().stream().filter(m -> {
      for (int i = 0; i < labels.length; i += 2) {
        if (!labels[i + 1].equals(m.getLabels().get(labels[i]))) {
          return false;
        }
      }
      return true;
    });
  }
}
