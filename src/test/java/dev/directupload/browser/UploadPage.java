package dev.directupload.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;

/**
 * The upload page as a test sees it: the hooks of {@code webapp/index.html} (ids, row classes,
 * {@code data-state}) and nothing of how its modules ({@code webapp/js/}) work inside.
 */
final class UploadPage {
  /**
   * Records every state, detail text and bar value each upload row shows, and the fullest its
   * bar gets, so a test can check what happened between two of its polls.
   */
  private static final String TRACE = """
      const uploads = document.getElementById("uploads");
      const trace = window.uploadTrace = { rows: {}, mostRunning: 0 };
      const record = () => {
        let running = 0;
        for (const li of uploads.querySelectorAll("li.upload")) {
          const t = trace.rows[li.dataset.name]
              || (trace.rows[li.dataset.name] = { states: [], details: [], bars: [], fullest: 0 });
          const state = li.dataset.state;
          if (state === "uploading" || state === "verifying") running += 1;
          if (t.states[t.states.length - 1] !== state) t.states.push(state);
          const detail = li.querySelector(".detail").textContent;
          if (t.details[t.details.length - 1] !== detail) t.details.push(detail);
          const bar = li.querySelector("progress.bar");
          if (t.bars[t.bars.length - 1] !== bar.value) t.bars.push(bar.value);
          t.fullest = Math.max(t.fullest, bar.value / bar.max);
        }
        trace.mostRunning = Math.max(trace.mostRunning, running);
      };
      new MutationObserver(record).observe(uploads,
          { subtree: true, childList: true, characterData: true, attributes: true });
      """;

  /** Drops files on the drop zone the way a browser does: dragenter, dragover, drop. */
  private static final String DROP = """
      const [name, type, base64] = arguments;
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type }));
      const zone = document.getElementById("drop-zone");
      for (const kind of ["dragenter", "dragover"]) {
        zone.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      }
      const drop = new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer });
      zone.dispatchEvent(drop);
      return drop.defaultPrevented;
      """;

  private final Chromium browser;
  private final LocalSite site;

  UploadPage(Chromium browser, LocalSite site) {
    this.browser = browser;
    this.site = site;
  }

  /** Loads the page and waits until uploads are enabled and the list has loaded. */
  UploadPage open() {
    browser.driver.get(site.base);
    return ready();
  }

  /** Reloads the page as the browser's reload button does, and waits as {@link #open} does. */
  UploadPage reload() {
    browser.driver.navigate().refresh();
    return ready();
  }

  private UploadPage ready() {
    browser.waitUntil("the file input to be enabled once api/config answered",
        d -> input().isEnabled());
    browser.waitUntil("the files list to finish loading",
        d -> "false".equals(d.findElement(By.id("files")).getAttribute("aria-busy")));
    browser.waitUntil("the page to look for unfinished uploads",
        d -> browser.js("return document.body.dataset.unfinished || null"));
    browser.js(TRACE);
    return this;
  }

  /** Slows what the browser sends (to the store and to the app) to {@code bytesPerSecond}. */
  void throttleUploads(int bytesPerSecond) {
    ChromiumNetworkConditions throttled = new ChromiumNetworkConditions();
    throttled.setUploadThroughput(bytesPerSecond);
    browser.driver.setNetworkConditions(throttled);
  }

  void unthrottle() {
    browser.driver.deleteNetworkConditions();
  }

  WebElement input() {
    return browser.driver.findElement(By.id("file-input"));
  }

  /** Chooses files in the (visually hidden) file input, as the picker would. */
  void choose(Path... files) {
    input().sendKeys(Stream.of(files).map(f -> f.toAbsolutePath().toString())
        .collect(Collectors.joining("\n")));
  }

  /** Drops one file; true when the page took the drop (prevented the browser's default). */
  boolean drop(String name, String type, byte[] content) {
    return (Boolean) browser.js(DROP, name, type, Base64.getEncoder().encodeToString(content));
  }

  WebElement upload(String name) {
    return browser.waitUntil("an upload row for " + name, d -> (WebElement) browser.js(
        "return [...document.querySelectorAll('#uploads li.upload')]"
            + ".find((li) => li.dataset.name === arguments[0]) || null", name));
  }

  /** Every upload row shown. */
  List<WebElement> uploadRows() {
    return browser.driver.findElements(By.cssSelector("#uploads li.upload"));
  }

  /** Waits until the upload row of {@code name} is in {@code state}; fails early on another final state. */
  WebElement waitForUpload(String name, String state) {
    return browser.waitUntil("the upload of " + name + " to become " + state, d -> {
      WebElement row = upload(name);
      String now = row.getAttribute("data-state");
      if (!state.equals(now) && List.of("done", "failed", "cancelled", "refused").contains(now)) {
        throw new AssertionError("expected the upload of " + name + " to become " + state
            + " but it is " + now + ": " + row.findElement(By.className("detail")).getText());
      }
      return state.equals(now) ? row : null;
    });
  }

  /** Waits until the upload row of {@code name} says {@code words} in its detail. */
  WebElement waitForDetail(String name, String words) {
    return browser.waitUntil("the upload of " + name + " to say '" + words + "'", d -> {
      WebElement row = upload(name);
      return text(row.findElement(By.className("detail"))).contains(words) ? row : null;
    });
  }

  /** What {@link #TRACE} saw of one row: states, details and the fullest bar (0..1). */
  @SuppressWarnings("unchecked")
  Map<String, Object> trace(String name) {
    return (Map<String, Object>) browser.js(
        "return window.uploadTrace.rows[arguments[0]] || null", name);
  }

  /** Every value the bar of {@code name} showed, in bytes, in order. */
  List<Long> bars(String name) {
    return ((List<?>) trace(name).get("bars")).stream()
        .map(v -> Math.round(((Number) v).doubleValue())).toList();
  }

  /** The most uploads {@link #TRACE} saw running (uploading or verifying) at the same time. */
  long mostRunning() {
    return (Long) browser.js("return window.uploadTrace.mostRunning");
  }

  /** The row of a listed file, or null. */
  WebElement file(String name) {
    return (WebElement) browser.js("return [...document.querySelectorAll('#files li.file')]"
        + ".find((li) => li.querySelector('.name').textContent === arguments[0]) || null", name);
  }

  WebElement waitForFile(String name) {
    return browser.waitUntil(name + " in the files list", d -> file(name));
  }

  /** Waits until the listed file's thumbnail box holds a drawn picture, and returns it. */
  WebElement waitForThumbnail(String name) {
    return browser.waitUntil("a thumbnail drawn for " + name, d -> {
      WebElement row = file(name);
      if (row == null) {
        return null;
      }
      // Thumbnails are drawn as their rows come into view, as people scroll.
      browser.js("arguments[0].scrollIntoView({ block: 'nearest' })", row);
      List<WebElement> drawn = row.findElements(By.cssSelector(".thumb.has-image .thumb-img"));
      return drawn.isEmpty() ? null : drawn.get(0);
    });
  }

  /** The colour at the centre of a drawn thumbnail, as [red, green, blue]. */
  @SuppressWarnings("unchecked")
  List<Long> centreColour(WebElement canvas) {
    return (List<Long>) browser.js("const c = arguments[0];"
        + "const [r, g, b] = c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data;"
        + "return [r, g, b]", canvas);
  }

  void waitUntilNotListed(String name) {
    browser.waitUntil(name + " to leave the files list", d -> file(name) == null);
  }

  /**
   * How many requests to exactly {@code api/uploads} (presigns) this page has made: those
   * without a query (the page's look for unfinished uploads has one).
   */
  long presignRequests() {
    return (Long) browser.js("return performance.getEntriesByType('resource')"
        + ".map((e) => new URL(e.name))"
        + ".filter((u) => u.pathname.endsWith('/api/uploads') && u.search === '').length");
  }

  /**
   * The part numbers of the part PUTs this page (since it was loaded) sent to the store, in
   * the order they finished: presigned UploadPart URLs carry {@code partNumber}.
   */
  List<Integer> partPuts() {
    return partPutsSince(0);
  }

  /** As {@link #partPuts}, for the requests that finished after the first {@code skip} requests. */
  @SuppressWarnings("unchecked")
  List<Integer> partPutsSince(long skip) {
    return ((List<Long>) browser.js("return performance.getEntriesByType('resource')"
        + ".slice(arguments[0]).map((e) => new URL(e.name).searchParams.get('partNumber'))"
        + ".filter((n) => n !== null).map(Number)", skip)).stream().map(Long::intValue).toList();
  }

  /** The most part PUTs that were in flight at the same moment. */
  long mostPartPutsAtOnce() {
    return (Long) browser.js("""
        const puts = performance.getEntriesByType('resource')
            .filter((e) => new URL(e.name).searchParams.has('partNumber'));
        return Math.max(0, ...puts.map((a) => puts
            .filter((b) => b.startTime <= a.startTime && a.startTime < b.responseEnd).length));
        """);
  }

  /** How many requests this page has finished so far, to tell later ones apart. */
  long requestCount() {
    return (Long) browser.js("return performance.getEntriesByType('resource').length");
  }

  /** How many requests to {@code api/uploads/{id}/parts} (signing, or listing the stored parts). */
  long partsRequests() {
    return (Long) browser.js("return performance.getEntriesByType('resource')"
        + ".filter((e) => /[/]api[/]uploads[/][^/]+[/]parts$/.test(new URL(e.name).pathname)).length");
  }

  /** What the row's bar shows: bytes stored so far. */
  static long barValue(WebElement row) {
    return Math.round(Double.parseDouble(
        row.findElement(By.cssSelector("progress.bar")).getDomProperty("value")));
  }

  /** Clicks the listed file's Download link and waits until the browser has saved it. */
  Path download(String name) {
    waitForFile(name).findElement(By.cssSelector("a.download")).click();
    Path saved = browser.downloads.resolve(name);
    // Chromium writes to a ".crdownload" file and renames it to the final name when complete.
    return browser.waitUntil("the download to be saved as " + saved,
        d -> Files.isRegularFile(saved) ? saved : null);
  }

  /** Whether the page keeps anything in localStorage (it remembers only unfinished uploads). */
  long storedEntries() {
    return (Long) browser.js("return window.localStorage.length");
  }

  static String text(WebElement element) {
    return element.getDomProperty("textContent").strip(); // getText() applies CSS (uppercase)
  }

  WebElement byId(String id) {
    return browser.driver.findElement(By.id(id));
  }
}
