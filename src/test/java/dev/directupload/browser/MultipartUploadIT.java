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
 * its bar moves with the bytes sent, parts in flight included, and never goes back while it
 * sends; a paused upload says what it keeps (the stored parts) and what it drops (the parts in
 * flight), and resumes by sending only the parts the store lacks; the stored file comes back
 * byte for byte.
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
  void largeFileGoesInPartsAndItsBarMovesWithTheBytesInFlight() throws Exception {
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
    // The smallest part has 2.5 MiB: a bar counting only stored parts never shows less.
    assertTrue(bars.stream().anyMatch(v -> v > 0 && v < 5 * MIB / 2),
        "the bar moved before any part was stored: " + bars);
    assertTrue(bars.size() > 12, "the bar moved many times, not once per part: " + bars);
    assertEquals((long) content.length, bars.get(bars.size() - 1));
    assertTrue(page.trace(name).get("details").toString().contains("3 of 6 parts stored"),
        "the detail counts the stored parts: " + page.trace(name).get("details"));

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
      page.waitForDetail(name, "1 of 3 parts stored");
      row.findElement(By.cssSelector("button.pause")).click();
      page.waitForUpload(name, "paused");
      requestsAtPause = page.requestCount();
      assertEquals("Paused", text(row.findElement(By.className("status"))));
      assertEquals("Paused: 1 MiB of 11 MiB kept (1 of 3 parts); the 2 parts in flight will be"
          + " sent again.", text(row.findElement(By.className("detail"))),
          "what the pause keeps and what it drops");
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
    // The bar goes back once: at the pause, to what is kept; it only grows before and after.
    List<Long> bars = page.bars(name);
    int paused = bars.lastIndexOf((long) MIB);
    assertTrue(paused > 0 && bars.get(paused - 1) > MIB, "the pause dropped the parts in flight: "
        + bars);
    assertEquals(bars.subList(0, paused).stream().sorted().toList(), bars.subList(0, paused),
        "before the pause the bar never decreases");
    List<Long> after = bars.subList(paused, bars.size());
    assertEquals(after.stream().sorted().toList(), after, "after the pause it never decreases");
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
