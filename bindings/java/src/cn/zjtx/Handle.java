// SPDX-License-Identifier: LGPL-2.1-or-later
// Handle.java - a reference-counted native pointer, freed when its owner and every user let go.
package cn.zjtx;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * One native object. The Java object that owns it holds one reference (dropped by close() or
 * by the Cleaner once the owner is unreachable); a call in progress holds one for its duration;
 * a result holds one on its facts and its policy for as long as it lives. The native free runs
 * when the count reaches zero, then the handles this one depends on are released: so objects
 * may be closed, or left to the garbage collector, in any order, from any thread.
 *
 * <p>The cleaning action is this object, never the owner, so the Cleaner does not keep the
 * owner reachable.
 */
final class Handle implements Runnable {
  /** Native objects alive (not yet freed): for the tests, which check that GC frees them. */
  static final AtomicInteger LIVE = new AtomicInteger();

  private final AtomicInteger refs = new AtomicInteger(1);
  private final long ptr;
  private final LongConsumer free;
  private final Handle[] deps;
  private final String what;

  Handle(long ptr, LongConsumer free, String what, Handle... deps) {
    this.ptr = ptr;
    this.free = free;
    this.what = what;
    this.deps = deps;
    LIVE.incrementAndGet();
  }

  /** Takes a reference for a call; returns the pointer. Fails once everything let go. */
  long acquire() {
    for (; ; ) {
      int n = refs.get();
      if (n == 0) {
        throw new IllegalStateException(what + " is closed");
      }
      if (refs.compareAndSet(n, n + 1)) {
        return ptr;
      }
    }
  }

  /** Drops a reference; frees the native object at zero, then releases its dependencies. */
  void release() {
    if (refs.decrementAndGet() == 0) {
      free.accept(ptr);
      LIVE.decrementAndGet();
      for (Handle d : deps) {
        d.release();
      }
    }
  }

  /** The owner's reference, dropped exactly once by its Cleanable. */
  @Override
  public void run() {
    release();
  }
}
