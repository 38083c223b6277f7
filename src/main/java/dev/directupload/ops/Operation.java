package dev.directupload.ops;

/**
 * What an API request asked for, as the {@code operation} label of the request metrics: a fixed
 * list, so a path made up by a client never becomes a label value of its own.
 */
public enum Operation {
  PRESIGN("presign"),
  PARTS("parts"),
  PARTS_LIST("parts_list"),
  COMPLETE("complete"),
  DELETE("delete"),
  PENDING("pending"),
  LIST("list"),
  DOWNLOAD("download"),
  CONFIG("config"),
  HEALTH("health"),
  LIVE("live"),
  READY("ready"),
  METRICS("metrics"),
  /** A CORS preflight ({@code OPTIONS}), answered by the CORS filter. */
  PREFLIGHT("preflight"),
  /** A path or method the API does not have. */
  OTHER("other");

  private final String label;

  Operation(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** True for the requests whose refusal the audit trail writes down: they act on uploads. */
  public boolean isAudited() {
    return switch (this) {
      case PRESIGN, PARTS, COMPLETE, DELETE, DOWNLOAD, METRICS -> true;
      default -> false;
    };
  }
}
