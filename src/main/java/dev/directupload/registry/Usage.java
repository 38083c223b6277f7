package dev.directupload.registry;

/** What an owner holds: files and bytes completed, and those still pending. */
public record Usage(long completedFiles, long completedBytes, long pendingFiles, long pendingBytes) {
  public static final Usage NONE = new Usage(0, 0, 0, 0);

  public long files() {
    return completedFiles + pendingFiles;
  }

  public long bytes() {
    return completedBytes + pendingBytes;
  }
}
