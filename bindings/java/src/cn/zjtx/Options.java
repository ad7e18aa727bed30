// SPDX-License-Identifier: LGPL-2.1-or-later
// Options.java - how to evaluate: the period, parameter overrides, threads.  Immutable.
package cn.zjtx;

import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@link Policy#evaluate}: immutable, built by {@link #builder()}, shareable between
 * threads. {@link #defaults()}: the policy's default period and parameters, and the library's
 * default number of threads.
 */
public final class Options {
  private static final Options DEFAULTS = builder().build();

  private final String period;
  private final List<String[]> params;
  private final int threads;

  private Options(Builder b) {
    this.period = b.period;
    this.params = List.copyOf(b.params);
    this.threads = b.threads;
  }

  /** The policy's default period and parameters, the library's default threads. */
  public static Options defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The period, or null for the policy's default. */
  public String period() {
    return period;
  }

  /** The number of threads, or -1 for the library's default. */
  public int threads() {
    return threads;
  }

  /** Builds {@link Options}. */
  public static final class Builder {
    private String period;
    private final List<String[]> params = new ArrayList<>();
    private int threads = -1;

    private Builder() {}

    /** The period to evaluate, "YYYY". */
    public Builder period(String period) {
      this.period = period;
      return this;
    }

    /**
     * Replaces every dated value of parameter {@code id} by {@code value}, written as in the
     * policy ("2.5" for 2.5 %, "300000" for money). Checked by evaluate().
     */
    public Builder param(String id, String value) {
      return param(id, null, value);
    }

    /** The same for one entry {@code key} of a keyed parameter. */
    public Builder param(String id, String key, String value) {
      params.add(new String[] {id, key, value});
      return this;
    }

    /** Threads evaluate() may use: 1 only the caller's; 0 one per processor. */
    public Builder threads(int threads) {
      if (threads < 0) {
        throw new IllegalArgumentException("threads must be 0 or more");
      }
      this.threads = threads;
      return this;
    }

    public Options build() {
      return new Options(this);
    }
  }

  /** The options as the native glue takes them. */
  static final class Encoded {
    byte[] period;
    byte[][] ids;
    byte[][] keys;
    byte[][] values;
    int threads;
  }

  Encoded encode() {
    Encoded n = new Encoded();
    n.period = Native.cstr(period);
    n.ids = new byte[params.size()][];
    n.keys = new byte[params.size()][];
    n.values = new byte[params.size()][];
    for (int i = 0; i < params.size(); i++) {
      String[] p = params.get(i);
      n.ids[i] = Native.cstr(p[0]);
      n.keys[i] = Native.cstr(p[1]);
      n.values[i] = Native.cstr(p[2]);
    }
    n.threads = threads;
    return n;
  }
}
