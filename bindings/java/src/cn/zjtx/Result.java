// SPDX-License-Identifier: LGPL-2.1-or-later
// Result.java - what an evaluation found: entitlements, violations, undecided, and why.
package cn.zjtx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The result of {@link Policy#evaluate}. It holds references to its policy and facts (ids and
 * explanations come from them), so those may be closed or collected first. The lists are read
 * from the library once, in one call each, and are immutable; a result may be read from any
 * number of threads.
 */
public final class Result extends NativeObject {
  private List<Entitlement> entitlements;
  private List<Violation> violations;
  private List<Undecided> undecided;

  Result(long ptr, Handle policy, Handle facts) {
    super(new Handle(ptr, Native::resultFree, "Result", facts, policy));
  }

  /** The period evaluated ("2025"). */
  public String period() {
    long r = acquire();
    try {
      return Native.resultPeriod(r);
    } finally {
      release();
    }
  }

  /** The entitlements, in rule order then record order; zero amounts are left out. */
  public synchronized List<Entitlement> entitlements() {
    if (entitlements == null) {
      long r = acquire();
      try {
        int n = Native.resultEntitlementCount(r);
        String[] rules = new String[n];
        String[] entities = new String[n];
        String[] ids = new String[n];
        long[] fen = new long[n];
        Native.resultEntitlements(r, rules, entities, ids, fen);
        Entitlement[] list = new Entitlement[n];
        for (int i = 0; i < n; i++) {
          list[i] = new Entitlement(rules[i], entities[i], ids[i], fen[i]);
        }
        entitlements = Collections.unmodifiableList(Arrays.asList(list));
      } finally {
        release();
      }
    }
    return entitlements;
  }

  /** The violations, in check order then record order. */
  public synchronized List<Violation> violations() {
    if (violations == null) {
      long r = acquire();
      try {
        int n = Native.resultViolationCount(r);
        String[] checks = new String[n];
        String[] entities = new String[n];
        String[] ids = new String[n];
        Native.resultViolations(r, checks, entities, ids);
        Violation[] list = new Violation[n];
        for (int i = 0; i < n; i++) {
          list[i] = new Violation(checks[i], entities[i], ids[i]);
        }
        violations = Collections.unmodifiableList(Arrays.asList(list));
      } finally {
        release();
      }
    }
    return violations;
  }

  /** What the facts held was not enough to decide, in rule order then record order. */
  public synchronized List<Undecided> undecided() {
    if (undecided == null) {
      long r = acquire();
      try {
        int n = Native.resultUndecidedCount(r);
        List<Undecided> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          String[] s = Native.resultUndecided(r, i);
          List<Undecided.Missing> missing = new ArrayList<>();
          for (int j = 5; j + 2 < s.length; j += 3) {
            missing.add(new Undecided.Missing(s[j], s[j + 1], s[j + 2]));
          }
          list.add(
              new Undecided(
                  s[0], s[1].equals("check"), s[2], s[3], List.copyOf(missing), s[4].equals("true")));
        }
        undecided = Collections.unmodifiableList(list);
      } finally {
        release();
      }
    }
    return undecided;
  }

  /** Why entitlement {@code i} (an index into {@link #entitlements()}) is what it is. */
  public Explanation explain(int i) throws ZjtxException {
    return explain(i, false);
  }

  /** Why violation {@code i} (an index into {@link #violations()}) is one. */
  public Explanation explainViolation(int i) throws ZjtxException {
    return explain(i, true);
  }

  private Explanation explain(int i, boolean violation) throws ZjtxException {
    int n = violation ? violations().size() : entitlements().size();
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("index " + i + " of " + n);
    }
    long r = acquire();
    try {
      return Explanation.read(Native.resultExplain(r, i, violation));
    } finally {
      release();
    }
  }
}
