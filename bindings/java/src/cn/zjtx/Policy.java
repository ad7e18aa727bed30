// SPDX-License-Identifier: LGPL-2.1-or-later
// Policy.java - a compiled policy: load it once, read facts for it, evaluate it from any thread.
package cn.zjtx;

import java.nio.file.Path;

/**
 * A compiled policy. Immutable: any number of threads may evaluate one policy at once. Close
 * it when done (or leave it to the garbage collector); facts and results keep what they need.
 */
public final class Policy extends NativeObject {
  private Policy(long ptr) {
    super(new Handle(ptr, Native::policyUnref, "Policy"));
  }

  /** Loads and compiles a policy file; an {@code extends} is found next to it. */
  public static Policy load(Path path) throws ZjtxException {
    return new Policy(Native.policyLoad(Native.cpath(path)));
  }

  /**
   * Compiles policy XML held in memory.
   *
   * @param name the name error messages use
   * @param baseDir where {@code extends} paths are found, or null for the current directory
   */
  public static Policy fromString(String xml, String name, Path baseDir) throws ZjtxException {
    byte[] dir = baseDir != null ? Native.cpath(baseDir) : null;
    return new Policy(Native.policyLoadString(Native.cstr(xml), Native.cstr(name), dir));
  }

  /** Reads facts from a JSON file or a CSV directory, stopping at invalid records. */
  public Facts loadFacts(Path path) throws ZjtxException {
    return loadFacts(path, false);
  }

  /**
   * Reads facts from a JSON file or a CSV directory.
   *
   * @param keepGoing false: any invalid record fails the call (every one is reported); true:
   *     invalid records are left out
   */
  public Facts loadFacts(Path path, boolean keepGoing) throws ZjtxException {
    long p = acquire();
    try {
      return new Facts(Native.factsLoad(p, Native.cpath(path), keepGoing ? 1 : 0), handle);
    } finally {
      release();
    }
  }

  /** Reads facts from JSON text (the JSON carrier); {@code name} is for error messages. */
  public Facts factsFromJson(String json, String name) throws ZjtxException {
    long p = acquire();
    try {
      return new Facts(Native.factsFromJson(p, Native.cstr(json), Native.cstr(name)), handle);
    } finally {
      release();
    }
  }

  /** Evaluates the policy over {@code facts} with {@link Options#defaults()}. */
  public Result evaluate(Facts facts) throws ZjtxException {
    return evaluate(facts, Options.defaults());
  }

  /**
   * Evaluates the policy over {@code facts} (read for this policy). The result keeps the
   * facts and the policy alive for as long as it lives.
   *
   * @param options the period, parameter overrides and threads; null for the defaults
   */
  public Result evaluate(Facts facts, Options options) throws ZjtxException {
    if (options == null) {
      options = Options.defaults();
    }
    long p = acquire();
    try {
      long f = facts.acquire();
      boolean kept = false;
      try {
        Options.Encoded o = options.encode();
        long r = Native.evaluate(p, f, o.period, o.ids, o.keys, o.values, o.threads);
        handle.acquire(); // the result's own references, released when it is freed
        kept = true;
        return new Result(r, handle, facts.handle);
      } finally {
        if (!kept) {
          facts.release();
        }
      }
    } finally {
      release();
    }
  }

  /** The policy's id. */
  public String id() {
    return call(Native::policyId);
  }

  /** The title in {@code lang} ("zh", "en"), or the policy's own. */
  public String title(String lang) {
    long p = acquire();
    try {
      return Native.policyTitle(p, Native.cstr(lang));
    } finally {
      release();
    }
  }

  /** The period evaluated when the options name none ("2025"). */
  public String defaultPeriod() {
    return call(Native::policyDefaultPeriod);
  }

  private String call(java.util.function.LongFunction<String> f) {
    long p = acquire();
    try {
      return f.apply(p);
    } finally {
      release();
    }
  }

  /** The version of libzjtx loaded ("0.1.0"). */
  public static String libraryVersion() {
    return Native.versionString();
  }
}
