// SPDX-License-Identifier: LGPL-2.1-or-later
// Facts.java - the records a policy is evaluated over; immutable once read.
package cn.zjtx;

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
}
