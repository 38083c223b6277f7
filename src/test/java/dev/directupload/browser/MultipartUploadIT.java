package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.barValue;
import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * A file at or above the multipart threshold goes to the store in parts, signed in one request;
 * its bar counts only parts the store accepted, so it never goes back; a paused upload resumes
 * by sending only the parts the store lacks; the stored file comes back byte for byte.
 */
class MultipartUploadIT extends PageTest {
  private static final int MIB = 1 << 20;

  @TempDir
  static Path folder;

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.startMultipart("5MiB", "5MiB"));
  }

  @Test
  void largeFileGoesInPartsAndItsBarNeverGoesBack() throws Exception {
    String name = "harbour-timelapse.mp4";
    byte[] content = TestFiles.random(41, 27 * MIB + MIB / 2); // five parts of 5 MiB, one of 2.5
    Path file = TestFiles.write(folder, name, content);
    page.open();

    // Slow enough for the bar to show parts arriving one by one.
    page.throttleUploads(4 * MIB);
    try {
      page.choose(file);
      page.waitForUpload(name, "done");
    } finally {
      page.unthrottle();
    }

    assertEquals(List.of(1, 2, 3, 4, 5, 6), page.partPuts().stream().sorted().toList(),
        "part PUTs");
    assertEquals(4, page.mostPartPutsAtOnce(), "parts sent at once");
    // One request for the parts the four senders start with, one for the parts hashed since.
    assertTrue(page.partsRequests() <= 2, "signing requests: " + page.partsRequests());
    List<Long> bars = page.bars(name);
    assertEquals(bars.stream().sorted().toList(), bars, "bar values never decrease");
    // Only whole accepted parts count: every value is a sum of some of the parts' sizes.
    for (long value : bars) {
      assertTrue(value % (5 * MIB) == 0 || value % (5 * MIB) == 5 * MIB / 2,
          "bar value " + value + " is a sum of part sizes: " + bars);
    }
    assertTrue(bars.stream().anyMatch(v -> v > 0 && v < content.length),
        "the bar showed a part stored before the last: " + bars);
    assertEquals((long) content.length, bars.get(bars.size() - 1));

    assertEquals(TestFiles.sha256(content), TestFiles.sha256(Files.readAllBytes(page.download(name))));
    assertEquals(List.of(), site.pendingUploads(), "nothing pending on the server");
    assertEquals(0, page.storedEntries(), "nothing left to resume");
  }

  @Test
  void pausedUploadResumesWithOnlyTheMissingParts() throws Exception {
    String name = "quarry-survey.mp4";
    // The last part is small: it is stored long before the two others on a slow network.
    byte[] content = TestFiles.random(42, 11 * MIB);
    Path file = TestFiles.write(folder, name, content);
    page.open();

    page.throttleUploads(MIB);
    WebElement row;
    List<Integer> storedAtPause;
    long requestsAtPause;
    try {
      page.choose(file);
      row = page.upload(name);
      browser.waitUntil("a first part to be stored", d -> barValue(row) > 0);
      row.findElement(By.cssSelector("button.pause")).click();
      page.waitForUpload(name, "paused");
      requestsAtPause = page.requestCount();
      assertEquals("Paused", text(row.findElement(By.className("status"))));
      assertTrue(row.findElement(By.cssSelector("button.resume")).isDisplayed(), "resume offered");
      assertFalse(row.findElement(By.cssSelector("button.pause")).isDisplayed(), "pause gone");
      assertEquals("resume", browser.js("return document.activeElement.className.split(' ')[0]"),
          "keyboard focus moves to Resume");
      storedAtPause = site.storedParts(site.pendingUploads().get(0));
      assertEquals(List.of(3), storedAtPause, "the store holds the small part only");
      assertEquals(MIB, barValue(row), "the bar shows the stored part");
      browser.screenshot("multipart-paused");
    } finally {
      page.unthrottle();
    }

    row.findElement(By.cssSelector("button.resume")).click();
    page.waitForUpload(name, "done");

    assertEquals(Set.of(1, 2), new TreeSet<>(page.partPutsSince(requestsAtPause)),
        "parts sent after the pause");
    assertEquals(1, page.partPuts().stream().filter(n -> n == 3).count(), "part 3 sent once");
    assertTrue(page.trace(name).get("details").toString()
        .contains("Resuming: 1 of 3 parts already stored"), page.trace(name).toString());
    List<Long> bars = page.bars(name);
    assertEquals(bars.stream().sorted().toList(), bars, "bar values never decrease");
    assertEquals(TestFiles.sha256(content), TestFiles.sha256(Files.readAllBytes(page.download(name))));
    assertEquals(0, page.storedEntries(), "nothing left to resume");
  }

  @Test
  void cancelledLargeUploadLeavesNothingBehindOnANarrowScreen() throws Exception {
    String name = "wind-farm-inspection.mp4";
    Path file = TestFiles.write(folder, name, TestFiles.random(44, 11 * MIB));
    Dimension desktop = browser.driver.manage().window().getSize();
    browser.driver.manage().window().setSize(new Dimension(360, 800));
    page.open();
    page.throttleUploads(MIB);
    try {
      page.choose(file);
      WebElement row = page.upload(name);
      browser.waitUntil("a first part to be stored", d -> barValue(row) > 0);
      assertTrue(row.findElement(By.cssSelector("button.pause")).isDisplayed(), "pause offered");
      assertTrue((Long) browser.js("return document.documentElement.scrollWidth") <= 360,
          "expected no horizontal scrolling at 360 px");
      browser.fullPageScreenshot("multipart-narrow");

      row.findElement(By.cssSelector("button.cancel")).click();

      page.waitForUpload(name, "cancelled");
    } finally {
      page.unthrottle();
      browser.driver.manage().window().setSize(desktop);
    }
    browser.waitUntil("the server to drop the cancelled upload", d -> {
      try {
        return site.pendingUploads().isEmpty();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertEquals(0, page.storedEntries(), "nothing left to resume");
  }
}
