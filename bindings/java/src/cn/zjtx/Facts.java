// SPDX-License-Identifier: LGPL-2.1-or-later
// Facts.java - the records a policy is evaluated over; immutable once read.
package cn.zjtx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Facts read for a policy ({@link Policy#loadFacts}). Immutable: any number of threads may
 * evaluate over the same facts. Results computed from them keep them alive, so closing the
 * facts (or losing them to the garbage collector) before a result is safe.
 */
public final class Facts extends NativeObject {
  Facts(long ptr, Handle policy) {
    super(newHandle(ptr, policy));
  }

  // The facts hold a reference to their policy in C; the Java one keeps the order of frees
  // obvious (and the policy handle valid for errors) whatever the library version does.
  private static Handle newHandle(long ptr, Handle policy) {
    policy.acquire();
    return new Handle(ptr, Native::factsFree, "Facts", policy);
  }

  /** How many records of {@code entity} ("enterprise") the facts hold. */
  public long recordCount(String entity) {
    long f = acquire();
    try {
      return Native.factsRecordCount(f, Native.cstr(entity));
    } finally {
      release();
    }
  }

  /**
   * A record refused while reading with {@code keepGoing} ({@link Policy#loadFacts(java.nio.file.Path,
   * boolean)}): one per problem found, in input order per entity.
   *
   * @param entity the entity of the record ("loan")
   * @param file the file it came from, or null
   * @param line its line, 0 when unknown
   * @param id the record's id as written, or null
   * @param field the field at fault, or null
   * @param value the value at fault, or null
   * @param reason what was wrong
   */
  public record Reject(
      String entity, String file, int line, String id, String field, String value, String reason) {}

  /** The records refused (only ever some with {@code keepGoing}). */
  public List<Reject> rejects() {
    long f = acquire();
    try {
      int n = Native.factsRejectCount(f);
      List<Reject> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String[] s = Native.factsReject(f, i);
        list.add(new Reject(s[0], s[1], Integer.parseInt(s[2]), s[3], s[4], s[5], s[6]));
      }
      return Collections.unmodifiableList(list);
    } finally {
      release();
    }
  }
}
