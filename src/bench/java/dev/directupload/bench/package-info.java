/** JMH benchmarks and measurements, run with {@code -Pbench}; never part of a test run. */
package dev.directupload.bench;
