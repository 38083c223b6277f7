package dev.directupload.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Byte counts are read in binary and decimal units, as their names say. */
class ByteSizeTest {

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
      "1024, 1024",
      "5GiB, 5368709120",
      "5 GiB, 5368709120",
      "500MB, 500000000",
      "1.5KiB, 1536",
      "10mib, 10485760",
      "2TiB, 2199023255552",
      "7b, 7",
  })
  void parsesUnits(String text, long bytes) {
    assertEquals(bytes, ByteSize.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "GiB", "5 parsecs", "1.5", "-1", "99999999999TiB"})
  void rejectsWhatIsNotAWholeByteCount(String text) {
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
  }

  @ParameterizedTest(name = "{0} prints as {1}")
  @CsvSource({"0, 0 B", "1023, 1023 B", "1536, 1.5 KiB", "5368709120, 5 GiB"})
  void formatsForPeople(long bytes, String text) {
    assertEquals(text, ByteSize.format(bytes));
  }
}
