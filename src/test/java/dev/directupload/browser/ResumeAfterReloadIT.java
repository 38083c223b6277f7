package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A large upload interrupted by a page reload is shown after it as unfinished, with what the
 * store holds of it and "choose the same file to resume"; choosing the same file continues it in
 * that row, sending only the parts the store lacks, and the stored file comes back byte for
 * byte; Discard drops it on the server instead.
 */
class ResumeAfterReloadIT extends PageTest {
  private static final int MIB = 1 << 20;

  @TempDir
  static Path folder;

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.startMultipart("5MiB", "5MiB"));
  }

  /** Starts sending {@code file} slowly and reloads the page once a part is stored. */
  private List<Integer> reloadWithAPartStored(Path file) throws Exception {
    String name = file.getFileName().toString();
    page.open();
    page.throttleUploads(MIB);
    try {
      page.choose(file);
      browser.waitUntil("the store to hold a part of " + name, d -> {
        try {
          List<String> pending = site.pendingUploads();
          return !pending.isEmpty() && !site.storedParts(pending.get(0)).isEmpty();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      page.reload();
      return site.storedParts(site.pendingUploads().get(0));
    } finally {
      page.unthrottle();
    }
  }

  @Test
  void reloadedPageShowsTheUnfinishedUploadAndTheSameFileResumesIt() throws Exception {
    String name = "river-crossing.mp4";
    // Parts of 5, 5 and 1 MiB: on a slow network the small one is stored first.
    byte[] content = TestFiles.random(43, 11 * MIB);
    Path file = TestFiles.write(folder, name, content);
    List<Integer> storedBefore = reloadWithAPartStored(file);
    assertTrue(!storedBefore.isEmpty() && storedBefore.size() < 3,
        "some parts but not all are stored: " + storedBefore);

    WebElement row = page.waitForUpload(name, "unfinished");
    assertEquals("Unfinished", text(row.findElement(By.className("status"))));
    WebElement detail = row.findElement(By.className("detail"));
    String stored = storedBefore.size() + " of 3 parts stored";
    browser.waitUntil("the row to say what the store holds", d -> text(detail).contains(stored));
    assertTrue(text(detail).endsWith("Choose the same file to resume."), text(detail));
    assertTrue(row.findElement(By.cssSelector("button.choose")).isDisplayed(), "Choose file");
    assertTrue(row.findElement(By.cssSelector("button.discard")).isDisplayed(), "Discard");
    assertFalse(row.findElement(By.cssSelector("button.retry")).isDisplayed());
    assertEquals("0 of 1 file done · 1 unfinished", text(page.byId("overall-text")));
    browser.screenshot("unfinished-after-reload");

    page.choose(file);
    page.waitForUpload(name, "done");

    assertEquals(1L, browser.js("return document.querySelectorAll('#uploads li.upload').length"),
        "the unfinished row became the upload");
    Set<Integer> missing = new TreeSet<>(IntStream.rangeClosed(1, 3).boxed().toList());
    missing.removeAll(storedBefore);
    assertEquals(missing, new TreeSet<>(page.partPuts()), "parts sent after the reload");
    assertEquals(missing.size(), page.partPuts().size(), "each missing part sent once");
    String resumed = "Resuming: " + storedBefore.size() + " of 3 parts already stored";
    assertTrue(page.trace(name).get("details").toString().contains(resumed),
        "expected '" + resumed + "' in " + page.trace(name));
    List<Long> bars = page.bars(name);
    assertEquals(bars.stream().sorted().toList(), bars, "bar values never decrease");

    assertEquals(TestFiles.sha256(content), TestFiles.sha256(Files.readAllBytes(page.download(name))));
    assertEquals(List.of(), site.pendingUploads(), "nothing pending on the server");
    assertEquals(0, page.storedEntries(), "nothing left to resume");
  }

  @Test
  void discardedUnfinishedUploadIsDroppedOnTheServer() throws Exception {
    String name = "abandoned-survey.mp4";
    Path file = TestFiles.write(folder, name, TestFiles.random(45, 11 * MIB));
    reloadWithAPartStored(file);

    WebElement row = page.waitForUpload(name, "unfinished");
    row.findElement(By.cssSelector("button.discard")).click();

    browser.waitUntil("the row to go", d -> page.uploadRows().isEmpty());
    browser.waitUntil("the server to drop the upload", d -> {
      try {
        return site.pendingUploads().isEmpty();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertEquals(0, page.storedEntries(), "nothing left to resume");
    page.reload();
    assertTrue(page.uploadRows().isEmpty(), "nothing unfinished after another reload");
  }
}
